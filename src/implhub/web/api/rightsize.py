"""JSON API of the rightsize capability (under /api): the stored results, internal only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from implhub.app import rightsize as svc
from implhub.app.context import Ctx
from implhub.app.evidence import evidence_dict, list_evidence
from implhub.app.projects import get_or_raise
from implhub.errors import NotFound
from implhub.vocab import EvidenceKind
from implhub.web.deps import principal, require_internal, web_ctx
from implhub.web.schemas.rightsize import RightsizeRead, VersionCheckRead

router = APIRouter(tags=["rightsize"])
CtxDep = Annotated[Ctx, Depends(web_ctx)]


@router.get("/projects/{slug}/rightsize", response_model=list[RightsizeRead], response_model_exclude_unset=True)
def list_results(request: Request, slug: str, ctx: CtxDep, environment: str | None = None) -> list[dict[str, Any]]:
    """Every right-sizing result of the project (newest first), optionally of one environment."""
    project = get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    return [evidence_dict(e) for e in list_evidence(ctx, project=project, kind=EvidenceKind.rightsize, environment=environment)]


@router.get("/projects/{slug}/rightsize/{environment}", response_model=RightsizeRead, response_model_exclude_unset=True)
def latest_result(request: Request, slug: str, environment: str, ctx: CtxDep) -> dict[str, Any]:
    """The newest right-sizing result of an environment: recommendations, window, comparison."""
    project = get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    ev = svc.latest(ctx, project=project, kind=EvidenceKind.rightsize, environment=environment)
    if ev is None:
        raise NotFound(f"no right-sizing result for {environment}", field="environment")
    return evidence_dict(ev)


@router.get("/projects/{slug}/version/{environment}", response_model=VersionCheckRead, response_model_exclude_unset=True)
def latest_version_check(request: Request, slug: str, environment: str, ctx: CtxDep) -> dict[str, Any]:
    """The newest version check of an environment: running, newest, minors behind."""
    project = get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    ev = svc.latest(ctx, project=project, kind=EvidenceKind.version_check, environment=environment)
    if ev is None:
        raise NotFound(f"no version check for {environment}", field="environment")
    return evidence_dict(ev)
