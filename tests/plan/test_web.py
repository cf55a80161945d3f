"""The plan tab, its Gantt picture and downloads, inline edits, and the plan API, as the team and
as a customer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from implhub.app import plan as svc
from implhub.app import projects
from implhub.app.context import Ctx
from implhub.settings import load_settings
from implhub.web.deps import Principal

pytestmark = pytest.mark.web

SLUG = "northwind-logistics"
ADMIN = Principal(name="Admin", kind="admin", email="admin@example.com")
CUSTOMER = Principal(name="Luis Ortega", kind="customer", email="luis.ortega@northwind.example", projects={SLUG: "CUSTOMER"})
STRANGER = Principal(name="Eve", kind="customer", email="eve@elsewhere.example", projects={"other": "CUSTOMER"})


@pytest.fixture
def who(monkeypatch: pytest.MonkeyPatch) -> dict[str, Principal | None]:
    """Who the app believes is asking: the authentication layer is replaced, the CSRF check stays."""
    current: dict[str, Principal | None] = {"p": ADMIN}
    try:
        from implhub.web import auth
    except ImportError:  # before authentication exists every request is a local admin
        return current
    monkeypatch.setattr(auth, "_resolve", lambda *a, **k: current["p"])
    return current


@pytest.fixture
def client(store, env, who, demo_tdd_text) -> Iterator[TestClient]:
    from implhub.web.app import create_app

    with store.session() as session:
        ctx = Ctx(session=session, settings=load_settings(), actor="tester@example.com")
        projects.create(ctx, text=demo_tdd_text, filename="demo.yaml", slug=SLUG)
        svc.generate(ctx, project=SLUG, start=ctx.today().replace(day=2))
        svc.set_task(ctx, project=SLUG, task_id="design-confirm", status="in_progress", assignee="Priya Raman",
                     note="RDS sizing still open")
    with TestClient(create_app(load_settings(), store=store), follow_redirects=False) as c:
        yield c


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert m, "the plan tab's forms carry a CSRF token"
    return m.group(1)


def _version(page: str, task: str) -> str:
    m = re.search(rf'action="/projects/{SLUG}/plan/tasks/{task}".*?name="expected_version" value="(\d+)"', page, re.S)
    assert m
    return m.group(1)


def test_the_team_sees_the_whole_plan_with_edit_forms_and_the_gantt(client: TestClient) -> None:
    page = client.get(f"/projects/{SLUG}?tab=plan")
    assert page.status_code == 200, page.text
    assert "Validate the resourcing with k6" in page.text and "RDS sizing still open" in page.text
    assert f'/projects/{SLUG}/plan/gantt.svg?view=internal' in page.text
    assert 'name="expected_version"' in page.text
    svg = client.get(f"/projects/{SLUG}/plan/gantt.svg?view=internal")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content[:500]


def test_an_inline_edit_lands_and_a_stale_one_is_refused(client: TestClient) -> None:
    page = client.get(f"/projects/{SLUG}?tab=plan").text
    form = {"csrf_token": _csrf(page), "expected_version": _version(page, "kickoff"), "status": "done",
            "actual_start": "", "actual_end": "", "assignee": "Marcus Webb", "note": ""}
    ok = client.post(f"/projects/{SLUG}/plan/tasks/kickoff", data=form)
    assert ok.status_code == 303, ok.text
    stale = client.post(f"/projects/{SLUG}/plan/tasks/kickoff", data={**form, "status": "blocked"})
    assert stale.status_code == 409 and "reload" in stale.text
    api = client.get(f"/api/projects/{SLUG}/plan").json()
    kickoff = next(t for t in api["tasks"] if t["id"] == "kickoff")
    assert kickoff["status"] == "done" and kickoff["assignee"] == "Marcus Webb"


def test_a_form_without_the_csrf_token_is_refused(client: TestClient) -> None:
    page = client.get(f"/projects/{SLUG}?tab=plan").text
    resp = client.post(f"/projects/{SLUG}/plan/tasks/kickoff", data={"expected_version": _version(page, "kickoff"), "status": "done"})
    assert resp.status_code == 403


def test_a_customer_sees_only_the_external_plan_and_cannot_edit(client: TestClient, who: dict[str, Any]) -> None:
    who["p"] = CUSTOMER
    page = client.get(f"/projects/{SLUG}?tab=plan")
    assert page.status_code == 200, page.text
    for secret in ("k6", "replica", "RDS sizing still open", "Priya Raman", "expected_version", "view=internal"):
        assert secret not in page.text
    assert "Project kickoff" in page.text
    forced = client.get(f"/projects/{SLUG}/plan/gantt.svg?view=internal")  # asks for more than it may see
    assert forced.status_code == 200 and b"k6" not in forced.content and b"replica" not in forced.content.lower()
    for fmt in ("md", "csv", "ics"):
        body = client.get(f"/projects/{SLUG}/plan/export.{fmt}?view=internal").content.decode()
        assert "k6" not in body and "Priya" not in body and "RDS" not in body
    assert client.get(f"/api/projects/{SLUG}/plan").status_code == 403
    external = client.get(f"/api/projects/{SLUG}/plan?view=external").json()
    assert all(t["visibility"] == "external" for t in external["tasks"])
    refused = client.patch(f"/api/projects/{SLUG}/plan/tasks/kickoff", json={"status": "done"}, headers={"Authorization": "Bearer x"})
    assert refused.status_code == 403


def test_someone_without_access_sees_nothing(client: TestClient, who: dict[str, Any]) -> None:
    who["p"] = STRANGER
    assert client.get(f"/api/projects/{SLUG}/plan?view=external").status_code == 403
    assert client.get(f"/projects/{SLUG}/plan/gantt.png").status_code == 403
    who["p"] = None
    anonymous = client.get(f"/projects/{SLUG}/plan/export.ics")
    assert anonymous.status_code in (303, 401, 403) and b"VCALENDAR" not in anonymous.content  # refused or sent to sign in


def test_the_api_updates_with_a_version_check(client: TestClient) -> None:
    bearer = {"Authorization": "Bearer x"}
    task = next(t for t in client.get(f"/api/projects/{SLUG}/plan").json()["tasks"] if t["id"] == "plan-shared")
    ok = client.patch(f"/api/projects/{SLUG}/plan/tasks/plan-shared", headers=bearer,
                      json={"status": "in_progress", "expected_version": task["version"]})
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "in_progress"
    again = client.patch(f"/api/projects/{SLUG}/plan/tasks/plan-shared", headers=bearer,
                         json={"status": "done", "expected_version": task["version"]})
    assert again.status_code == 409 and "reload" in again.json()["error"]
    bad = client.patch(f"/api/projects/{SLUG}/plan/tasks/plan-shared", headers=bearer, json={"status": "finished"})
    assert bad.status_code == 422 and "unknown status" in bad.json()["error"]


def test_moving_a_done_task_back_from_the_prefilled_form_drops_its_dates(client: TestClient) -> None:
    page = client.get(f"/projects/{SLUG}?tab=plan").text
    done = {"csrf_token": _csrf(page), "expected_version": _version(page, "staffing"), "status": "done",
            "actual_start": "", "actual_end": "", "note": ""}
    assert client.post(f"/projects/{SLUG}/plan/tasks/staffing", data=done).status_code == 303
    page = client.get(f"/projects/{SLUG}?tab=plan").text
    task = next(t for t in client.get(f"/api/projects/{SLUG}/plan").json()["tasks"] if t["id"] == "staffing")
    back = {"csrf_token": _csrf(page), "expected_version": _version(page, "staffing"), "status": "in_progress",
            "actual_start": task["actual_start"], "actual_end": task["actual_end"], "note": ""}
    assert client.post(f"/projects/{SLUG}/plan/tasks/staffing", data=back).status_code == 303
    task = next(t for t in client.get(f"/api/projects/{SLUG}/plan").json()["tasks"] if t["id"] == "staffing")
    assert task["status"] == "in_progress" and task["actual_end"] is None and task["actual_start"]
