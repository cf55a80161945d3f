"""Implementation projects: create from a TDD, list, show, update with a new design revision."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.errors import Conflict, NotFound, ValidationError
from implhub.intake.diff import Change, diff_designs
from implhub.intake.loader import LoadedTDD, design_warnings, load_tdd_text
from implhub.intake.scale import assess, load_thresholds
from implhub.intake.schema import TDD
from implhub.store.concurrency import next_number
from implhub.store.models import DesignRevision, EnvironmentRow, Evidence, Project
from implhub.vocab import EnvironmentKind


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:60] or "project"


def _unique_slug(ctx: Ctx, base: str) -> str:
    slug, n = base, 2
    while ctx.session.scalar(select(Project.id).where(Project.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def get_or_raise(ctx: Ctx, *, slug: str) -> Project:
    project = ctx.session.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        known = ctx.session.scalars(select(Project.slug).order_by(Project.slug).limit(20)).all()
        hint = f"; known projects: {', '.join(known)}" if known else "; create one with 'implhub project create --tdd FILE'"
        raise NotFound(f"no project {slug!r}{hint}", field="SLUG")
    return project


def production_environment(project: Project) -> EnvironmentRow | None:
    """The project's production environment, found by kind (it may be named prod, production, ...)."""
    return project.environment_of_kind(EnvironmentKind.prod)


def resolve_environment(project: Project, environment: str | None, *, field: str = "--env") -> EnvironmentRow:
    """The environment a command names. None means the production environment; a kind's name
    (prod, staging, ...) that is no environment's name means the one environment of that kind, so
    `--env prod` works on a project whose production environment is named "production"."""
    if environment is None:
        row = production_environment(project)
        if row is None:
            raise NotFound(f"project {project.slug!r} has no production environment (kind prod); "
                           "give the environment with --env", field=field)
        return row
    named = next((e for e in project.environments if e.name == environment), None)
    if named is not None:
        return named
    if environment in set(EnvironmentKind):
        of_kind = [e for e in project.environments if e.kind == environment]
        if len(of_kind) == 1:
            return of_kind[0]
    names = ", ".join(e.name for e in project.environments) or "none"
    raise NotFound(f"project {project.slug!r} has no environment {environment!r}; its environments: {names}",
                   field=field)


def list_projects(ctx: Ctx, *, state: str | None = None, include_archived: bool = False) -> list[Project]:
    """The projects by name; archived ones only when asked (by state or include_archived)."""
    q = select(Project).order_by(Project.name)
    if state:
        q = q.where(Project.state == state)
    elif not include_archived:
        q = q.where(Project.state != "archived")
    return list(ctx.session.scalars(q))


# --- lifecycle ------------------------------------------------------------------------------
#: active: the implementation runs; complete: every criterion met or waived and go-live done;
#: closed: ended at the timebox with items left open; archived: hidden from the portfolio and
#: reminders (a duplicate, a lost deal), its history kept
STATES = ("active", "complete", "closed", "archived")
#: states whose plan, design and exit criteria are final (the long-term owner's work goes on)
FROZEN = ("complete", "closed", "archived")


def require_open(project: Project, what: str) -> None:
    """Refuse a change to the implementation record of a finished project, saying how to undo it."""
    if project.state in FROZEN:
        raise Conflict(f"project {project.slug} is {project.state}: {what} cannot change any more; "
                       f"an admin reopens it with 'implhub project reopen {project.slug} --reason TEXT'", field="SLUG")


def require_state(project: Project, state: str, *, verb: str) -> None:
    if project.state != state:
        raise Conflict(f"cannot {verb} project {project.slug}: it is {project.state}"
                       + (f" (reopen it first: implhub project reopen {project.slug} --reason TEXT)" if state == "active" else ""),
                       field="SLUG")


def set_state(ctx: Ctx, project: Project, state: str, *, reason: str, action: str, extra: dict[str, Any] | None = None) -> None:
    """Move a project to another state and log who, when, why."""
    before = {"state": project.state, "reason": project.state_reason}
    project.state = state
    project.state_reason = reason
    project.state_changed_at = ctx.now()
    project.updated_at = ctx.now()
    ctx.session.flush()
    record(ctx, project=project, action=action, entity="project", entity_id=project.slug,
           summary=f"{project.name} {state} ({reason})", before=before, after={"state": state, "reason": reason, **(extra or {})})


