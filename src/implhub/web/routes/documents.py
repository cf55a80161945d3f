"""The documents tab and downloads: the internal design and the handoff for the team, the
external plan for the team and the customer (it holds external items only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from implhub.app import documents as svc
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise
from implhub.store.models import Project
from implhub.web.deps import principal, require_external, require_internal, web_ctx
from implhub.web.security import document_csp
from implhub.web.tabs import Tab, register_tab

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(web_ctx)]

TITLES = {"internal": "Internal production design", "plan": "External project plan", "handoff": "Handoff record"}


def _tab(ctx: Ctx, project: Project) -> dict[str, Any]:
    # the template shows the internal documents only when the page's `internal` flag is set
    return {"doc_list": [{"key": k, "title": TITLES[k], "formats": svc.FORMATS[k], "external": k == "plan"} for k in svc.DOCS]}


register_tab(Tab("documents", "Documents", "tabs/documents.html", _tab, order=90, internal_only=False))


def download(request: Request, ctx: Ctx, slug: str, doc: str, fmt: str) -> Response:
    project = get_or_raise(ctx, slug=slug)
    if doc == "plan":
        require_external(principal(request), project)
    else:
        require_internal(principal(request), project)
    _document, content = svc.render_doc(ctx, slug=slug, doc=doc, fmt=fmt)
    disposition = "inline" if fmt in ("html", "pdf") else "attachment"
    # a rendered document is a page of its own: no script, no network, only its own styles
    headers = {"Content-Disposition": f'{disposition}; filename="{slug}-{doc}.{fmt}"', "Cache-Control": "no-store"}
    if fmt == "html":
        headers["Content-Security-Policy"] = document_csp(content.decode("utf-8"))
    return Response(content, media_type=svc.MEDIA[fmt], headers=headers)


@router.get("/projects/{slug}/documents/{doc}.{fmt}")
def document_file(request: Request, slug: str, doc: str, fmt: str, ctx: CtxDep) -> Response:
    return download(request, ctx, slug, doc, fmt)
