"""The load-test tab and API: internal only; the newest run with its chart."""

from __future__ import annotations

import pytest

from tests.web.conftest import Browser, make_project, make_user

pytestmark = pytest.mark.web


def _seed_run(seed, demo_tdd_text, tmp_path):  # type: ignore[no-untyped-def]
    from implhub.app import loadtest as svc
    from implhub.app.demo import DemoEnv
    from implhub.app.demo_parts import loadtest as part

    slug = make_project(seed, demo_tdd_text, slug="northwind-logistics")

    def fn(ctx):  # type: ignore[no-untyped-def]
        project = svc.get_or_raise(ctx, slug=slug)
        return part.seed(ctx, project, DemoEnv(workdir=tmp_path, seed=3))

    return slug, seed(fn)


def test_it_shows_the_newest_run_and_its_chart_to_the_team(app, seed, demo_tdd_text, tmp_path) -> None:  # type: ignore[no-untyped-def]
    slug, lines = _seed_run(seed, demo_tdd_text, tmp_path)
    assert "simulated" in lines[0]
    make_user(seed, "ie@example.com", "internal")
    b = Browser(app)
    assert b.login("ie@example.com", "correct horse battery").status_code == 303
    page = b.get(f"/projects/{slug}?tab=loadtest")
    assert page.status_code == 200
    assert "load-demo-3" in page.text and "time_to_first_byte{type:literal} med&lt;5500" in page.text
    assert "Simulated" in page.text
    runs = b.get(f"/api/projects/{slug}/loadtest/runs").json()
    assert runs[0]["run_id"] == "load-demo-3" and runs[0]["environment"] == "replica" and runs[0]["simulated"] is True
    one = b.get(f"/api/projects/{slug}/loadtest/runs/load-demo-3").json()
    assert set(one["report"]) >= {"run_id", "passed", "score", "types", "run_ids", "kind", "partial", "profile"}
    chart = b.get(f"/projects/{slug}/loadtest/runs/{runs[0]['id']}/chart.png")
    assert chart.status_code == 200 and chart.content[:4] == b"\x89PNG"
    prof = b.get(f"/api/projects/{slug}/loadtest/profile").json()
    assert prof["version"] == 1 and prof["profile"]["vus"] == 900


def test_customers_never_reach_load_tests(app, seed, demo_tdd_text, tmp_path) -> None:  # type: ignore[no-untyped-def]
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
