"""JSON API of sizing (internal only): stored estimates per environment, new estimates, exports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import PlainTextResponse

from implhub.app import sizing as svc
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise
from implhub.errors import NotFound, PermissionDenied
from implhub.sizing.evidence import SizeEstimate
from implhub.sizing.inputs import SizingInputs
from implhub.web.deps import principal, require_editor, require_internal, web_ctx
from implhub.web.schemas.sizing import EstimateAndNodes, EstimateRow, StoredEstimate

router = APIRouter(tags=["sizing"])
CtxDep = Annotated[Ctx, Depends(web_ctx)]


@router.get("/projects/{slug}/sizing", response_model=list[EstimateRow], response_model_exclude_unset=True)
def list_estimates(request: Request, slug: str, ctx: CtxDep) -> list[dict[str, Any]]:
    """Every stored estimate of the project, newest first (id, environment, totals)."""
    project = get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    return svc.history(ctx, project=project)


@router.get("/projects/{slug}/sizing/{environment}", response_model=StoredEstimate, response_model_exclude_unset=True)
def latest(request: Request, slug: str, environment: str, ctx: CtxDep) -> dict[str, Any]:
    """The newest estimate of an environment (the `size estimate --json` shape)."""
    project = get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    est = svc.latest_estimate(ctx, project=project, environment=environment)
    if est is None:
        raise NotFound(f"no size estimate for {environment!r}", field="environment")
    return est


@router.post("/projects/{slug}/sizing/{environment}/estimate", status_code=201, response_model=EstimateAndNodes, response_model_exclude_unset=True)
def run_estimate(request: Request, slug: str, environment: str, ctx: CtxDep,
                 chart_version: str | None = None, cloud: str | None = None, headroom: float = 0.2) -> dict[str, Any]:
    """Estimate from the design and append it (with its node plan) to the environment's evidence."""
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    plan = svc.nodes(ctx, project=project, environment=environment, chart_version=chart_version, cloud=cloud,
                     headroom=headroom)
    est = svc.latest_estimate(ctx, project=project, environment=environment)
    return {"estimate": est, "node_plan": plan}


@router.get("/projects/{slug}/sizing/{environment}/export.{fmt}", response_class=PlainTextResponse)
def export(request: Request, slug: str, environment: str, fmt: str, ctx: CtxDep) -> PlainTextResponse:
    project = get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    est = svc.latest_estimate(ctx, project=project, environment=environment)
    if est is None or not isinstance(est.get("recommended"), dict):
        raise NotFound(f"no size estimate for {environment!r}", field="environment")
    return PlainTextResponse(svc.export_stored(est, fmt))


@router.post("/sizing/estimate", response_model=SizeEstimate, response_model_exclude_unset=True)
def estimate_inputs(request: Request, ctx: CtxDep,
                    inputs: Annotated[dict[str, Any], Body(description="users, repositories, total_repo_size_gb, "
                                                                        "largest_repo_size_gb, ... (SizingInputs)")],
                    chart_version: str | None = None, cloud: str | None = None) -> dict[str, Any]:
    """A what-if estimate from explicit inputs; nothing is stored."""
    p = principal(request)
    if p is None or not p.is_internal:
        raise PermissionDenied("sizing is for the implementation team")
    try:
        inp = SizingInputs(**inputs)
    except TypeError as exc:
        from implhub.errors import ValidationError

        raise ValidationError(f"unexpected input: {exc}", field="inputs") from None
    return svc.estimate(ctx, inputs=inp, chart_version=chart_version, cloud=cloud, store=False)
