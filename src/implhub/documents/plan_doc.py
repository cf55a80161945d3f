"""The external project plan: timeline with the Gantt picture, deadlines, the status of every
external task, milestones reached, next steps, the risks the customer should see.

Nothing internal: only tasks whose visibility is "external" (checked here again, whatever view
the caller passed), only risks marked external, no person's name, no internal note."""

from __future__ import annotations

from typing import Any

from implhub.documents.facts import Facts, Snapshot
from implhub.documents.model import Document, missing_block, table

ROLE_TITLES = {
    "IE": "Implementation Engineer", "IPM": "Implementation Project Manager", "TAM": "Technical Account Manager",
    "CE": "Customer Engineer", "AE": "Account Executive", "LEADERSHIP": "Sourcegraph leadership",
    "SPONSOR": "Project Sponsor", "ADMIN": "Sourcegraph Administrator", "ADMIN_MANAGER": "Administrator's Manager",
    "CUSTOMER_PM": "Customer Project Manager", "INFRA": "Infrastructure Team", "SECURITY": "Security Team",
    "CODE_HOST_ADMIN": "Code Host Administrator", "UAT": "Engineers for UAT", "VENDOR": "External Vendor",
}
STATUS = {"not_started": "not started", "in_progress": "in progress", "blocked": "blocked", "done": "done"}


def external_tasks(plan: dict[str, Any] | None) -> list[dict[str, Any]]:
    tasks = (plan or {}).get("tasks") or []
    return [t for t in tasks if isinstance(t, dict) and t.get("visibility") == "external"]


def _role(code: Any) -> str:
    return ROLE_TITLES.get(str(code), str(code or "-"))


def build(snapshot: Snapshot) -> Document:
    f = Facts(snapshot)
    today = snapshot.today
    plan = snapshot.plan_external
    tasks = sorted(external_tasks(plan), key=lambda t: (str(t.get("start")), str(t.get("finish"))))
    missing: list[str] = []
    parts: list[str] = []
    customer = f.design.customer
    package = customer.package
    days = customer.timebox_days()
    start = min((str(t.get("start")) for t in tasks), default=None)
    done = sum(1 for t in tasks if t.get("status") == "done")

    parts.append("## Summary\n")
    if plan is None:
        missing.append(f"Plan: no project plan yet (implhub plan generate {f.slug})")
        parts.append(f"*Missing: the project plan (implhub plan generate {f.slug}).*\n")
    summary_rows: list[list[Any]] = [
        ["Customer", customer.name],
        ["Package", f"{package}, {days} calendar days" if days else package],
        ["Contract signed", customer.contract_date.isoformat() if customer.contract_date else None],
        ["Start", start],
        ["Forecast finish", (plan or {}).get("forecast_finish")],
        ["Health", str((plan or {}).get("health") or "-").replace("_", " ")],
        ["Progress", f"{done} of {len(tasks)} tasks done" if tasks else None],
    ]
    parts.append(table(["Field", "Value"], summary_rows))

    parts.append("## Timeline\n")
    assets: dict[str, tuple[str, bytes]] = {}
    if tasks:
        picture = snapshot.gantt_png  # the plan capability's picture, as the app layer drew it
        if isinstance(picture, bytes):
            name = "gantt.png"
            assets[name] = ("image/png", picture)
        else:  # the same engine draws it from the plan we were given
            from implhub.planning.gantt import render

            name = "gantt.svg"
            shown = {"view": "external", "health": "unknown", "forecast_finish": "", **(plan or {}),
                     "today": today.isoformat(), "tasks": tasks}  # only the external tasks, whatever the plan held
            assets[name] = ("image/svg+xml", render(shown, title=customer.name, fmt="svg"))
        parts.append(f"![Timeline: forecast against baseline, critical path outlined]({name})\n")
    else:
        parts.append("No scheduled tasks yet.\n")

    milestones = [t for t in tasks if t.get("milestone")]
    parts.append("## Milestones and deadlines\n")
    if milestones:
        parts.append(table(["Milestone", "Deadline (baseline)", "Forecast", "Status"],
                           [[t.get("title"), t.get("baseline_finish"), t.get("finish"),
                             "reached" if t.get("status") == "done" else STATUS.get(str(t.get("status")), t.get("status"))]
                            for t in milestones]))
        reached = [t for t in milestones if t.get("status") == "done"]
        parts.append(f"{len(reached)} of {len(milestones)} milestone(s) reached.\n")
    else:
        parts.append("No milestones scheduled yet.\n")

    parts.append("## Next steps\n")
    upcoming = [t for t in tasks if t.get("status") != "done"][:8]
    if upcoming:
        parts.append(table(["Task", "Owner", "Start", "Finish", "Status"],
                           [[t.get("title"), _role(t.get("owner_role")), t.get("start"), t.get("finish"),
                             STATUS.get(str(t.get("status")), t.get("status"))] for t in upcoming]))
    else:
        parts.append("Every task is done.\n" if tasks else "No tasks yet.\n")

    parts.append("## Status of every task\n")
    if tasks:
        parts.append(table(["Task", "Owner", "Start", "Finish", "Status", "Health"],
                           [[t.get("title"), _role(t.get("owner_role")), t.get("start"), t.get("finish"),
                             STATUS.get(str(t.get("status")), t.get("status")), str(t.get("health") or "-").replace("_", " ")]
                            for t in tasks]))
    else:
        parts.append("No tasks yet.\n")

    parts.append("## Risks\n")
    risks = [r for r in f.risks(external_only=True) if str(r.get("status") or "open") not in ("closed", "resolved", "retired")]
    if risks:
        parts.append(table(["Risk", "Probability", "Impact", "Mitigation"],
                           [[r.get("title"), r.get("probability"), r.get("impact"), r.get("mitigation")] for r in risks]))
    else:
        parts.append("No open risks to report.\n")

    report = snapshot.criteria
    if report is not None:
        parts.append("## Exit criteria\n")
        parts.append("The implementation is complete when all nine hold (or are agreed as not applicable).\n")
        parts.append(table(["#", "Criterion", "Status"],
                           [[c["number"], c["title"], str(c["status"]).replace("_", "\u00a0")] for c in report["criteria"]]))

    markdown = "\n".join([*(["## Missing information\n", missing_block(missing)] if missing else []), *parts])
    meta = [("Customer", customer.name), ("Forecast finish", str((plan or {}).get("forecast_finish") or "-")),
            ("Prepared", f"{snapshot.generated_at:%Y-%m-%d}")]
    return Document(kind="plan", title=f"{customer.name}: implementation plan",
                    subtitle="Project plan for the Sourcegraph implementation", audience="external",
                    markdown=markdown, meta=meta, missing=missing, assets=assets)
