"""The nine exit criteria, evaluated from the store (the documents & exit-criteria capability
fills this in). `evaluate` returns the `exit-criteria --json` shape, or None while the
capability is absent; the plan's closing tasks read their status from it."""

from __future__ import annotations

from typing import Any

from implhub.app.context import Ctx
from implhub.store.models import Project


def evaluate(ctx: Ctx, project: Project) -> dict[str, Any] | None:
    return None
