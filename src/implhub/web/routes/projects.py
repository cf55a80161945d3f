"""Portfolio, project page (tab framework), TDD upload, and the tabs of this area: customer view
(the portal), overview, design, environments, activity."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from implhub.app import accounts, activity, evidence, portfolio, projects
from implhub.app.context import Ctx
from implhub.errors import ImplhubError, PermissionDenied, ValidationError
from implhub.store.models import Project
from implhub.web.app import render, templates
from implhub.web.deps import (
    Principal,
    can_edit,
    can_see_internal,
    principal,
    require_editor,
    require_external,
    web_ctx,
)
from implhub.web.tabs import Tab, current_request, ordered, query_param, register_tab

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(web_ctx)]

#: uploads: a TDD is a text document of a few kilobytes; refuse anything else early
MAX_TDD_BYTES = 1024 * 1024
TDD_SUFFIXES = (".yaml", ".yml", ".md", ".markdown")


# --- tabs of this area ----------------------------------------------------------------------------

def _portal(ctx: Ctx, project: Project) -> dict[str, Any]:
    request = current_request.get()
    p = principal(request) if request is not None else None
    out: dict[str, Any] = {"portal": portfolio.portal(ctx, project)}
    token = getattr(request.state, "share_token", None) if request is not None else None
    if p is not None and p.kind == "share" and token:
        # the visitor's own link: its calendar feed is no more secret than the link itself
        out["share_ics"] = accounts.share_url(ctx.settings, token) + "/calendar.ics"
    if p is not None and can_edit(p, project):
        out["shares"] = [accounts.share_dict(ctx, s) for s in accounts.list_shares(ctx, slug=project.slug)]
    return out


def _overview(ctx: Ctx, project: Project) -> dict[str, Any]:
    return {"info": projects.project_dict(ctx, project), "summary": portfolio.summaries(ctx, [project])[0]}


def _design(ctx: Ctx, project: Project) -> dict[str, Any]:
    revs = project.revisions
    numbers = [r.number for r in revs]
    try:
        new = int(query_param("to") or numbers[-1])
        old = int(query_param("from") or (new - 1))
    except ValueError:
        new, old = numbers[-1], numbers[-1] - 1
    changes = []
    if old in numbers and new in numbers and old != new:
        changes = projects.diff_revisions(ctx, slug=project.slug, old=old, new=new)
    return {"info": projects.project_dict(ctx, project), "revisions": [projects.revision_dict(r) for r in revs],
            "changes": changes, "diff_from": old, "diff_to": new, "upload_errors": {}}


def _environments(ctx: Ctx, project: Project) -> dict[str, Any]:
    latest: dict[str, list[dict[str, Any]]] = {}
    for ev in evidence.list_evidence(ctx, project=project):
        if ev.environment:
            kinds = latest.setdefault(ev.environment, [])
            if ev.kind not in [k["kind"] for k in kinds]:
                kinds.append({"kind": ev.kind, "taken_at": ev.taken_at, "source": ev.source, "simulated": ev.simulated})
    deployment = project.design_model.deployment
    return {"environments": project.environments, "evidence_by_env": latest,
            "deployment_where": {"cloud": deployment.cloud, "region": deployment.region}}


def _activity(ctx: Ctx, project: Project) -> dict[str, Any]:
    actor = query_param("actor") or None
    entity = query_param("entity") or None
    via = query_param("via") or None
    entries = activity.list_entries(ctx, project=project, actor=actor, entity=entity, limit=500)
    if via:
        entries = [e for e in entries if e.via == via]
    every = activity.list_entries(ctx, project=project, limit=2000)
    return {"entries": entries[:300], "filters": {"actor": actor or "", "entity": entity or "", "via": via or ""},
            "actors": sorted({e.actor for e in every}), "entities": sorted({e.entity for e in every})}


register_tab(Tab("portal", "Customer view", "tabs/portal.html", _portal, order=5, internal_only=False))
register_tab(Tab("overview", "Overview", "tabs/overview.html", _overview, order=0))
register_tab(Tab("design", "Design", "tabs/design.html", _design, order=10))
register_tab(Tab("environments", "Environments", "tabs/environments.html", _environments, order=60))
register_tab(Tab("activity", "Activity", "tabs/activity.html", _activity, order=1000))


# --- portfolio ----------------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
def portfolio_page(request: Request, ctx: CtxDep, person: str = "", role: str = "", health: str = "", cloud: str = "",
                   sort: str = "health", desc: bool = False) -> Response:
    p = principal(request)
    if p is None:
        raise PermissionDenied("sign in to see the implementations")
    if not p.is_internal:
        mine = [pr for pr in projects.list_projects(ctx) if pr.slug in p.projects]
        if len(mine) == 1:
            return RedirectResponse(f"/projects/{mine[0].slug}", status_code=303)
        return render(request, "portal_list.html", {"rows": portfolio.portal_rows(ctx, mine)})
    keys: dict[str, tuple[int, str]] = {}
    everything = portfolio.listed_rows(ctx, keys=keys)
    rows = portfolio.filter_rows(everything, person=person or None, role=role or None, health=health or None, cloud=cloud or None)
    rows = portfolio.sort_rows(rows, sort=sort, desc=desc)
    counts: dict[str, int] = {}
    for r in everything:
        counts[r["health"]] = counts.get(r["health"], 0) + 1
    from implhub.intake.roles import ROLES

    return render(request, "projects.html", {
        # the rendered rows as one piece: the template does not loop over 200 of them
        "projects": rows, "rows_html": Markup("\n").join(_rows_html(ctx, p, rows, keys)), "counts": counts,
        "total": len(everything),
        "filters": {"person": person, "role": role, "health": health, "cloud": cloud}, "sort": sort, "desc": desc,
        "roles": [r.code for r in ROLES if r.side == "internal"],
        "clouds": sorted({str(r["cloud"]) for r in everything if r["cloud"]}),
    })


#: (store, audience, slug, newest activity, day, the viewer's role on it) -> the rendered row. Only
#: internal viewers see this table; a row depends on nothing else (the activity log moves on every
#: change of the project), so rendering 200 rows is 200 lookups.
_row_html: dict[tuple[str, str, str, int, str, str], Markup] = {}


def _rows_html(ctx: Ctx, p: Principal, rows: list[dict[str, Any]], keys: dict[str, tuple[int, str]]) -> list[Markup]:
    url = str(ctx.session.get_bind().engine.url)  # rendering a URL costs more than a row lookup: once
    return [_row(url, row, keys[row["slug"]], p.role_on(row["slug"]) or "") for row in rows]


def _row(url: str, row: dict[str, Any], key: tuple[int, str], role: str) -> Markup:
    stamp, day = key
    cache_key = (url, "internal", row["slug"], stamp, day, role)
    html = _row_html.get(cache_key)
    if html is None:
        if len(_row_html) > 20000:
            _row_html.clear()
        html = _row_html[cache_key] = Markup(templates.get_template("portfolio_row.html").render(p=row, role=role))
    return html


def prerender_rows(ctx: Ctx) -> int:
    """Render every listed row for a viewer without a role on it and for each internal
    stakeholder role its design names (what a server does at start, so the first viewers find
    their rows rendered), computing the rows that are stale; the number of listed rows."""
    keys: dict[str, tuple[int, str]] = {}
    rows = portfolio.listed_rows(ctx, keys=keys)
    roles_by_slug: dict[str, set[str]] = {}
    for by_slug in accounts.role_index(ctx).values():
        for slug, role in by_slug.items():
            roles_by_slug.setdefault(slug, set()).add(role)
    url = str(ctx.session.get_bind().engine.url)
    for row in rows:
        for role in {"", *roles_by_slug.get(row["slug"], ())}:
            _row(url, row, keys[row["slug"]], role)
    return len(rows)


# --- project page ---------------------------------------------------------------------------------------

@router.get("/projects/new", response_class=HTMLResponse)
def new_project_page(request: Request) -> HTMLResponse:
    p = principal(request)
    if p is None or not p.is_internal:
        raise PermissionDenied("only the implementation team creates projects")
    return render(request, "new_project.html", {"errors": {}, "slug": ""})


async def _read_upload(upload: UploadFile | None) -> tuple[str, str]:
    """(text, filename) of an uploaded TDD, or ValidationError(field='tdd') saying what is wrong."""
    if upload is None or not upload.filename:
        raise ValidationError("choose a TDD file (.yaml or .md)", field="tdd")
    name = upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if not name.lower().endswith(TDD_SUFFIXES):
        raise ValidationError(f"{name}: expected a .yaml, .yml or .md file (the TDD template formats)", field="tdd")
    data = await upload.read(MAX_TDD_BYTES + 1)
    if len(data) > MAX_TDD_BYTES:
        raise ValidationError(f"{name}: larger than {MAX_TDD_BYTES // 1024} KB; a TDD is a text document of a few KB", field="tdd")
    if b"\x00" in data[:8192]:
        raise ValidationError(f"{name}: this is a binary file; expected YAML or Markdown text", field="tdd")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{name}: expected UTF-8 text", field="tdd") from None
    if not text.strip():
        raise ValidationError(f"{name}: the file is empty", field="tdd")
    return text, name


def _field_errors(exc: ImplhubError, default: str) -> dict[str, str]:
    field = exc.field if exc.field in ("tdd", "slug") else default
    if exc.field == "--slug":
        field = "slug"
    return {field: exc.render() if field == "tdd" else exc.message}


@router.post("/projects/new", response_model=None)
async def create_project(request: Request, ctx: CtxDep, tdd: Annotated[UploadFile | None, File()] = None,
                         slug: Annotated[str, Form()] = "", new: Annotated[bool, Form()] = False) -> Response:
    p = principal(request)
    if p is None or not p.is_internal:
        raise PermissionDenied("only the implementation team creates projects")
    try:
        text, name = await _read_upload(tdd)
        result = projects.create(ctx, text=text, filename=name, slug=slug.strip() or None, new=new or None)
    except ImplhubError as exc:
        ctx.session.rollback()
        return render(request, "new_project.html", {"errors": _field_errors(exc, "tdd"), "slug": slug}, status_code=exc.http_status)
    return RedirectResponse(f"/projects/{result.project.slug}?tab=overview&created=1", status_code=303)


@router.post("/projects/{slug}/design", response_model=None)
async def upload_revision(request: Request, ctx: CtxDep, slug: str, tdd: Annotated[UploadFile | None, File()] = None) -> Response:
    project = projects.get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    try:
        text, name = await _read_upload(tdd)
        result = projects.update(ctx, slug=slug, text=text, filename=name)
    except ImplhubError as exc:
        ctx.session.rollback()
        project = projects.get_or_raise(ctx, slug=slug)
        return _render_project(request, ctx, project, "design", status_code=exc.http_status,
                               extra={"upload_errors": _field_errors(exc, "tdd")})
    n = result.revision.number
    if not result.changes:
        return RedirectResponse(f"/projects/{slug}?tab=design&unchanged=1", status_code=303)
    return RedirectResponse(f"/projects/{slug}?tab=design&from={n - 1}&to={n}&revised=1", status_code=303)


def _render_project(request: Request, ctx: Ctx, project: Project, tab: str, *, status_code: int = 200,
                    extra: dict[str, Any] | None = None) -> HTMLResponse:
    p = require_external(principal(request), project)
    internal = can_see_internal(p, project)
    tabs = [t for t in ordered() if internal or not t.internal_only]
    default = "overview" if internal else "portal"
    current = next((t for t in tabs if t.key == tab), None) or next((t for t in tabs if t.key == default), tabs[0])
    token = current_request.set(request)
    try:
        context = current.context(ctx, project)
    finally:
        current_request.reset(token)
    return render(request, "project.html", {"project": project, "tabs": tabs, "tab": current, "internal": internal,
                                            "editor": can_edit(p, project), "query": dict(request.query_params),
                                            **context, **(extra or {})}, status_code=status_code)


@router.get("/projects/{slug}", response_class=HTMLResponse)
def project_page(request: Request, slug: str, ctx: CtxDep, tab: str = "") -> HTMLResponse:
    project = projects.get_or_raise(ctx, slug=slug)
    return _render_project(request, ctx, project, tab)
