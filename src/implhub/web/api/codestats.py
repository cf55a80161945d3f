"""/api/projects/{slug}/codestats: the summary and the stored scans, inventories and snapshots."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from implhub.app import codestats as svc
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise
from implhub.web.deps import principal, require_internal, web_ctx
from implhub.web.schemas.codestats import CodeStatsListing, CodeStatsSummary

router = APIRouter(tags=["codestats"])
CtxDep = Annotated[Ctx, Depends(web_ctx)]


@router.get("/projects/{slug}/codestats", response_model=CodeStatsListing, response_model_exclude_unset=True)
def get_codestats(request: Request, slug: str, ctx: CtxDep) -> dict[str, Any]:
    """Summary (code hosts, lines of code, repos synced with source and date) and every scan,
    code host inventory and instance snapshot, newest first."""
    project = get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    return svc.listing(ctx, project=project)


@router.get("/projects/{slug}/codestats/summary", response_model=CodeStatsSummary, response_model_exclude_unset=True)
def get_summary(request: Request, slug: str, ctx: CtxDep) -> dict[str, Any]:
    project = get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    return svc.summary(ctx, project=project)
