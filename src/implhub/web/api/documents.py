"""/api/projects/{slug}/documents/{doc}?format=: the rendered documents (the plan for anyone who
may see the project; the internal design and the handoff for the team)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from implhub.app.context import Ctx
from implhub.web.deps import web_ctx
from implhub.web.routes.documents import download

router = APIRouter(tags=["documents"])
CtxDep = Annotated[Ctx, Depends(web_ctx)]


@router.get("/projects/{slug}/documents/{doc}")
def get_document(request: Request, slug: str, doc: str, ctx: CtxDep, format: str = "md") -> Response:
    return download(request, ctx, slug, doc, format)
