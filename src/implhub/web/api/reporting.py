"""/api: project logs, status report data, reminders preview, portfolio report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from implhub.app import projects
from implhub.app import reporting as svc
from implhub.app.context import Ctx
from implhub.errors import PermissionDenied
from implhub.web.deps import (
    can_see_internal,
    principal,
    require_editor,
    require_external,
    require_internal,
    web_ctx,
)
from implhub.web.schemas.reporting import (
    LogEntryRead,
    PortfolioReportRow,
    ReminderRead,
    StatusReport,
)

router = APIRouter(tags=["reporting"])
CtxDep = Annotated[Ctx, Depends(web_ctx)]


@router.get("/projects/{slug}/logs", response_model=list[LogEntryRead], response_model_exclude_unset=True)
def list_logs(request: Request, slug: str, ctx: CtxDep, kind: str | None = None, open_only: bool = False) -> list[dict[str, Any]]:
    """Risks, issues, decisions and expansion opportunities; customers get the external ones."""
    project = projects.get_or_raise(ctx, slug=slug)
    p = require_external(principal(request), project)
    audience = "internal" if can_see_internal(p, project) else "external"
    return svc.list_entries(ctx, project=project, kind=kind, audience=audience, open_only=open_only)


@router.post("/projects/{slug}/logs/{kind}", status_code=201, response_model=LogEntryRead, response_model_exclude_unset=True)
def add_log(request: Request, slug: str, kind: str, ctx: CtxDep, entry: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Add an entry: {"title", "description", "owner", "visibility", and the kind's fields}."""
    project = projects.get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    return svc.add_entry(ctx, slug=slug, kind=kind, values=entry)


@router.patch("/projects/{slug}/logs/{kind}/{ref}", response_model=LogEntryRead, response_model_exclude_unset=True)
def update_log(request: Request, slug: str, kind: str, ref: str, ctx: CtxDep, changes: Annotated[dict[str, Any], Body()],
               expected_version: int | None = None) -> dict[str, Any]:
    project = projects.get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    return svc.update_entry(ctx, slug=slug, kind=kind, ref=ref, values=changes, expected_version=expected_version)


@router.get("/projects/{slug}/reports/status", response_model=StatusReport, response_model_exclude_unset=True)
def status_report(request: Request, slug: str, ctx: CtxDep, period: str = "week", audience: str = "external") -> dict[str, Any]:
    project = projects.get_or_raise(ctx, slug=slug)
    p = require_external(principal(request), project)
    if audience == "internal" and not can_see_internal(p, project):
        raise PermissionDenied("the internal report is for the implementation team")
    return svc.status_report(ctx, slug=slug, period=period, audience=audience)


@router.get("/projects/{slug}/reminders", response_model=list[ReminderRead], response_model_exclude_unset=True)
def pending_reminders(request: Request, slug: str, ctx: CtxDep) -> list[dict[str, str]]:
    """What `implhub remind` would send for this project now."""
    project = projects.get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    return [r.public() for r in svc.pending_reminders(ctx, slug=slug)]


@router.get("/reports/portfolio", response_model=list[PortfolioReportRow], response_model_exclude_unset=True)
def portfolio(request: Request, ctx: CtxDep) -> list[dict[str, Any]]:
    p = principal(request)
    if p is None or not p.is_internal:
        raise PermissionDenied("the portfolio report is for the implementation team")
    return svc.portfolio_report(ctx)
