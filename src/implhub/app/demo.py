"""`implhub demo`: the showroom. Creates the demo implementation from the shipped demo TDD, then
lets each capability add its part (plan with progress, sizing, code statistics from a scanned
generated corpus, a load-test run from a seeded model, risks, documents, the demo admin).

Each part lives in `implhub.app.demo_parts.<area>` with `seed(ctx, project, env) -> list[str]`
returning lines to show the newcomer. Evidence they add is marked simulated.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import select

from implhub.app import projects
from implhub.app.context import Ctx
from implhub.store.models import Project

DEMO_SLUG = "northwind-logistics"

#: the order in which the parts run: later parts use what earlier ones stored
PARTS = ["plan", "codestats", "sizing", "replica", "loadtest", "reporting", "rightsize", "exit", "documents", "accounts"]


@dataclass
class DemoEnv:
    """What parts share: a work directory for generated files, a seed, and the output lines."""

    workdir: Path
    seed: int = 20261129
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def demo_tdd_text() -> str:
    return (files("implhub") / "data" / "demo-tdd.yaml").read_text(encoding="utf-8")


def load(ctx: Ctx, *, workdir: Path, reset: bool = False, parts: list[str] | None = None) -> tuple[Project, list[str]]:
    """Create (or with reset: recreate) the demo implementation and run every part."""
    existing = ctx.session.scalar(select(Project).where(Project.slug == DEMO_SLUG))
    if existing is not None:
        if not reset:
            return existing, [f"demo project {DEMO_SLUG!r} exists already (use --reset to rebuild it)"]
        ctx.session.delete(existing)
        ctx.session.flush()
    result = projects.create(ctx, text=demo_tdd_text(), filename="demo-tdd.yaml", slug=DEMO_SLUG, demo=True, new=True)
    env = DemoEnv(workdir=workdir)
    lines = [f"created {result.project.name} ({DEMO_SLUG})"]
    for part in parts if parts is not None else PARTS:
        module = importlib.import_module(f"implhub.app.demo_parts.{part}")
        lines += module.seed(ctx, result.project, env)
        ctx.session.flush()
    return result.project, lines
