"""/api/projects: list, show, create, update, revisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from implhub.app import activity, projects
from implhub.app.context import Ctx
from implhub.web.deps import principal, require_internal, web_ctx

router = APIRouter(tags=["projects"])
CtxDep = Annotated[Ctx, Depends(web_ctx)]


@router.get("/projects")
def list_projects(request: Request, ctx: CtxDep) -> list[dict[str, Any]]:
    p = principal(request)
    return [projects.project_dict(ctx, pr, full=False) for pr in projects.list_projects(ctx)
            if p is not None and p.is_internal]


@router.get("/projects/{slug}")
def show_project(request: Request, slug: str, ctx: CtxDep) -> dict[str, Any]:
    project = projects.get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    return projects.project_dict(ctx, project)


@router.post("/projects", status_code=201)
def create_project(request: Request, ctx: CtxDep,
                   tdd: Annotated[str, Body(media_type="text/plain", description="TDD as YAML or Markdown")]) -> dict[str, Any]:
    p = principal(request)
    if p is None or not p.is_internal:
        from implhub.errors import PermissionDenied

        raise PermissionDenied("only the implementation team creates projects")
    result = projects.create(ctx, text=tdd, filename="request body")
    return projects.project_dict(ctx, result.project)


@router.put("/projects/{slug}/design")
def update_design(request: Request, slug: str, ctx: CtxDep,
                  tdd: Annotated[str, Body(media_type="text/plain")]) -> dict[str, Any]:
    project = projects.get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    result = projects.update(ctx, slug=slug, text=tdd, filename="request body")
    return {"revision": result.revision.number, "changes": [c.render() for c in result.changes], "conflicts": result.conflicts}


@router.get("/projects/{slug}/revisions")
def list_revisions(request: Request, slug: str, ctx: CtxDep) -> list[dict[str, Any]]:
    project = projects.get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    return [projects.revision_dict(r) for r in project.revisions]


@router.get("/projects/{slug}/activity")
def list_activity(request: Request, slug: str, ctx: CtxDep, actor: str | None = None, entity: str | None = None) -> list[dict[str, Any]]:
    project = projects.get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    return [activity.entry_dict(e) for e in activity.list_entries(ctx, project=project, actor=actor, entity=entity)]
