"""Answers of /api/projects/{slug}/plan and its tasks and baselines (`plan show --json`)."""

from __future__ import annotations

from typing import Any

from implhub.web.schemas import Read


class TaskRead(Read):
    id: str
    title: str
    visibility: str | None = None
    owner_role: str | None = None
    start: str | None = None
    finish: str | None = None
    baseline_start: str | None = None
    baseline_finish: str | None = None
    status: str | None = None
    health: str | None = None
    critical: bool | None = None
    depends_on: list[Any] = []
    milestone: bool | None = None
    deadline: bool | None = None
    phase: str | None = None
    environment: str | None = None
    duration: int | None = None
    lags: dict[str, Any] = {}
    health_reason: str | None = None
    slip_days: int | None = None
    actual_start: str | None = None
    actual_end: str | None = None
    assignee: str | None = None
    notes: list[dict[str, Any]] = []
    version: int | None = None


class PlanRead(Read):
    view: str
    health: str
    health_reasons: list[Any] = []
    start: str | None = None
    forecast_finish: str | None = None
    baseline_finish: str | None = None
    timebox_end: str | None = None
    today: str | None = None
    tasks: list[TaskRead] = []
    project: str
    name: str
    #: internal view only
    baseline: int | None = None
    warnings: list[str] = []
    blackout: list[str] = []


class GenerateRead(Read):
    created: bool
    changes: list[Any] = []
    warnings: list[str] = []
    plan: PlanRead


class BaselineRead(Read):
    number: int
    label: str = ""
    finish: str | None = None
    taken_at: str
    taken_by: str = ""
    tasks: int


class TaskRemoved(Read):
    """A removed task and the tasks that now wait for its dependencies instead."""

    removed: str
    relinked: list[str] = []
