"""/api/projects/{slug}/plan: the plan in the `plan show --json` shape, updates, baselines, exports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from implhub.app import plan as svc
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise
from implhub.web.deps import principal, require_editor, require_external, require_internal, web_ctx
from implhub.web.schemas.plan import BaselineRead, GenerateRead, PlanRead, TaskRead

router = APIRouter(tags=["plan"])
CtxDep = Annotated[Ctx, Depends(web_ctx)]


def _require_view(request: Request, ctx: Ctx, slug: str, view: str) -> Any:
    project = get_or_raise(ctx, slug=slug)
    p = principal(request)
    if view == "internal":
        require_internal(p, project)
    else:
        require_external(p, project)
    return project


@router.get("/projects/{slug}/plan", response_model=PlanRead, response_model_exclude_unset=True)
def show_plan(request: Request, slug: str, ctx: CtxDep, view: str = "internal", baseline: int | None = None) -> dict[str, Any]:
    """The plan (`plan show --json`). Customers and share visitors must ask for view=external."""
    project = _require_view(request, ctx, slug, view)
    return svc.get_plan(ctx, project=project, view=view, baseline=baseline)


class TaskUpdate(BaseModel):
    status: str | None = Field(None, description="not_started, in_progress, blocked, done")
    actual_start: dt.date | None = None
    actual_end: dt.date | None = None
    assignee: str | None = Field(None, description="who does it; an empty string clears it")
    note: str | None = None
    note_visibility: str = "internal"
    expected_version: int | None = Field(None, description="refuse with 409 if the task changed since this version")


@router.patch("/projects/{slug}/plan/tasks/{task_id}", response_model=TaskRead, response_model_exclude_unset=True)
def update_task(request: Request, slug: str, task_id: str, ctx: CtxDep, body: TaskUpdate) -> dict[str, Any]:
    """Update a task; every change lands in the activity log."""
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    kwargs: dict[str, Any] = {} if body.assignee is None else {"assignee": body.assignee}
    return svc.set_task(ctx, project=project, task_id=task_id, status=body.status, actual_start=body.actual_start,
                        actual_end=body.actual_end, note=body.note, note_visibility=body.note_visibility,
                        expected_version=body.expected_version, **kwargs)


class GenerateRequest(BaseModel):
    start: dt.date | None = None
    force: bool = False
    blackout: list[dt.date] | None = None


@router.post("/projects/{slug}/plan/generate", response_model=GenerateRead, response_model_exclude_unset=True)
def generate_plan(request: Request, slug: str, ctx: CtxDep, body: Annotated[GenerateRequest, Body()]) -> dict[str, Any]:
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    result = svc.generate(ctx, project=project, start=body.start, force=body.force, blackout=body.blackout)
    return {"created": result.created, "changes": result.changes, "warnings": result.warnings, "plan": result.plan}


@router.get("/projects/{slug}/plan/baselines", response_model=list[BaselineRead], response_model_exclude_unset=True)
def list_baselines(request: Request, slug: str, ctx: CtxDep) -> list[dict[str, Any]]:
    project = _require_view(request, ctx, slug, "internal")
    return [svc.baseline_dict(b) for b in svc.baselines(ctx, project=project)]


class BaselineRequest(BaseModel):
    label: str = ""


@router.post("/projects/{slug}/plan/baselines", status_code=201, response_model=BaselineRead, response_model_exclude_unset=True)
def take_baseline(request: Request, slug: str, ctx: CtxDep, body: Annotated[BaselineRequest, Body()]) -> dict[str, Any]:
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    return svc.baseline_dict(svc.take_baseline(ctx, project=project, label=body.label))


@router.get("/projects/{slug}/plan/export")
def export_plan(request: Request, slug: str, ctx: CtxDep, format: str, view: str = "external") -> Response:
    """The plan as md, csv, xlsx, ics, svg or png."""
    from implhub.web.routes.plan import MEDIA

    project = _require_view(request, ctx, slug, view)
    body = svc.export(ctx, project=project, view=view, fmt=format)
    return Response(body, media_type=MEDIA.get(format, "application/octet-stream"),
                    headers={"Content-Disposition": f'attachment; filename="{project.slug}-plan-{view}.{format}"'})
