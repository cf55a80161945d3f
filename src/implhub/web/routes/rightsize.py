"""The right-sizing tab (internal only): per environment, the newest right-sizing result (flagged
services first, distributions, current and recommended, the changes with reasons, cost, the
comparison with the estimate) and version check; the override as a download."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from implhub.app import evidence
from implhub.app import rightsize as svc
from implhub.app.context import Ctx
from implhub.app.evidence import evidence_dict
from implhub.app.projects import get_or_raise
from implhub.errors import NotFound
from implhub.rightsize.evidence import RightsizeResult
from implhub.store.models import Project
from implhub.vocab import EvidenceKind
from implhub.web.deps import principal, require_internal, web_ctx
from implhub.web.tabs import Tab, register_tab

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(web_ctx)]


def overview(ctx: Ctx, project: Project) -> list[dict[str, Any]]:
    """Per environment: the newest right-sizing and version-check evidence (or None)."""
    out = []
    for env in project.environments:
        rs = svc.latest(ctx, project=project, kind=EvidenceKind.rightsize, environment=env.name)
        vc = svc.latest(ctx, project=project, kind=EvidenceKind.version_check, environment=env.name)
        if rs is None and vc is None:
            continue
        out.append({"name": env.name, "kind": env.kind,
                    "rightsize": evidence_dict(rs) if rs is not None else None,
                    "version": evidence_dict(vc) if vc is not None else None})
    return out


def _tab(ctx: Ctx, project: Project) -> dict[str, Any]:
    return {"rightsize_envs": overview(ctx, project)}


register_tab(Tab("rightsize", "Right-sizing", "tabs/rightsize.html", _tab, order=75, internal_only=True))


@router.get("/projects/{slug}/rightsize/{environment}/override.yaml")
def download(request: Request, slug: str, environment: str, ctx: CtxDep) -> Response:
    project = get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    result = evidence.latest(ctx, project=project, kind=RightsizeResult, environment=environment)
    if result is None:
        raise NotFound(f"no right-sizing result for {environment}; run 'implhub rightsize {slug} --env {environment} ...'",
                       field="environment")
    return Response(result.override_yaml or "{}\n", media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="rightsize-{environment}.yaml"'})
