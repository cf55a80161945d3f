"""The sizing tab (internal only): per environment, official vs recommended side by side, totals,
node pools and cost, deviations, and downloads of the Helm override, Compose override and table."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from implhub.app import sizing as svc
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise
from implhub.errors import NotFound
from implhub.sizing.recommended import CHART_KEY
from implhub.store.models import Project
from implhub.web.deps import principal, require_internal, web_ctx
from implhub.web.tabs import Tab, register_tab

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(web_ctx)]

MEDIA = {"helm": ("application/yaml; charset=utf-8", "values-override.yaml"),
         "compose": ("application/yaml; charset=utf-8", "docker-compose.override.yaml"),
         "md": ("text/markdown; charset=utf-8", "sizing.md"),
         "json": ("application/json", "sizing.json")}


def _rows(est: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per recommended service with the official figures of the same workload beside it."""
    official = {CHART_KEY.get(k, k): v for k, v in ((est.get("official") or {}).get("services") or {}).items()}
    rows = []
    for key, rec in ((est.get("recommended") or {}).get("services") or {}).items():
        if not isinstance(rec, dict):
            continue
        rows.append({"key": key, "rec": rec, "off": official.get(key)})
    return rows


def _tab(ctx: Ctx, project: Project) -> dict[str, Any]:
    envs = []
    for item in svc.overview(ctx, project=project):
        est = item["estimate"]
        valid = isinstance(est, dict) and isinstance(est.get("recommended"), dict) and isinstance(est.get("official"), dict)
        envs.append({"name": item["environment"], "kind": item["kind"], "estimate": est if valid else None,
                     "rows": _rows(est) if valid else [], "plan": (est or {}).get("stored_node_plan") if valid else None})
    return {"sizing_envs": envs}


register_tab(Tab("sizing", "Sizing", "tabs/sizing.html", _tab, order=30, internal_only=True))


@router.get("/projects/{slug}/sizing/{environment}/export.{fmt}")
def download(request: Request, slug: str, environment: str, fmt: str, ctx: CtxDep) -> Response:
    project = get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    if fmt not in MEDIA:
        raise NotFound(f"no export format {fmt!r}; expected helm, compose, md or json", field="fmt")
    est = svc.latest_estimate(ctx, project=project, environment=environment)
    if est is None or not isinstance(est.get("recommended"), dict):
        raise NotFound(f"no size estimate for {environment!r} yet; run implhub size estimate {slug} --env {environment}")
    media, name = MEDIA[fmt]
    return Response(svc.export_stored(est, fmt), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{slug}-{environment}-{name}"',
                             "Cache-Control": "no-store"})
