"""The working-day scheduler: topological order, forward pass (with actuals and today), backward
pass (total float, critical path), health per task and per project with the reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from implhub.errors import ValidationError
from implhub.planning.calendar import WorkCalendar
from implhub.planning.model import STATUSES, PlanTask, ScheduledTask

#: a forecast this many working days after the baseline finish is "late" even before the date passes
LATE_SLIP_DAYS = 5


@dataclass
class Schedule:
    tasks: list[ScheduledTask]
    start: dt.date
    finish: dt.date
    today: dt.date
    timebox_end: dt.date | None = None
    baseline_finish: dt.date | None = None
    warnings: list[str] = field(default_factory=list)

    def by_id(self) -> dict[str, ScheduledTask]:
        return {s.task.id: s for s in self.tasks}


def check(tasks: Sequence[PlanTask], *, project_start: dt.date | None = None, today: dt.date | None = None) -> None:
    """Reject what cannot be scheduled, naming the task: duplicate or unknown ids, unknown status,
    a finish before a start, actual dates outside the project."""
    ids: set[str] = set()
    for t in tasks:
        if t.id in ids:
            raise ValidationError(f"task id {t.id!r} appears twice", field=t.id)
        ids.add(t.id)
    for t in tasks:
        if t.status not in STATUSES:
            raise ValidationError(f"unknown status {t.status!r}; expected one of {', '.join(STATUSES)}", field=f"{t.id}.status")
        if t.duration < 0:
            raise ValidationError("expected a duration of 0 or more working days", field=f"{t.id}.duration")
        for d in t.depends_on:
            if d.id not in ids:
                raise ValidationError(f"depends on unknown task {d.id!r}", field=f"{t.id}.depends_on")
            if d.id == t.id:
                raise ValidationError("depends on itself", field=f"{t.id}.depends_on")
            if d.lag < 0:
                raise ValidationError("expected a lag of 0 or more working days", field=f"{t.id}.depends_on")
        if t.actual_end and not t.actual_start:
            raise ValidationError("has a finish date but no start date", field=f"{t.id}.actual_start")
        if t.actual_start and t.actual_end and t.actual_end < t.actual_start:
            raise ValidationError(f"finish {t.actual_end} is before start {t.actual_start}", field=f"{t.id}.actual_end")
        for label, value in (("actual_start", t.actual_start), ("actual_end", t.actual_end)):
            if value is None:
                continue
            if project_start and value < project_start:
                raise ValidationError(f"{value} is before the project starts ({project_start})", field=f"{t.id}.{label}")
            if today and value > today:
                raise ValidationError(f"{value} is in the future (today is {today}); actual dates record what happened",
                                      field=f"{t.id}.{label}")


def topological_order(tasks: Sequence[PlanTask]) -> list[PlanTask]:
    """Kahn's algorithm, stable in the given order; a cycle is an error naming its tasks."""
    by_id = {t.id: t for t in tasks}
    indegree = {t.id: len({d.id for d in t.depends_on}) for t in tasks}
    successors: dict[str, list[str]] = {t.id: [] for t in tasks}
    for t in tasks:
        for dep in {d.id for d in t.depends_on}:
            successors[dep].append(t.id)
    ready = [t.id for t in tasks if indegree[t.id] == 0]
    ready.reverse()
    order: list[PlanTask] = []
    while ready:
        tid = ready.pop()
        order.append(by_id[tid])
        for s in reversed(successors[tid]):
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    if len(order) != len(tasks):
        raise ValidationError("the dependencies form a cycle", field="depends_on", details=_cycle(tasks, {t.id for t in order}))
    return order


def _cycle(tasks: Sequence[PlanTask], done: set[str]) -> list[str]:
    """One cycle among the tasks Kahn's algorithm could not order, as 'a -> b -> a'."""
    left = {t.id: [d.id for d in t.depends_on if d.id not in done] for t in tasks if t.id not in done}
    node = next(iter(left))
    path: list[str] = []
    seen: dict[str, int] = {}
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = left[node][0]
    loop = path[seen[node]:] + [node]
    return [" -> ".join(reversed(loop))]


def schedule(
    tasks: Sequence[PlanTask],
    *,
    calendar: WorkCalendar,
    today: dt.date,
    baseline: Mapping[str, tuple[dt.date, dt.date]] | None = None,
    timebox_end: dt.date | None = None,
    validate: bool = True,
) -> Schedule:
    if validate:
        check(tasks)
    order = topological_order(tasks)
    t_idx = calendar.index_on_or_after(today)
    span: dict[str, tuple[int, int]] = {}
    for t in order:
        es = max((span[d.id][1] + d.lag for d in t.depends_on), default=0)
        d = t.duration
        if t.actual_start is not None:
            s = calendar.index_on_or_after(t.actual_start)
            if t.actual_end is not None:
                e = max(s, calendar.index_on_or_before(t.actual_end) + (0 if d == 0 and t.actual_end == t.actual_start else 1))
            elif t.status == "done":
                e = max(s, min(s + d, t_idx + 1))
            else:
                e = max(s + d, t_idx + 1) if d else max(s, t_idx)
        elif t.status == "done":
            s, e = es, es + d
        else:
            s = max(es, t_idx)
            e = s + d
        if t.expected_end is not None and t.status != "done":
            s, e = _reforecast(t.expected_end, s, e, d, t_idx, calendar)
        span[t.id] = (s, e)

    project_end = max((e for _, e in span.values()), default=0)
    succs: dict[str, list[tuple[str, int]]] = {t.id: [] for t in tasks}
    for t in tasks:
        for dep in t.depends_on:
            succs[dep.id].append((t.id, dep.lag))
    late_start: dict[str, int] = {}
    for t in reversed(order):
        s, e = span[t.id]
        lf = min((late_start[sid] - lag for sid, lag in succs[t.id]), default=project_end)
        late_start[t.id] = lf - (e - s)

    base = baseline or {}
    out: list[ScheduledTask] = []
    for t in tasks:
        s, e = span[t.id]
        start = t.actual_start or calendar.day(s)
        finish = t.actual_end or (calendar.day(e - 1) if e > s else calendar.day(s))
        if t.actual_start and not t.actual_end and finish < start:
            finish = start
        st = ScheduledTask(task=t, start=start, finish=finish, start_index=s, end_index=e,
                           total_float=late_start[t.id] - s)
        st.critical = st.total_float <= 0
        if t.id in base:
            st.baseline_start, st.baseline_finish = base[t.id]
        task_health(st, calendar=calendar, today=today)
        out.append(st)
    finish_date = max((x.finish for x in out), default=calendar.day(0))
    bfin = max((x.baseline_finish for x in out if x.baseline_finish), default=None)
    return Schedule(tasks=out, start=calendar.day(0), finish=finish_date, today=today,
                    timebox_end=timebox_end, baseline_finish=bfin)


