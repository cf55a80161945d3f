from __future__ import annotations

import pytest

from tests.web.conftest import Browser, make_project, make_user

pytestmark = pytest.mark.web


def test_the_project_page_shows_the_criteria_and_links_the_documents(app, seed, demo_tdd_text) -> None:
    slug = make_project(seed, demo_tdd_text, slug="northwind")
    make_user(seed, "ie@example.com", "internal")
    b = Browser(app)
    assert b.login("ie@example.com", "correct horse battery").status_code == 303
    page = b.get(f"/projects/{slug}?tab=exit")
    assert page.status_code == 200
    assert page.text.count('data-criterion="') == 9 and "not complete" in page.text
    for doc in ("internal", "plan", "handoff"):
        assert f"/projects/{slug}/documents/{doc}.pdf" in page.text
    docs = b.get(f"/projects/{slug}?tab=documents")
    assert 'data-doc="internal"' in docs.text and 'data-doc="handoff"' in docs.text
    md = b.get(f"/projects/{slug}/documents/internal.md")
    assert md.status_code == 200 and "## Missing information" in md.text
    api = b.get(f"/api/projects/{slug}/exit-criteria")
    assert api.status_code == 200 and [c["number"] for c in api.json()["criteria"]] == list(range(1, 10))


def test_a_customer_gets_the_plan_but_not_the_internal_documents(app, seed, demo_tdd_text) -> None:
    slug = make_project(seed, demo_tdd_text, slug="northwind")
    make_user(seed, "hannah@northwind.example", "customer", project=slug)
    b = Browser(app)
    assert b.login("hannah@northwind.example", "correct horse battery").status_code == 303
    docs = b.get(f"/projects/{slug}?tab=documents")
    assert docs.status_code == 200 and 'data-doc="plan"' in docs.text and 'data-doc="internal"' not in docs.text
    plan = b.get(f"/projects/{slug}/documents/plan.md")
    assert plan.status_code == 200 and "Priya Raman" not in plan.text
    assert b.get(f"/projects/{slug}/documents/internal.md").status_code == 403
    assert b.get(f"/projects/{slug}/documents/handoff.json").status_code == 403
    assert b.get(f"/api/projects/{slug}/exit-criteria").status_code == 403
    assert b.get(f"/projects/{slug}?tab=exit").status_code in (200, 403)
    assert 'data-criterion="' not in b.get(f"/projects/{slug}?tab=exit").text


def test_an_internal_editor_signs_off_from_the_tab_and_bad_input_stores_nothing(app, seed, demo_tdd_text) -> None:
    slug = make_project(seed, demo_tdd_text, slug="northwind")
    make_user(seed, "priya.raman@sourcegraph.example", "internal")  # the design's IE: a stakeholder may edit
    b = Browser(app)
    b.login("priya.raman@sourcegraph.example", "correct horse battery")
    page = b.get(f"/projects/{slug}?tab=exit")
    assert 'class="card exit-judgement"' in page.text
    bad = b.post(f"/projects/{slug}/exit-criteria", {"number": 3, "action": "sign", "by": "Priya", "evidence_url": "https://x.example/3"})
    assert bad.status_code == 422
    ok = b.post(f"/projects/{slug}/exit-criteria", {"number": 2, "action": "sign", "by": "Luis Ortega",
                                                   "evidence_url": "https://wiki.example.com/training"})
    assert ok.status_code == 303
    report = b.get(f"/api/projects/{slug}/exit-criteria").json()
    assert [c["status"] for c in report["criteria"]][1:3] == ["met", "not_met"]
    assert report["criteria"][1]["evidence"][0]["by"] == "Luis Ortega"


def test_the_portfolio_shows_each_state_and_hides_an_archived_duplicate(app, seed, demo_tdd_text) -> None:
    import datetime as dt

    from implhub.app import evidence, plan, projects
    from tests.documents.evidence import loadtest

    slug = make_project(seed, demo_tdd_text, slug="northwind")
    make_project(seed, demo_tdd_text, slug="northwind-dup")

    def setup(ctx):
        p = projects.get_or_raise(ctx, slug=slug)
        plan.generate(ctx, project=p, start=ctx.today() - dt.timedelta(days=80))  # long late: at risk or late
        evidence.add(ctx, project=p, kind="loadtest_run", environment="prod", source="demo", data=loadtest(), simulated=True)
        projects.set_state(ctx, p, "closed", reason="end of the timebox", action="project.close")
        projects.archive(ctx, slug="northwind-dup", reason="duplicate of northwind")

    seed(setup)
    make_user(seed, "ie@example.com", "internal")
    b = Browser(app)
    b.login("ie@example.com", "correct horse battery")
    page = b.get("/").text
    assert 'data-slug="northwind"' in page and 'data-slug="northwind-dup"' not in page
    row = page.split('data-slug="northwind"')[1].split("</tr>")[0]
    assert 'data-state="closed"' in row and '<span class="badge closed"' in row  # its state, not its plan's health
    assert "at risk" not in row and 'class="badge late"' not in row
    exit_tab = b.get(f"/projects/{slug}?tab=exit").text
    assert "data-simulated-would-meet" in exit_tab and "simulated, does not count" in exit_tab


def test_only_an_admin_reopens_or_archives_through_the_api(app, seed, demo_tdd_text) -> None:
    from implhub.app import projects

    slug = make_project(seed, demo_tdd_text, slug="northwind")
    seed(lambda ctx: projects.set_state(ctx, projects.get_or_raise(ctx, slug=slug), "complete", reason="done",
                                        action="project.complete"))
    make_user(seed, "priya.raman@sourcegraph.example", "internal")
    make_user(seed, "boss@example.com", "admin")
    ie = Browser(app)
    ie.login("priya.raman@sourcegraph.example", "correct horse battery")
    refused = ie.client.post(f"/api/projects/{slug}/reopen", json={"reason": "x"}, headers={"X-CSRF-Token": ie.csrf})
    assert refused.status_code == 403
    admin = Browser(app)
    admin.login("boss@example.com", "correct horse battery")
    ok = admin.client.post(f"/api/projects/{slug}/reopen", json={"reason": "a sync gap"}, headers={"X-CSRF-Token": admin.csrf})
    assert ok.status_code == 200 and ok.json()["state"] == "active" and ok.json()["state_reason"] == "a sync gap"
    archived = admin.client.post(f"/api/projects/{slug}/archive", json={"reason": "duplicate"}, headers={"X-CSRF-Token": admin.csrf})
    assert archived.status_code == 200 and archived.json()["state"] == "archived"
    from implhub.store.models import ActivityEntry

    activity = seed(lambda ctx: [(e.action, e.actor) for e in ctx.session.query(ActivityEntry).filter_by(entity="project").all()])
    assert ("project.reopen", "boss@example.com") in activity and ("project.archive", "boss@example.com") in activity
