"""The planning engine's types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: closed sets (the `plan show --json` contract)
STATUSES: tuple[str, ...] = ("not_started", "in_progress", "blocked", "done")
HEALTHS: tuple[str, ...] = ("on_track", "at_risk", "late", "done")
VISIBILITIES: tuple[str, ...] = ("external", "internal")


@dataclass(frozen=True)
class Dependency:
    """Finish-to-start: the task starts `lag` working days after `id` finishes."""

    id: str
    lag: int = 0


@dataclass(frozen=True)
class TemplateTask:
    id: str
    title: str
    phase: str
    owner: str
    days: int
    visibility: str = "external"
    min_days: int | None = None
    grows_with: str | None = None
    days_from: str | None = None
    depends_on: tuple[Dependency, ...] = ()
    per_environment: str | None = None  # nonprod | prod | all
    when: str = "always"  # always | exceptional_scale | a design option of planning.generate.DESIGN_OPTIONS
    milestone: bool = False
    deadline: bool = False
    line: int | None = None


@dataclass(frozen=True)
class Phase:
    id: str
    title: str


@dataclass(frozen=True)
class Template:
    name: str
    phases: tuple[Phase, ...]
    tasks: tuple[TemplateTask, ...]
    source: str = "default"


@dataclass
class PlanTask:
    """A task of one project's plan: what the scheduler needs, plus what people entered."""

    id: str
    title: str
    duration: int
    depends_on: list[Dependency] = field(default_factory=list)
    phase: str = ""
    owner_role: str = "IE"
    visibility: str = "external"
    milestone: bool = False
    deadline: bool = False
    environment: str | None = None
    template_id: str | None = None
    status: str = "not_started"
    actual_start: dt.date | None = None
    actual_end: dt.date | None = None
    #: re-forecast finish of an unfinished task, earlier or later than the computed one
    expected_end: dt.date | None = None


@dataclass
class ScheduledTask:
    """A task with its forecast. Dates are inclusive working days; `start`/`finish` equal the
    actual dates once known."""

    task: PlanTask
    start: dt.date
    finish: dt.date
    start_index: int
    end_index: int  # exclusive: start_index + working days it occupies
    critical: bool = False
    total_float: int = 0
    baseline_start: dt.date | None = None
    baseline_finish: dt.date | None = None
    health: str = "on_track"
    health_reason: str = ""
    slip_days: int = 0  # working days the forecast finish is after the baseline finish
