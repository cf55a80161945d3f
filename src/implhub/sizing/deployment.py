"""What a sizing takes from the design beyond the scale: where it runs, what the customer hosts
outside the cluster, and what the POC taught. Pure data, filled by `implhub.app.sizing` from the
TDD or by a caller that sizes without a project."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ExternalKind(StrEnum):
    """The TDD's `externalized_services[].service` vocabulary that changes the deployment."""

    postgresql = "postgresql"
    codeintel_db = "codeintel-db"
    codeinsights_db = "codeinsights-db"
    redis = "redis"
    object_storage = "object-storage"
    tracing = "tracing"


class ExternalService(BaseModel):
    """One service the customer runs outside the cluster."""

    model_config = ConfigDict(frozen=True)

    kind: ExternalKind
    provider: str | None = None
    #: the customer's endpoint when the design names it (for tracing: the OTLP collector)
    endpoint: str | None = None


class PlanOptions(BaseModel):
    """How the node plan is built."""

    model_config = ConfigDict(frozen=True)

    #: keep enough spare capacity that the loss of any one node leaves every pod a place
    spare_node: bool = False
    #: every node group of the plan from one instance family (m6a, n2-standard, D_v3, ...)
    one_family: bool = False


class DeploymentDesign(BaseModel):
    """The parts of the design that shape the deployment (not the scale)."""

    model_config = ConfigDict(frozen=True)

    #: the design's cloud: aws, gcp, azure, on-prem or other (None: not given)
    cloud: str | None = None
    region: str | None = None
    externalized: tuple[ExternalService, ...] = ()
    #: lessons of the POC, as written in the TDD
    poc_lessons: tuple[str, ...] = ()
    #: the customer's own StorageClass (on-prem or other clouds)
    storage_class: str | None = None
    #: the environment kind being sized (prod, staging, dev, replica, other)
    environment_kind: str = "prod"
    #: sized like production (prod, or parity asked for): availability replicas, full upload concurrency
    prod_shaped: bool = True
    options: PlanOptions = Field(default_factory=PlanOptions)

    def external(self, kind: ExternalKind) -> ExternalService | None:
        return next((x for x in self.externalized if x.kind == kind), None)
