from __future__ import annotations

from implhub.reporting.status import build, render_markdown
from tests.reporting.conftest import TODAY, working_days


def _logs():
    return [
        {"kind": "risk", "number": 1, "title": "Scan delays", "status": "open", "visibility": "external", "owner": "a@x.io",
         "fields": {"probability": "high", "impact": "medium"}},
        {"kind": "risk", "number": 2, "title": "Secret vendor trouble", "status": "open", "visibility": "internal", "owner": "b@x.io",
         "fields": {"probability": "high", "impact": "high"}},
        {"kind": "issue", "number": 1, "title": "Token lacks scope", "status": "open", "visibility": "external", "owner": "c@x.io",
         "fields": {"severity": "high", "due_date": "2026-12-01"}},
    ]


def test_it_reports_what_finished_what_slipped_and_by_how_much(plan) -> None:
    r = build(project={"slug": "p", "name": "P"}, plan=plan, logs=_logs(), exit_criteria=None, numbers=[],
              today=TODAY, period="week", audience="internal", working_days=working_days)
    assert [t["id"] for t in r["completed"]] == ["install-dev"]
    slipped = {t["id"]: t["slip_working_days"] for t in r["slipped"]}
    # 2026-11-30 (Mon) -> 2026-12-03 (Thu): Tue, Wed, Thu = 3 working days
    assert slipped["codehosts-dev"] == 3
    # go-live 12-15 (Tue) -> 12-18 (Fri): 3 working days
    assert slipped["go-live"] == 3
    assert r["go_live_slip_working_days"] == 3
    assert [x["ref"] for x in r["risks"]] == ["R2", "R1"]  # highest score first


def test_the_external_report_holds_no_internal_item(plan) -> None:
    r = build(project={"slug": "p", "name": "P"}, plan=plan, logs=_logs(), exit_criteria=None, numbers=[],
              today=TODAY, period="week", audience="external", working_days=working_days)
    md = render_markdown(r)
    assert "k6-replica" not in str(r) and "Task k6-replica" not in md
    assert "Secret vendor trouble" not in md
    assert "a@x.io" not in md and "c@x.io" not in md
    assert "Scan delays" in md and "Token lacks scope" in md
    assert "Go-live forecast 2026-12-18 (baseline 2026-12-15, 3 working days late)" in md


def test_exit_criteria_progress_is_counted(plan) -> None:
    criteria = {"complete": False, "criteria": [{"number": i, "title": f"C{i}", "status": s} for i, s in
                                                enumerate(["met", "met", "waived", "not_met", "not_met", "not_met", "not_met", "not_met", "not_met"], 1)]}
    r = build(project={"slug": "p", "name": "P"}, plan=plan, logs=[], exit_criteria=criteria, numbers=[], today=TODAY, working_days=working_days)
    assert r["exit_criteria"]["met"] == 2 and r["exit_criteria"]["waived"] == 1 and r["exit_criteria"]["total"] == 9
    assert "2 of 9 met, 1 waived." in render_markdown(r)


def test_a_month_period_covers_the_calendar_month(plan) -> None:
    r = build(project={"slug": "p", "name": "P"}, plan=plan, logs=[], exit_criteria=None, numbers=[], today=TODAY, period="month", working_days=working_days)
    assert r["period"] == {"kind": "month", "start": "2026-11-01", "end": "2026-11-30"}
    assert {t["id"] for t in r["completed"]} == {"kickoff", "install-dev"}


def test_go_live_is_the_go_live_milestone_not_the_plans_last_task(plan) -> None:
    import copy

    later = copy.deepcopy(plan)
    golive = next(t for t in later["tasks"] if t.get("milestone") and "live" in f"{t['id']} {t['title']}".lower())
    later["tasks"].append({"id": "handoff", "title": "Handoff to the long-term owner", "phase": "golive", "start": "2026-12-23",
                           "finish": "2026-12-23", "baseline_finish": "2026-12-21", "status": "not_started",
                           "visibility": "external", "milestone": True})
    later["forecast_finish"], later["baseline_finish"] = "2026-12-23", "2026-12-21"
    r = build(project={"slug": "p", "name": "P"}, plan=later, logs=[], exit_criteria=None, numbers=[],
              today=TODAY, period="week", audience="external", working_days=working_days)
    assert r["forecast_finish"] == "2026-12-23"
    assert (r["go_live_forecast"], r["go_live_baseline"]) == (golive["finish"], golive["baseline_finish"])
    assert f"Go-live forecast {golive['finish']} (baseline {golive['baseline_finish']}" in render_markdown(r)
