"""The status report: what was completed, what slipped and by how much, what is next, health
and its reasons, open risks and issues, exit-criteria progress and key numbers with dates.

`build` takes plain data (the plan in its `plan show --json` shape, the log entries, the exit
criteria, key numbers) and returns the report as data; `render_markdown` writes it for people.
The external audience gets the external plan view and external log entries only: the caller
passes exactly those, and `build` drops anything marked internal as a second guard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from implhub.reporting.logs import OPEN_STATUSES, entry_ref, external_entry, risk_score

PERIOD_DAYS = {"week": 7, "month": 30}


def _d(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def period_bounds(today: dt.date, period: str) -> tuple[dt.date, dt.date]:
    if period == "week":
        start = today - dt.timedelta(days=today.weekday())  # Monday of this week
        return start, start + dt.timedelta(days=6)
    start = today.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, nxt - dt.timedelta(days=1)


def build(
    *,
    project: dict[str, Any],
    plan: dict[str, Any] | None,
    logs: list[dict[str, Any]],
    exit_criteria: dict[str, Any] | None,
    numbers: list[dict[str, Any]],
    today: dt.date,
    period: str = "week",
    audience: str = "external",
    working_days: Callable[[dt.date, dt.date], int],
) -> dict[str, Any]:
    """`working_days(a, b)`: working days after a up to and including b (negative when b < a),
    on the project's calendar (weekends, the customer's public holidays, blackout dates)."""
    start, end = period_bounds(today, period)
    prev_start = start - dt.timedelta(days=PERIOD_DAYS[period])
    tasks = [t for t in (plan or {}).get("tasks", []) if audience == "internal" or t.get("visibility") == "external"]
    completed, slipped, upcoming, milestones = [], [], [], []
    horizon = today + dt.timedelta(days=PERIOD_DAYS[period] + (0 if period == "month" else 7))
    for t in tasks:
        finish, base = _d(t.get("finish")), _d(t.get("baseline_finish"))
        status = t.get("status")
        row = {k: t.get(k) for k in ("id", "title", "owner_role", "start", "finish", "baseline_finish", "status", "health", "milestone", "critical",
                                     "owner_title", "health_reason", "expected_end", "confirmation", "confirmable")}
        if t.get("assignee") and audience == "internal":
            row["assignee"] = t["assignee"]
        if status == "done" and finish and start <= finish <= end:
            completed.append(row)
        if finish and base and finish > base and (status != "done" or (finish >= prev_start)):
            slip = t.get("slip_days")
            slipped.append({**row, "slip_working_days": int(slip) if isinstance(slip, int) and slip > 0 else working_days(base, finish)})
        if status != "done" and finish and _d(t.get("start")) and _d(t.get("start")) <= horizon:  # type: ignore[operator]
            upcoming.append(row)
        if t.get("milestone") or t.get("confirmable"):
            milestones.append(row)
    upcoming.sort(key=lambda r: (r["finish"], r["id"]))
    slipped.sort(key=lambda r: -r["slip_working_days"])
    visible_logs = [e for e in logs if audience == "internal" or e.get("visibility") == "external"]
    risks = sorted((e for e in visible_logs if e["kind"] == "risk" and e["status"] in OPEN_STATUSES), key=lambda e: -risk_score(e))
    issues = [e for e in visible_logs if e["kind"] == "issue" and e["status"] in OPEN_STATUSES]
    decisions = [e for e in visible_logs if e["kind"] == "decision" and _d(e.get("created_at")) and start <= _d(e["created_at"]) <= end]  # type: ignore[operator]
    base_finish = _d((plan or {}).get("baseline_finish")) or max(
        (d for t in tasks if (d := _d(t.get("baseline_finish"))) is not None), default=None)
    forecast = _d((plan or {}).get("forecast_finish"))
    go_live, go_live_base = _go_live(tasks, forecast, base_finish)
    criteria = (exit_criteria or {}).get("criteria", [])
    return {
        "project": project,
        "audience": audience,
        "period": {"kind": period, "start": start.isoformat(), "end": end.isoformat()},
        "generated_on": today.isoformat(),
        "health": (plan or {}).get("health", "unknown"),
        "health_reasons": list((plan or {}).get("health_reasons") or _reasons(tasks, today)),
        "forecast_finish": forecast.isoformat() if forecast else None,
        "baseline_finish": base_finish.isoformat() if base_finish else None,
        "go_live_forecast": go_live.isoformat() if go_live else None,
        "go_live_baseline": go_live_base.isoformat() if go_live_base else None,
        "go_live_slip_working_days": working_days(go_live_base, go_live) if go_live_base and go_live else None,
        "completed": completed,
        "slipped": slipped,
        "next": upcoming[:12],
        "milestones": milestones,
        "risks": [_log_row(e, audience) for e in risks],
        "issues": [_log_row(e, audience) for e in issues],
        "decisions": [_log_row(e, audience) for e in decisions],
        "exit_criteria": {
            "met": sum(1 for c in criteria if c["status"] == "met"),
            "waived": sum(1 for c in criteria if c["status"] == "waived"),
            "total": len(criteria),
            "items": [{"number": c["number"], "title": c["title"], "status": c["status"]} for c in criteria],
        } if criteria else None,
        "numbers": numbers,
        "plan_available": plan is not None,
    }


def _go_live(tasks: list[dict[str, Any]], forecast: dt.date | None,
             baseline: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """(forecast, baseline) of go-live: the go-live milestone when the plan has one, else the plan's finish."""
    for t in tasks:
        label = f"{t.get('id', '')} {t.get('title', '')}".lower()
        if t.get("milestone") and ("go-live" in label or "go live" in label or "golive" in label):
            return _d(t.get("finish")), _d(t.get("baseline_finish"))
    return forecast, baseline


