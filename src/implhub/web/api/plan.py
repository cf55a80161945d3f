"""/api/projects/{slug}/plan: the plan in the `plan show --json` shape, updates, baselines, exports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from implhub.app import plan as svc
from implhub.app import plan_edit as edits
from implhub.app import team as team_svc
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise
from implhub.app.team import TeamWeek
from implhub.errors import PermissionDenied
from implhub.web.deps import principal, require_editor, require_external, require_internal, web_ctx
from implhub.web.schemas.plan import BaselineRead, GenerateRead, PlanRead, TaskRead, TaskRemoved

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
    expected_end: dt.date | None = Field(None, description="re-forecast: the day this unfinished task will finish")
    remaining_days: int | None = Field(None, description="re-forecast: working days left, counting today")
    clear_forecast: bool = Field(False, description="drop the re-forecast")
    title: str | None = None
    duration: int | None = Field(None, description="working days")
    owner_role: str | None = Field(None, description="re-own: a role code such as IE, IPM, ADMIN")
    depends_on: list[str] | None = Field(None, description="re-link: task ids, 'id+LAG' for a lag (replaces the list)")


@router.patch("/projects/{slug}/plan/tasks/{task_id}", response_model=TaskRead, response_model_exclude_unset=True)
def update_task(request: Request, slug: str, task_id: str, ctx: CtxDep, body: TaskUpdate) -> dict[str, Any]:
    """Update a task (status, actuals, assignee, note; re-forecast; re-link, re-own, rename, re-size);
    every change lands in the activity log."""
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    version = body.expected_version
    out: dict[str, Any] = {}
    if any(v is not None for v in (body.status, body.actual_start, body.actual_end, body.assignee, body.note)) or not (
            body.expected_end or body.remaining_days is not None or body.clear_forecast
            or any(v is not None for v in (body.title, body.duration, body.owner_role, body.depends_on))):
        kwargs: dict[str, Any] = {} if body.assignee is None else {"assignee": body.assignee}
        out = svc.set_task(ctx, project=project, task_id=task_id, status=body.status, actual_start=body.actual_start,
                           actual_end=body.actual_end, note=body.note, note_visibility=body.note_visibility,
                           expected_version=version, **kwargs)
        version = None if version is None else out["version"]
    if any(v is not None for v in (body.title, body.duration, body.owner_role, body.depends_on)):
        out = edits.edit_task(ctx, project=project, task_id=task_id, title=body.title, days=body.duration,
                              owner_role=body.owner_role, depends_on=body.depends_on, expected_version=version)
        version = None if version is None else out["version"]
    if body.expected_end or body.remaining_days is not None or body.clear_forecast:
        out = edits.reforecast(ctx, project=project, task_id=task_id, expected_end=body.expected_end,
                               remaining_days=body.remaining_days, clear=body.clear_forecast, expected_version=version)
    return out


class NewTask(BaseModel):
    id: str
    title: str
    duration: int = Field(description="working days; 0 makes a milestone")
    owner_role: str
    depends_on: list[str] = Field(default_factory=list, description="task ids it waits for ('id+LAG' for a lag)")
    before: list[str] = Field(default_factory=list, description="task ids that now wait for it")
    visibility: str = "external"


@router.post("/projects/{slug}/plan/tasks", status_code=201, response_model=TaskRead, response_model_exclude_unset=True)
def add_task(request: Request, slug: str, ctx: CtxDep, body: NewTask) -> dict[str, Any]:
    """Add a task or milestone to this project's plan (kept when the plan is regenerated)."""
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    return edits.add_task(ctx, project=project, task_id=body.id, title=body.title, days=body.duration,
                          owner_role=body.owner_role, depends_on=body.depends_on, before=body.before,
                          visibility=body.visibility)


@router.delete("/projects/{slug}/plan/tasks/{task_id}", response_model=TaskRemoved)
def remove_task(request: Request, slug: str, task_id: str, ctx: CtxDep, expected_version: int | None = None,
                force: bool = False) -> dict[str, Any]:
    """Remove a task; the tasks that waited for it wait for its dependencies."""
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    moved = edits.remove_task(ctx, project=project, task_id=task_id, expected_version=expected_version, force=force)
    return {"removed": task_id, "relinked": moved}


@router.get("/team/load", response_model=list[TeamWeek])
def team_load(request: Request, ctx: CtxDep, weeks: int | None = None, person: str | None = None) -> list[dict[str, Any]]:
    """`team load --json`: per person and ISO week, tasks, projects, overcommitted."""
    p = principal(request)
    if p is None or not p.is_internal:
        raise PermissionDenied("this is for the implementation team")
    return [r.model_dump() for r in team_svc.load(ctx, weeks=weeks, person=person)]


class GenerateRequest(BaseModel):
    start: dt.date | None = None
    force: bool = False
    blackout: list[dt.date] | None = None


@router.post("/projects/{slug}/plan/generate", response_model=GenerateRead, response_model_exclude_unset=True)
def generate_plan(request: Request, slug: str, ctx: CtxDep, body: Annotated[GenerateRequest, Body()]) -> dict[str, Any]:
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    result = svc.generate(ctx, project=project, start=body.start, force=body.force, blackout=body.blackout)
    return {"created": result.created, "changes": result.changes, "warnings": result.warnings, "kept": result.kept,
            "plan": result.plan}


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
