"""Shaping one project's plan by hand: re-forecast an unfinished task, add, remove, re-link and
re-own tasks and milestones. Every edit is versioned (`expected_version` refuses a stale copy)
and logged; regenerating from the template keeps these edits (`apply_kept_edits`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.app.plan import (
    _plan_or_raise,
    _project,
    _task_author,
    _task_row_or_raise,
    _task_rows,
    _to_task,
    calendar_for,
    compute,
    get_plan,
    today_for,
)
from implhub.bounds import check_date
from implhub.errors import Conflict, ValidationError
from implhub.intake.roles import canonical_role
from implhub.planning.model import VISIBILITIES, Dependency, PlanTask
from implhub.planning.schedule import topological_order
from implhub.planning.template import parse_dependency
from implhub.store.concurrency import advance_version
from implhub.store.models import Project
from implhub.store.models.plan import PlanNote, PlanRow, PlanTaskRow

TASK_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")
#: fields a person may shape per project; regenerating keeps the ones they edited
EDITABLE = ("title", "duration", "owner_role", "depends_on", "visibility", "milestone")


def check_version(r: PlanTaskRow, expected_version: int | None) -> None:
    """The optimistic-locking convention of every plan edit: refuse a change made on a copy of
    the task older than the stored one."""
    if expected_version is not None and expected_version != r.version:
        raise Conflict(f"task {r.task_id} was changed by {r.updated_by or 'someone'} at {r.updated_at:%Y-%m-%d %H:%M} "
                       f"(now version {r.version}, you loaded version {expected_version}); reload and try again",
                       field="expected_version")


def _bump(ctx: Ctx, r: PlanTaskRow) -> None:
    """The task's next version, taken atomically in the store: a concurrent edit of the version
    this unit of work read makes this one a conflict (409) instead of a lost update."""
    advance_version(ctx.session, r, expected=None, what=f"task {r.task_id}", who=_task_author)
    r.updated_at, r.updated_by = ctx.now(), ctx.actor


# --- re-forecast --------------------------------------------------------------------------

def reforecast(ctx: Ctx, *, project: Project | str, task_id: str, expected_end: dt.date | None = None,
               remaining_days: int | None = None, clear: bool = False, expected_version: int | None = None) -> dict[str, Any]:
    """Forecast the finish of an unfinished task, earlier or later than computed: on a date
    (`expected_end`) or in `remaining_days` working days counting today (1 = it finishes today).
    Successors and the plan's finish move with it; `clear` goes back to the computed forecast."""
    p = _project(ctx, project)
    row = _plan_or_raise(ctx, p)
    r = _task_row_or_raise(ctx, p, task_id)
    check_version(r, expected_version)
    given = [name for name, v in (("--expected-end", expected_end), ("--remaining-days", remaining_days)) if v is not None]
    if len(given) + int(clear) != 1:
        raise ValidationError("give exactly one of --expected-end, --remaining-days, --clear-forecast", field="--expected-end")
    today = today_for(ctx, p)
    if r.status == "done" and not clear:
        raise ValidationError(f"{task_id} is done (finished {r.actual_end}); a re-forecast is for unfinished work",
                              field="--expected-end")
    if remaining_days is not None:
        if remaining_days < 0:
            raise ValidationError(f"expected 0 or more working days, got {remaining_days}", field="--remaining-days")
        cal = calendar_for(p, row)
        expected_end = cal.day(cal.index_on_or_after(today) + max(remaining_days, 1) - 1)
    if expected_end is not None:
        check_date(expected_end, today=today, field="--expected-end")
        if expected_end < today:
            raise ValidationError(f"{expected_end} is in the past (today is {today}); unfinished work finishes today "
                                  "at the earliest (an actual finish is --actual-end)", field="--expected-end")
    before_plan = compute(ctx, project=p).schedule
    before = {"expected_end": _iso(r.expected_end), "finish": before_plan.by_id()[task_id].finish.isoformat(),
              "plan_finish": before_plan.finish.isoformat()}
    if r.expected_end == expected_end:
        return _task_dict(ctx, p, task_id)
    r.expected_end = expected_end
    _bump(ctx, r)
    ctx.session.flush()
    after_plan = compute(ctx, project=p).schedule
    after = {"expected_end": _iso(expected_end), "finish": after_plan.by_id()[task_id].finish.isoformat(),
             "plan_finish": after_plan.finish.isoformat()}
    what = f"re-forecast to finish {expected_end}" if expected_end else "re-forecast cleared"
    record(ctx, project=p, action="plan.task.reforecast", entity="plan_task", entity_id=task_id,
           summary=f"{task_id}: {what} (forecast {before['finish']} -> {after['finish']}; "
                   f"plan finish {before['plan_finish']} -> {after['plan_finish']})", before=before, after=after)
    return _task_dict(ctx, p, task_id)


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _task_dict(ctx: Ctx, p: Project, task_id: str) -> dict[str, Any]:
    return next(t for t in get_plan(ctx, project=p)["tasks"] if t["id"] == task_id)


