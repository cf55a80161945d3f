"""Append-only evidence on a project (and optionally an environment)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.store.models import Evidence, Project


def add(
    ctx: Ctx,
    *,
    project: Project,
    kind: str,
    data: dict[str, Any],
    source: str,
    environment: str | None = None,
    simulated: bool = False,
    summary: str | None = None,
) -> Evidence:
    ev = Evidence(
        project_id=project.id, environment=environment, kind=kind, source=source,
        taken_at=ctx.now(), simulated=simulated, data=data, created_by=ctx.actor,
    )
    ctx.session.add(ev)
    ctx.session.flush()
    record(ctx, project=project, action="evidence.add", entity=kind, entity_id=str(ev.id),
           summary=summary or f"{kind} from {source}" + (f" on {environment}" if environment else "")
           + (" (simulated)" if simulated else ""))
    return ev


def list_evidence(
    ctx: Ctx, *, project: Project, kind: str | None = None, environment: str | None = None
) -> list[Evidence]:
    """Newest first."""
    q = select(Evidence).where(Evidence.project_id == project.id)
    if kind:
        q = q.where(Evidence.kind == kind)
    if environment:
        q = q.where(Evidence.environment == environment)
    return list(ctx.session.scalars(q.order_by(Evidence.taken_at.desc(), Evidence.id.desc())))


def latest(ctx: Ctx, *, project: Project, kind: str, environment: str | None = None) -> Evidence | None:
    items = list_evidence(ctx, project=project, kind=kind, environment=environment)
    return items[0] if items else None


def evidence_dict(ev: Evidence) -> dict[str, Any]:
    return {
        "id": ev.id, "kind": ev.kind, "environment": ev.environment, "source": ev.source,
        "taken_at": ev.taken_at.isoformat(), "simulated": ev.simulated, "data": ev.data,
        "created_by": ev.created_by,
    }
