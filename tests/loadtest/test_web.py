"""The load-test tab and API: internal only; the newest run with its chart."""

from __future__ import annotations

import pytest

from tests.web.conftest import Browser, make_project, make_user

pytestmark = pytest.mark.web


def _seed_run(seed, demo_tdd_text, tmp_path):
    from implhub.app import loadtest as svc
    from implhub.app.demo import DemoEnv
    from implhub.app.demo_parts import loadtest as part

    slug = make_project(seed, demo_tdd_text, slug="northwind-logistics")

    def fn(ctx):
        project = svc.get_or_raise(ctx, slug=slug)
        return part.seed(ctx, project, DemoEnv(workdir=tmp_path, seed=3))

    return slug, seed(fn)


def test_it_shows_the_newest_run_and_its_chart_to_the_team(app, seed, demo_tdd_text, tmp_path) -> None:
    slug, lines = _seed_run(seed, demo_tdd_text, tmp_path)
    assert "simulated" in lines[0]
    make_user(seed, "ie@example.com", "internal")
    b = Browser(app)
    assert b.login("ie@example.com", "correct horse battery").status_code == 303
    page = b.get(f"/projects/{slug}?tab=loadtest")
    assert page.status_code == 200
    assert "load-demo-3" in page.text and "time_to_first_byte{type:literal} med&lt;5500" in page.text
    assert "Simulated" in page.text
    assert "p95 targets: literal &lt; 2,000 ms" in page.text and "design (search_targets)" in page.text
    runs = b.get(f"/api/projects/{slug}/loadtest/runs").json()
    assert runs[0]["run_id"] == "load-demo-3" and runs[0]["environment"] == "replica" and runs[0]["simulated"] is True
    one = b.get(f"/api/projects/{slug}/loadtest/runs/load-demo-3").json()
    assert set(one["report"]) >= {"run_id", "passed", "score", "types", "run_ids", "kind", "partial", "profile"}
    chart = b.get(f"/projects/{slug}/loadtest/runs/{runs[0]['id']}/chart.png")
    assert chart.status_code == 200 and chart.content[:4] == b"\x89PNG"
    prof = b.get(f"/api/projects/{slug}/loadtest/profile").json()
    assert prof["version"] == 1 and prof["profile"]["vus"] == 900


def test_customers_never_reach_load_tests(app, seed, demo_tdd_text, tmp_path) -> None:
    slug, _ = _seed_run(seed, demo_tdd_text, tmp_path)
    make_user(seed, "cust@northwind.example", "customer", project=slug)
    from fastapi.testclient import TestClient

    b = Browser(app)
    b.client = TestClient(app, base_url="http://testserver", follow_redirects=False, raise_server_exceptions=False)
    assert b.login("cust@northwind.example", "correct horse battery").status_code == 303
    assert "load-demo-3" not in b.get(f"/projects/{slug}?tab=loadtest").text
    for url in (f"/api/projects/{slug}/loadtest/runs", f"/api/projects/{slug}/loadtest/runs/load-demo-3",
                f"/api/projects/{slug}/loadtest/profile", f"/projects/{slug}/loadtest/runs/1/chart.png"):
        assert b.get(url).status_code in (403, 404), url


def test_it_shows_the_instance_and_the_headroom_beside_the_latency(app, seed, demo_tdd_text, tmp_path) -> None:
    slug, _ = _seed_run(seed, demo_tdd_text, tmp_path)

    def fn(ctx):
        from implhub.app import evidence
        from implhub.app import loadtest as svc

        project = svc.get_or_raise(ctx, slug=slug)
        data = dict(svc.list_runs(ctx, project=project)[0].data)
        data.update({"run_id": "load-with-headroom", "instance": {"url": "https://sg.replica.example", "version": "6.4.1"},
                     "services": {"gitserver": {"cpu_peak_ratio": 0.3, "memory_peak_ratio": 0.97, "throttled_ratio": 0.0,
                                                "oom_kills": 2}},
                     "adequacy": {"adequate": False, "reasons": ["OOM-killed during the run: gitserver"]}})
        evidence.add(ctx, project=project, kind="loadtest_run", environment="replica", source="k6", data=data)
        return []

    seed(fn)
    make_user(seed, "ie@example.com", "internal")
    b = Browser(app)
    assert b.login("ie@example.com", "correct horse battery").status_code == 303
    page = b.get(f"/projects/{slug}?tab=loadtest").text
    assert "Instance tested: https://sg.replica.example, Sourcegraph 6.4.1" in page
    assert "Server headroom during the run" in page and "not adequate" in page
    assert "<td>gitserver</td><td>30%</td>" in page and "OOM-killed during the run: gitserver" in page
