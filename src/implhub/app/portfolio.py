"""The portfolio (every implementation at a glance) and the customer portal (the external part of
one implementation). Both read the plan through `implhub.app.plan.get_plan`; where a project has
no plan yet they say so instead of guessing."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Executable, func, select
from sqlalchemy.orm import selectinload

from implhub.app import documents as docs_app
from implhub.app import plan as plan_app
from implhub.app import prefetch
from implhub.app.context import Ctx
from implhub.errors import ImplhubError
from implhub.intake.schema import TDD
from implhub.reporting.logs import OPEN_STATUSES
from implhub.store.models import ActivityEntry, Project
from implhub.store.models.reporting import LogEntry

HEALTH_ORDER = {"late": 0, "at_risk": 1, "on_track": 2, "done": 3, "no_plan": 4, "complete": 5, "closed": 6}
#: a finished project's health is its state: it is no longer on track, at risk or late
FINISHED_STATES = ("complete", "closed")


def plan_for(ctx: Ctx, project: Project, *, view: str) -> dict[str, Any] | None:
    """The plan in the given view, or None when the project has none."""
    try:
        return plan_app.get_plan(ctx, project=project, view=view)
    except ImplhubError:
        return None


def _next_milestone(tasks: list[dict[str, Any]]) -> dict[str, Any] | None:
    open_ms = [t for t in tasks if t.get("milestone") and t.get("status") != "done"]
    open_ms.sort(key=lambda t: t.get("finish") or "")
    return open_ms[0] if open_ms else None


def _phase(tasks: list[dict[str, Any]]) -> str | None:
    for t in sorted(tasks, key=lambda t: (t.get("start") or "", t.get("finish") or "")):
        if t.get("status") != "done" and t.get("phase"):
            return str(t["phase"])
    return "complete" if tasks else None


def _go_live(tasks: list[dict[str, Any]], plan: dict[str, Any]) -> tuple[str | None, str | None]:
    """(forecast, baseline) of go-live: the milestone named go-live when there is one, else the
    plan's finish."""
    for t in tasks:
        label = f"{t.get('id', '')} {t.get('title', '')}".lower()
        if t.get("milestone") and ("go-live" in label or "go live" in label or "golive" in label):
            return t.get("finish"), t.get("baseline_finish")
    return plan.get("forecast_finish"), plan.get("baseline_finish")


def _slip_days(forecast: str | None, baseline: str | None) -> int | None:
    if not forecast or not baseline:
        return None
    return (dt.date.fromisoformat(forecast[:10]) - dt.date.fromisoformat(baseline[:10])).days


def people(design: TDD, *, side: str = "internal") -> list[dict[str, str]]:
    return [{"name": s.name, "role": s.role, "email": s.email} for s in design.stakeholders if s.side == side]


#: (store, project id) -> (change stamp, today, row). Every change to a project lands in the
#: activity log (the rule every area follows), so the newest entry's id says whether a row is stale;
#: health depends on the date, so the day is part of the key.
_cache: dict[tuple[str, int], tuple[int, str, dict[str, Any]]] = {}


_computing = threading.Lock()


def _stamps(ctx: Ctx) -> dict[int, int]:
    q = select(ActivityEntry.project_id, func.max(ActivityEntry.id)).group_by(ActivityEntry.project_id)
    return {pid: int(mx) for pid, mx in ctx.session.execute(q) if pid is not None}


class Listed(Protocol):
    """What deciding whether a row is fresh needs of a project: a Project, or just its id and slug."""

    @property
    def id(self) -> int: ...

    @property
    def slug(self) -> str: ...


@dataclass(frozen=True)
class ListedProject:
    id: int
    slug: str


def listed_rows(ctx: Ctx, *, keys: dict[str, tuple[int, str]] | None = None) -> list[dict[str, Any]]:
    """The rows of the projects the portfolio lists (not archived, by name), reading only their id
    and slug unless a row has to be computed."""
    listed = [ListedProject(int(i), str(slug)) for i, slug in ctx.session.execute(
        select(Project.id, Project.slug).where(Project.state != "archived").order_by(Project.name))]
    return summaries(ctx, listed, keys=keys)


