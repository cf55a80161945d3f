"""The evidence load testing makes: `loadtest_run` (the `loadtest report --json` shape plus the
run's kind, whether it stopped early, and its profile)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from implhub.evidence_base import EvidenceData
from implhub.vocab import EvidenceKind


class InstanceTested(BaseModel):
    """The instance a run tested, as it answered before any load."""

    url: str
    version: str = ""


class RunCoverage(BaseModel):
    """How much of the profile's required load a run reached (decides its strength)."""

    model_config = ConfigDict(extra="allow")

    vus: int
    required_vus: int
    hold_s: float
    required_hold_s: float
    complete: bool = False


class ServiceRoom(BaseModel):
    """One service's headroom during the run (the chart's service key names it)."""

    model_config = ConfigDict(extra="allow")

    cpu_peak_ratio: float | None = None
    memory_peak_ratio: float | None = None
    throttled_ratio: float = 0.0
    oom_kills: int = 0


class Adequacy(BaseModel):
    """Is the resourcing adequate: latency within targets and every service under 80%."""

    model_config = ConfigDict(extra="allow")

    adequate: bool | None = None
    reasons: list[str] = []


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
    instance: InstanceTested | None = None
    coverage: RunCoverage | None = None
    strength: Literal["full", "smoke", "simulated"] | None = None
    services: dict[str, ServiceRoom] | None = None
    adequacy: Adequacy | None = None
    headroom_error: str | None = None
