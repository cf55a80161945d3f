"""Reminders and digests: which messages a run of `implhub remind` owes, each with a stable
event key so a second run (cron twice, a retry) sends nothing again.

Events: a task due within `due_soon_days` working days; a task past its finish and not done; a
human sign-off of an exit criterion waiting; evidence gone stale (the newest instance snapshot
older than `stale_days` while code hosts are being configured); and a weekly digest per
stakeholder. The key embeds what makes the event new: a task that slips to a new date is
reminded again, the same overdue task on the next day is not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from implhub.vocab import SIGNABLE_CRITERIA

#: exit criteria a named person signs (the rest come from evidence): the one list of the vocabulary
SIGNOFF_CRITERIA = SIGNABLE_CRITERIA


@dataclass(frozen=True)
class Reminder:
    key: str
    project: str
    to: str
    subject: str
    reason: str
    body: str = ""

    def public(self) -> dict[str, str]:
        return {"to": self.to, "subject": self.subject, "reason": self.reason}


@dataclass
class ProjectFacts:
    slug: str
    name: str
    #: working days after a up to and including b, on the project's calendar
    working_days: Callable[[dt.date, dt.date], int]
    stakeholders: list[dict[str, Any]]
    plan: dict[str, Any] | None
    exit_criteria: dict[str, Any] | None = None
    last_instance_snapshot: dt.datetime | None = None
    configuring: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def recipient(task: dict[str, Any], stakeholders: list[dict[str, Any]]) -> str | None:
    """The assignee's email, else the stakeholder holding the task's owner role."""
    who = (task.get("assignee") or "").strip()
    if "@" in who:
        return who
    if who:
        for s in stakeholders:
            if s["name"].lower() == who.lower():
                return str(s["email"])
    for s in stakeholders:
        if s["role"] == task.get("owner_role"):
            return str(s["email"])
    return None


def _role_email(stakeholders: list[dict[str, Any]], role: str) -> str | None:
    return next((str(s["email"]) for s in stakeholders if s["role"] == role), None)


def compute(facts: list[ProjectFacts], *, today: dt.date, due_soon_days: int = 3, stale_days: int = 7) -> list[Reminder]:
    out: list[Reminder] = []
    for p in facts:
        tasks = (p.plan or {}).get("tasks", [])
        fallback = _role_email(p.stakeholders, "IPM")
        digest: dict[str, list[str]] = {}
        for t in tasks:
            if t.get("status") == "done" or not t.get("finish"):
                continue
            finish = dt.date.fromisoformat(str(t["finish"])[:10])
            to = recipient(t, p.stakeholders) or fallback
            if to is None:
                continue
            left = p.working_days(today, finish)
            if finish < today:
                out.append(Reminder(
                    key=f"{p.slug}:overdue:{t['id']}:{finish.isoformat()}", project=p.slug, to=to,
                    subject=f"[{p.name}] Overdue: {t['title']} (due {finish.isoformat()})",
                    reason=f"task {t['id']} was due to finish {finish.isoformat()} and is {t.get('status', 'not_started')}",
                    body=f"{t['title']} was due on {finish.isoformat()} ({-left} working day(s) ago) and is {t.get('status')}.\n"
                         f"Update it with: implhub plan set {p.slug} {t['id']} --status ...",
                ))
                digest.setdefault(to, []).append(f"OVERDUE {t['title']} (due {finish.isoformat()})")
            elif left <= due_soon_days:
                out.append(Reminder(
                    key=f"{p.slug}:due:{t['id']}:{finish.isoformat()}", project=p.slug, to=to,
                    subject=f"[{p.name}] Due {finish.isoformat()}: {t['title']}",
                    reason=f"task {t['id']} is due in {left} working day(s)",
                    body=f"{t['title']} is due on {finish.isoformat()}, in {left} working day(s). Status: {t.get('status')}.",
                ))
                digest.setdefault(to, []).append(f"due {finish.isoformat()}: {t['title']}")
            elif left <= 10:
                digest.setdefault(to, []).append(f"due {finish.isoformat()}: {t['title']}")
        ie = _role_email(p.stakeholders, "IE") or fallback
        for c in (p.exit_criteria or {}).get("criteria", []):
            if c["number"] in SIGNOFF_CRITERIA and c["status"] == "not_met" and ie:
                out.append(Reminder(
                    key=f"{p.slug}:signoff:{c['number']}:{_iso_week(today)}", project=p.slug, to=ie,
                    subject=f"[{p.name}] Sign-off waiting: exit criterion {c['number']}",
                    reason=f"exit criterion {c['number']} ({c['title']}) needs a named sign-off",
                    body=f"Exit criterion {c['number']}, \"{c['title']}\", is a judgement: sign it with\n"
                         f"  implhub criterion sign {p.slug} {c['number']} --by NAME --evidence URL",
                ))
                digest.setdefault(ie, []).append(f"sign-off waiting: criterion {c['number']} {c['title']}")
        if p.configuring and ie:
            age = None if p.last_instance_snapshot is None else (today - p.last_instance_snapshot.date()).days
            if age is None or age > stale_days:
                what = "no instance snapshot yet" if age is None else f"the newest instance snapshot is {age} days old"
                out.append(Reminder(
                    key=f"{p.slug}:stale:instance_snapshot:{_iso_week(today)}", project=p.slug, to=ie,
                    subject=f"[{p.name}] Stale evidence: {what}",
                    reason=f"code hosts are being configured and {what} (limit {stale_days} days)",
                    body=f"Refresh it with: implhub instance stats --url URL --token-env VAR --project {p.slug} --env prod",
                ))
        for s in p.stakeholders:
            items = digest.get(s["email"])
            if s["side"] != "internal" and not items:
                continue
            lines = items or ["nothing due in the next two weeks"]
            out.append(Reminder(
                key=f"{p.slug}:digest:{s['email']}:{_iso_week(today)}", project=p.slug, to=str(s["email"]),
                subject=f"[{p.name}] Weekly digest, week {_iso_week(today)}",
                reason="weekly digest",
                body="\n".join(f"- {line}" for line in lines),
            ))
    return out


def _iso_week(day: dt.date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"
