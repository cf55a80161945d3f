"""The internal and external views of a scheduled plan, in the `plan show --json` shape.

The external view is what a customer sees: only external tasks; dependencies resolved through
the hidden internal tasks; no internal notes; no internal people; health and reasons computed
from the external tasks alone so that nothing internal leaks through a reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from implhub.planning.model import ScheduledTask
from implhub.planning.schedule import Schedule, project_health

VIEWS = ("internal", "external")


def external_dependencies(tasks: Sequence[ScheduledTask]) -> dict[str, list[str]]:
    """For every external task, its nearest external predecessors (walking through internal ones)."""
    by_id = {s.task.id: s.task for s in tasks}
    memo: dict[str, list[str]] = {}

    def through(tid: str) -> list[str]:
        # the external tasks reached by following `tid`'s dependencies through internal tasks
        if tid in memo:
            return memo[tid]
        out: list[str] = []
        for d in by_id[tid].depends_on:
            dep = by_id[d.id]
            found = [d.id] if dep.visibility == "external" else through(d.id)
            out += [x for x in found if x not in out]
        memo[tid] = out
        return out

    return {s.task.id: through(s.task.id) for s in tasks if s.task.visibility == "external"}


def plan_dict(
    sched: Schedule,
    *,
    view: str = "internal",
    assignees: Mapping[str, str | None] | None = None,
    notes: Mapping[str, list[dict[str, Any]]] | None = None,
    versions: Mapping[str, int] | None = None,
    show_person: Callable[[str], bool] | None = None,
) -> dict[str, Any]:
    """`show_person(name)` says whether an assignee may appear in the external view (customer-side
    people only); internal people never do."""
    if view not in VIEWS:
        from implhub.errors import ValidationError

        raise ValidationError(f"unknown view {view!r}; expected internal or external", field="--view")
    external = view == "external"
    visible = [s for s in sched.tasks if not external or s.task.visibility == "external"]
    ext_deps = external_dependencies(sched.tasks) if external else {}
    health, reasons = project_health(sched, visible)
    finish = max((s.finish for s in visible), default=sched.finish)
    bfin = max((s.baseline_finish for s in visible if s.baseline_finish), default=None)
    rows: list[dict[str, Any]] = []
    for s in visible:
        t = s.task
        person = (assignees or {}).get(t.id)
        if external and person and not (show_person and show_person(person)):
            person = None
        task_notes = [n for n in (notes or {}).get(t.id, []) if not external or n.get("visibility") == "external"]
        rows.append({
            "id": t.id,
            "title": t.title,
            "visibility": t.visibility,
            "owner_role": t.owner_role,
            "start": s.start.isoformat(),
            "finish": s.finish.isoformat(),
            "baseline_start": s.baseline_start.isoformat() if s.baseline_start else None,
            "baseline_finish": s.baseline_finish.isoformat() if s.baseline_finish else None,
            "status": t.status,
            "health": s.health,
            "critical": s.critical,
            "depends_on": ext_deps[t.id] if external else [d.id for d in t.depends_on],
            "milestone": t.milestone,
            "deadline": t.deadline,
            "phase": t.phase,
            "environment": t.environment,
            "duration": t.duration,
            "lags": {} if external else {d.id: d.lag for d in t.depends_on if d.lag},
            "health_reason": s.health_reason if not external or not _names_internal(s.health_reason, sched) else s.health,
            "slip_days": s.slip_days,
            "actual_start": t.actual_start.isoformat() if t.actual_start else None,
            "actual_end": t.actual_end.isoformat() if t.actual_end else None,
            "assignee": person,
            "notes": task_notes,
            "version": (versions or {}).get(t.id, 1),
        })
    return {
        "view": view,
        "health": health,
        "health_reasons": reasons,
        "start": sched.start.isoformat(),
        "forecast_finish": finish.isoformat(),
        "baseline_finish": bfin.isoformat() if bfin else None,
        "timebox_end": sched.timebox_end.isoformat() if sched.timebox_end else None,
        "today": sched.today.isoformat(),
        "tasks": rows,
    }


def _names_internal(text: str, sched: Schedule) -> bool:
    internal = {s.task.id for s in sched.tasks if s.task.visibility == "internal"}
    return any(f"{tid}:" in text or f" {tid} " in text for tid in internal)
