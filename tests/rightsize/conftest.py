"""A real Prometheus holding the synthetic cluster of synth.py, backfilled with promtool and served
on a free loopback port for the session; always stopped at the end."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.net import free_port
from tests.rightsize import synth
from tests.web.conftest import app, clock, seed  # noqa: F401 (the web fixtures, for test_web.py)

WINDOW = "2h"
WINDOW_S = 7200


@dataclass
class Prom:
    url: str
    end: int
    cluster: synth.Cluster


@contextlib.contextmanager
def serve_prometheus(root: Path, openmetrics: str) -> Iterator[str]:
    """Backfill OpenMetrics text with promtool into a fresh TSDB, serve it with a real Prometheus on
    a free loopback port; yields its URL and always stops it."""
    prom_bin, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if not prom_bin or not promtool:
        pytest.skip("these tests need a real Prometheus: install the Debian package 'prometheus' (prometheus, promtool)")
    om = root / "cluster.om"
    om.write_text(openmetrics)
    data = root / "data"
    subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(om), str(data)],
                   check=True, capture_output=True, timeout=60)
    config = root / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 30s\nscrape_configs: []\n")
    port = free_port()
    log = (root / "prometheus.log").open("w")
    proc = subprocess.Popen(
        [prom_bin, f"--config.file={config}", f"--storage.tsdb.path={data}", "--storage.tsdb.retention.time=100y",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("prometheus did not start: " + (root / "prometheus.log").read_text()[-2000:])
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prom]:
    root = tmp_path_factory.mktemp("prometheus")
    end = int(time.time()) // 60 * 60
    cluster = synth.build(end, WINDOW_S)
    with serve_prometheus(root, cluster.openmetrics()) as url:
        yield Prom(url=url, end=end, cluster=cluster)


@pytest.fixture
def pinned_end(prometheus: Prom, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's window ends at 'now': pin its clock to the end of the synthetic data."""
    import datetime as dt

    from implhub.app import context

    end = dt.datetime.fromtimestamp(prometheus.end, dt.UTC)
    monkeypatch.setattr(context.Ctx, "now", lambda self: end)


def dead_url() -> str:
    """A loopback port nobody listens on."""
    return f"http://127.0.0.1:{free_port()}"


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)
