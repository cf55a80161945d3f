"""The project plan: generate from the template and the design, baselines, updates with actuals,
the internal and external views, exports. The doors (CLI, web, API) call these functions."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from implhub.app import facts, prefetch
from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise, require_open
from implhub.bounds import check_date, check_dates, check_text
from implhub.errors import Conflict, NotFound, ValidationError, VersionConflict
from implhub.intake.scale import assess, load_thresholds
from implhub.planning import export as exports
from implhub.planning.calendar import WorkCalendar
from implhub.planning.generate import generate as generate_tasks
from implhub.planning.model import STATUSES, Dependency, PlanTask
from implhub.planning.schedule import Schedule, check, schedule
from implhub.planning.template import load_template_file
from implhub.planning.views import VIEWS, plan_dict
from implhub.store.concurrency import advance_version, next_number
from implhub.store.models import Project
from implhub.store.models.plan import PlanBaseline, PlanNote, PlanRow, PlanTaskRow

EXIT_TASK_PREFIX = "exit-"


def _project(ctx: Ctx, project: Project | str) -> Project:
    return get_or_raise(ctx, slug=project) if isinstance(project, str) else project


def today_for(ctx: Ctx, project: Project) -> dt.date:
    """Today in the customer's time zone: a task due today is due on the customer's today."""
    tz = project.design_model.customer.timezone or "UTC"
    try:
        return ctx.now().astimezone(ZoneInfo(tz)).date()
    except Exception:
        return ctx.today()


def get_row(ctx: Ctx, project: Project) -> PlanRow | None:
    found = prefetch.scalars(ctx, "plan.row", project.id, lambda ids: select(PlanRow).where(PlanRow.project_id.in_(ids)))
    return found[0] if found else None


def _plan_or_raise(ctx: Ctx, project: Project) -> PlanRow:
    row = get_row(ctx, project)
    if row is None:
        raise NotFound(f"{project.slug} has no plan yet; create it with 'implhub plan generate {project.slug}'", field="SLUG")
    return row


def _task_rows(ctx: Ctx, project: Project) -> list[PlanTaskRow]:
    return prefetch.scalars(ctx, "plan.tasks", project.id, lambda ids: select(PlanTaskRow).where(PlanTaskRow.project_id.in_(ids))
                            .order_by(PlanTaskRow.position))


def calendar_for(project: Project, row: PlanRow) -> WorkCalendar:
    customer = project.design_model.customer
    return WorkCalendar(start=row.start, country=customer.country or "US", subdivision=customer.subdivision,
                        blackout=[dt.date.fromisoformat(d) for d in row.blackout or []])


def _to_task(r: PlanTaskRow) -> PlanTask:
    return PlanTask(id=r.task_id, title=r.title, duration=r.duration,
                    depends_on=[Dependency(d["id"], int(d.get("lag", 0))) for d in r.depends_on or []],
                    phase=r.phase, owner_role=r.owner_role, visibility=r.visibility, milestone=r.milestone,
                    deadline=r.deadline, environment=r.environment, template_id=r.template_id, status=r.status,
                    actual_start=r.actual_start, actual_end=r.actual_end, expected_end=r.expected_end)


def exit_statuses(ctx: Ctx, project: Project) -> dict[int, str] | None:
    """criterion number -> met | not_met | waived, from the facts layer the exit criteria use."""
    return facts.exit_statuses(ctx, project)


def _overlay_exit(tasks: list[PlanTask], statuses: dict[int, str] | None, today: dt.date) -> None:
    """The closing tasks exit-1..exit-9 take their status from the exit criteria, and show done
    only once every task they depend on is done (a criterion met before go-live is not a closing
    task done)."""
    if statuses is None:
        return
    by_id = {t.id: t for t in tasks}
    exits = [t for t in tasks if t.id.startswith(EXIT_TASK_PREFIX) and t.id[len(EXIT_TASK_PREFIX):].isdigit()]
    for t in exits:
        status = statuses.get(int(t.id[len(EXIT_TASK_PREFIX):]))
        if status == "not_met" and t.status == "done":
            t.status, t.actual_end = "in_progress", None
            t.actual_start = t.actual_start or today
    changed = True
    while changed:  # exit tasks may depend on one another: settle in as many passes as needed
        changed = False
        for t in exits:
            status = statuses.get(int(t.id[len(EXIT_TASK_PREFIX):]))
            preds_done = all(by_id[d.id].status == "done" for d in t.depends_on if d.id in by_id)
            if status in ("met", "waived") and preds_done and t.status != "done":
                t.status = "done"
                t.actual_start = t.actual_start or today
                t.actual_end = t.actual_end or max(today, t.actual_start)
                changed = True
            elif t.status == "done" and not preds_done:
                t.status, t.actual_end = "not_started", None
                changed = True


def baselines(ctx: Ctx, *, project: Project | str) -> list[PlanBaseline]:
    p = _project(ctx, project)
    return prefetch.scalars(ctx, "plan.baselines", p.id, lambda ids: select(PlanBaseline).where(PlanBaseline.project_id.in_(ids))
                            .order_by(PlanBaseline.number))


def _baseline_map(ctx: Ctx, project: Project, number: int | None) -> tuple[int | None, dict[str, tuple[dt.date, dt.date]]]:
    items = baselines(ctx, project=project)
    if not items:
        return None, {}
    if number is None:
        chosen = items[-1]
    else:
        found = [b for b in items if b.number == number]
        if not found:
            raise NotFound(f"no baseline {number}; this plan has baselines {', '.join(str(b.number) for b in items)}", field="--baseline")
        chosen = found[0]
    return chosen.number, {k: (dt.date.fromisoformat(v[0]), dt.date.fromisoformat(v[1])) for k, v in chosen.tasks.items()}


@dataclass
class Computed:
    project: Project
    row: PlanRow
    rows: list[PlanTaskRow]
    schedule: Schedule
    baseline: int | None


def compute(ctx: Ctx, *, project: Project | str, baseline: int | None = None, as_planned: bool = False) -> Computed:
    """Schedule the plan. `as_planned`: as if today were the plan's start (no actuals have
    pushed anything yet): what the automatic first baseline records."""
    p = _project(ctx, project)
    row = _plan_or_raise(ctx, p)
    rows = _task_rows(ctx, p)
    tasks = [_to_task(r) for r in rows]
    today = min(row.start, today_for(ctx, p)) if as_planned else today_for(ctx, p)
    if not as_planned:
        _overlay_exit(tasks, exit_statuses(ctx, p), today)
    number, base = _baseline_map(ctx, p, baseline)
    sched = schedule(tasks, calendar=calendar_for(p, row), today=today, baseline=base, timebox_end=row.timebox_end)
    sched.warnings = list(row.warnings or [])
    return Computed(p, row, rows, sched, number)


def _customer_people(project: Project) -> set[str]:
    out: set[str] = set()
    for s in project.design_model.stakeholders:
        if s.side == "customer":
            out |= {s.name.strip().lower(), s.email.strip().lower()}
    return out - {""}


def _notes(ctx: Ctx, project: Project) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for n in prefetch.scalars(ctx, "plan.notes", project.id, lambda ids: select(PlanNote).where(PlanNote.project_id.in_(ids))
                              .order_by(PlanNote.at, PlanNote.id)):
        out.setdefault(n.task_id, []).append({"at": n.at.isoformat(), "author": n.author, "text": n.text, "visibility": n.visibility})
    return out


def view_of(ctx: Ctx, c: Computed, *, view: str) -> dict[str, Any]:
    people = _customer_people(c.project)
    notes = _notes(ctx, c.project)
    if view == "external":  # authors of notes may be internal people: the customer sees the text only
        notes = {k: [{"at": n["at"], "text": n["text"], "visibility": n["visibility"]} for n in v] for k, v in notes.items()}
    out = plan_dict(c.schedule, view=view, assignees={r.task_id: r.assignee for r in c.rows}, notes=notes,
                    versions={r.task_id: r.version for r in c.rows}, show_person=lambda name: name.strip().lower() in people)
    out["project"] = c.project.slug
    out["name"] = c.project.name
    from implhub.app.plan_confirm import annotate
    from implhub.intake.roles import role_title

    annotate(ctx, c.project, c.rows, out["tasks"])
    expected = {r.task_id: r.expected_end for r in c.rows}
    for t in out["tasks"]:  # owners by role, in words, in every view (the customer reads these)
        t["owner_title"] = role_title(t["owner_role"])
        end = expected.get(t["id"]) if t["status"] != "done" else None
        t["expected_end"] = end.isoformat() if end else None
    if view == "internal":
        out["baseline"] = c.baseline
        out["warnings"] = list(c.row.warnings or [])
        out["blackout"] = list(c.row.blackout or [])
    return out


def get_plan(ctx: Ctx, *, project: Project | str, view: str = "internal", baseline: int | None = None) -> dict[str, Any]:
    """The `plan show --json` shape for the internal or the external view."""
    if view not in VIEWS:
        raise ValidationError(f"unknown view {view!r}; expected internal or external", field="--view")
    return view_of(ctx, compute(ctx, project=project, baseline=baseline), view=view)


def has_plan(ctx: Ctx, *, project: Project | str) -> bool:
    return get_row(ctx, _project(ctx, project)) is not None


# --- generation ---------------------------------------------------------------------------

@dataclass
class GenerateResult:
    plan: dict[str, Any]
    created: bool
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: this project's own edits the regeneration kept (added, removed, re-linked, re-owned tasks)
    kept: list[str] = field(default_factory=list)


def _task_fields(t: PlanTask) -> dict[str, Any]:
    return {"title": t.title, "phase": t.phase, "owner_role": t.owner_role, "visibility": t.visibility,
            "duration": t.duration, "depends_on": [{"id": d.id, "lag": d.lag} for d in t.depends_on],
            "milestone": t.milestone, "deadline": t.deadline, "environment": t.environment, "template_id": t.template_id}


def _entered(r: PlanTaskRow, noted: set[str]) -> bool:
    return bool(r.status != "not_started" or r.actual_start or r.actual_end or r.assignee or r.task_id in noted)


def generate(ctx: Ctx, *, project: Project | str, start: dt.date | None = None, force: bool = False,
             blackout: list[dt.date] | None = None) -> GenerateResult:
    """Build (or rebuild) the plan from the template and the current design. Rebuilding over
    entered actuals, notes or assignees refuses without `force` and says what would change."""
    p = _project(ctx, project)
    require_open(p, "its plan")
    existing = get_row(ctx, p)
    template = load_template_file(ctx.settings.plan_template_file)
    # the thresholds file names scale fields: look them up on the model's fields
    exceptional = assess(p.design_model.scale.model_dump(), load_thresholds(ctx.settings.scale_thresholds_file)).exceptional
    today = today_for(ctx, p)
    # a start in year 357 would make every calendar walk (Gantt, documents) take minutes
    if start is not None:
        check_date(start, today=today, field="--start")
    check_dates(blackout or [], today=today, field="--blackout")
    start = start or (existing.start if existing else today)
    black = sorted(set(blackout if blackout is not None else [dt.date.fromisoformat(d) for d in (existing.blackout if existing else [])]))
    customer = p.design_model.customer
    cal = WorkCalendar(start=start, country=customer.country or "US", subdivision=customer.subdivision, blackout=black)
    # the template's conditions name design key paths (data, not code): the engine reads the stored form
    gen = generate_tasks(template, p.design, exceptional=exceptional, calendar=cal, start=start)
    assert gen.timebox_end is not None

    rows = _task_rows(ctx, p) if existing else []
    from implhub.app.plan_edit import apply_kept_edits

    kept = apply_kept_edits(gen.tasks, rows, existing)
    old = {r.task_id: r for r in rows}
    new = {t.id: t for t in gen.tasks}
    changes: list[str] = []
    if existing and existing.start != start:
        changes.append(f"start {existing.start} -> {start}")
    if existing and sorted(existing.blackout or []) != [d.isoformat() for d in black]:
        changes.append(f"blackout dates {', '.join(existing.blackout or []) or 'none'} -> {', '.join(d.isoformat() for d in black) or 'none'}")
    changes += [f"+ {tid}: {t.title}" for tid, t in new.items() if tid not in old]
    noted = set(ctx.session.scalars(select(PlanNote.task_id).where(PlanNote.project_id == p.id)))
    removed_with_data = []
    for tid, r in old.items():
        if tid not in new:
            changes.append(f"- {tid}: {r.title}" + (" (its actuals, assignee and notes would be dropped)" if _entered(r, noted) else ""))
            if _entered(r, noted):
                removed_with_data.append(tid)
            continue
        fields = _task_fields(new[tid])
        diffs = [f"{k} {getattr(r, k)!r} -> {v!r}" for k, v in fields.items() if getattr(r, k) != v]
        if diffs:
            changes.append(f"~ {tid}: " + "; ".join(diffs))
    entered = [r.task_id for r in rows if _entered(r, noted)]
    if existing and entered and changes and not force:
        raise Conflict(
            f"{p.slug} has actuals, assignees or notes on {len(entered)} task(s); regenerating would make "
            f"{len(changes)} change(s). Nothing was changed: run again with --force to apply them (tasks that stay keep "
            "their actuals, assignees and notes)", field="--force", details=changes)
    if existing and not changes:
        return GenerateResult(plan=get_plan(ctx, project=p), created=False, changes=[], warnings=gen.warnings, kept=kept)

    now = ctx.now()
    if existing is None:
        existing = PlanRow(project_id=p.id, start=start, timebox_end=gen.timebox_end)
        ctx.session.add(existing)
    existing.start, existing.timebox_end = start, gen.timebox_end
    existing.blackout = [d.isoformat() for d in black]
    existing.template_source = template.source
    existing.warnings = gen.warnings
    existing.generated_at, existing.generated_by = now, ctx.actor
    for tid, r in old.items():
        if tid not in new:
            ctx.session.delete(r)
    if removed_with_data:
        ctx.session.execute(delete(PlanNote).where(PlanNote.project_id == p.id, PlanNote.task_id.in_(removed_with_data)))
    for position, t in enumerate(gen.tasks):
        found = old.get(t.id)
        if found is None:
            task_row = PlanTaskRow(project_id=p.id, task_id=t.id, status="not_started", version=1)
            ctx.session.add(task_row)
        else:
            task_row = found
            if any(getattr(task_row, k) != v for k, v in _task_fields(t).items()):
                advance_version(ctx.session, task_row, expected=None, what=f"task {t.id}", who=_task_author)
        for k, v in _task_fields(t).items():
            setattr(task_row, k, v)
        task_row.position, task_row.updated_at, task_row.updated_by = position, now, ctx.actor
    ctx.session.flush()

    created = not rows
    base = baselines(ctx, project=p)
    if not base or (not entered and len(base) == 1 and base[0].label == AUTO_BASELINE):
        if base:
            ctx.session.delete(base[0])
            ctx.session.flush()
        take_baseline(ctx, project=p, label=AUTO_BASELINE, _record=False, as_planned=True)
    record(ctx, project=p, action="plan.generate" if created else "plan.regenerate", entity="plan", entity_id=p.slug,
           summary=(f"generated the plan: {len(gen.tasks)} tasks from {start}" if created else
                    f"regenerated the plan: {len(changes)} change(s)") + (" (forced over entered data)" if force and entered else ""),
           after={"start": start.isoformat(), "tasks": len(gen.tasks), "changes": changes[:200], "warnings": gen.warnings,
                  "kept": kept})
    return GenerateResult(plan=get_plan(ctx, project=p), created=created, changes=changes, warnings=gen.warnings, kept=kept)


AUTO_BASELINE = "taken automatically at generation"


def take_baseline(ctx: Ctx, *, project: Project | str, label: str = "", _record: bool = True,
                  as_planned: bool = False) -> PlanBaseline:
    """Freeze the current forecast dates as a new baseline (the first, at generation, freezes
    the plan as planned from its start)."""
    p = _project(ctx, project)
    require_open(p, "its plan")
    c = compute(ctx, project=p, as_planned=as_planned)
    number = next_number(ctx.session, scope=f"plan_baseline:{p.id}",
                         current_max=lambda: ctx.session.scalar(select(func.max(PlanBaseline.number)).where(PlanBaseline.project_id == p.id)))
    b = PlanBaseline(project_id=p.id, number=number, label=label,
                     tasks={s.task.id: [s.start.isoformat(), s.finish.isoformat()] for s in c.schedule.tasks},
                     finish=c.schedule.finish, taken_at=ctx.now(), taken_by=ctx.actor)
    ctx.session.add(b)
    ctx.session.flush()
    if _record:
        record(ctx, project=p, action="plan.baseline", entity="plan_baseline", entity_id=str(number),
               summary=f"baseline {number} taken" + (f" ({label})" if label else "") + f": finish {c.schedule.finish}",
               after={"number": number, "finish": c.schedule.finish.isoformat()})
    return b


def baseline_dict(b: PlanBaseline) -> dict[str, Any]:
    return {"number": b.number, "label": b.label, "finish": b.finish.isoformat(), "taken_at": b.taken_at.isoformat(),
            "taken_by": b.taken_by, "tasks": len(b.tasks)}


# --- updates ------------------------------------------------------------------------------

def _task_row_or_raise(ctx: Ctx, project: Project, task_id: str) -> PlanTaskRow:
    r = ctx.session.scalar(select(PlanTaskRow).where(PlanTaskRow.project_id == project.id, PlanTaskRow.task_id == task_id))
    if r is None:
        ids = list(ctx.session.scalars(select(PlanTaskRow.task_id).where(PlanTaskRow.project_id == project.id)))
        close = difflib.get_close_matches(task_id, ids, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ("; see 'implhub plan show " + project.slug + "'" if ids else "")
        raise NotFound(f"no task {task_id!r} in the plan of {project.slug}{hint}", field="TASK")
    return r


_UNSET: Any = object()


def set_task(ctx: Ctx, *, project: Project | str, task_id: str, status: str | None = None,
             actual_start: dt.date | None = None, actual_end: dt.date | None = None, assignee: str | None = _UNSET,
             note: str | None = None, note_visibility: str = "internal", expected_version: int | None = None) -> dict[str, Any]:
    """Change a task's status, actual dates, assignee, or add a note. Returns the task as in the
    internal view. Marking a task in progress or done without dates records today."""
    p = _project(ctx, project)
    require_open(p, "its plan")
    row = _plan_or_raise(ctx, p)
    r = _task_row_or_raise(ctx, p, task_id)
    if expected_version is not None and expected_version != r.version:
        raise VersionConflict(f"task {task_id} was changed by {r.updated_by or 'someone'} at {r.updated_at:%Y-%m-%d %H:%M} "
                              f"(now version {r.version}, you loaded version {expected_version}); reload and try again",
                              current_version=r.version)
    if status is not None and status not in STATUSES:
        raise ValidationError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}", field="--status")
    if note_visibility not in ("internal", "external"):
        raise ValidationError("expected internal or external", field="--note-visibility")
    if note:
        check_text(note, field="--note")
    if isinstance(assignee, str):
        check_text(assignee, field="--assignee", single_line=True)
    today = today_for(ctx, p)
    before = {"status": r.status, "actual_start": _iso(r.actual_start), "actual_end": _iso(r.actual_end), "assignee": r.assignee}
    new_status = status or r.status
    new_start = actual_start or r.actual_start
    new_end = actual_end or r.actual_end
    if actual_end and status is None:
        new_status = "done"
    if actual_start and not actual_end and status is None and r.status == "not_started":
        new_status = "in_progress"
    if actual_end and new_status != "done":
        raise ValidationError(f"an actual finish means the task is done; got status {new_status}", field="--actual-end")
    if new_status == "not_started":
        new_start, new_end = actual_start, None
        if actual_start:
            raise ValidationError("a task with an actual start is not 'not_started'", field="--status")
    elif new_status in ("in_progress", "blocked"):
        new_end = None
        if new_status == "in_progress" and new_start is None:
            new_start = today
    elif new_status == "done":
        if new_end is None:
            new_end = today
        if new_start is None:
            forecast = compute(ctx, project=p).schedule.by_id()[task_id].start
            new_start = min(forecast, new_end)
    new_assignee = r.assignee if assignee is _UNSET else ((assignee or "").strip() or None)
    for value, name in ((new_start, "actual_start"), (new_end, "actual_end")):
        if value is not None and value not in (r.actual_start, r.actual_end):
            check_date(value, today=today, field=name)
    after = {"status": new_status, "actual_start": _iso(new_start), "actual_end": _iso(new_end), "assignee": new_assignee}
    changed = {k: v for k, v in after.items() if before[k] != v}
    if changed:
        # the store decides who wins: the row moves to its next version only if it is still at the
        # version the editor loaded (two servers saving the same version: exactly one succeeds)
        advance_version(ctx.session, r, expected=expected_version, what=f"task {task_id}", who=_task_author)
        r.status, r.actual_start, r.actual_end, r.assignee = new_status, new_start, new_end, new_assignee
        tasks = [_to_task(x) for x in _task_rows(ctx, p)]
        check(tasks, project_start=row.start, today=today)
        r.updated_at, r.updated_by = ctx.now(), ctx.actor
        ctx.session.flush()
        record(ctx, project=p, action="plan.task.update", entity="plan_task", entity_id=task_id,
               summary=f"{task_id}: " + ", ".join(f"{k} {before[k] or '-'} -> {v or '-'}" for k, v in changed.items()),
               before={k: before[k] for k in changed}, after=changed)
    if note and note.strip():
        n = PlanNote(project_id=p.id, task_id=task_id, text=note.strip(), visibility=note_visibility, at=ctx.now(), author=ctx.actor)
        if not changed:
            # a note overwrites nothing: it is not refused as stale (unless the caller asked for a
            # version check), but the version still grows by exactly one per note, however many
            # are added at once
            advance_version(ctx.session, r, expected=expected_version, what=f"task {task_id}", who=_task_author,
                            check=expected_version is not None)
            r.updated_at, r.updated_by = ctx.now(), ctx.actor
        ctx.session.add(n)
        ctx.session.flush()
        record(ctx, project=p, action="plan.note.add", entity="plan_task", entity_id=task_id,
               summary=f"{task_id}: {note_visibility} note added", after={"text": n.text, "visibility": note_visibility})
    plan = get_plan(ctx, project=p)
    return next(t for t in plan["tasks"] if t["id"] == task_id)


def _task_author(fresh: Any) -> str:
    at = fresh["updated_at"]
    return f"{fresh['updated_by'] or 'someone'}" + (f" at {at:%Y-%m-%d %H:%M}" if at is not None else "")


def set_blackout(ctx: Ctx, *, project: Project | str, add: Sequence[dt.date] = (), remove: Sequence[dt.date] = ()) -> list[str]:
    """Add or remove project blackout dates; the schedule moves with them."""
    p = _project(ctx, project)
    require_open(p, "its plan")
    row = _plan_or_raise(ctx, p)
    check_dates(add, today=today_for(ctx, p), field="--blackout")
    before = list(row.blackout or [])
    dates = (set(before) | {d.isoformat() for d in add}) - {d.isoformat() for d in remove}
    row.blackout = sorted(dates)
    if row.blackout != before:
        record(ctx, project=p, action="plan.blackout", entity="plan", entity_id=p.slug,
               summary=f"blackout dates: {', '.join(row.blackout) or 'none'}", before=before, after=row.blackout)
    ctx.session.flush()
    return list(row.blackout)


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


# --- exports ------------------------------------------------------------------------------

def export(ctx: Ctx, *, project: Project | str, view: str, fmt: str) -> bytes:
    """The plan in one format: md, csv, xlsx, ics, svg, png."""
    if fmt not in exports.FORMATS:
        raise ValidationError(f"unknown format {fmt!r}; expected one of {', '.join(exports.FORMATS)}", field="--format")
    p = _project(ctx, project)
    plan = get_plan(ctx, project=p, view=view)
    if fmt == "md":
        return exports.to_markdown(plan, title=p.name).encode("utf-8")
    if fmt == "csv":
        return exports.to_csv(plan).encode("utf-8")
    if fmt == "xlsx":
        return exports.to_xlsx(plan, title=p.name)
    if fmt == "ics":
        return exports.to_ics(plan, title=p.name, uid_prefix=p.slug, now=ctx.now())
    from implhub.planning.gantt import render

    row = _plan_or_raise(ctx, p)
    cal = calendar_for(p, row)
    dates = [dt.date.fromisoformat(t[k]) for t in plan["tasks"] for k in ("start", "finish", "baseline_start", "baseline_finish") if t.get(k)]
    first = min(dates + [row.start]) - dt.timedelta(days=7)
    last = max(dates + [row.timebox_end]) + dt.timedelta(days=7)
    non_working = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)
                   if not cal.is_working(first + dt.timedelta(days=i))]
    return render(plan, title=p.name, fmt=fmt, non_working=non_working)


def ics_feed(ctx: Ctx, *, project: Project | str) -> bytes:
    """The customer's calendar feed: milestones and deadlines of the external view."""
    return export(ctx, project=project, view="external", fmt="ics")


def gantt(ctx: Ctx, *, project: Project | str, view: str, fmt: str = "svg") -> bytes:
    if fmt not in ("svg", "png"):
        raise ValidationError("expected svg or png", field="format")
    return export(ctx, project=project, view=view, fmt=fmt)
