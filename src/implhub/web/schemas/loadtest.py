"""Answers of /api/projects/{slug}/loadtest (profiles and runs)."""

from __future__ import annotations

from typing import Any

from implhub.web.schemas import Read


class ProfileRead(Read):
    profile: dict[str, Any]
    version: int | None = None
    source: str | None = None


class RunRow(Read):
    id: int
    run_id: str | None = None
    kind: str | None = None
    environment: str | None = None
    taken_at: str
    passed: bool | None = None
    score: float | None = None
    partial: bool | None = None
    simulated: bool = False
    source: str = ""
    vus: int | None = None


class RunRead(RunRow):
    report: dict[str, Any]
