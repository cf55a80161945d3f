"""Loading and checking a plan template (YAML). The shipped one is data/plan/default-template.yaml;
a team points IMPLHUB_PLAN_TEMPLATE at its own."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import Any

from implhub.errors import ValidationError
from implhub.intake.roles import canonical_role
from implhub.planning.model import VISIBILITIES, Dependency, Phase, Template, TemplateTask

PER_ENVIRONMENT = ("nonprod", "prod", "all")
WHEN = ("always", "exceptional_scale", "image_scanning", "change_advisory", "priority_support", "rightsizing_window")
GROWS_WITH = ("users", "repositories")
_KNOWN = {"id", "title", "phase", "owner", "days", "min_days", "grows_with", "days_from", "visibility",
          "depends_on", "per_environment", "when", "milestone", "deadline"}
_DEP = re.compile(r"^([a-z0-9][a-z0-9-]*)(?:\s*\+\s*(\d+))?$")


def default_template_text() -> str:
    return (files("implhub") / "data" / "plan" / "default-template.yaml").read_text(encoding="utf-8")


def load_template_file(path: Path | None) -> Template:
    """The team's template when `path` is given, else the shipped one."""
    if path is None:
        return load_template(default_template_text(), source="default-template.yaml")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError("plan template not found (IMPLHUB_PLAN_TEMPLATE)", file=str(path)) from None
    return load_template(text, source=str(path))


def _line(node: Any, key: Any = None) -> int | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is not None:
            return int(lc.key(key)[0]) + 1
        return int(lc.line) + 1
    except (KeyError, TypeError, AttributeError):
        return None


def parse_dependency(raw: Any, *, source: str, line: int | None, task: str) -> Dependency:
    if isinstance(raw, dict):
        dep_id, lag = raw.get("id"), raw.get("lag", 0)
        if not isinstance(dep_id, str) or not isinstance(lag, int) or lag < 0:
            raise ValidationError("expected {id: TASK, lag: N} with N >= 0", file=source, line=line, field=f"{task}.depends_on")
        return Dependency(dep_id, lag)
    m = _DEP.match(str(raw).strip())
    if not m:
        raise ValidationError(f"expected a task id or 'id+LAG', got {raw!r}", file=source, line=line, field=f"{task}.depends_on")
    return Dependency(m.group(1), int(m.group(2) or 0))


def load_template(text: str, *, source: str) -> Template:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValidationError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=source,
                              line=(mark.line + 1) if mark is not None else None) from None
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        raise ValidationError("expected a mapping with a 'tasks' list (and 'phases')", file=source)
    phases: list[Phase] = []
    for raw in data.get("phases") or []:
        if not isinstance(raw, dict) or not raw.get("id"):
            raise ValidationError("expected {id: ..., title: ...}", file=source, line=_line(raw), field="phases")
        phases.append(Phase(str(raw["id"]), str(raw.get("title") or raw["id"])))
    phase_ids = {p.id for p in phases}
    tasks: list[TemplateTask] = []
    for raw in data["tasks"]:
        line = _line(raw)
        if not isinstance(raw, dict):
            raise ValidationError("expected a task mapping", file=source, line=line, field="tasks")
        tid = str(raw.get("id") or "")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", tid):
            raise ValidationError("expected an id of lower-case letters, digits and dashes", file=source, line=line, field="id")
        unknown = set(raw) - _KNOWN
        if unknown:
            raise ValidationError(f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; expected {', '.join(sorted(_KNOWN))}",
                                  file=source, line=line, field=tid)
        owner = canonical_role(str(raw.get("owner") or ""))
        if owner is None:
            raise ValidationError(f"unknown owner role {raw.get('owner')!r}; expected a role code like IE, IPM, TAM, ADMIN",
                                  file=source, line=_line(raw, "owner") or line, field=f"{tid}.owner")
        days = raw.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ValidationError("expected a whole number of working days >= 0", file=source, line=line, field=f"{tid}.days")
        min_days = raw.get("min_days")
        if min_days is not None and (not isinstance(min_days, int) or min_days < 0 or min_days > days):
            raise ValidationError(f"expected a whole number between 0 and days ({days})", file=source, line=line, field=f"{tid}.min_days")
        phase = str(raw.get("phase") or "")
        if phase_ids and phase not in phase_ids:
            raise ValidationError(f"unknown phase {phase!r}; expected one of {', '.join(sorted(phase_ids))}", file=source, line=line, field=f"{tid}.phase")
        checks = (("visibility", VISIBILITIES, "external"), ("per_environment", PER_ENVIRONMENT, None),
                  ("when", WHEN, "always"), ("grows_with", GROWS_WITH, None))
        values: dict[str, Any] = {}
        for key, allowed, default in checks:
            value = raw.get(key, default)
            if value is not None and value not in allowed:
                raise ValidationError(f"expected one of {', '.join(allowed)}, got {value!r}", file=source, line=line, field=f"{tid}.{key}")
            values[key] = value
        deps = tuple(parse_dependency(d, source=source, line=line, task=tid) for d in (raw.get("depends_on") or []))
        tasks.append(TemplateTask(
            id=tid, title=str(raw.get("title") or tid), phase=phase, owner=owner, days=days,
            visibility=values["visibility"], min_days=min_days, grows_with=values["grows_with"],
            days_from=str(raw["days_from"]) if raw.get("days_from") else None, depends_on=deps,
            per_environment=values["per_environment"], when=values["when"],
            milestone=bool(raw.get("milestone", days == 0)), deadline=bool(raw.get("deadline", False)), line=line,
        ))
    ids = {t.id for t in tasks}
    for t in tasks:
        for d in t.depends_on:
            if d.id not in ids:
                raise ValidationError(f"depends on unknown task {d.id!r}", file=source, line=t.line, field=f"{t.id}.depends_on")
    return Template(name=str(data.get("name") or "plan"), phases=tuple(phases), tasks=tuple(tasks), source=source)
