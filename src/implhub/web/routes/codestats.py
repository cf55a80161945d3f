"""The code statistics tab (internal only): the summary the internal document uses, with each
number's source and date; scans per language and repository; code host inventories; instance
snapshots per environment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from implhub.app import codestats as svc
from implhub.app.context import Ctx
from implhub.store.models import Project
from implhub.web.tabs import Tab, register_tab

router = APIRouter(include_in_schema=False)


def _tab(ctx: Ctx, project: Project) -> dict[str, Any]:
    data = svc.listing(ctx, project=project)
    scan = data["scans"][0] if data["scans"] else None
    return {"cs": data, "cs_scan": scan,
            "cs_languages": list((scan["data"]["languages"] if scan else {}).items())[:20]}


register_tab(Tab("codestats", "Code statistics", "tabs/codestats.html", _tab, order=35, internal_only=True))
