"""Answers of /api/projects/{slug}/exit-criteria (`exit-criteria --json`) and sign-offs."""

from __future__ import annotations

from typing import Any

from implhub.web.schemas import Read


class CriterionRead(Read):
    number: int
    title: str
    status: str
    evidence: list[dict[str, Any]] = []
    missing: list[str] = []


class ExitReport(Read):
    complete: bool
    criteria: list[CriterionRead]


class SignoffRead(Read):
    id: int
    criterion: int
    action: str
    by: str
    evidence_url: str | None = None
    reason: str | None = None
    at: str
    created_by: str = ""
