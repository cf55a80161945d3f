"""Plan generation: template + design -> the project's tasks, durations fitted to the timebox."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from implhub.planning.calendar import WorkCalendar
from implhub.planning.model import Dependency, PlanTask, Template, TemplateTask
from implhub.planning.schedule import topological_order

PACKAGE_DAYS = {"standard": 45, "advanced": 90}
#: the size a template duration is written for; bigger customers take longer (log scale, capped)
GROWTH_REFERENCE = {"users": 1_000, "repositories": 5_000}
GROWTH_CAP = 2.5
NONPROD_KINDS = ("dev", "staging", "other")
#: template `when` values that follow a design option: the task is generated when the key is set
DESIGN_OPTIONS = {
    "image_scanning": "change_management.image_scanning.required",
    "change_advisory": "change_management.change_advisory.required",
    "priority_support": "post_golive.priority_support_days",
    "rightsizing_window": "post_golive.rightsizing_window_days",
}


@dataclass
class Generated:
    tasks: list[PlanTask]
    warnings: list[str] = field(default_factory=list)
    timebox_days: int = 45
    timebox_end: dt.date | None = None
    critical_days: int = 0
    available_days: int = 0
    squeeze: float = 1.0


def timebox_days(design: dict[str, Any]) -> int:
    customer = design.get("customer", {})
    package = str(customer.get("package") or "standard")
    if package == "custom":
        return int(customer.get("custom_timebox_days") or 45)
    return PACKAGE_DAYS.get(package, 45)


def growth(task: TemplateTask, design: dict[str, Any]) -> float:
    if not task.grows_with:
        return 1.0
    value = float((design.get("scale") or {}).get(task.grows_with) or 0)
    ref = GROWTH_REFERENCE[task.grows_with]
    return min(GROWTH_CAP, 1.0 + 0.5 * math.log10(max(value, ref) / ref))


def _lookup(design: dict[str, Any], path: str) -> Any:
    node: Any = design
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _environments(design: dict[str, Any], warnings: list[str]) -> list[tuple[str, str]]:
    envs = [(str(e["name"]), str(e.get("kind") or "other")) for e in design.get("environments") or []]
    if not envs:
        warnings.append("the design lists no environments; the plan assumes a single production environment 'prod'")
        return [("prod", "prod")]
    if not any(kind == "prod" for _, kind in envs):
        warnings.append("the design has no production environment (kind prod): production tasks are left out")
    return envs


def _matches(scope: str, kind: str) -> bool:
    if scope == "prod":
        return kind == "prod"
    if scope == "nonprod":
        return kind in NONPROD_KINDS
    return kind != "replica"


def _nominal_days(t: TemplateTask, design: dict[str, Any]) -> int:
    if t.days_from:
        value = _lookup(design, t.days_from)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    if t.days == 0:
        return 0
    return math.ceil(t.days * growth(t, design))


def instantiate(template: Template, design: dict[str, Any], *, exceptional: bool) -> tuple[list[PlanTask], dict[str, int], list[str]]:
    """Tasks for this design with their nominal durations; also each task's shortest duration."""
    warnings: list[str] = []
    envs = _environments(design, warnings)
    options = {when: bool(_lookup(design, path)) for when, path in DESIGN_OPTIONS.items()}
    instances: dict[str, list[tuple[str | None, str, TemplateTask]]] = {}
    chosen: list[tuple[TemplateTask, str | None, str]] = []
    for t in template.tasks:
        if t.when == "exceptional_scale" and not exceptional:
            continue
        if t.when in options and not options[t.when]:
            continue
        targets: list[str | None] = [name for name, kind in envs if _matches(t.per_environment, kind)] if t.per_environment else [None]
        for env in targets:
            gid = f"{t.id}-{env}" if env else t.id
            instances.setdefault(t.id, []).append((env, gid, t))
            chosen.append((t, env, gid))
    by_template: dict[str, list[TemplateTask]] = {}
    for t in template.tasks:
        by_template.setdefault(t.id, []).append(t)

    def resolve(dep: Dependency, env: str | None, scope: str | None, seen: frozenset[str]) -> dict[str, int]:
        """Generated ids a template dependency stands for. `scope`: the per_environment scope of
        the depending task; a dependency id with a variant of the same scope means that variant."""
        variants = by_template.get(dep.id, [])
        if scope is not None and any(v.per_environment == scope for v in variants):
            variants = [v for v in variants if v.per_environment == scope]
        found = [(e, gid) for e, gid, v in instances.get(dep.id, []) if any(v is x for x in variants)]
        if found:
            same = [gid for e, gid in found if env is not None and e == env]
            return {gid: dep.lag for gid in (same or [gid for _, gid in found])}
        out: dict[str, int] = {}
        if dep.id in seen:
            return out
        for v in variants:  # not generated: pass through to its own dependencies
            inner_env = None if v.per_environment else env
            for inner in v.depends_on:
                for gid, lag in resolve(Dependency(inner.id, inner.lag + dep.lag), inner_env, v.per_environment,
                                        seen | {dep.id}).items():
                    out[gid] = max(lag, out.get(gid, 0))
        return out

    tasks: list[PlanTask] = []
    minimum: dict[str, int] = {}
    seen_ids: set[str] = set()
    for t, env, gid in chosen:
        if gid in seen_ids:
            from implhub.errors import ValidationError

            raise ValidationError(f"two template tasks generate the id {gid!r}", file=template.source, line=t.line, field=t.id)
        seen_ids.add(gid)
        deps: dict[str, int] = {}
        for dep in t.depends_on:
            for dep_gid, lag in resolve(dep, env, t.per_environment, frozenset()).items():
                deps[dep_gid] = max(lag, deps.get(dep_gid, 0))
        days = _nominal_days(t, design)
        minimum[gid] = days if t.days_from and days != t.days else (
            t.min_days if t.min_days is not None else (max(1, round(days * 0.6)) if days else 0))
        if t.grows_with and t.min_days is not None:
            minimum[gid] = min(days, math.ceil(t.min_days * growth(t, design)))
        tasks.append(PlanTask(
            id=gid, title=t.title.replace("{env}", env or ""), duration=days,
            depends_on=[Dependency(k, v) for k, v in deps.items()], phase=t.phase, owner_role=t.owner,
            visibility=t.visibility, milestone=t.milestone, deadline=t.deadline, environment=env, template_id=t.id,
        ))
    _drop_implied(tasks)
    return tasks, minimum, warnings


