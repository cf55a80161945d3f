"""JSON API of the replica capability (under /api): read and (re)plan the replica environment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from implhub.app import evidence, projects
from implhub.app import replica as svc
from implhub.app.context import Ctx
from implhub.errors import NotFound
from implhub.vocab import EvidenceKind
from implhub.web.deps import principal, require_editor, require_internal, web_ctx
from implhub.web.schemas.replica import ReplicaRead, ReplicaWithCorpora

router = APIRouter(tags=["replica"])
CtxDep = Annotated[Ctx, Depends(web_ctx)]


@router.get("/projects/{slug}/replica", response_model=ReplicaWithCorpora, response_model_exclude_unset=True)
def show_replica(request: Request, slug: str, ctx: CtxDep) -> dict[str, Any]:
    """The replica environment (internal only), with the corpora written for it."""
    project = projects.get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    env = svc.get(ctx, project=project)
    if env is None:
        raise NotFound(f"no replica environment yet; record one with 'implhub replica plan {slug}' or POST here")
    env["corpora"] = [evidence.evidence_dict(e) for e in evidence.list_evidence(ctx, project=project, kind=EvidenceKind.replica_corpus)]
    return env


@router.post("/projects/{slug}/replica", response_model=ReplicaRead, response_model_exclude_unset=True)
def plan_replica(request: Request, slug: str, ctx: CtxDep, history: int = 20, seed: int = 1) -> dict[str, Any]:
    """Record (or refresh) the replica environment from the current design."""
    project = projects.get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    return svc.plan(ctx, project=project, history=history, seed=seed)
