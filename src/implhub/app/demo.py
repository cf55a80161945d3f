"""`implhub demo`: the showroom. Creates the demo implementation from the shipped demo TDD, then
lets each capability add its part (plan with progress, sizing, code statistics from a scanned
generated corpus, a load-test run from a seeded model, risks, documents, the demo admin).

Each part lives in `implhub.app.demo_parts.<area>` with `seed(ctx, project, env) -> list[str]`
returning lines to show the newcomer. Evidence they add is marked simulated.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from sqlalchemy import select

from implhub.app import projects
from implhub.app.context import Ctx
from implhub.app.demo_env import DemoEnv
from implhub.app.demo_parts import (
    accounts,
    codestats,
    documents,
    exit,
    loadtest,
    plan,
    replica,
    reporting,
    rightsize,
    sizing,
)
from implhub.store.models import Project

__all__ = ["DEMO_SLUG", "PARTS", "DemoEnv", "demo_tdd_text", "load"]

DEMO_SLUG = "northwind-logistics"

Part = Callable[[Ctx, Project, DemoEnv], list[str]]

#: the parts in the order they run: later parts use what earlier ones stored
SEEDS: dict[str, Part] = {
    "plan": plan.seed, "codestats": codestats.seed, "sizing": sizing.seed, "replica": replica.seed,
    "loadtest": loadtest.seed, "reporting": reporting.seed, "rightsize": rightsize.seed, "exit": exit.seed,
    "documents": documents.seed, "accounts": accounts.seed,
}
PARTS = list(SEEDS)


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
        lines += SEEDS[part](ctx, result.project, env)
        ctx.session.flush()
    return result.project, lines
