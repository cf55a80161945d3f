"""JSON API of the loadtest capability (under /api): profiles, runs, reports. Internal only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from implhub.app import evidence, projects
from implhub.app import loadtest as svc
from implhub.app.context import Ctx
from implhub.errors import NotFound
from implhub.loadtest.evidence import LoadTestRun
from implhub.web.deps import principal, require_editor, require_internal, web_ctx
from implhub.web.schemas.loadtest import ProfileRead, RunRead, RunRow

router = APIRouter(tags=["loadtest"])
CtxDep = Annotated[Ctx, Depends(web_ctx)]


@router.get("/projects/{slug}/loadtest/profile", response_model=ProfileRead, response_model_exclude_unset=True)
def get_profile(request: Request, slug: str, ctx: CtxDep, kind: str = "load", version: int | None = None) -> dict[str, Any]:
    """The load profile (stored newest or given version, else computed from the design)."""
    require_internal(principal(request), projects.get_or_raise(ctx, slug=slug))
    return svc.get_profile(ctx, slug=slug, kind=kind, version=version)


@router.put("/projects/{slug}/loadtest/profile", response_model=ProfileRead, response_model_exclude_unset=True)
def put_profile(request: Request, slug: str, ctx: CtxDep, profile: Annotated[dict[str, Any], Body()],
                kind: str = "load", note: str = "") -> dict[str, Any]:
    """Store an edited profile as a new version (validated; 422 naming the field otherwise)."""
    require_editor(principal(request), projects.get_or_raise(ctx, slug=slug))
    row = svc.update_profile(ctx, slug=slug, kind=kind, data=profile, note=note, filename="request body")
    return {"profile": row.data, "version": row.version, "source": f"stored version {row.version}"}


@router.get("/projects/{slug}/loadtest/runs", response_model=list[RunRow], response_model_exclude_unset=True)
def list_runs(request: Request, slug: str, ctx: CtxDep, environment: str | None = None) -> list[dict[str, Any]]:
    """Stored runs, newest first."""
    project = projects.get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    return [svc.run_dict(ev) for ev in svc.list_runs(ctx, project=project, environment=environment)]


@router.get("/projects/{slug}/loadtest/runs/{run_id}", response_model=RunRead, response_model_exclude_unset=True)
def get_run(request: Request, slug: str, run_id: str, ctx: CtxDep) -> dict[str, Any]:
    """One stored run: the report (`loadtest report --json` shape) plus kind, partial, profile."""
    project = projects.get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    for ev in svc.list_runs(ctx, project=project):
        if evidence.as_model(ev, LoadTestRun).run_id == run_id:
            return {**svc.run_dict(ev), "report": ev.data}
    raise NotFound(f"no load-test run {run_id!r} in {slug}")
