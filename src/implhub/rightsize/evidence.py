"""The evidence right-sizing makes: `rightsize` (recommendations from observed usage, the window,
the comparison with the estimate) and `version_check` (running version against the newest)."""

from __future__ import annotations

from typing import Any, ClassVar

from implhub.evidence_base import EvidenceData
from implhub.vocab import EvidenceKind


class RightsizeResult(EvidenceData):
    KIND: ClassVar[EvidenceKind] = EvidenceKind.rightsize

    strategy: dict[str, Any] | None = None
    window: str | None = None
    services: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    no_data: list[Any] = []
    ignored_containers: list[Any] = []
    empty_queries: list[Any] = []
    changes: list[dict[str, Any]] = []
    override: dict[str, Any] = {}
    totals: dict[str, Any] = {}
    environment: str | None = None
    source: str | None = None
    namespace: str | None = None
    window_end: str | None = None
    window_start: str | None = None
    computed_at: str | None = None
    chart_version: str | None = None
    current_basis: str | None = None
    not_in_chart: list[Any] = []
    comparison: dict[str, Any] | None = None
    cost: dict[str, Any] | None = None
    plan: str | None = None
    recommendations: list[dict[str, Any]] = []
    override_yaml: str | None = None


class VersionCheck(EvidenceData):
    KIND: ClassVar[EvidenceKind] = EvidenceKind.version_check

    #: the version the instance runs (the one key readers use: there is no `running_version`)
    running: str
    running_minor: str | None = None
    newest: str | None = None
    newest_released: str | None = None
    table_as_of: str | None = None
    table_source: str | None = None
    minors_behind: int | None = None
    missed: list[str] = []
    current: bool | None = None
    upgrade: str | None = None
    multi_version_upgrade: bool | None = None
    verdict: str | None = None
    newer_than_table: bool | None = None
    environment: str | None = None
    version_source: str | None = None
    checked_at: str | None = None
