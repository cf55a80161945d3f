from __future__ import annotations

import datetime as dt
from typing import Any

import pytest


def task(id: str, *, start: str, finish: str, status: str = "not_started", baseline_finish: str | None = None,
         visibility: str = "external", owner_role: str = "IE", milestone: bool = False, health: str = "on_track",
         assignee: str | None = None) -> dict[str, Any]:
    return {"id": id, "title": f"Task {id}", "visibility": visibility, "owner_role": owner_role, "start": start,
            "finish": finish, "baseline_start": start, "baseline_finish": baseline_finish or finish, "status": status,
            "health": health, "critical": False, "depends_on": [], "milestone": milestone, "assignee": assignee}


@pytest.fixture
def plan() -> dict[str, Any]:
    """A plan in the `plan show --json` shape: one task done this week, one slipped by 3
    working days, one internal task, one milestone ahead."""
    return {"health": "at_risk", "forecast_finish": "2026-12-18", "tasks": [
        task("kickoff", start="2026-11-16", finish="2026-11-16", status="done", milestone=True, owner_role="IPM"),
        task("install-dev", start="2026-11-23", finish="2026-11-25", status="done", owner_role="ADMIN"),
        task("codehosts-dev", start="2026-11-26", finish="2026-12-03", baseline_finish="2026-11-30", status="in_progress",
             health="late", owner_role="ADMIN"),
        task("k6-replica", start="2026-11-30", finish="2026-12-02", visibility="internal", owner_role="IE"),
        task("go-live", start="2026-12-18", finish="2026-12-18", milestone=True, baseline_finish="2026-12-15"),
    ]}


TODAY = dt.date(2026, 11, 27)


def working_days(a: dt.date, b: dt.date) -> int:
    """US federal calendar, as the plan's WorkCalendar counts it."""
    from implhub.planning.calendar import WorkCalendar

    cal = WorkCalendar(start=dt.date(2026, 1, 1), country="US")
    if b >= a:
        return cal.working_days_between(a + dt.timedelta(days=1), b) if b > a else 0
    return -cal.working_days_between(b + dt.timedelta(days=1), a)
