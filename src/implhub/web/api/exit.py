"""/api/projects/{slug}/exit-criteria: the `exit-criteria --json` shape; sign-offs and waivers; the
admin's lifecycle changes (reopen, archive)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from implhub.app import exit_criteria as svc
from implhub.app import projects
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise
from implhub.web.deps import principal, require_admin, require_editor, require_internal, web_ctx
from implhub.web.schemas.exit import ExitReport, SignoffRead
from implhub.web.schemas.projects import ProjectSummary

router = APIRouter(tags=["exit criteria"])
CtxDep = Annotated[Ctx, Depends(web_ctx)]


@router.get("/projects/{slug}/exit-criteria", response_model=ExitReport, response_model_exclude_unset=True)
def get_exit_criteria(request: Request, slug: str, ctx: CtxDep) -> dict[str, Any]:
    project = get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    return svc.get(ctx, slug=slug)


@router.post("/projects/{slug}/exit-criteria/{number}/sign", status_code=201, response_model=SignoffRead, response_model_exclude_unset=True)
def sign(request: Request, slug: str, number: int, ctx: CtxDep, by: Annotated[str, Body()],
         evidence_url: Annotated[str, Body()], reason: Annotated[str, Body()] = "") -> dict[str, Any]:
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    return svc.signoff_dict(svc.sign(ctx, slug=slug, number=number, by=by, evidence_url=evidence_url, reason=reason))


@router.post("/projects/{slug}/exit-criteria/{number}/waive", status_code=201, response_model=SignoffRead, response_model_exclude_unset=True)
def waive(request: Request, slug: str, number: int, ctx: CtxDep, by: Annotated[str, Body()],
          reason: Annotated[str, Body()], evidence_url: Annotated[str | None, Body()] = None) -> dict[str, Any]:
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    return svc.signoff_dict(svc.waive(ctx, slug=slug, number=number, by=by, reason=reason, evidence_url=evidence_url))


@router.post("/projects/{slug}/reopen", response_model=ProjectSummary, response_model_exclude_unset=True)
def reopen(request: Request, slug: str, ctx: CtxDep, reason: Annotated[str, Body(embed=True)]) -> dict[str, Any]:
    """Reopen a complete, closed or archived project (admins only; logged with who and why)."""
    require_admin(principal(request))
    return projects.project_dict(ctx, projects.reopen(ctx, slug=slug, reason=reason), full=False)


@router.post("/projects/{slug}/archive", response_model=ProjectSummary, response_model_exclude_unset=True)
def archive(request: Request, slug: str, ctx: CtxDep, reason: Annotated[str, Body(embed=True)] = "") -> dict[str, Any]:
    """Archive a project (admins only): hidden from the portfolio and reminders, history kept."""
    require_admin(principal(request))
    return projects.project_dict(ctx, projects.archive(ctx, slug=slug, reason=reason), full=False)
