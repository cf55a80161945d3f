"""Answers of /api/projects/{slug}/logs, reports and reminders."""

from __future__ import annotations

from typing import Any

from implhub.web.schemas import Read


class LogEntryRead(Read):
    ref: str
    kind: str
    number: int
    title: str
    description: str = ""
    owner: str = ""
    status: str
    visibility: str
    fields: dict[str, Any] = {}
    origin: str = ""
    version: int
    created_at: str
    created_by: str = ""
    updated_at: str


class StatusReport(Read):
    project: dict[str, Any]
    audience: str
    period: dict[str, Any]
    generated_on: str
    health: str | None = None
    health_reasons: list[Any] = []
    forecast_finish: str | None = None
    baseline_finish: str | None = None
    go_live_forecast: str | None = None
    go_live_baseline: str | None = None
    go_live_slip_working_days: int | None = None
    completed: list[dict[str, Any]] = []
    slipped: list[dict[str, Any]] = []
    next: list[dict[str, Any]] = []
    milestones: list[dict[str, Any]] = []
    risks: list[dict[str, Any]] = []
    issues: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    exit_criteria: dict[str, Any] | None = None
    numbers: list[dict[str, Any]] = []
    plan_available: bool


class ReminderRead(Read):
    to: str
    subject: str
    reason: str


class PortfolioReportRow(Read):
    slug: str
    name: str
    state: str
    health: str
    forecast_finish: str | None = None
    baseline_finish: str | None = None
    slip: int | None = None
    exit: str | None = None
    risks: int = 0
    issues: int = 0
