"""Portfolio and project pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from implhub.app import activity, projects
from implhub.app.context import Ctx
from implhub.store.models import Project
from implhub.web.app import render
from implhub.web.deps import can_see_internal, principal, require_external, web_ctx
from implhub.web.tabs import Tab, ordered, register_tab

router = APIRouter()
CtxDep = Annotated[Ctx, Depends(web_ctx)]


def _overview(ctx: Ctx, project: Project) -> dict[str, Any]:
    return {"info": projects.project_dict(ctx, project)}


def _design(ctx: Ctx, project: Project) -> dict[str, Any]:
    revs = project.revisions
    changes = projects.diff_revisions(ctx, slug=project.slug, old=revs[-2].number) if len(revs) > 1 else []
    return {"info": projects.project_dict(ctx, project), "revisions": [projects.revision_dict(r) for r in revs], "changes": changes}


def _environments(ctx: Ctx, project: Project) -> dict[str, Any]:
    return {"environments": project.environments}


def _activity(ctx: Ctx, project: Project) -> dict[str, Any]:
    return {"entries": activity.list_entries(ctx, project=project, limit=300)}


register_tab(Tab("overview", "Overview", "tabs/overview.html", _overview, order=0))
register_tab(Tab("design", "Design", "tabs/design.html", _design, order=10))
register_tab(Tab("environments", "Environments", "tabs/environments.html", _environments, order=60))
register_tab(Tab("activity", "Activity", "tabs/activity.html", _activity, order=1000))


@router.get("/", response_class=HTMLResponse)
def portfolio(request: Request, ctx: CtxDep) -> HTMLResponse:
    p = principal(request)
    rows = [projects.project_dict(ctx, pr, full=False) for pr in projects.list_projects(ctx)
            if p is not None and (p.is_internal or pr.slug in p.projects)]
    return render(request, "projects.html", {"projects": rows})


@router.get("/projects/{slug}", response_class=HTMLResponse)
def project_page(request: Request, slug: str, ctx: CtxDep, tab: str = "overview") -> HTMLResponse:
    project = projects.get_or_raise(ctx, slug=slug)
    p = require_external(principal(request), project)
    internal = can_see_internal(p, project)
    tabs = [t for t in ordered() if internal or not t.internal_only]
    current = next((t for t in tabs if t.key == tab), tabs[0])
    context = current.context(ctx, project)
    return render(request, "project.html", {"project": project, "tabs": tabs, "tab": current, "internal": internal, **context})
