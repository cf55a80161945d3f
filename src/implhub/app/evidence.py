"""Append-only evidence on a project (and optionally an environment).

Each kind has a pydantic model owned by the engine that makes it (`MODELS`). `add` validates the
data against it, so a producer that writes a wrong shape fails where it writes, not in a document
that reads it later. Readers ask for the model: `latest(ctx, project=p, kind=SizeEstimate)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from pydantic import ValidationError
from sqlalchemy import select

from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.codestats.evidence import CodeHostInventory, CodeStatisticsScan, InstanceSnapshot
from implhub.evidence_base import EvidenceData
from implhub.loadtest.evidence import LoadTestRun
from implhub.replica.evidence import ReplicaCorpus
from implhub.rightsize.evidence import RightsizeResult, VersionCheck
from implhub.sizing.evidence import NodePlan, SizeEstimate
from implhub.store.models import Evidence, Project
from implhub.vocab import EvidenceKind

#: the model of each evidence kind
MODELS: dict[EvidenceKind, type[EvidenceData]] = {
    m.KIND: m for m in (CodeStatisticsScan, CodeHostInventory, InstanceSnapshot, SizeEstimate, NodePlan,
                        LoadTestRun, RightsizeResult, VersionCheck, ReplicaCorpus)
}

M = TypeVar("M", bound=EvidenceData)


class EvidenceShapeError(TypeError):
    """A producer stored data that does not fit its kind's model: a bug, not a user error."""


def validate(kind: str, data: dict[str, Any]) -> EvidenceData | None:
    """The data as its kind's model (None for a kind without a model); raises on a wrong shape."""
    try:
        model = MODELS[EvidenceKind(kind)]
    except ValueError:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise EvidenceShapeError(f"{kind} evidence does not fit {model.__name__}: {exc}") from exc


def add(
    ctx: Ctx,
    *,
    project: Project,
    kind: str,
    data: dict[str, Any] | EvidenceData,
    source: str,
    environment: str | None = None,
    simulated: bool = False,
    summary: str | None = None,
) -> Evidence:
    raw = data.as_dict() if isinstance(data, EvidenceData) else data
    validate(kind, raw)
    ev = Evidence(
        project_id=project.id, environment=environment, kind=str(kind), source=source,
        taken_at=ctx.now(), simulated=simulated, data=raw, created_by=ctx.actor,
    )
    ctx.session.add(ev)
    ctx.session.flush()
    record(ctx, project=project, action="evidence.add", entity=str(kind), entity_id=str(ev.id),
           summary=summary or f"{kind} from {source}" + (f" on {environment}" if environment else "")
           + (" (simulated)" if simulated else ""))
    return ev


def list_evidence(
    ctx: Ctx, *, project: Project, kind: str | None = None, environment: str | None = None
) -> list[Evidence]:
    """Newest first."""
    q = select(Evidence).where(Evidence.project_id == project.id)
    if kind:
        q = q.where(Evidence.kind == str(kind))
    if environment:
        q = q.where(Evidence.environment == environment)
    return list(ctx.session.scalars(q.order_by(Evidence.taken_at.desc(), Evidence.id.desc())))


@dataclass(frozen=True)
class Stored(Generic[M]):
    """One evidence row read back: where and when it came from, and its data as the model."""

    id: int
    environment: str | None
    source: str
    taken_at: dt.datetime
    simulated: bool
    created_by: str
    data: M


def as_model(ev: Evidence, kind: type[M]) -> M:
    """An evidence row's data as its model (rows stored by earlier releases included)."""
    if ev.kind != kind.KIND:
        raise EvidenceShapeError(f"evidence #{ev.id} is {ev.kind}, not {kind.KIND}")
    return kind.model_validate(ev.data or {})


def stored(ctx: Ctx, *, project: Project, kind: type[M], environment: str | None = None) -> list[Stored[M]]:
    """Every row of a kind, newest first, each with its data as the model."""
    return [Stored(id=ev.id, environment=ev.environment, source=ev.source, taken_at=ev.taken_at,
                   simulated=ev.simulated, created_by=ev.created_by, data=as_model(ev, kind))
            for ev in list_evidence(ctx, project=project, kind=kind.KIND, environment=environment)]


def latest_stored(ctx: Ctx, *, project: Project, kind: type[M], environment: str | None = None) -> Stored[M] | None:
    items = stored(ctx, project=project, kind=kind, environment=environment)
    return items[0] if items else None


def list_of(ctx: Ctx, *, project: Project, kind: type[M], environment: str | None = None) -> list[M]:
    """The data of every row of a kind as the model, newest first."""
    return [s.data for s in stored(ctx, project=project, kind=kind, environment=environment)]


@overload
def latest(ctx: Ctx, *, project: Project, kind: type[M], environment: str | None = None) -> M | None: ...
@overload
def latest(ctx: Ctx, *, project: Project, kind: str, environment: str | None = None) -> Evidence | None: ...
def latest(ctx: Ctx, *, project: Project, kind: type[M] | str, environment: str | None = None) -> M | Evidence | None:
    """The newest row of a kind: given a model class, its data as that model; given the kind's
    name, the row itself (for its source and date)."""
    if isinstance(kind, str):
        items = list_evidence(ctx, project=project, kind=kind, environment=environment)
        return items[0] if items else None
    found = latest_stored(ctx, project=project, kind=kind, environment=environment)
    return found.data if found else None


def evidence_dict(ev: Evidence) -> dict[str, Any]:
    return {
        "id": ev.id, "kind": ev.kind, "environment": ev.environment, "source": ev.source,
        "taken_at": ev.taken_at.isoformat(), "simulated": ev.simulated, "data": ev.data,
        "created_by": ev.created_by,
    }
