"""The plan tab (Gantt picture, tasks, inline edits) and its pictures and downloads.

Customers and share-link visitors see the tab too, built from the external view only; edits are
for internal editors and are refused when the task changed since the form was loaded."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from implhub.app import plan as svc
from implhub.app import plan_confirm as confirmations
from implhub.app import plan_edit as edits
from implhub.app import team as team_svc
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise
from implhub.errors import PermissionDenied, ValidationError
from implhub.planning.export import FORMATS
from implhub.planning.model import STATUSES
from implhub.store.models import Project
from implhub.web.deps import can_see_internal, principal, require_editor, require_external, web_ctx
from implhub.web.tabs import Tab, register_tab

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(web_ctx)]

MEDIA = {"md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "ics": "text/calendar; charset=utf-8", "svg": "image/svg+xml", "png": "image/png"}


def _tab(ctx: Ctx, project: Project) -> dict[str, Any]:
    """The tab's data is built by the template for the view the visitor may see: `plan_view(internal)`
    is only ever called with the page's `internal` flag, so a customer page never computes the
    internal view."""

    def plan_view(internal: bool) -> dict[str, Any] | None:
        if not svc.has_plan(ctx, project=project):
            return None
        return svc.get_plan(ctx, project=project, view="internal" if internal else "external")

    return {"plan_view": plan_view, "plan_statuses": STATUSES}


register_tab(Tab("plan", "Plan", "tabs/plan.html", _tab, order=20, internal_only=False))


def _view_for(request: Request, project: Project, asked: str) -> str:
    p = require_external(principal(request), project)
    return "internal" if asked == "internal" and can_see_internal(p, project) else "external"


@router.get("/projects/{slug}/plan/gantt.{fmt}")
def gantt(request: Request, slug: str, fmt: str, ctx: CtxDep, view: str = "external") -> Response:
    project = get_or_raise(ctx, slug=slug)
    chosen = _view_for(request, project, view)
    body = svc.gantt(ctx, project=project, view=chosen, fmt=fmt)
    return Response(body, media_type=MEDIA[fmt], headers={"Cache-Control": "no-store"})


@router.get("/projects/{slug}/plan/export.{fmt}")
def download(request: Request, slug: str, fmt: str, ctx: CtxDep, view: str = "external") -> Response:
    project = get_or_raise(ctx, slug=slug)
    chosen = _view_for(request, project, view)
    if fmt not in FORMATS:
        raise ValidationError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", field="format")
    body = svc.export(ctx, project=project, view=chosen, fmt=fmt)
    name = f"{project.slug}-plan-{chosen}.{fmt}"
    return Response(body, media_type=MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _date(value: str, field: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"expected a date YYYY-MM-DD, got {value!r}", field=field) from None


@router.post("/projects/{slug}/plan/tasks/{task_id}")
def edit_task(request: Request, slug: str, task_id: str, ctx: CtxDep,
              expected_version: Annotated[int, Form()],
              status: Annotated[str, Form()] = "", actual_start: Annotated[str, Form()] = "",
              actual_end: Annotated[str, Form()] = "", assignee: Annotated[str | None, Form()] = None,
              note: Annotated[str, Form()] = "", note_visibility: Annotated[str, Form()] = "internal") -> RedirectResponse:
    """Inline edit from the plan tab. A stale form (the task changed since it was loaded) is
    refused with 409 and nothing is stored."""
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    kwargs: dict[str, Any] = {} if assignee is None else {"assignee": assignee}
    # the form is prefilled with the current dates: moving a task back drops the dates that no
    # longer apply instead of refusing the change
    if status == "not_started":
        actual_start = actual_end = ""
    elif status in ("in_progress", "blocked"):
        actual_end = ""
    svc.set_task(ctx, project=project, task_id=task_id, status=status or None,
                 actual_start=_date(actual_start, "actual_start"), actual_end=_date(actual_end, "actual_end"),
                 note=note or None, note_visibility=note_visibility, expected_version=expected_version, **kwargs)
    return RedirectResponse(f"/projects/{slug}?tab=plan#task-{task_id}", status_code=303)


@router.post("/projects/{slug}/plan/generate")
def generate(request: Request, slug: str, ctx: CtxDep, start: Annotated[str, Form()] = "",
             force: Annotated[bool, Form()] = False) -> RedirectResponse:
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    svc.generate(ctx, project=project, start=_date(start, "start"), force=force)
    return RedirectResponse(f"/projects/{slug}?tab=plan", status_code=303)


@router.post("/projects/{slug}/plan/baseline")
def baseline(request: Request, slug: str, ctx: CtxDep, label: Annotated[str, Form()] = "") -> RedirectResponse:
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    svc.take_baseline(ctx, project=project, label=label)
    return RedirectResponse(f"/projects/{slug}?tab=plan", status_code=303)


def _ints(value: str, field: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise ValidationError(f"expected a whole number, got {value!r}", field=field) from None


def _list(value: str) -> list[str]:
    return [x.strip() for x in value.split(",") if x.strip()]


@router.post("/projects/{slug}/plan/tasks/{task_id}/forecast")
def reforecast(request: Request, slug: str, task_id: str, ctx: CtxDep, expected_version: Annotated[int, Form()],
               expected_end: Annotated[str, Form()] = "", remaining_days: Annotated[str, Form()] = "",
               clear: Annotated[bool, Form()] = False) -> RedirectResponse:
    """Re-forecast an unfinished task from the plan tab (a stale form is refused with 409)."""
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    edits.reforecast(ctx, project=project, task_id=task_id, expected_end=_date(expected_end, "expected_end"),
                     remaining_days=_ints(remaining_days, "remaining_days"), clear=clear, expected_version=expected_version)
    return RedirectResponse(f"/projects/{slug}?tab=plan#task-{task_id}", status_code=303)


@router.post("/projects/{slug}/plan/tasks/{task_id}/shape")
def shape(request: Request, slug: str, task_id: str, ctx: CtxDep, expected_version: Annotated[int, Form()],
          title: Annotated[str, Form()] = "", days: Annotated[str, Form()] = "", owner_role: Annotated[str, Form()] = "",
          depends_on: Annotated[str, Form()] = "", remove: Annotated[bool, Form()] = False) -> RedirectResponse:
    """Re-link (comma-separated 'id' or 'id+LAG'), re-own, rename, re-size or remove a task."""
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    if remove:
        edits.remove_task(ctx, project=project, task_id=task_id, expected_version=expected_version)
        return RedirectResponse(f"/projects/{slug}?tab=plan", status_code=303)
    current = next((t for t in svc.get_plan(ctx, project=project)["tasks"] if t["id"] == task_id), None) \
        if svc.has_plan(ctx, project=project) else None
    deps = _list(depends_on)
    # the form is prefilled: an unchanged list (lags included) is no re-link
    same_deps = current is not None and sorted(deps) == sorted(
        d + (f"+{current['lags'][d]}" if current["lags"].get(d) else "") for d in current["depends_on"])
    edits.edit_task(ctx, project=project, task_id=task_id, title=title or None, days=_ints(days, "days"),
                    owner_role=owner_role or None, depends_on=None if same_deps else deps, expected_version=expected_version)
    return RedirectResponse(f"/projects/{slug}?tab=plan#task-{task_id}", status_code=303)


@router.post("/projects/{slug}/plan/tasks")
def add(request: Request, slug: str, ctx: CtxDep, task_id: Annotated[str, Form()], title: Annotated[str, Form()],
        days: Annotated[str, Form()], owner_role: Annotated[str, Form()], depends_on: Annotated[str, Form()] = "",
        before: Annotated[str, Form()] = "", visibility: Annotated[str, Form()] = "external") -> RedirectResponse:
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    edits.add_task(ctx, project=project, task_id=task_id.strip(), title=title, days=_ints(days, "days") or 0,
                   owner_role=owner_role, depends_on=_list(depends_on), before=_list(before), visibility=visibility)
    return RedirectResponse(f"/projects/{slug}?tab=plan#task-{task_id.strip()}", status_code=303)


@router.get("/team", response_class=HTMLResponse)
def team_page(request: Request, ctx: CtxDep, weeks: int | None = None) -> HTMLResponse:
    """Who is over-committed across implementations, per ISO week (the implementation team only)."""
    p = principal(request)
    if p is None or not p.is_internal:
        raise PermissionDenied("this page is for the implementation team")
    from implhub.web.app import render

    rows = team_svc.load(ctx, weeks=weeks)
    return render(request, "team.html", {
        "people": sorted({r.person for r in rows}), "weeks": sorted({r.week for r in rows}),
        "cells": {(r.person, r.week): r for r in rows}, "over": sum(r.overcommitted for r in rows)})


@router.post("/projects/{slug}/plan/confirm/{task_id}")
def confirm(request: Request, slug: str, task_id: str, ctx: CtxDep, decision: Annotated[str, Form()],
            comment: Annotated[str, Form()] = "") -> RedirectResponse:
    """The customer confirms, or declines with a comment, the production design or a
    customer-facing milestone (customer accounts of this project only)."""
    project = get_or_raise(ctx, slug=slug)
    p = require_external(principal(request), project)
    if p.kind != "customer":
        raise PermissionDenied("only the customer's accounts confirm the design and the milestones")
    confirmations.confirm(ctx, project=project, task_id=task_id, decision=decision, comment=comment,
                          by_name=p.name, by_email=p.email or "")
    return RedirectResponse(f"/projects/{slug}?tab=plan#task-{task_id}", status_code=303)
