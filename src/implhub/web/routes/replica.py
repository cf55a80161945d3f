"""The project's Replica tab (internal): the replica environment's corpus, sizing, load profile,
plan tasks and the corpora written for it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from implhub.app import evidence, projects
from implhub.app import replica as svc
from implhub.app.context import Ctx
from implhub.store.models import Project
from implhub.vocab import EvidenceKind
from implhub.web.tabs import Tab, register_tab

router = APIRouter()


def _context(ctx: Ctx, project: Project) -> dict[str, Any]:
    corpora = [evidence.evidence_dict(e) for e in evidence.list_evidence(ctx, project=project, kind=EvidenceKind.replica_corpus)]
    return {"replica": svc.get(ctx, project=project), "corpora": corpora[:10],
            "exceptional": projects.exceptional_scale(ctx, project)}


register_tab(Tab("replica", "Replica", "tabs/replica.html", _context, order=45, internal_only=True))
