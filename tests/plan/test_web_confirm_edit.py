"""The portal's confirmations, plan shaping from the plan tab and the API, and the team page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from implhub.store.models import ActivityEntry
from implhub.web.deps import Principal
from tests.plan import test_web as _web
from tests.plan.test_web import CUSTOMER, SLUG, _csrf

# the plan tab's fixtures: a demo project with a plan, and who the app believes is asking
client = _web.client
who = _web.who

pytestmark = pytest.mark.web
INTERNAL = Principal(name="Priya Raman", kind="internal", email="priya@sourcegraph.example", projects={SLUG: "IE"})


def _plan(client: TestClient) -> dict[str, Any]:
    who_was = client.get(f"/api/projects/{SLUG}/plan?view=external")
    assert who_was.status_code == 200, who_was.text
    return who_was.json()


def test_a_customer_confirms_a_milestone_and_declines_the_design_with_a_comment(client: TestClient, who: dict[str, Any], store) -> None:
    who["p"] = CUSTOMER
    page = client.get(f"/projects/{SLUG}?tab=plan").text
    assert f'action="/projects/{SLUG}/plan/confirm/kickoff"' in page
    assert f'action="/projects/{SLUG}/plan/confirm/design-confirm"' in page
    assert "Implementation Project Manager (IPM)" in page  # owners by role in the external view
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0] and " onclick=" not in page
    token = _csrf(page)
    ok = client.post(f"/projects/{SLUG}/plan/confirm/kickoff", data={"csrf_token": token, "decision": "confirmed"})
    assert ok.status_code == 303, ok.text
    no_comment = client.post(f"/projects/{SLUG}/plan/confirm/design-confirm", data={"csrf_token": token, "decision": "declined"})
    assert no_comment.status_code == 422 and "comment" in no_comment.text
    declined = client.post(f"/projects/{SLUG}/plan/confirm/design-confirm",
                           data={"csrf_token": token, "decision": "declined", "comment": "we need <b>two</b> regions"})
    assert declined.status_code == 303
    not_confirmable = client.post(f"/projects/{SLUG}/plan/confirm/infra-dev", data={"csrf_token": token, "decision": "confirmed"})
    assert not_confirmable.status_code == 422
    no_csrf = client.post(f"/projects/{SLUG}/plan/confirm/golive", data={"decision": "confirmed"})
    assert no_csrf.status_code == 403

    by = {t["id"]: t for t in _plan(client)["tasks"]}
    assert by["kickoff"]["confirmation"]["decision"] == "confirmed" and by["kickoff"]["confirmation"]["by"] == "Luis Ortega"
    design = by["design-confirm"]["confirmation"]
    assert design["decision"] == "declined" and design["comment"] == "we need <b>two</b> regions" and design["revision"] == 1
    assert by["golive"]["confirmation"] is None and by["golive"]["confirmable"]
    page = client.get(f"/projects/{SLUG}?tab=plan").text
    assert "confirmed by Luis Ortega" in page and "we need &lt;b&gt;two&lt;/b&gt; regions" in page
    # the status report and the activity log say who and when
    report = client.get(f"/api/projects/{SLUG}/reports/status?audience=external")
    assert report.status_code == 200, report.text
    milestones = {m["id"]: m for m in report.json()["milestones"]}
    assert milestones["kickoff"]["confirmation"]["by"] == "Luis Ortega"
    assert milestones["kickoff"]["owner_title"] == "Implementation Project Manager"
    from implhub.app.reporting import render_status

    text = render_status(report.json(), "md").decode()
    assert "confirmed by Luis Ortega on" in text and "declined by Luis Ortega on" in text and "awaiting" in text
    with store.session() as s:
        actions = {e.action: e for e in s.scalars(select(ActivityEntry).where(ActivityEntry.action.like("plan.%")))}
    assert actions["plan.confirm"].actor == CUSTOMER.email and "kickoff" in actions["plan.confirm"].entity_id
    assert "two" in actions["plan.decline"].summary


def test_only_the_customer_confirms(client: TestClient, who: dict[str, Any]) -> None:
    who["p"] = INTERNAL
    page = client.get(f"/projects/{SLUG}?tab=plan").text
    assert "/plan/confirm/" not in page
    refused = client.post(f"/projects/{SLUG}/plan/confirm/kickoff", data={"csrf_token": _csrf(page), "decision": "confirmed"})
    assert refused.status_code == 403
    assert {t["id"]: t for t in _plan(client)["tasks"]}["kickoff"]["confirmation"] is None


def test_the_plan_tab_and_the_api_shape_the_plan(client: TestClient) -> None:
    page = client.get(f"/projects/{SLUG}?tab=plan").text
    token = _csrf(page)
    added = client.post(f"/projects/{SLUG}/plan/tasks", data={
        "csrf_token": token, "task_id": "pen-test", "title": "Penetration test", "days": "3", "owner_role": "SECURITY",
        "depends_on": "install-staging", "before": "infra-prod"})
    assert added.status_code == 303, added.text
    plan = client.get(f"/api/projects/{SLUG}/plan").json()
    by = {t["id"]: t for t in plan["tasks"]}
    assert "pen-test" in by["infra-prod"]["depends_on"]
    version = by["kickoff"]["version"]
    reown = client.post(f"/projects/{SLUG}/plan/tasks/kickoff/shape", data={
        "csrf_token": token, "expected_version": str(version), "title": by["kickoff"]["title"],
        "days": "0", "owner_role": "TAM", "depends_on": ", ".join(by["kickoff"]["depends_on"])})
    assert reown.status_code == 303, reown.text
    stale = client.post(f"/projects/{SLUG}/plan/tasks/kickoff/shape", data={
        "csrf_token": token, "expected_version": str(version), "owner_role": "IE", "depends_on": ""})
    assert stale.status_code == 409
    forecast = client.post(f"/projects/{SLUG}/plan/tasks/plan-shared/forecast", data={
        "csrf_token": token, "expected_version": str(by["plan-shared"]["version"]), "remaining_days": "20"})
    assert forecast.status_code == 303, forecast.text
    bearer = {"Authorization": "Bearer x"}
    cycle = client.patch(f"/api/projects/{SLUG}/plan/tasks/kickoff", headers=bearer, json={"depends_on": ["golive"]})
    assert cycle.status_code == 422 and "cycle" in cycle.json()["error"]
    gone = client.delete(f"/api/projects/{SLUG}/plan/tasks/pen-test", headers=bearer)
    assert gone.status_code == 200 and gone.json()["relinked"] == ["infra-prod"]
    after = {t["id"]: t for t in client.get(f"/api/projects/{SLUG}/plan").json()["tasks"]}
    assert "pen-test" not in after and after["kickoff"]["owner_role"] == "TAM"
    assert after["plan-shared"]["expected_end"] and after["plan-shared"]["finish"] == after["plan-shared"]["expected_end"]


def test_the_team_page_shows_each_persons_weeks(client: TestClient, who: dict[str, Any]) -> None:
    page = client.get("/team")
    assert page.status_code == 200, page.text
    assert 'id="team-load"' in page.text and re.search(r"\d{4}-W\d{2}", page.text)
    api = client.get("/api/team/load", headers={"Authorization": "Bearer x"}).json()
    assert api and {"person", "week", "tasks", "projects", "overcommitted"} <= set(api[0])
    for r in api:
        assert f'data-person="{r["person"]}"' in page.text
    who["p"] = CUSTOMER
    assert client.get("/team").status_code == 403
    assert client.get("/api/team/load").status_code == 403


def test_the_customer_view_names_owners_by_role_and_shows_the_answers(client: TestClient, who: dict[str, Any]) -> None:
    who["p"] = CUSTOMER
    page = client.get(f"/projects/{SLUG}?tab=plan").text
    client.post(f"/projects/{SLUG}/plan/confirm/kickoff", data={"csrf_token": _csrf(page), "decision": "confirmed"})
    portal = client.get(f"/projects/{SLUG}?tab=portal")
    assert portal.status_code == 200, portal.text
    milestones = portal.text.split('id="portal-milestones"', 1)[1].split("</table>", 1)[0]
    assert "Implementation Project Manager" in milestones and "confirmed by Luis Ortega on" in milestones
    plan_rows = portal.text.split('id="portal-plan"', 1)[1].split("</table>", 1)[0]
    assert "Sourcegraph Administrator" in plan_rows
    md = client.get(f"/projects/{SLUG}/plan/export.md?view=external").text
    assert "Sourcegraph Administrator (ADMIN)" in md
    csv = client.get(f"/projects/{SLUG}/plan/export.csv?view=external").text
    assert "owner_title" in csv.splitlines()[0] and "confirmed by Luis Ortega" in csv


def test_re_owning_from_the_prefilled_form_keeps_the_dependency_lags(client: TestClient) -> None:
    bearer = {"Authorization": "Bearer x"}
    lagged = client.patch(f"/api/projects/{SLUG}/plan/tasks/owner-joins", headers=bearer, json={"depends_on": ["installed-prod+2"]})
    assert lagged.status_code == 200, lagged.text
    page = client.get(f"/projects/{SLUG}?tab=plan").text
    form = re.search(r'action="/projects/[^"]+/plan/tasks/owner-joins/shape".*?</form>', page, re.S)
    assert form and 'value="installed-prod+2"' in form.group(0)
    version = str(lagged.json()["version"])
    ok = client.post(f"/projects/{SLUG}/plan/tasks/owner-joins/shape", data={
        "csrf_token": _csrf(page), "expected_version": version, "owner_role": "IE", "depends_on": "installed-prod+2"})
    assert ok.status_code == 303, ok.text
    task = next(t for t in client.get(f"/api/projects/{SLUG}/plan").json()["tasks"] if t["id"] == "owner-joins")
    assert task["owner_role"] == "IE" and task["lags"] == {"installed-prod": 2}