def summaries(ctx: Ctx, projects: Sequence[Listed], *, keys: dict[str, tuple[int, str]] | None = None) -> list[dict[str, Any]]:
    """The portfolio rows of these projects, recomputing only those that changed since. The
    stale ones are computed together: one statement per table over all of them
    (`implhub.app.prefetch`), so a cold portfolio costs the same few statements for 20
    implementations as for 200."""
    stamps = _stamps(ctx)
    url = str(ctx.session.get_bind().engine.url)
    today = ctx.today().isoformat()

    def stale() -> list[Listed]:
        return [p for p in projects if not _fresh(_cache.get((url, p.id)), stamps.get(p.id, 0), today)]

    if stale():
        # one thread computes; requests arriving meanwhile (after a start, at midnight) wait for
        # its rows instead of each computing all of them again
        with _computing:
            if len(_cache) > 20000:
                _cache.clear()
            todo = stale()
            if todo:
                with prefetch.batch(ctx, [p.id for p in todo]):
                    for project in _load(ctx, todo):
                        _cache[(url, project.id)] = (stamps.get(project.id, 0), today, summary(ctx, project))
    if keys is not None:  # what each row depends on (newest activity, day): a key for caching its rendering
        keys.update({p.slug: (stamps.get(p.id, 0), today) for p in projects})
    hits = [_cache.get((url, p.id)) for p in projects]
    # (a row another thread dropped meanwhile, when the cache was full, is computed here)
    return [dict(hit[2]) if hit is not None else summary(ctx, _load(ctx, [p])[0]) for hit, p in zip(hits, projects, strict=True)]


def portal_rows(ctx: Ctx, projects: list[Project]) -> list[dict[str, Any]]:
    """The portal of each of these projects (what a customer with several projects lists), kept
    until one of them changes or the day does. The key is exactly the projects asked for, so a
    customer's list is never built from, or served to, anyone else's projects."""
    stamps = _stamps(ctx)
    url = str(ctx.session.get_bind().engine.url)
    key = (url, tuple(sorted(p.id for p in projects)))
    stamp = (max((stamps.get(p.id, 0) for p in projects), default=0), ctx.today().isoformat())
    hit = _portal_cache.get(key)
    if hit is None or hit[0] != stamp:
        if len(_portal_cache) > 2000:
            _portal_cache.clear()
        hit = (stamp, [portal(ctx, p) for p in projects])
        _portal_cache[key] = hit
    return [dict(r) for r in hit[1]]


#: (store, project ids) -> ((newest activity of them, day), portal rows)
_portal_cache: dict[tuple[str, tuple[int, ...]], tuple[tuple[int, str], list[dict[str, Any]]]] = {}


def _fresh(hit: tuple[int, str, dict[str, Any]] | None, stamp: int, today: str) -> bool:
    return hit is not None and hit[0] == stamp and hit[1] == today


def _load(ctx: Ctx, projects: Sequence[Listed]) -> list[Project]:
    """These projects with their revisions and environments, in three statements whatever their
    number (objects already in the session get their relationships filled)."""
    q = (select(Project).where(Project.id.in_([p.id for p in projects]))
         .options(selectinload(Project.revisions), selectinload(Project.environments)))
    by_id = {p.id: p for p in ctx.session.scalars(q)}
    return [by_id[p.id] for p in projects]


def _open_risks(ctx: Ctx, project: Project, design: TDD) -> int:
    """Open risks of the risk log, plus the design's risks the log has not taken in yet (read only)."""
    def build(ids: list[int]) -> Executable:
        return select(LogEntry.project_id, LogEntry.title, LogEntry.status).where(
            LogEntry.project_id.in_(ids), LogEntry.kind == "risk")

    batched = prefetch.rows(ctx, "portfolio.risks", project.id, build, scalars=False)
    logged = [(r.title, r.status) for r in (batched if batched is not None else ctx.session.execute(build([project.id])))]
    titles = {title for title, _ in logged}
    unlogged = [r for r in design.risks if r.title not in titles]
    return sum(1 for _, status in logged if status in OPEN_STATUSES) + len(unlogged)


def summary(ctx: Ctx, project: Project) -> dict[str, Any]:
    """One portfolio row (internal: names people and internal risks)."""
    design = project.design_model
    plan = plan_for(ctx, project, view="internal")
    tasks = plan.get("tasks", []) if plan else []
    nm = _next_milestone(tasks)
    forecast, baseline = _go_live(tasks, plan) if plan else (None, None)
    finished = project.state in FINISHED_STATES
    return {
        "slug": project.slug,
        "name": project.name,
        "state": project.state,
        "demo": project.demo,
        "health": project.state if finished else plan.get("health", "no_plan") if plan else "no_plan",
        "health_reasons": [f"{project.state}: {project.state_reason}"] if finished else plan.get("health_reasons", []) if plan else [],
        "phase": _phase(tasks),
        "next_milestone": {"title": nm["title"], "date": nm.get("finish")} if nm else None,
        "go_live_forecast": forecast,
        "go_live_baseline": baseline,
        "slip_days": _slip_days(forecast, baseline),
        "people": people(design),
        "open_risks": _open_risks(ctx, project, design),
        "cloud": design.deployment.cloud,
        "users": design.scale.users,
        "package": design.customer.package,
        "updated_at": project.updated_at.isoformat(),
    }


