"""The project's logs tab (risks, issues, decisions, expansion) and status report downloads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from implhub.app import projects
from implhub.app import reporting as svc
from implhub.app.context import Ctx
from implhub.store.models import Project
from implhub.web.deps import can_see_internal, principal, require_editor, require_external, web_ctx
from implhub.web.security import document_csp
from implhub.web.tabs import Tab, register_tab

router = APIRouter()
CtxDep = Annotated[Ctx, Depends(web_ctx)]

MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf",
         "email": "message/rfc822"}


def _tab(ctx: Ctx, project: Project) -> dict[str, Any]:
    # the project page calls this only for principals allowed to see the tab; what they may see
    # inside it depends on who they are, which the template learns from `internal`
    from implhub.reporting.logs import STATUSES

    return {"statuses": STATUSES, "log_entries_internal": svc.list_entries(ctx, project=project),
            "log_entries_external": svc.list_entries(ctx, project=project, audience="external")}


register_tab(Tab("logs", "Risks & issues", "tabs/reporting.html", _tab, order=70, internal_only=False))


@router.post("/projects/{slug}/logs/{kind}")
def add_entry(request: Request, slug: str, kind: str, ctx: CtxDep, title: Annotated[str, Form()],
              description: Annotated[str, Form()] = "", owner: Annotated[str, Form()] = "",
              visibility: Annotated[str, Form()] = "internal", probability: Annotated[str, Form()] = "",
              impact: Annotated[str, Form()] = "", mitigation: Annotated[str, Form()] = "",
              severity: Annotated[str, Form()] = "", due_date: Annotated[str, Form()] = "") -> Response:
    project = projects.get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    values: dict[str, Any] = {"title": title, "description": description or None, "owner": owner or None, "visibility": visibility}
    if kind == "risk":
        values.update(probability=probability or None, impact=impact or None, mitigation=mitigation or None)
    if kind == "issue":
        values.update(severity=severity or None, due_date=due_date or None)
    svc.add_entry(ctx, slug=slug, kind=kind, values=values)
    return RedirectResponse(f"/projects/{slug}?tab=logs", status_code=303)


@router.post("/projects/{slug}/logs/{kind}/{ref}")
def update_entry(request: Request, slug: str, kind: str, ref: str, ctx: CtxDep, status: Annotated[str, Form()],
                 version: Annotated[int, Form()]) -> Response:
    project = projects.get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    svc.update_entry(ctx, slug=slug, kind=kind, ref=ref, values={"status": status}, expected_version=version)
    return RedirectResponse(f"/projects/{slug}?tab=logs", status_code=303)


@router.get("/projects/{slug}/reports/status.{fmt}")
def status_report(request: Request, slug: str, fmt: str, ctx: CtxDep, period: str = "week", audience: str = "external") -> Response:
    project = projects.get_or_raise(ctx, slug=slug)
    p = require_external(principal(request), project)
    if not can_see_internal(p, project):
        audience = "external"  # a customer or share visitor never gets the internal report
    report = svc.status_report(ctx, slug=slug, period=period, audience=audience)
    if fmt not in MEDIA:
        from implhub.errors import ValidationError

        raise ValidationError("expected md, html, pdf or email", field="format")
    data = svc.render_status(report, fmt, sender=ctx.settings.smtp_from or "implhub@localhost")
    name = f"{slug}-status-{period}-{audience}.{'eml' if fmt == 'email' else fmt}"
    # a rendered report is a page of its own: no script, no network, only its own styles
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    if fmt == "html":
        headers["Content-Security-Policy"] = document_csp(data.decode("utf-8"))
    return Response(data, media_type=MEDIA[fmt], headers=headers)
