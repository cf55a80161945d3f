"""The accounts capability's part of the demo."""

from __future__ import annotations

from implhub.app.context import Ctx
from implhub.app.demo import DemoEnv
from implhub.store.models import Project


def seed(ctx: Ctx, project: Project, env: DemoEnv) -> list[str]:
    """Add this capability's demo data to the project; return lines for the newcomer."""
    return []
