"""Answers of /api/projects/{slug}/codestats and its summary."""

from __future__ import annotations

from typing import Any

from implhub.web.schemas import AnyEvidenceRead, Read


class CodeStatsSummary(Read):
    """Each part carries its value with date, source, basis and whether it was simulated."""

    code_hosts: dict[str, Any] | None = None
    lines_of_code: dict[str, Any] | None = None
    repos_synced: dict[str, Any] | None = None
    scan: dict[str, Any] | None = None
    instance: dict[str, Any] | None = None


class CodeStatsListing(Read):
    summary: CodeStatsSummary
    scans: list[AnyEvidenceRead] = []
    inventories: list[AnyEvidenceRead] = []
    snapshots: list[AnyEvidenceRead] = []