# --- shaping ------------------------------------------------------------------------------

def _deps(raw: Sequence[str], *, field: str, task: str) -> list[Dependency]:
    out: dict[str, int] = {}
    for item in raw:
        for part in str(item).split(","):
            if part.strip():
                d = parse_dependency(part.strip(), source="", line=None, task=task)
                out[d.id] = max(d.lag, out.get(d.id, 0))
    return [Dependency(k, v) for k, v in out.items()]


def _owner(value: str, field: str) -> str:
    code = canonical_role(value)
    if code is None:
        raise ValidationError(f"unknown owner role {value!r}; expected a role code like IE, IPM, TAM, ADMIN, SECURITY",
                              field=field)
    return code


def _check_graph(tasks: list[PlanTask], field: str) -> None:
    """Unknown dependencies and cycles are refused, naming the tasks."""
    ids = {t.id for t in tasks}
    for t in tasks:
        for d in t.depends_on:
            if d.id not in ids:
                raise ValidationError(f"{t.id} depends on unknown task {d.id!r}", field=field)
            if d.id == t.id:
                raise ValidationError(f"{t.id} cannot depend on itself", field=field)
    try:
        topological_order(tasks)
    except ValidationError as exc:
        raise ValidationError("that would make the dependencies a cycle: " + "; ".join(exc.details), field=field,
                              details=exc.details) from None


def _dep_json(deps: Sequence[Dependency]) -> list[dict[str, Any]]:
    return [{"id": d.id, "lag": d.lag} for d in deps]


def _snapshot(r: PlanTaskRow) -> dict[str, Any]:
    return {"title": r.title, "duration": r.duration, "owner_role": r.owner_role, "depends_on": list(r.depends_on or []),
            "visibility": r.visibility, "milestone": r.milestone, "phase": r.phase, "origin": r.origin}


def add_task(ctx: Ctx, *, project: Project | str, task_id: str, title: str, days: int, owner_role: str,
             depends_on: Sequence[str] = (), before: Sequence[str] = (), visibility: str = "external",
             milestone: bool | None = None, phase: str | None = None) -> dict[str, Any]:
    """Add a task (or a milestone: 0 days) to this project's plan. `before`: tasks that now wait
    for it. Regenerating from the template keeps it."""
    p = _project(ctx, project)
    _plan_or_raise(ctx, p)
    if not TASK_ID.fullmatch(task_id):
        raise ValidationError("expected a task id of lower-case letters, digits and dashes", field="TASK")
    if not title.strip():
        raise ValidationError("a task needs a title", field="--title")
    if days < 0:
        raise ValidationError(f"expected 0 or more working days, got {days}", field="--days")
    if visibility not in VISIBILITIES:
        raise ValidationError(f"expected one of {', '.join(VISIBILITIES)}, got {visibility!r}", field="--visibility")
    rows = _task_rows(ctx, p)
    by_id = {r.task_id: r for r in rows}
    if task_id in by_id:
        raise ValidationError(f"the plan of {p.slug} has a task {task_id!r} already; edit it with 'implhub plan edit'",
                              field="TASK")
    deps = _deps(depends_on, field="--after", task=task_id)
    successors = _deps(before, field="--before", task=task_id)
    tasks = [_to_task(r) for r in rows]
    phase = phase if phase is not None else next((by_id[d.id].phase for d in deps if d.id in by_id), "")
    new = PlanTask(id=task_id, title=title.strip(), duration=days, depends_on=deps, phase=phase,
                   owner_role=_owner(owner_role, "--owner"), visibility=visibility,
                   milestone=days == 0 if milestone is None else milestone)
    tasks.append(new)
    for s in successors:
        succ = next((t for t in tasks if t.id == s.id), None)
        if succ is None:
            raise ValidationError(f"no task {s.id!r} to put it before", field="--before")
        succ.depends_on = [*succ.depends_on, Dependency(task_id, s.lag)]
    _check_graph(tasks, "--after")
    # placed after its last dependency, so the table reads in order
    position = max((by_id[d.id].position for d in deps), default=-1) + 1
    for r in rows:
        if r.position >= position:
            r.position += 1
    now = ctx.now()
    row = PlanTaskRow(project_id=p.id, task_id=task_id, position=position, title=new.title, phase=new.phase,
                      owner_role=new.owner_role, visibility=visibility, duration=days, depends_on=_dep_json(deps),
                      milestone=new.milestone, deadline=False, status="not_started", version=1, updated_at=now,
                      updated_by=ctx.actor, origin="added", edited=[])
    ctx.session.add(row)
    for s in successors:
        r = by_id[s.id]
        r.depends_on = [*(r.depends_on or []), {"id": task_id, "lag": s.lag}]
        r.edited = sorted(set(r.edited or []) | {"depends_on"})
        _bump(ctx, r)
    ctx.session.flush()
    record(ctx, project=p, action="plan.task.add", entity="plan_task", entity_id=task_id,
           summary=f"added {'milestone' if new.milestone else 'task'} {task_id}: {new.title} ({days} working days, "
                   f"owner {new.owner_role})" + (f", after {', '.join(d.id for d in deps)}" if deps else "")
                   + (f", before {', '.join(s.id for s in successors)}" if successors else ""),
           after=_snapshot(row))
    return _task_dict(ctx, p, task_id)


