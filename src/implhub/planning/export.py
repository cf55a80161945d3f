"""Exports of a plan view (the `plan show --json` dict): Markdown, CSV, XLSX, ICS.

Each takes the view it is given and nothing else, so an external export can only contain what
the external view contains. CSV and XLSX cells are escaped against formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

FORMATS = ("md", "csv", "xlsx", "ics", "svg", "png")
COLUMNS = ("id", "title", "phase", "environment", "owner_role", "assignee", "start", "finish",
           "baseline_start", "baseline_finish", "status", "health", "health_reason", "critical",
           "milestone", "depends_on", "owner_title", "expected_end", "confirmation")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def escape_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _cell(task: dict[str, Any], column: str) -> Any:
    value = task.get(column)
    if column == "depends_on":
        return ", ".join(value or [])
    if column == "confirmation":  # the customer's answer: who, when, and their comment
        if not value:
            return ""
        return f"{value['decision']} by {value['by']} on {str(value['at'])[:10]}" + (f": {value['comment']}" if value.get("comment") else "")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value


def to_csv(plan: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for task in plan["tasks"]:
        writer.writerow([escape_cell(_cell(task, c)) for c in COLUMNS])
    return buf.getvalue()


def to_xlsx(plan: dict[str, Any], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "Plan"
    ws.append([escape_cell(f"{title}: project plan ({plan['view']} view)")])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["health", plan["health"], "forecast finish", dt.date.fromisoformat(plan["forecast_finish"]),
               "baseline finish", dt.date.fromisoformat(plan["baseline_finish"]) if plan.get("baseline_finish") else ""])
    ws.append([])
    ws.append(list(COLUMNS))
    header = ws.max_row
    fill = PatternFill("solid", fgColor="EEF0F4")
    for cell in ws[header]:
        cell.font = Font(bold=True)
        cell.fill = fill
    dates = {"start", "finish", "baseline_start", "baseline_finish"}
    for task in plan["tasks"]:
        row = []
        for c in COLUMNS:
            value = _cell(task, c)
            if c in dates and value:
                value = dt.date.fromisoformat(value)
            row.append(escape_cell(value))
        ws.append(row)
    for row in ws.iter_rows(min_row=header + 1):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = ws.cell(row=header + 1, column=3)
    widths = {"id": 22, "title": 60, "health_reason": 50, "depends_on": 30}
    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=header, column=i).column_letter].width = widths.get(c, 14)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_markdown(plan: dict[str, Any], *, title: str) -> str:
    lines = [f"# {title}: project plan", "",
             f"- View: {plan['view']}",
             f"- Health: **{plan['health'].replace('_', ' ')}**" + (f" ({plan['health_reasons'][0]})" if plan.get("health_reasons") else ""),
             f"- Start: {plan['start']}",
             f"- Forecast finish: {plan['forecast_finish']}" + (f" (baseline {plan['baseline_finish']})" if plan.get("baseline_finish") else ""),
             ]
    if plan.get("timebox_end"):
        lines.append(f"- End of the timebox: {plan['timebox_end']}")
    lines += ["", "| | Task | Owner | Start | Finish | Baseline finish | Status | Health |",
              "|---|---|---|---|---|---|---|---|"]
    for t in plan["tasks"]:
        mark = "◆" if t["milestone"] else ("**!**" if t["critical"] else "")
        title_cell = str(t["title"]).replace("|", "\\|")
        role = f"{t['owner_title']} ({t['owner_role']})" if t.get("owner_title") else t["owner_role"]
        owner = role + (f", {t['assignee']}" if t.get("assignee") else "")
        lines.append(f"| {mark} | {title_cell} | {owner} | {t['start']} | {t['finish']} | {t['baseline_finish'] or ''} "
                     f"| {t['status'].replace('_', ' ')} | {t['health'].replace('_', ' ')} |")
    lines += ["", "◆ milestone; **!** on the critical path.", ""]
    noted = [t for t in plan["tasks"] if t.get("notes")]
    if noted:
        lines += ["## Notes", ""]
        for t in noted:
            for n in t["notes"]:
                lines.append(f"- {t['id']} ({n.get('at', '')[:10]}): {n.get('text', '')}")
        lines.append("")
    return "\n".join(lines)


def to_ics(plan: dict[str, Any], *, title: str, uid_prefix: str, now: dt.datetime) -> bytes:
    """One all-day event per milestone and per deadline, plus the end of the timebox. UIDs are
    stable (prefix + task id) so a calendar subscription updates events instead of duplicating."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//implhub//project plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{title}: project plan")
    stamp = now.astimezone(dt.UTC)

    def event(uid: str, summary: str, day: dt.date, description: str) -> None:
        ev = Event()
        ev.add("uid", f"{uid_prefix}-{uid}@implhub")
        ev.add("dtstamp", stamp)
        ev.add("summary", summary)
        ev.add("dtstart", day)
        ev.add("dtend", day + dt.timedelta(days=1))
        ev.add("description", description)
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)

    for t in plan["tasks"]:
        if not (t.get("milestone") or t.get("deadline")):
            continue
        kind = "Milestone" if t.get("milestone") else "Deadline"
        desc = f"{kind} of the {title} implementation. Status: {t['status'].replace('_', ' ')}; health: {t['health'].replace('_', ' ')}."
        if t.get("baseline_finish") and t["baseline_finish"] != t["finish"]:
            desc += f" Baseline: {t['baseline_finish']}."
        event(t["id"], f"{kind}: {t['title']}", dt.date.fromisoformat(t["finish"]), desc)
    if plan.get("timebox_end"):
        event("timebox-end", f"Deadline: end of the {title} implementation timebox",
              dt.date.fromisoformat(plan["timebox_end"]), "The project closes at scope completion or the end of the timebox, whichever comes first.")
    return bytes(cal.to_ical())
