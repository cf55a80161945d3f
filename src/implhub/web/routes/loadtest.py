"""The project's load-test tab (internal): profile, runs, the newest report with its chart."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from implhub.app import loadtest as svc
from implhub.app import projects
from implhub.app.context import Ctx
from implhub.errors import ImplhubError, NotFound
from implhub.store.models import Project
from implhub.web.deps import principal, require_internal, web_ctx
from implhub.web.tabs import Tab, register_tab

router = APIRouter()
CtxDep = Annotated[Ctx, Depends(web_ctx)]


def _tab(ctx: Ctx, project: Project) -> dict[str, Any]:
    runs = svc.list_runs(ctx, project=project)
    try:
        prof: dict[str, Any] | None = svc.get_profile(ctx, slug=project.slug, kind="load")
        problem = None
    except ImplhubError as exc:  # a design without users cannot make a profile: say so, show the runs
        prof, problem = None, exc.render()
    latest = runs[0] if runs else None
    return {"lt_runs": [svc.run_dict(r) for r in runs], "lt_latest": latest.data if latest else None,
            "lt_latest_id": latest.id if latest else None, "lt_latest_simulated": latest.simulated if latest else False,
            "lt_latest_env": latest.environment if latest else None, "lt_profile": prof,
            "lt_profile_problem": problem}


register_tab(Tab("loadtest", "Load tests", "tabs/loadtest.html", _tab, order=55, internal_only=True))


@router.get("/projects/{slug}/loadtest/runs/{evidence_id}/chart.png")
def run_chart(request: Request, slug: str, evidence_id: int, ctx: CtxDep) -> Response:
    """Latency over time per search type and virtual users of one stored run."""
    from implhub.loadtest.charts import render_png

    project = projects.get_or_raise(ctx, slug=slug)
    require_internal(principal(request), project)
    ev = next((e for e in svc.list_runs(ctx, project=project) if e.id == evidence_id), None)
    if ev is None:
        raise NotFound(f"no load-test run {evidence_id} in {slug}")
    return Response(render_png(ev.data), media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
