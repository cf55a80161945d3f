"""Batched reads for pages that compute many projects at once (the portfolio).

Computing one portfolio row reads a dozen tables for one project (plan, tasks, evidence, sign-offs,
baselines, notes, ...). For 200 projects that is thousands of statements. Inside `batch(ctx, ids)`
the per-project readers ask `rows(...)` first: the first ask for a table loads it for every
project of the batch in one statement, later asks are answered from memory. Outside a batch (or
for a project not in it) `rows` answers None and the reader runs its own query, so every other
page behaves as before.

A batch is read-only by design: it is opened around computations that change nothing, and it
belongs to one session (another session's reads never see it).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.orm import Session

from implhub.app.context import Ctx


@dataclass
class _Batch:
    session: Session
    project_ids: frozenset[int]
    loaded: dict[str, dict[int, list[Any]]] = field(default_factory=dict)


_current: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("implhub_prefetch", default=None)


@contextmanager
def batch(ctx: Ctx, project_ids: Sequence[int]) -> Iterator[None]:
    """Answer the per-project readers of these projects from one statement per table."""
    token = _current.set(_Batch(ctx.session, frozenset(project_ids)))
    try:
        yield
    finally:
        _current.reset(token)


def rows(ctx: Ctx, name: str, project_id: int, build: Callable[[list[int]], Executable], *,
         scalars: bool = True) -> list[Any] | None:
    """The rows of one project from the batch, or None when no batch covers it (the caller then
    queries on its own). `name` identifies the query; `build(ids)` is the statement over all
    the batch's projects, in the order the caller wants; each result has a `project_id`."""
    b = _current.get()
    if b is None or b.session is not ctx.session or project_id not in b.project_ids:
        return None
    if name not in b.loaded:
        stmt = build(sorted(b.project_ids))
        result = ctx.session.scalars(stmt) if scalars else ctx.session.execute(stmt)
        grouped: dict[int, list[Any]] = {}
        for r in result:
            grouped.setdefault(int(r.project_id), []).append(r)
        b.loaded[name] = grouped
    return list(b.loaded[name].get(project_id, []))


def scalars(ctx: Ctx, name: str, project_id: int, build: Callable[[list[int]], Executable]) -> list[Any]:
    """One project's rows: from the open batch, or `build([project_id])` run on its own."""
    batched = rows(ctx, name, project_id, build)
    return batched if batched is not None else list(ctx.session.scalars(build([project_id])))