def _reforecast(expected: dt.date, s: int, e: int, d: int, t_idx: int, calendar: WorkCalendar) -> tuple[int, int]:
    """The span of an unfinished task re-forecast to finish on `expected`: the finish moves,
    earlier or later, but never before the task starts nor (unfinished work) before today."""
    x = calendar.index_on_or_before(expected)
    if d == 0 and e == s:  # a milestone: it happens on the expected day, not before it can
        at = max(s, x)
        return at, at
    return s, max(x + 1, s + 1, t_idx + 1)


def _reforecast_reason(st: ScheduledTask) -> str:
    t = st.task
    if t.expected_end is None or t.status == "done":
        return ""
    if st.finish > t.expected_end:  # (earlier only when the day asked for is not a working day)
        return f"re-forecast to finish {t.expected_end}, which cannot hold: {st.finish} at the earliest; "
    return f"re-forecast to finish {t.expected_end}; "


def task_health(st: ScheduledTask, *, calendar: WorkCalendar, today: dt.date) -> None:
    _task_health(st, calendar=calendar, today=today)
    why = _reforecast_reason(st)
    if why:
        st.health_reason = why + st.health_reason


def _task_health(st: ScheduledTask, *, calendar: WorkCalendar, today: dt.date) -> None:
    t = st.task
    bf = st.baseline_finish
    if t.status == "done":
        st.health, st.health_reason = "done", f"finished {st.finish}"
        if bf is not None and st.finish > bf:  # how late it finished: the status report lists it as slipped
            st.slip_days = calendar.index_on_or_before(st.finish) - calendar.index_on_or_before(bf)
        return
    if bf is not None and st.finish > bf:
        st.slip_days = calendar.index_on_or_before(st.finish) - calendar.index_on_or_before(bf)
        if today > bf:
            st.health = "late"
            st.health_reason = f"overdue: the baseline finish {bf} has passed; forecast {st.finish} (+{st.slip_days} working days)"
        elif st.slip_days >= LATE_SLIP_DAYS:
            st.health = "late"
            st.health_reason = f"forecast {st.finish} is {st.slip_days} working days after the baseline finish {bf}"
        else:
            st.health = "at_risk"
            st.health_reason = f"forecast {st.finish} is {st.slip_days} working day(s) after the baseline finish {bf}"
        if t.status == "blocked":
            st.health_reason = "blocked; " + st.health_reason
        return
    if t.status == "blocked":
        st.health, st.health_reason = "at_risk", "blocked"
        return
    if t.status == "not_started" and st.baseline_start is not None and st.baseline_start < today:
        st.health, st.health_reason = "at_risk", f"should have started on {st.baseline_start}; the finish still holds"
        return
    st.health = "on_track"
    if bf is None:
        st.health_reason = "no baseline to compare with"
    elif t.status == "in_progress":
        st.health_reason = f"in progress, forecast finish {st.finish} (baseline {bf})"
    else:
        st.health_reason = f"forecast finish {st.finish} (baseline {bf})"


def project_health(sched: Schedule, tasks: Iterable[ScheduledTask]) -> tuple[str, list[str]]:
    """Health of the project seen through `tasks` (all of them, or the external ones), with the
    reasons, most important first."""
    items = list(tasks)
    if items and all(x.task.status == "done" for x in items):
        return "done", ["every task is done"]
    late_reasons: list[str] = []
    risk_reasons: list[str] = []
    finish = max((x.finish for x in items), default=sched.finish)
    bfin = max((x.baseline_finish for x in items if x.baseline_finish), default=None)
    if sched.timebox_end and finish > sched.timebox_end:
        late_reasons.append(f"the forecast finish {finish} is after the end of the timebox {sched.timebox_end}")
    elif bfin and finish > bfin:
        slip = f"the forecast finish {finish} is after the baseline finish {bfin}"
        (late_reasons if any(x.health == "late" and x.critical for x in items) else risk_reasons).append(slip)
    for x in items:
        if x.health == "late":
            (late_reasons if x.critical else risk_reasons).append(f"{x.task.id}: {x.health_reason}")
        elif x.health == "at_risk":
            risk_reasons.append(f"{x.task.id}: {x.health_reason}")
    if late_reasons:
        return "late", late_reasons + risk_reasons
    if risk_reasons:
        return "at_risk", risk_reasons
    return "on_track", [f"every task on schedule; forecast finish {finish}" + (f" (baseline {bfin})" if bfin else "")]
