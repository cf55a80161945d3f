"""The evidence load testing makes: `loadtest_run` (the `loadtest report --json` shape plus the
run's kind, whether it stopped early, and its profile)."""

from __future__ import annotations

from typing import Any, ClassVar

from implhub.evidence_base import EvidenceData
from implhub.vocab import EvidenceKind


class LoadTestRun(EvidenceData):
    KIND: ClassVar[EvidenceKind] = EvidenceKind.loadtest_run

    run_id: str | None = None
    passed: bool | None = None
    score: float | None = None
    types: dict[str, Any] = {}
    run_ids: list[str] = []
    kind: str | None = None
    partial: bool = False
    duration_s: float | None = None
    points: int | None = None
    files: int | None = None
    thresholds: list[dict[str, Any]] = []
    warnings: list[Any] = []
    reading: list[dict[str, Any]] = []
    timeline: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None
    profile_version: int | None = None
    raw_points: str | None = None
    simulated_searches: int | None = None