def reopen(ctx: Ctx, *, slug: str, reason: str) -> Project:
    """Undo complete, close or archive (an admin's decision, logged with the reason): the plan,
    design and criteria can change again."""
    project = get_or_raise(ctx, slug=slug)
    if not (reason or "").strip():
        raise ValidationError("say why the project is reopened", field="--reason")
    if project.state == "active":
        raise Conflict(f"project {slug} is active already", field="SLUG")
    set_state(ctx, project, "active", reason=reason.strip(), action="project.reopen")
    return project


def archive(ctx: Ctx, *, slug: str, reason: str = "") -> Project:
    """Hide a project from the portfolio and reminders (a duplicate, a lost deal); nothing is deleted."""
    project = get_or_raise(ctx, slug=slug)
    if project.state == "archived":
        raise Conflict(f"project {slug} is archived already", field="SLUG")
    set_state(ctx, project, "archived", reason=(reason or "").strip() or "archived", action="project.archive")
    return project


def _sync_environments(ctx: Ctx, project: Project, design: TDD) -> list[str]:
    """Bring the project's environments in line with the design; never remove what another
    capability added or what carries evidence. Returns the conflicts, in words."""
    conflicts: list[str] = []
    wanted = {e.name: e for e in design.environments}
    existing = {e.name: e for e in project.environments}
    for name, env in wanted.items():
        row = existing.get(name)
        spec = env.model_dump(mode="json")  # the environment's entry as stored with the design
        kind = str(env.kind or EnvironmentKind.other)
        if row is None:
            project.environments.append(EnvironmentRow(name=name, kind=kind, origin="design", data={"design": spec}))
        else:
            row.data = {**(row.data or {}), "design": spec}
            if row.origin == "design":
                row.kind = kind
            elif env.kind and kind != row.kind:
                conflicts.append(f"environment {name!r}: the design says kind {kind}, {row.origin} recorded {row.kind}; kept {row.kind}")
    for name, row in existing.items():
        if name in wanted:
            continue
        if row.origin != "design":
            continue  # added by another capability (replica, ...): the design does not own it
        has_evidence = ctx.session.scalar(
            select(func.count()).select_from(Evidence).where(Evidence.project_id == project.id, Evidence.environment == name)
        )
        if has_evidence:
            conflicts.append(f"environment {name!r} is not in the new design but has {has_evidence} evidence record(s); kept it - remove the evidence or re-add it to the design")
        else:
            project.environments.remove(row)
    return conflicts


@dataclass
class RevisionResult:
    project: Project
    revision: DesignRevision
    changes: list[Change] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def customer_key(name: str) -> str:
    """A customer's name as compared for duplicates: case and spaces do not count."""
    return re.sub(r"\s+", "", name).casefold()


def active_project_for(ctx: Ctx, *, customer: str) -> Project | None:
    """The customer's active implementation, if one exists (name compared by `customer_key`)."""
    key = customer_key(customer)
    for project in ctx.session.scalars(select(Project).where(Project.state == "active").order_by(Project.id)):
        if customer_key(project.name) == key:
            return project
    return None


def create(ctx: Ctx, *, text: str, filename: str, slug: str | None = None, demo: bool = False,
           new: bool | None = None) -> RevisionResult:
    """Validate the TDD and create the project. Raises before anything is stored. A customer
    with an active project is refused (naming it) unless `new` asks for a second one on purpose;
    by default choosing an own `slug` is that purpose, a slug derived from the name (which would
    silently become `name-2`) is not."""
    loaded = load_tdd_text(text, filename=filename)
    name = loaded.tdd.customer.name
    on_purpose = new if new is not None else slug is not None
    existing = None if on_purpose else active_project_for(ctx, customer=name)
    if existing is not None:
        raise Conflict(f"{name} has an active project already: {existing.slug} ({existing.name}); update it with "
                       f"'implhub project update {existing.slug} --tdd FILE', or give --new (or your own --slug) to start a second one",
                       file=filename, field="customer.name")
    if slug is not None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", slug):
            raise ValidationError("expected lower-case letters, digits and dashes", field="--slug")
        if ctx.session.scalar(select(Project.id).where(Project.slug == slug)) is not None:
            raise ValidationError(f"a project {slug!r} exists already; use 'implhub project update {slug} --tdd FILE'", field="--slug")
    project = Project(slug=slug or _unique_slug(ctx, slugify(name)), name=name, demo=demo, created_by=ctx.actor,
                      created_at=ctx.now(), updated_at=ctx.now())
    ctx.session.add(project)
    rev = _new_revision(ctx, project, loaded, text, filename, number=1)
    ctx.session.flush()
    conflicts = _sync_environments(ctx, project, loaded.tdd)
    ctx.session.flush()
    record(ctx, project=project, action="project.create", entity="project", entity_id=project.slug,
           summary=f"created {project.name} from {filename}", after=loaded.design)
    return RevisionResult(project, rev, [], conflicts, loaded.warnings)