def _drop_implied(tasks: list[PlanTask]) -> None:
    """A dependency that another dependency already implies (an ancestor of it, no lag) only
    clutters the plan: passing through skipped tasks creates such edges."""
    ancestors: dict[str, set[str]] = {}
    for t in topological_order(tasks):
        ancestors[t.id] = set()
        for d in t.depends_on:
            ancestors[t.id] |= {d.id} | ancestors[d.id]
    for t in tasks:
        implied = set().union(*(ancestors[d.id] for d in t.depends_on)) if t.depends_on else set()
        t.depends_on = [d for d in t.depends_on if d.lag or d.id not in implied]


def critical_length(tasks: Sequence[PlanTask], durations: dict[str, int] | None = None) -> int:
    """Working days from the first start to the last finish (no calendar needed)."""
    end: dict[str, int] = {}
    for t in topological_order(tasks):
        es = max((end[d.id] + d.lag for d in t.depends_on), default=0)
        end[t.id] = es + (durations[t.id] if durations else t.duration)
    return max(end.values(), default=0)


def _squeezed(tasks: Sequence[PlanTask], minimum: dict[str, int], factor: float) -> dict[str, int]:
    return {t.id: max(minimum[t.id], math.ceil(t.duration * factor - 1e-9)) if t.duration else 0 for t in tasks}


def generate(template: Template, design: dict[str, Any], *, exceptional: bool, calendar: WorkCalendar,
             start: dt.date) -> Generated:
    """Build the tasks and fit them to the package's timebox: when the critical path is longer
    than the working days in the timebox, squeeze every task towards its shortest duration, and
    say so; when even that does not fit, warn with the numbers."""
    tasks, minimum, warnings = instantiate(template, design, exceptional=exceptional)
    days = timebox_days(design)
    end = start + dt.timedelta(days=days - 1)
    available = calendar.working_days_between(start, end)
    length = critical_length(tasks)
    result = Generated(tasks=tasks, warnings=warnings, timebox_days=days, timebox_end=end,
                       critical_days=length, available_days=available)
    if length <= available:
        return result
    floor = _squeezed(tasks, minimum, 0.0)
    if critical_length(tasks, floor) > available:
        durations, factor = floor, 0.0
    else:
        lo, hi = 0.0, 1.0
        for _ in range(30):
            mid = (lo + hi) / 2
            if critical_length(tasks, _squeezed(tasks, minimum, mid)) <= available:
                lo = mid
            else:
                hi = mid
        durations, factor = _squeezed(tasks, minimum, lo), lo
    result.tasks = [replace(t, duration=durations[t.id]) for t in tasks]
    result.critical_days = critical_length(result.tasks)
    result.squeeze = factor
    if result.critical_days > available:
        finish = calendar.day(calendar.index_on_or_after(start) + result.critical_days - 1)
        warnings.append(
            f"the critical path does not fit the {days}-day timebox: {result.critical_days} working days at the "
            f"shortest durations against {available} working days up to {end}; the forecast finish is {finish}. "
            "Cut scope, add people, or agree a longer timebox")
    else:
        warnings.append(
            f"the critical path ({length} working days) was longer than the {days}-day timebox ({available} working "
            f"days up to {end}); durations were squeezed to fit ({result.critical_days} working days)")
    return result
