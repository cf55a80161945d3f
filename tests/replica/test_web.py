"""The Replica tab and /api/projects/{slug}/replica: internal only."""

from __future__ import annotations

import pytest

from implhub.app import replica as svc
from tests.web.conftest import make_project, make_user

pytestmark = pytest.mark.web


def test_the_team_sees_the_replica_tab_and_api(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    make_user(seed, "ie@example.com", "admin")
    b = browser()
    b.login("ie@example.com", "correct horse battery")
    assert b.get(f"/api/projects/{slug}/replica").status_code == 404
    seed(lambda ctx: svc.plan(ctx, project=slug))
    page = b.get(f"/projects/{slug}?tab=replica")
    assert page.status_code == 200 and "Replica environment" in page.text and "5,000" in page.text
    data = b.get(f"/api/projects/{slug}/replica").json()
    assert data["origin"] == "replica" and data["corpus"]["repositories"] == 5000 and data["corpora"] == []


def test_a_customer_cannot_see_the_replica(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    seed(lambda ctx: svc.plan(ctx, project=slug))
    make_user(seed, "cust@example.com", "customer", project=slug)
    b = browser()
    b.login("cust@example.com", "correct horse battery")
    assert b.get(f"/api/projects/{slug}/replica").status_code in (401, 403)
    page = b.get(f"/projects/{slug}?tab=replica")
    assert "Replica environment" not in page.text


def test_the_replica_plan_tasks_show_their_finish(browser, seed, demo_tdd_text) -> None:
    import re

    from implhub.app import plan

    slug = make_project(seed, demo_tdd_text)
    seed(lambda ctx: plan.generate(ctx, project=slug))
    seed(lambda ctx: svc.plan(ctx, project=slug))
    make_user(seed, "ie@example.com", "admin")
    b = browser()
    b.login("ie@example.com", "correct horse battery")
    tasks = b.get(f"/api/projects/{slug}/replica").json()["plan"]["tasks"]
    assert tasks and all(t["finish"] >= t["start"] for t in tasks)
    page = b.get(f"/projects/{slug}?tab=replica").text
    for t in tasks:
        row = re.search(rf"<tr><td>{t['id']}</td>.*?</tr>", page, re.S)
        assert row and f"<td>{t['start']}</td><td>{t['finish']}</td>" in row.group(0)


def test_the_tab_says_when_a_corpus_is_scaled_down_and_names_its_hosts(browser, seed, demo_tdd_text, tmp_path) -> None:
    slug = make_project(seed, demo_tdd_text)
    seed(lambda ctx: svc.plan(ctx, project=slug))
    report = {"out_dir": str(tmp_path / "replica"), "target": {"repositories": 380, "total_bytes": 26 * 10**9, "largest_bytes": 850 * 10**6},
              "achieved": {"repositories": 380, "total_bytes": 25_800_000_000, "largest_bytes": 850 * 10**6, "within_tolerance": True},
              "repositories": [], "scaled": True, "scale": 0.01, "end_date": "2026-11-30",
              "design": {"repositories": 38000, "total_bytes": 2600 * 10**9, "largest_bytes": 85 * 10**9, "monorepos": 2},
              "hosts": {"gitlab.northwind.example": 305, "github.northwind.example": 75}}
    seed(lambda ctx: svc.record_corpus(ctx, project=slug, report=report))
    make_user(seed, "ie@example.com", "admin")
    b = browser()
    b.login("ie@example.com", "correct horse battery")
    page = b.get(f"/projects/{slug}?tab=replica").text
    assert "scaled 0.01 from 38,000 repos" in page and "gitlab.northwind.example (305)" in page
    stored = b.get(f"/api/projects/{slug}/replica").json()["corpora"][0]["data"]
    assert stored["scaled"] is True and stored["design"]["repositories"] == 38000
