"""One facts layer over the store for the exit criteria, the plan's closing tasks and the documents.

`load(ctx, project)` reads everything they decide from in a handful of statements (the design as
the TDD model, environments by kind, evidence, sign-offs, the plan's stored tasks, the load
profile's requirement). `report(ctx, project)` evaluates the exit criteria on them; inside
`scope()` the evaluation is kept, so building a document evaluates the criteria once although
the plan views it shows read them too.

It depends on no other application module that reads the criteria, so the plan, the exit
criteria and the documents all import it without a cycle.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from implhub.app import prefetch
from implhub.app.context import Ctx
from implhub.exit import Report, evaluate
from implhub.exit.facts import (
    EnvironmentFact,
    EvidenceItem,
    LoadRequirement,
    ProjectFacts,
    SignoffFact,
    TaskFact,
)
from implhub.intake.schema import TDD
from implhub.loadtest.coverage import default_requirement, requirement
from implhub.store.models import Evidence, Project
from implhub.store.models.exit import CriterionSignoff
from implhub.store.models.loadtest import LoadProfileRow
from implhub.store.models.plan import PlanTaskRow

#: evidence kinds the criteria and the documents read
KINDS = ("size_estimate", "node_plan", "instance_snapshot", "codestats_scan", "codehost_inventory",
         "loadtest_run", "rightsize", "version_check", "replica_corpus")

#: (project id, activity stamp) -> report, while a scope is open
_scope: contextvars.ContextVar[dict[int, tuple[ProjectFacts, Report]] | None] = contextvars.ContextVar("facts_scope", default=None)


def utc(value: dt.datetime) -> dt.datetime:
    """Stored times as aware UTC (SQLite hands them back naive)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def load_requirement(ctx: Ctx, project: Project, design: TDD) -> LoadRequirement | None:
    """What the project's load profile (the newest stored version, else the default from the
    design) asks of a run for it to count."""
    batched = prefetch.rows(ctx, "facts.load_profiles", project.id, lambda ids: select(LoadProfileRow).where(
        LoadProfileRow.project_id.in_(ids), LoadProfileRow.kind == "load").order_by(LoadProfileRow.version.desc()))
    row = (batched[0] if batched else None) if batched is not None else ctx.session.scalar(
        select(LoadProfileRow).where(LoadProfileRow.project_id == project.id, LoadProfileRow.kind == "load")
        .order_by(LoadProfileRow.version.desc()).limit(1))
    if row is not None:
        return LoadRequirement.model_validate(requirement(dict(row.data)))
    users = design.scale.users
    return LoadRequirement.model_validate(default_requirement(users)) if users > 0 else None


def load(ctx: Ctx, project: Project) -> ProjectFacts:
    design = project.design_model
    rows = prefetch.scalars(ctx, "facts.evidence", project.id, lambda ids: select(Evidence).where(Evidence.project_id.in_(ids), Evidence.kind.in_(KINDS))
                 .order_by(Evidence.taken_at.desc(), Evidence.id.desc()))
    evidence = [EvidenceItem(id=e.id, kind=e.kind, environment=e.environment, source=e.source or "", taken_at=utc(e.taken_at),
                             simulated=bool(e.simulated), data=dict(e.data or {})) for e in rows]
    signoffs = [SignoffFact(id=s.id, criterion=s.criterion, action=s.action,
                            by=s.by, evidence_url=s.evidence_url, reason=s.reason or "", at=utc(s.at), created_by=s.created_by)
                for s in prefetch.scalars(ctx, "facts.signoffs", project.id, lambda ids: select(CriterionSignoff).where(
                    CriterionSignoff.project_id.in_(ids)).order_by(CriterionSignoff.at, CriterionSignoff.id))]
    task_rows = prefetch.scalars(ctx, "plan.tasks", project.id, lambda ids: select(PlanTaskRow).where(PlanTaskRow.project_id.in_(ids))
                      .order_by(PlanTaskRow.position))
    tasks = [TaskFact(id=r.task_id, title=r.title, status=r.status, phase=r.phase or None, environment=r.environment,
                      template_id=r.template_id, milestone=r.milestone,
                      depends_on=[str(d.get("id")) for d in r.depends_on or [] if isinstance(d, dict)]) for r in task_rows]
    return ProjectFacts(
        slug=project.slug, name=project.name, state=project.state, demo=project.demo, revision=project.current.number,
        design=design,
        environments=[EnvironmentFact(name=e.name, kind=e.kind, origin=e.origin, data=dict(e.data or {})) for e in project.environments],
        evidence=evidence, signoffs=signoffs, tasks=tasks or None, load_requirement=load_requirement(ctx, project, design),
        now=utc(ctx.now()),
    )


@contextmanager
def scope() -> Iterator[None]:
    """Keep one evaluation per project while the block runs (one document, one page)."""
    if _scope.get() is not None:
        yield
        return
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def facts_and_report(ctx: Ctx, project: Project) -> tuple[ProjectFacts, Report]:
    cache = _scope.get()
    if cache is not None and project.id in cache:
        return cache[project.id]
    facts = load(ctx, project)
    out = (facts, evaluate(facts))
    if cache is not None:
        cache[project.id] = out
    return out


def report(ctx: Ctx, project: Project) -> Report:
    """The exit criteria of a project (the `exit-criteria --json` shape)."""
    return facts_and_report(ctx, project)[1]


def exit_statuses(ctx: Ctx, project: Project) -> dict[int, str]:
    """criterion number -> met | not_met | waived (what the plan's closing tasks show)."""
    return {c["number"]: c["status"] for c in report(ctx, project)["criteria"]}
