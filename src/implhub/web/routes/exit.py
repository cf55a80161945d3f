"""The exit-criteria tab: the nine criteria, each met / not met / waived, with its evidence and
what is missing. Internal only: the evidence names internal sources."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from implhub.app import exit_criteria as svc
from implhub.app.context import Ctx
from implhub.store.models import Project
from implhub.web.tabs import Tab, register_tab

router = APIRouter(include_in_schema=False)


def _tab(ctx: Ctx, project: Project) -> dict[str, Any]:
    report = svc.evaluate(ctx, project)
    return {"exit_report": report, "exit_handoffs": [svc.handoff_dict(h) for h in svc.handoffs(ctx, project)]}


register_tab(Tab("exit", "Exit criteria", "tabs/exit.html", _tab, order=80))