def _reasons(tasks: list[dict[str, Any]], today: dt.date) -> list[str]:
    out = []
    for t in tasks:
        if t.get("health") == "late":
            out.append(f"{t['title']} is late (finish {t.get('finish')}, baseline {t.get('baseline_finish')})")
        elif t.get("status") == "blocked":
            out.append(f"{t['title']} is blocked")
    return out[:5]


def _log_row(e: dict[str, Any], audience: str) -> dict[str, Any]:
    if audience != "internal":
        # the same filter as the logs tab and the logs API; customer-facing reports name roles
        # through the plan, not people
        e = external_entry(e) or {**e, "fields": {}}
    row = {"ref": entry_ref(e["kind"], e["number"]), "title": e["title"], "status": e["status"],
           "owner": e.get("owner", ""), **dict(e.get("fields", {}))}
    if audience != "internal":
        row.pop("owner", None)
    return row


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    def cell(v: Any) -> str:
        return str("" if v is None else v).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return out


#: a customer executive reads this in two minutes: the longest lists are cut, the plan has the rest
MAX_REASONS = 4
MAX_ROWS = 10

HEALTH_WORDS = {"on_track": "On track", "at_risk": "At risk", "late": "Late", "done": "Done", "unknown": "Unknown"}


def render_markdown(r: dict[str, Any]) -> str:
    p = r["project"]
    period = r["period"]
    title = f"{p['name']}: {'weekly' if period['kind'] == 'week' else 'monthly'} status report"
    lines = [f"# {title}", "",
             f"Period {period['start']} to {period['end']} · generated {r['generated_on']}"
             + (" · internal" if r["audience"] == "internal" else ""), ""]
    health = HEALTH_WORDS.get(r["health"], r["health"])
    summary = f"**Health: {health}.**"
    go_live, go_live_base = r.get("go_live_forecast") or r["forecast_finish"], r.get("go_live_baseline") or r["baseline_finish"]
    if go_live:
        summary += f" Go-live forecast {go_live}"
        if go_live_base:
            slip = r["go_live_slip_working_days"] or 0
            summary += f" (baseline {go_live_base}" + (f", {slip} working day{'s' if abs(slip) != 1 else ''} {'late' if slip > 0 else 'early'})" if slip else ", on the baseline)")
        summary += "."
    lines += [summary, ""]
    reasons = r["health_reasons"]
    for reason in reasons[:MAX_REASONS]:
        lines.append(f"- {reason}")
    if len(reasons) > MAX_REASONS:
        lines.append(f"- and {len(reasons) - MAX_REASONS} more (see the plan)")
    if reasons:
        lines.append("")
    if not r["plan_available"]:
        lines += ["_No project plan yet: generate one with `implhub plan generate`._", ""]
    lines += ["## Completed this period", ""]
    lines += _table(["Task", "Finished"], [[t["title"], t["finish"]] for t in r["completed"]]) if r["completed"] else ["Nothing finished in this period."]
    lines += ["", "## Slipped against the baseline", ""]
    lines += _table(["Task", "Baseline finish", "Forecast finish", "Slip (working days)", "Why"],
                    [[t["title"], t["baseline_finish"], t["finish"], t["slip_working_days"], t.get("health_reason") or ""]
                     for t in r["slipped"][:MAX_ROWS]]) if r["slipped"] else ["Nothing has slipped."]
    if len(r["slipped"]) > MAX_ROWS:
        lines += ["", f"And {len(r['slipped']) - MAX_ROWS} more task(s) slipped by less; the plan lists them all."]
    lines += ["", "## Next", ""]
    nxt_headers = ["Task", "Owner", "Start", "Finish", "Status"]
    lines += _table(nxt_headers, [[t["title"], t.get("assignee") or t.get("owner_title") or t["owner_role"], t["start"], t["finish"], str(t["status"]).replace("_", " ")] for t in r["next"]]) if r["next"] else ["No open tasks in the coming weeks."]
    if r["milestones"]:
        lines += ["", "## Milestones", ""]
        lines += _table(["Milestone", "Owner", "Date", "Status", "Customer confirmation"],
                        [[m["title"], m.get("owner_title") or m["owner_role"], m["finish"], str(m["status"]).replace("_", " "),
                          _confirmation(m)] for m in r["milestones"]])
    lines += ["", "## Open risks", ""]
    lines += _table(["Ref", "Risk", "Probability", "Impact", "Mitigation"],
                    [[x["ref"], x["title"], x.get("probability", ""), x.get("impact", ""), x.get("mitigation", "")] for x in r["risks"]]) if r["risks"] else ["No open risks."]
    lines += ["", "## Open issues", ""]
    lines += _table(["Ref", "Issue", "Severity", "Due"], [[x["ref"], x["title"], x.get("severity", ""), x.get("due_date", "")] for x in r["issues"]]) if r["issues"] else ["No open issues."]
    if r["decisions"]:
        lines += ["", "## Decisions this period", ""]
        lines += [f"- {d['ref']}: {d['title']}" for d in r["decisions"]]
    ec = r["exit_criteria"]
    lines += ["", "## Exit criteria", ""]
    if ec:
        lines.append(f"{ec['met']} of {ec['total']} met" + (f", {ec['waived']} waived" if ec["waived"] else "") + ".")
        lines.append("")
        lines += _table(["#", "Criterion", "Status"], [[c["number"], c["title"], c["status"].replace("_", " ")] for c in ec["items"]])
    else:
        lines.append("Not evaluated yet.")
    lines += ["", "## Key numbers", ""]
    if r["numbers"]:
        lines += _table(["Measure", "Value", "As of", "Source"],
                        [[n["label"], n["value"], n.get("as_of", ""), n.get("source", "") + (" (simulated)" if n.get("simulated") else "")] for n in r["numbers"]])
    else:
        lines.append("No measurements yet.")
    return "\n".join(lines) + "\n"


def _confirmation(m: dict[str, Any]) -> str:
    c = m.get("confirmation")
    if not c:
        return "awaiting" if m.get("confirmable") else ""
    text = f"{c['decision']} by {c['by']} on {str(c['at'])[:10]}"
    return text + (f": {c['comment']}" if c.get("comment") else "")


def render_portfolio_markdown(rows: list[dict[str, Any]], *, today: dt.date) -> str:
    lines = ["# Implementation portfolio", "", f"Generated {today.isoformat()}", ""]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["health"]] = counts.get(r["health"], 0) + 1
    lines.append(", ".join(f"{HEALTH_WORDS.get(k, k)}: {v}" for k, v in sorted(counts.items())) or "No implementations.")
    lines.append("")
    lines += _table(["Implementation", "Health", "Forecast finish", "Baseline finish", "Slip (wd)", "Exit criteria", "Open risks", "Open issues"],
                    [[r["name"], HEALTH_WORDS.get(r["health"], r["health"]), r["forecast_finish"] or "", r["baseline_finish"] or "",
                      r["slip"] if r["slip"] is not None else "", r["exit"] or "", r["risks"], r["issues"]] for r in rows])
    return "\n".join(lines) + "\n"