def _entered(ctx: Ctx, p: Project, r: PlanTaskRow) -> bool:
    noted = ctx.session.scalar(select(PlanNote.id).where(PlanNote.project_id == p.id, PlanNote.task_id == r.task_id).limit(1))
    return bool(r.status != "not_started" or r.actual_start or r.actual_end or r.assignee or noted)


def remove_task(ctx: Ctx, *, project: Project | str, task_id: str, expected_version: int | None = None,
                force: bool = False) -> list[str]:
    """Remove a task from this project's plan; the tasks that waited for it now wait for what it
    waited for. A template task stays out when the plan is regenerated. A task with actuals,
    an assignee or notes needs `force` (the activity log keeps what it was)."""
    p = _project(ctx, project)
    plan_row = _plan_or_raise(ctx, p)
    r = _task_row_or_raise(ctx, p, task_id)
    check_version(r, expected_version)
    if _entered(ctx, p, r) and not force:
        raise Conflict(f"{task_id} has actuals, an assignee or notes; nothing was removed: run again with --force to "
                       "remove it anyway", field="--force")
    own = list(r.depends_on or [])
    moved: list[str] = []
    for other in _task_rows(ctx, p):
        deps = list(other.depends_on or [])
        hit = next((d for d in deps if d["id"] == task_id), None)
        if hit is None:
            continue
        merged: dict[str, int] = {d["id"]: int(d.get("lag", 0)) for d in deps if d["id"] != task_id}
        for d in own:
            lag = int(d.get("lag", 0)) + int(hit.get("lag", 0))
            merged[d["id"]] = max(lag, merged.get(d["id"], -1))
        other.depends_on = [{"id": k, "lag": v} for k, v in merged.items()]
        _bump(ctx, other)
        moved.append(other.task_id)
    if r.origin == "template" and r.template_id is not None:
        plan_row.removed = sorted(set(plan_row.removed or []) | {task_id})
    snapshot = {**_snapshot(r), "status": r.status, "actual_start": _iso(r.actual_start), "actual_end": _iso(r.actual_end),
                "assignee": r.assignee}
    ctx.session.delete(r)
    ctx.session.flush()
    record(ctx, project=p, action="plan.task.remove", entity="plan_task", entity_id=task_id,
           summary=f"removed {task_id}: {snapshot['title']}" + (f"; {', '.join(moved)} now wait for its dependencies" if moved else ""),
           before=snapshot, after={"relinked": moved})
    return moved


