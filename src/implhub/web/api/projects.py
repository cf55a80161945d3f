"""/api/projects: list, show, create, update, revisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from implhub.app import activity, portfolio, projects
from implhub.app.context import Ctx
from implhub.errors import PermissionDenied
from implhub.web.deps import principal, require_editor, require_external, require_internal, web_ctx
from implhub.web.schemas.projects import (
    ActivityRead,
    DesignUpdate,
    Portal,
    PortfolioRow,
    ProjectRead,
    ProjectSummary,
    RevisionRead,
)

router = APIRouter(tags=["projects"])
CtxDep = Annotated[Ctx, Depends(web_ctx)]


@router.get("/projects", response_model=list[ProjectSummary], response_model_exclude_unset=True)
def list_projects(request: Request, ctx: CtxDep) -> list[dict[str, Any]]:
    """Internal users: every project. Customers and share visitors: their projects, slug and name only."""
    p = principal(request)
    if p is None:
        raise PermissionDenied("sign in or send an API token")
    if p.is_internal:
        return [projects.project_dict(ctx, pr, full=False) for pr in projects.list_projects(ctx)]
    return [{"slug": pr.slug, "name": pr.name} for pr in projects.list_projects(ctx) if pr.slug in p.projects]


@router.get("/portfolio", response_model=list[PortfolioRow], response_model_exclude_unset=True)
def portfolio_rows(request: Request, ctx: CtxDep, person: str | None = None, role: str | None = None,
                   health: str | None = None, cloud: str | None = None, sort: str = "health",
                   desc: bool = False) -> list[dict[str, Any]]:
    """The portfolio: health, phase, next milestone, go-live forecast vs baseline, people, open
    risks per implementation; filters and sorting as on the web page (internal users)."""
    p = principal(request)
    if p is None or not p.is_internal:
        raise PermissionDenied("the portfolio is for the implementation team")
    rows = portfolio.summaries(ctx, projects.list_projects(ctx))
    rows = portfolio.filter_rows(rows, person=person, role=role, health=health, cloud=cloud)
    return portfolio.sort_rows(rows, sort=sort, desc=desc)


@router.get("/projects/{slug}/portal", response_model=Portal, response_model_exclude_unset=True)
def project_portal(request: Request, slug: str, ctx: CtxDep) -> dict[str, Any]:
    """The external part of a project: what customers and share-link visitors see."""
    project = projects.get_or_raise(ctx, slug=slug)
    require_external(principal(request), project)
    return portfolio.portal(ctx, project)


@router.get("/projects/{slug}", response_model=ProjectRead, response_model_exclude_unset=True)
def show_project(request: Request, slug: str, ctx: CtxDep) -> dict[str, Any]:
    project = projects.get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    return projects.project_dict(ctx, project)


@router.post("/projects", status_code=201, response_model=ProjectRead, response_model_exclude_unset=True)
def create_project(request: Request, ctx: CtxDep,
                   tdd: Annotated[str, Body(media_type="text/plain", description="TDD as YAML or Markdown")],
                   new: bool = False) -> dict[str, Any]:
    """`?new=true` creates a second project for a customer that has an active one (else 409)."""
    p = principal(request)
    if p is None or not p.is_internal:
        raise PermissionDenied("only the implementation team creates projects")
    result = projects.create(ctx, text=tdd, filename="request body", new=new or None)
    return projects.project_dict(ctx, result.project)


@router.put("/projects/{slug}/design", response_model=DesignUpdate, response_model_exclude_unset=True)
def update_design(request: Request, slug: str, ctx: CtxDep,
                  tdd: Annotated[str, Body(media_type="text/plain")]) -> dict[str, Any]:
    project = projects.get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    result = projects.update(ctx, slug=slug, text=tdd, filename="request body")
    return {"revision": result.revision.number, "changes": [c.render() for c in result.changes], "conflicts": result.conflicts}


@router.get("/projects/{slug}/revisions", response_model=list[RevisionRead], response_model_exclude_unset=True)
def list_revisions(request: Request, slug: str, ctx: CtxDep) -> list[dict[str, Any]]:
    project = projects.get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    return [projects.revision_dict(r) for r in project.revisions]


@router.get("/projects/{slug}/activity", response_model=list[ActivityRead], response_model_exclude_unset=True)
def list_activity(request: Request, slug: str, ctx: CtxDep, actor: str | None = None, entity: str | None = None,
                  via: str | None = None) -> list[dict[str, Any]]:
    """The project's activity log, newest first; filter by actor, entity and door (cli, web, api)."""
    project = projects.get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    entries = activity.list_entries(ctx, project=project, actor=actor, entity=entity)
    return [activity.entry_dict(e) for e in entries if via is None or e.via == via]
