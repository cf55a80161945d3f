"""The exit-criteria tab: the nine criteria, each met / not met / waived, with its evidence and
what is missing. Internal only: the evidence names internal sources."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from implhub.app import exit_criteria as svc
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise
from implhub.errors import ValidationError
from implhub.exit import SIGNABLE
from implhub.store.models import Project
from implhub.web.deps import principal, require_editor, web_ctx
from implhub.web.tabs import Tab, register_tab

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(web_ctx)]


def _tab(ctx: Ctx, project: Project) -> dict[str, Any]:
    report = svc.evaluate(ctx, project)
    return {"exit_report": report, "exit_handoffs": [svc.handoff_dict(h) for h in svc.handoffs(ctx, project)],
            "exit_signable": SIGNABLE, "exit_active": project.state == "active"}


register_tab(Tab("exit", "Exit criteria", "tabs/exit.html", _tab, order=80))


@router.post("/projects/{slug}/exit-criteria")
def record_judgement(request: Request, slug: str, ctx: CtxDep, number: Annotated[int, Form()], action: Annotated[str, Form()],
                     by: Annotated[str, Form()], evidence_url: Annotated[str, Form()] = "",
                     reason: Annotated[str, Form()] = "") -> RedirectResponse:
    """Sign off or waive a criterion from the tab (internal editors only)."""
    project = get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    if action == "sign":
        svc.sign(ctx, slug=slug, number=number, by=by, evidence_url=evidence_url or None, reason=reason)
    elif action == "waive":
        svc.waive(ctx, slug=slug, number=number, by=by, reason=reason, evidence_url=evidence_url or None)
    else:
        raise ValidationError("expected action sign or waive", field="action")
    return RedirectResponse(f"/projects/{slug}?tab=exit", status_code=303)