def _new_revision(ctx: Ctx, project: Project, loaded: LoadedTDD, text: str, filename: str, *, number: int) -> DesignRevision:
    rev = DesignRevision(number=number, design=loaded.design, source_text=text, source_format=loaded.source_format,
                         source_name=filename, warnings=loaded.warnings, created_at=ctx.now(), created_by=ctx.actor)
    project.revisions.append(rev)
    return rev


def update(ctx: Ctx, *, slug: str, text: str, filename: str) -> RevisionResult:
    project = get_or_raise(ctx, slug=slug)
    require_open(project, "its design")
    loaded = load_tdd_text(text, filename=filename)
    before = project.design
    changes = diff_designs(before, loaded.design)
    if not changes:
        return RevisionResult(project, project.current, [], [], loaded.warnings)
    # two saves of the design at once get revisions n+1 and n+2, never the same number
    number = next_number(ctx.session, scope=f"design_revision:{project.id}", current_max=lambda: ctx.session.scalar(
        select(func.max(DesignRevision.number)).where(DesignRevision.project_id == project.id)))
    rev = _new_revision(ctx, project, loaded, text, filename, number=number)
    project.name = loaded.tdd.customer.name
    project.updated_at = ctx.now()
    conflicts = _sync_environments(ctx, project, loaded.tdd)
    ctx.session.flush()
    record(ctx, project=project, action="design.revise", entity="design_revision", entity_id=str(rev.number),
           summary=f"revision {rev.number}: {len(changes)} change(s)" + (f", {len(conflicts)} conflict(s)" if conflicts else ""),
           before={c.path: c.before for c in changes}, after={c.path: c.after for c in changes})
    return RevisionResult(project, rev, changes, conflicts, loaded.warnings)


def revisions(ctx: Ctx, *, slug: str) -> list[DesignRevision]:
    return list(get_or_raise(ctx, slug=slug).revisions)


def diff_revisions(ctx: Ctx, *, slug: str, old: int, new: int | None = None) -> list[Change]:
    project = get_or_raise(ctx, slug=slug)
    by_number = {r.number: r for r in project.revisions}
    new = new or project.current.number
    for n, label in ((old, "FROM"), (new, "TO")):
        if n not in by_number:
            raise NotFound(f"no revision {n}; this project has revisions 1..{project.current.number}", field=label)
    return diff_designs(by_number[old].design, by_number[new].design)


def exceptional_scale(ctx: Ctx, project: Project) -> dict[str, Any]:
    # the thresholds file names scale fields: look them up on the model's fields
    verdict = assess(project.design_model.scale.model_dump(), load_thresholds(ctx.settings.scale_thresholds_file))
    return {"exceptional": verdict.exceptional, "reasons": verdict.reasons}


def project_dict(ctx: Ctx, project: Project, *, full: bool = True) -> dict[str, Any]:
    tdd = project.design_model
    out: dict[str, Any] = {
        "slug": project.slug,
        "name": project.name,
        "state": project.state,
        "state_reason": project.state_reason or "",
        "state_changed_at": project.state_changed_at.isoformat() if project.state_changed_at else None,
        "demo": project.demo,
        "revision": project.current.number,
        "created_at": project.created_at.isoformat(),
        "updated_at": project.updated_at.isoformat(),
        "users": tdd.scale.users,
        "repositories": tdd.scale.repositories,
        "cloud": tdd.deployment.cloud,
        "package": tdd.customer.package,
    }
    if full:
        out["design"] = project.design  # the stored form, exactly as the API documents it
        out["warnings"] = design_warnings(tdd)
        out["environments"] = [
            {"name": e.name, "kind": e.kind, "origin": e.origin, "data": e.data} for e in project.environments
        ]
        out["exceptional_scale"] = exceptional_scale(ctx, project)
    return out


def revision_dict(rev: DesignRevision) -> dict[str, Any]:
    return {"number": rev.number, "created_at": rev.created_at.isoformat(), "created_by": rev.created_by,
            "source_name": rev.source_name, "source_format": rev.source_format, "warnings": rev.warnings}
