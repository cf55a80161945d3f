"""What a customer or share visitor reads through the API is what the web tabs show them, and
bad input (far dates, huge ids, control characters, script links) is refused with the field
named, never a 500."""

from __future__ import annotations

import json

from implhub.app import accounts, reporting
from tests.web.conftest import make_project, make_user

INTERNAL_PERSON = "ada@sourcegraph.example"


def _logs(seed, slug: str) -> None:
    seed(lambda ctx: reporting.add_entry(ctx, slug=slug, kind="decision", values={
        "title": "Use SSO", "visibility": "external", "decided_by": INTERNAL_PERSON, "decided_on": "2026-11-30"}))
    seed(lambda ctx: reporting.add_entry(ctx, slug=slug, kind="expansion", values={
        "title": "More seats", "visibility": "external", "value": "250k USD", "expected": "Q3"}))
    seed(lambda ctx: reporting.add_entry(ctx, slug=slug, kind="issue", values={
        "title": "Slow clones", "visibility": "external", "severity": "high", "resolution": "internal fix notes"}))


def test_customers_and_share_visitors_get_the_filtered_logs_and_report_from_the_api(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    _logs(seed, slug)
    make_user(seed, "cust@example.com", "customer", project=slug)
    customer = browser()
    customer.login("cust@example.com", "correct horse battery")
    share = browser()
    token = seed(lambda ctx: accounts.create_share(ctx, slug=slug)).url.rsplit("/", 1)[-1]
    share.get(f"/share/{token}")
    for who in (customer, share):
        logs = who.get(f"/api/projects/{slug}/logs")
        report = who.get(f"/api/projects/{slug}/reports/status")
        assert logs.status_code == 200 and report.status_code == 200
        body = json.dumps(logs.json()) + json.dumps(report.json())
        for secret in (INTERNAL_PERSON, "250k USD", "internal fix notes", "decided_by"):
            assert secret not in body, secret
        by_ref = {e["ref"]: e for e in logs.json()}
        assert by_ref["D1"]["fields"] == {"decided_on": "2026-11-30"} and by_ref["E1"]["fields"] == {}
        assert by_ref["I1"]["fields"] == {"severity": "high"}
        assert "owner" not in by_ref["I1"] and "created_by" not in by_ref["I1"]
        assert [d["ref"] for d in report.json()["decisions"]] == ["D1"]
    # the team still sees everything
    make_user(seed, "admin@example.com", "admin")
    admin = browser()
    admin.login("admin@example.com", "correct horse battery")
    full = {e["ref"]: e for e in admin.get(f"/api/projects/{slug}/logs").json()}
    assert full["D1"]["fields"]["decided_by"] == INTERNAL_PERSON and full["E1"]["fields"]["value"] == "250k USD"


def _admin(browser, seed):
    make_user(seed, "admin@example.com", "admin")
    b = browser()
    b.login("admin@example.com", "correct horse battery")
    b.get("/")
    return b


def _api(b, method: str, url: str, headers: dict[str, str] | None = None, **kw):
    return b.client.request(method, url, headers={"X-CSRF-Token": b.csrf, **(headers or {})}, **kw)


def test_dates_far_from_today_are_refused_with_the_field_named(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    b = _admin(browser, seed)
    resp = _api(b, "POST", f"/api/projects/{slug}/plan/generate", json={"start": "0357-01-05"})
    assert resp.status_code == 422 and resp.json()["field"] == "--start"
    resp = _api(b, "POST", f"/api/projects/{slug}/plan/generate", json={"start": "2026-12-01", "blackout": ["2999-01-01"]})
    assert resp.status_code == 422 and resp.json()["field"] == "--blackout"
    assert _api(b, "POST", f"/api/projects/{slug}/plan/generate", json={"start": "2026-12-01"}).status_code == 200
    task = _api(b, "GET", f"/api/projects/{slug}/plan").json()["tasks"][0]["id"]
    resp = _api(b, "PATCH", f"/api/projects/{slug}/plan/tasks/{task}", json={"actual_start": "1900-01-02"})
    assert resp.status_code == 422 and resp.json()["field"] == "actual_start"
    resp = _api(b, "POST", f"/api/projects/{slug}/logs/issue", json={"title": "x", "due_date": "9999-12-31"})
    assert resp.status_code == 422 and resp.json()["field"] == "--due"
    # the web form of the plan tab refuses it the same way
    resp = b.post(f"/projects/{slug}/plan/generate", {"start": "0357-01-05", "force": "true"})
    assert resp.status_code == 422 and "too far from today" in resp.text


def test_ids_beyond_the_database_range_are_not_found(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    b = _admin(browser, seed)
    huge = 2**31 + 5
    assert _api(b, "DELETE", f"/api/tokens/{huge}").status_code == 404
    assert _api(b, "POST", f"/api/projects/{slug}/shares/{huge}/revoke").status_code == 404
    assert _api(b, "PATCH", f"/api/projects/{slug}/logs/risk/R{huge}", json={"status": "closed"}).status_code == 404
    assert b.post(f"/account/tokens/{huge}/revoke").status_code == 404


def test_control_characters_and_script_links_in_a_design_are_refused_with_the_field_named(browser, seed, tdd_text) -> None:
    b = _admin(browser, seed)
    cases = [
        (tdd_text.replace("name: Example Corp", "name: Example\x00Corp", 1), "customer.name", "control character"),
        (tdd_text.replace("name: Example Corp", 'name: "Example\\u0007Corp"', 1), "customer.name", "control character"),
        (tdd_text.replace("name: Example Corp", 'name: "Example\\r\\nX-Injected: 1"', 1), "customer.name", "line break"),
        (tdd_text.replace("design_links: []", 'design_links: ["javascript:alert(1)"]', 1), "customer.design_links", "http"),
    ]
    for text, field, words in cases:
        resp = _api(b, "POST", "/api/projects", content=text.encode(), headers={"Content-Type": "text/plain"})
        assert resp.status_code == 422, (field, resp.status_code, resp.text[:300])
        assert resp.json()["field"] == field and words in json.dumps(resp.json()), resp.json()
    assert _api(b, "GET", "/api/projects").json() == []  # nothing stored
