"""Answers of /api/projects, /api/portfolio, /api/projects/{slug}/portal, revisions, activity."""

from __future__ import annotations

from typing import Any

from implhub.web.schemas import Read


class ProjectSummary(Read):
    slug: str
    name: str
    state: str | None = None
    demo: bool | None = None
    revision: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    users: int | None = None
    repositories: int | None = None
    cloud: str | None = None
    package: str | None = None


class EnvironmentRead(Read):
    name: str
    kind: str
    origin: str
    data: dict[str, Any] = {}


class ExceptionalScale(Read):
    exceptional: bool
    reasons: list[str] = []


class ProjectRead(ProjectSummary):
    #: the design as stored (the TDD's shape, see `implhub tdd schema`)
    design: dict[str, Any]
    warnings: list[str] = []
    environments: list[EnvironmentRead] = []
    exceptional_scale: ExceptionalScale | None = None


class DesignUpdate(Read):
    revision: int
    changes: list[Any] = []
    conflicts: list[str] = []


class RevisionRead(Read):
    number: int
    created_at: str
    created_by: str = ""
    source_name: str = ""
    source_format: str = ""
    warnings: list[str] = []


class ActivityRead(Read):
    id: int
    at: str
    actor: str
    via: str
    action: str
    entity: str
    entity_id: str = ""
    summary: str = ""
    before: Any = None
    after: Any = None


class PortfolioRow(Read):
    slug: str
    name: str
    state: str
    demo: bool
    health: str
    health_reasons: list[Any] = []
    phase: str | None = None
    next_milestone: dict[str, Any] | None = None
    go_live_forecast: str | None = None
    go_live_baseline: str | None = None
    slip_days: int | None = None
    people: list[dict[str, str]] = []
    open_risks: int = 0
    cloud: str | None = None
    users: int | None = None
    package: str | None = None
    updated_at: str | None = None


class PortalDocument(Read):
    title: str
    format: str
    url: str


class Portal(Read):
    slug: str
    name: str
    health: str
    start: str | None = None
    forecast_finish: str | None = None
    timebox_end: str | None = None
    go_live_forecast: str | None = None
    go_live_baseline: str | None = None
    tasks: list[dict[str, Any]] = []
    milestones: list[dict[str, Any]] = []
    deadlines: list[dict[str, Any]] = []
    risks: list[dict[str, Any]] = []
    documents: list[PortalDocument] = []