def filter_rows(rows: list[dict[str, Any]], *, person: str | None = None, role: str | None = None,
                health: str | None = None, cloud: str | None = None) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if person and not any(person.lower() in (p["name"] + " " + p["email"]).lower()
                              and (not role or p["role"] == role) for p in r["people"]):
            continue
        if role and not person and not any(p["role"] == role for p in r["people"]):
            continue
        if health and r["health"] != health:
            continue
        if cloud and r["cloud"] != cloud:
            continue
        out.append(r)
    return out


SORTS = {
    "name": lambda r: r["name"].lower(),
    "health": lambda r: (HEALTH_ORDER.get(r["health"], 9), r["name"].lower()),
    "go_live": lambda r: (r["go_live_forecast"] or "9999", r["name"].lower()),
    "next_milestone": lambda r: ((r["next_milestone"] or {}).get("date") or "9999", r["name"].lower()),
    "slip": lambda r: (-(r["slip_days"] or 0), r["name"].lower()),
    "risks": lambda r: (-r["open_risks"], r["name"].lower()),
    "updated": lambda r: r["updated_at"],
}


def sort_rows(rows: list[dict[str, Any]], *, sort: str = "name", desc: bool = False) -> list[dict[str, Any]]:
    key = SORTS.get(sort, SORTS["name"])
    return sorted(rows, key=key, reverse=desc)


def portal(ctx: Ctx, project: Project) -> dict[str, Any]:
    """The external part of one implementation: what a customer account and a share-link visitor
    see. Built only from external items: the external plan view, its milestones and deadlines,
    the status, the risks the design marks external, the external documents."""
    design = project.design_model
    plan = plan_for(ctx, project, view="external")
    tasks = [t for t in (plan or {}).get("tasks", []) if t.get("visibility", "external") == "external"]
    forecast, baseline = _go_live(tasks, plan) if plan else (None, None)
    return {
        "slug": project.slug,
        "name": project.name,
        "health": plan.get("health", "no_plan") if plan else "no_plan",
        "start": plan.get("start") if plan else None,
        "forecast_finish": plan.get("forecast_finish") if plan else None,
        "timebox_end": plan.get("timebox_end") if plan else None,
        "go_live_forecast": forecast,
        "go_live_baseline": baseline,
        "tasks": [_external_task(t) for t in tasks],
        "milestones": [_external_task(t) for t in tasks if t.get("milestone")],
        "deadlines": [_external_task(t) for t in tasks if t.get("deadline")],
        "risks": [{"title": r.title, "description": r.description, "probability": r.probability, "impact": r.impact,
                   "mitigation": r.mitigation} for r in design.risks if r.visibility == "external"],
        "documents": external_documents(ctx, project, has_plan=plan is not None),
    }


#: the task fields the portal shows (never notes from the internal view, lags or internal people)
EXTERNAL_TASK_FIELDS = ("id", "title", "phase", "start", "finish", "baseline_start", "baseline_finish", "status",
                        "health", "milestone", "deadline", "depends_on", "actual_start", "actual_end", "version",
                        "owner_role", "owner_title", "confirmable", "confirmation")


def _external_task(t: dict[str, Any]) -> dict[str, Any]:
    out = {k: t.get(k) for k in EXTERNAL_TASK_FIELDS}
    out["notes"] = [n for n in t.get("notes", []) if n.get("visibility") == "external"]
    return out


def external_documents(ctx: Ctx, project: Project, *, has_plan: bool) -> list[dict[str, Any]]:
    """Downloads of the external plan (when there is a plan) and the documents the documents
    capability lists as external."""
    out: list[dict[str, Any]] = []
    if has_plan:
        base = f"/projects/{project.slug}/plan/export"
        out += [{"title": "Project plan", "format": fmt, "url": f"{base}.{fmt}?view=external"}
                for fmt in ("md", "xlsx", "csv")]
    out += docs_app.list_external(ctx, project=project.slug)
    return out
