"""The evidence sizing makes: `size_estimate` and `node_plan` (the `size estimate --json` and
`size nodes --json` shapes). Documented keys are typed; nested parts whose keys vary per service
stay JSON objects."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from implhub.evidence_base import EvidenceData
from implhub.vocab import EvidenceKind


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Totals(_Open):
    cpu: float | None = None
    memory_gb: float | None = None
    storage_gb: float | None = None


class SizePart(_Open):
    """The official or the recommended size: per service requests/limits/replicas, and totals."""

    services: dict[str, Any] = {}
    totals: dict[str, Any] = {}


class Basis(_Open):
    project: str | None = None
    environment: str | None = None
    environment_kind: str | None = None
    profile: str | None = None
    design_revision: int | None = None
    code_statistics: Any = None
    design_cloud: str | None = None
    design_version: str | None = None
    parity: bool | None = None
    zoekt_basis: str | None = None


class MonthlyCost(_Open):
    """The whole monthly cost of a node plan (USD): compute, volumes, and the rest (load balancer,
    control plane); `monthly_usd` equals `total_usd`."""

    compute_usd: float
    storage_usd: float
    other_usd: float
    total_usd: float


class NodePlan(EvidenceData):
    KIND: ClassVar[EvidenceKind] = EvidenceKind.node_plan

    cloud: str | None = None
    headroom: float | None = None
    pools: list[dict[str, Any]] = []
    monthly_usd: float | None = None
    placements: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    totals: dict[str, Any] = {}
    standard: dict[str, Any] | None = None
    instance_size: str | None = None
    environment: str | None = None
    chart_version: str | None = None
    estimate_evidence_id: int | None = None
    cost: MonthlyCost | None = None
    resilience: dict[str, Any] | None = None
    storage_class: dict[str, Any] | None = None


class SizeEstimate(EvidenceData):
    KIND: ClassVar[EvidenceKind] = EvidenceKind.size_estimate

    inputs: dict[str, Any] = {}
    chart_version: str | None = None
    official: SizePart | None = None
    official_contact_support_for: list[str] = []
    recommended: SizePart | None = None
    deviations: list[dict[str, Any]] = []
    standard: dict[str, Any] | None = None
    node_plan: dict[str, Any] | None = None
    environment: str | None = None
    basis: Basis | None = None
    helm_values: dict[str, Any] | None = None
    #: services the design moves outside the cluster, with what the customer provides
    externalized: list[dict[str, Any]] = []
    storage_class: dict[str, Any] | None = None
    missing: list[Any] = []
