"""A real k6 run against the stand-in instance with a real Prometheus beside it (promtool-backfilled
with cAdvisor and kube-state-metrics series covering the run): latency and each service's
headroom in one report, and the verdict that needs both."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.fake_sourcegraph_search import FakeSourcegraph
from tests.loadtest.conftest import RUN_SLUG as SLUG
from tests.rightsize import synth
from tests.rightsize.conftest import dead_url, serve_prometheus

FAST = ["--duration-scale", "0.01", "--vus", "4"]
GI = 1e9
MI = 2**20


def _cluster(*, starved: bool) -> str:
    """Fifteen minutes either side of now: the frontend at 25% of its 2 cores; the searcher at
    1.9 of 2 cores and throttled (starved) or at 0.6 (comfortable); gitserver near its 8G limit and
    OOM-killed every minute (starved) or at half its limit."""
    now = int(time.time())
    c = synth.Cluster(start=now - 900, end=now + 900)
    synth._container(c, "frontend-0", "frontend", lambda t: 0.5, lambda t: 1 * GI, resources=(2.0, 2 * GI, 2.0, 4 * GI))
    synth._container(c, "searcher-0", "searcher", (lambda t: 1.9) if starved else (lambda t: 0.6), lambda t: 400 * MI,
                     throttle=0.45 if starved else 0.0, resources=(0.5, 500e6, 2.0, 2 * GI))
    synth._container(c, "gitserver-0", "gitserver", lambda t: 1.0, (lambda t: 7.8 * GI) if starved else (lambda t: 4 * GI),
                     resources=(4.0, 8 * GI, 4.0, 8 * GI), oom_every=60 if starved else None)
    synth._container(c, "coredns-1", "coredns", lambda t: 0.01, lambda t: 30 * MI, ns="kube-system",
                     image="registry.k8s.io/coredns/coredns:v1.10.1")
    return c.openmetrics()


@pytest.fixture(scope="module")
def starved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_prometheus(tmp_path_factory.mktemp("starved"), _cluster(starved=True)) as url:
        yield url


@pytest.fixture(scope="module")
def comfortable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_prometheus(tmp_path_factory.mktemp("comfortable"), _cluster(starved=False)) as url:
        yield url


def _run(cli, prom: str, *extra: str):
    with FakeSourcegraph() as sg:
        return cli("loadtest", "run", SLUG, "--url", sg.url, "--token-env", "SG_TOKEN", *FAST, "--prometheus", prom, *extra)


def test_a_pass_on_a_starved_instance_is_not_adequate(cli, project, starved) -> None:
    result = _run(cli, starved, "--json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert out["passed"] is True  # latency alone would pass
    services = out["services"]
    assert set(services) == {"frontend", "searcher", "gitserver"}  # coredns is not Sourcegraph's
    assert set(services["searcher"]) == {"cpu_peak_ratio", "memory_peak_ratio", "throttled_ratio", "oom_kills"}
    assert services["frontend"]["cpu_peak_ratio"] == pytest.approx(0.25, abs=0.01)
    assert services["frontend"]["memory_peak_ratio"] == pytest.approx(0.25, abs=0.01)
    assert services["searcher"]["cpu_peak_ratio"] == pytest.approx(0.95, abs=0.01)
    assert services["searcher"]["throttled_ratio"] == pytest.approx(0.45, abs=0.01)
    assert services["gitserver"]["oom_kills"] >= 1 and services["gitserver"]["memory_peak_ratio"] == pytest.approx(0.975, abs=0.01)
    adequacy = out["adequacy"]
    assert adequacy["adequate"] is False and adequacy["latency_within_targets"] is True
    assert adequacy["over_80"] == ["gitserver", "searcher"] and adequacy["oom_killed"] == ["gitserver"]


def test_a_pass_with_headroom_is_adequate_and_the_report_shows_both(cli, project, comfortable, tmp_path: Path) -> None:
    result = _run(cli, comfortable, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["adequacy"]["adequate"] is True and out["adequacy"]["services_under_80"] is True
    assert out["services"]["searcher"]["cpu_peak_ratio"] == pytest.approx(0.3, abs=0.01)
    # the stored run's report, again with the server's side, as text and HTML with the chart
    text = cli("loadtest", "report", out["run_id"], "--prometheus", comfortable)
    assert text.exit_code == 0, text.output
    assert "resourcing: adequate" in text.stdout and "searcher" in text.stdout and "gitserver" in text.stdout
    html_path = tmp_path / "report.html"
    assert cli("loadtest", "report", out["run_id"], "--prometheus", comfortable, "--html", str(html_path)).exit_code == 0
    page = html_path.read_text()
    assert "Resourcing: adequate" in page and "searcher" in page and page.count("data:image/png;base64,") == 2


def test_a_prometheus_that_does_not_answer_stops_the_run_before_any_load(cli, project) -> None:
    with FakeSourcegraph() as sg:
        result = cli("loadtest", "run", SLUG, "--url", sg.url, "--token-env", "SG_TOKEN", *FAST, "--prometheus", dead_url())
        assert sg.requests["literal"] == 0
    assert result.exit_code == 2 and "no Prometheus answers" in result.stderr
    assert json.loads(cli("loadtest", "runs", SLUG, "--json").stdout) == []
