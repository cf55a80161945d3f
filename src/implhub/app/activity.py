"""The append-only activity log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from implhub.app.context import Ctx
from implhub.store.models import ActivityEntry, Project


def record(
    ctx: Ctx,
    *,
    project: Project | None,
    action: str,
    entity: str,
    entity_id: str = "",
    summary: str = "",
    before: Any = None,
    after: Any = None,
) -> ActivityEntry:
    entry = ActivityEntry(
        project_id=project.id if project is not None else None,
        at=ctx.now(),
        actor=ctx.actor,
        via=ctx.via,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        summary=summary,
        before=before,
        after=after,
    )
    ctx.session.add(entry)
    ctx.session.flush()
    return entry


def list_entries(
    ctx: Ctx,
    *,
    project: Project | None = None,
    actor: str | None = None,
    entity: str | None = None,
    since: dt.datetime | None = None,
    limit: int = 500,
) -> list[ActivityEntry]:
    q = select(ActivityEntry).order_by(ActivityEntry.at.desc(), ActivityEntry.id.desc()).limit(limit)
    if project is not None:
        q = q.where(ActivityEntry.project_id == project.id)
    if actor:
        q = q.where(ActivityEntry.actor == actor)
    if entity:
        q = q.where(ActivityEntry.entity == entity)
    if since:
        q = q.where(ActivityEntry.at >= since)
    return list(ctx.session.scalars(q))


def entry_dict(e: ActivityEntry) -> dict[str, Any]:
    return {
        "id": e.id, "at": e.at.isoformat(), "actor": e.actor, "via": e.via, "action": e.action,
        "entity": e.entity, "entity_id": e.entity_id, "summary": e.summary,
        "before": e.before, "after": e.after,
    }