def edit_task(ctx: Ctx, *, project: Project | str, task_id: str, title: str | None = None, days: int | None = None,
              owner_role: str | None = None, depends_on: Sequence[str] | None = None, add_depends: Sequence[str] = (),
              drop_depends: Sequence[str] = (), visibility: str | None = None, milestone: bool | None = None,
              expected_version: int | None = None) -> dict[str, Any]:
    """Re-link (dependencies, with a cycle check), re-own (owner role), rename or re-size a task
    of this project's plan. Regenerating from the template keeps what was edited."""
    p = _project(ctx, project)
    _plan_or_raise(ctx, p)
    r = _task_row_or_raise(ctx, p, task_id)
    check_version(r, expected_version)
    before = _snapshot(r)
    changes: dict[str, Any] = {}
    if title is not None:
        if not title.strip():
            raise ValidationError("a task needs a title", field="--title")
        changes["title"] = title.strip()
    if days is not None:
        if days < 0:
            raise ValidationError(f"expected 0 or more working days, got {days}", field="--days")
        changes["duration"] = days
    if owner_role is not None:
        changes["owner_role"] = _owner(owner_role, "--owner")
    if visibility is not None:
        if visibility not in VISIBILITIES:
            raise ValidationError(f"expected one of {', '.join(VISIBILITIES)}, got {visibility!r}", field="--visibility")
        changes["visibility"] = visibility
    if milestone is not None:
        changes["milestone"] = milestone
    if depends_on is not None or add_depends or drop_depends:
        deps = {d["id"]: int(d.get("lag", 0)) for d in r.depends_on or []}
        if depends_on is not None:
            deps = {d.id: d.lag for d in _deps(depends_on, field="--depends-on", task=task_id)}
        deps.update({d.id: d.lag for d in _deps(add_depends, field="--add-dep", task=task_id)})
        for d in _deps(drop_depends, field="--drop-dep", task=task_id):
            if d.id not in deps:
                raise ValidationError(f"{task_id} does not depend on {d.id!r}; it depends on {', '.join(deps) or 'nothing'}",
                                      field="--drop-dep")
            deps.pop(d.id)
        changes["depends_on"] = [{"id": k, "lag": v} for k, v in deps.items()]
    changes = {k: v for k, v in changes.items() if before.get(k) != v}
    if not changes:
        return _task_dict(ctx, p, task_id)
    tasks = [_to_task(x) for x in _task_rows(ctx, p)]
    if "depends_on" in changes:
        me = next(t for t in tasks if t.id == task_id)
        me.depends_on = [Dependency(d["id"], d["lag"]) for d in changes["depends_on"]]
        _check_graph(tasks, "--depends-on")
    for k, v in changes.items():
        setattr(r, k, v)
    r.edited = sorted(set(r.edited or []) | set(changes))
    _bump(ctx, r)
    ctx.session.flush()
    record(ctx, project=p, action="plan.task.edit", entity="plan_task", entity_id=task_id,
           summary=f"{task_id}: " + ", ".join(f"{k} {_short(before[k])} -> {_short(v)}" for k, v in changes.items()),
           before={k: before[k] for k in changes}, after=changes)
    return _task_dict(ctx, p, task_id)


def _short(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(f"{d['id']}+{d['lag']}" if d.get("lag") else str(d["id"]) for d in v) + "]"
    return str(v)


# --- regeneration -------------------------------------------------------------------------

def apply_kept_edits(tasks: list[PlanTask], old: Sequence[PlanTaskRow], plan_row: PlanRow | None) -> list[str]:
    """Make freshly generated `tasks` keep this project's edits, in place: template tasks removed
    on purpose stay out (their dependants wait for what they waited for), edited fields keep
    their values, added tasks stay. Returns what was kept, in words."""
    kept: list[str] = []
    removed = set(plan_row.removed or []) if plan_row is not None else set()
    gone = {t.id: t for t in tasks if t.id in removed}
    if gone:
        def through(dep: Dependency, seen: frozenset[str]) -> list[Dependency]:
            if dep.id not in gone or dep.id in seen:
                return [dep]
            return [x for inner in gone[dep.id].depends_on
                    for x in through(Dependency(inner.id, inner.lag + dep.lag), seen | {dep.id})]

        tasks[:] = [t for t in tasks if t.id not in gone]
        for t in tasks:
            merged: dict[str, int] = {}
            for d in t.depends_on:
                for x in through(d, frozenset()):
                    merged[x.id] = max(x.lag, merged.get(x.id, 0))
            t.depends_on = [Dependency(k, v) for k, v in merged.items()]
        kept.append(f"kept out (removed for this project): {', '.join(sorted(gone))}")
    by_id = {t.id: t for t in tasks}
    for r in old:
        found = by_id.get(r.task_id)
        if found is not None and r.edited:
            t = found
            for name in r.edited:
                if name == "depends_on":
                    t.depends_on = [Dependency(d["id"], int(d.get("lag", 0))) for d in r.depends_on or []]
                elif name in EDITABLE:
                    setattr(t, name, getattr(r, name))
            kept.append(f"kept your edit of {r.task_id}: {', '.join(r.edited)}")
        elif found is None and r.origin == "added":
            added = _to_task(r)
            deps = [d.id for d in added.depends_on]
            at = max((i for i, x in enumerate(tasks) if x.id in deps), default=len(tasks) - 1)
            tasks.insert(at + 1, added)
            by_id[added.id] = added
            kept.append(f"kept the added task {r.task_id}: {r.title}")
    ids = {t.id for t in tasks}
    for t in tasks:
        missing = [d.id for d in t.depends_on if d.id not in ids]
        if missing:
            t.depends_on = [d for d in t.depends_on if d.id in ids]
            kept.append(f"{t.id} no longer waits for {', '.join(missing)} (not in the regenerated plan)")
    _check_graph(tasks, "depends_on")
    return kept
