"""The replica environment of a project: its corpus specification, sizing, load-test profile and
plan tasks; and writing and serving a corpus (the engine in implhub.replica)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from implhub.app import evidence, projects
from implhub.app import plan as app_plan
from implhub.app import sizing as app_sizing
from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.codestats.evidence import CodeStatisticsScan
from implhub.errors import ImplhubError, ValidationError
from implhub.loadtest.profile import build_profile
from implhub.replica.evidence import ReplicaCorpus
from implhub.replica.languages import resolve
from implhub.replica.shape import DEFAULT_LANGUAGES, GB, CorpusSpec, normalise
from implhub.sizing.evidence import SizeEstimate
from implhub.store.models import EnvironmentRow, Project
from implhub.vocab import EnvironmentKind

ENVIRONMENT = "replica"
ORIGIN = "replica"
#: the plan tasks the replica brings (template ids start with these)
TASK_PREFIXES = ("replica", "k6")


def _project(ctx: Ctx, project: Project | str) -> Project:
    return project if isinstance(project, Project) else projects.get_or_raise(ctx, slug=project)


def language_mix(ctx: Ctx, project: Project) -> tuple[dict[str, float], str]:
    """Language shares from the newest code statistics scan (lines of code per language), or the
    default mix. Languages the generator does not write (Markdown, JSON, ...) are left out."""
    ev = evidence.latest_stored(ctx, project=project, kind=CodeStatisticsScan)
    if ev is not None:
        raw = ev.data.languages
        weights: dict[str, float] = {}
        items = raw.items() if isinstance(raw, dict) else ((d.get("language") or d.get("name"), d) for d in raw if isinstance(d, dict))
        for name, value in items:
            key = resolve(str(name or ""))
            amount = value if isinstance(value, int | float) else (value or {}).get("code") or (value or {}).get("bytes") or 0
            if key is not None and amount:
                weights[key] = weights.get(key, 0.0) + float(amount)
        if weights:
            return normalise(weights), f"codestats_scan #{ev.id} of {ev.taken_at.date().isoformat()}"
    return dict(DEFAULT_LANGUAGES), "default mix (no code statistics scan yet)"


def spec_for(ctx: Ctx, *, project: Project | str, history: int = 20, seed: int = 1) -> tuple[CorpusSpec, str]:
    """The corpus specification the design asks for: the customer's repository count, total,
    largest and monorepos, with the language mix of the newest scan."""
    p = _project(ctx, project)
    scale = p.design_model.scale
    repos = scale.repositories
    if repos < 1:
        raise ValidationError("the design has no repositories; set scale.repositories in the TDD", field="scale.repositories")
    total = int(round(scale.total_repo_size_gb * GB))
    largest = int(round(scale.largest_repo_size_gb * GB))
    if total <= 0 or largest <= 0:
        raise ValidationError("the design has no repository sizes; set scale.total_repo_size_gb and "
                              "scale.largest_repo_size_gb in the TDD", field="scale.total_repo_size_gb")
    langs, source = language_mix(ctx, p)
    return CorpusSpec(repositories=repos, total_bytes=total, largest_bytes=largest, monorepos=scale.monorepos,
                      languages=langs, history=history, seed=seed), source


def _sizing(ctx: Ctx, project: Project) -> dict[str, Any]:
    prod = projects.production_environment(project)
    estimate = None if prod is None else app_sizing.latest_estimate(ctx, project=project, environment=prod.name)
    if prod is None or estimate is None:
        name = "prod" if prod is None else prod.name
        return {"status": "missing", "note": f"no production estimate yet: run 'implhub size estimate' for {name}, then plan the replica again"}
    return {"status": "same as prod", "estimate": estimate}


def _size_like_prod(ctx: Ctx, project: Project, prod: dict[str, Any]) -> str:
    """Store the replica's own size estimate, made exactly as prod's (same inputs, chart version),
    so the replica's load test can stand for prod in exit criterion 5."""
    prod_env = projects.production_environment(project)
    prod_ev = None if prod_env is None else evidence.latest_stored(ctx, project=project, kind=SizeEstimate,
                                                                   environment=prod_env.name)
    chart = prod_ev.data.chart_version if prod_ev is not None else prod.get("chart_version")
    app_sizing.estimate(ctx, project=project, environment=ENVIRONMENT, chart_version=chart,
                        simulated=bool(prod_ev and prod_ev.simulated))
    return f"stored: sized as prod (chart {chart})"


def _load_profile(project: Project) -> dict[str, Any]:
    users = project.design_model.scale.users
    out: dict[str, Any] = {"kind": "load", "then": ["stress", "search"], "users": users, "vus": max(1, round(users * 0.2))}
    try:
        built = build_profile(project.design_model, kind="load")
    except ImplhubError:  # a design the load test cannot use yet (no users): the replica keeps the rough numbers
        return out
    out.update({"vus": built.get("vus", out["vus"]), "stages_s": built.get("stages_s"), "mix": built.get("mix")})
    return out


def _tasks(ctx: Ctx, project: Project) -> dict[str, Any]:
    try:
        shown = app_plan.get_plan(ctx, project=project, view="internal")
    except ImplhubError as exc:
        return {"status": "no plan", "note": exc.message, "tasks": []}
    tasks = [t for t in _walk_tasks(shown) if str(t.get("id", "")).startswith(TASK_PREFIXES)]
    keep = ("id", "title", "owner_role", "start", "finish", "end", "status", "environment", "phase")
    return {"status": "planned" if tasks else "not in the plan",
            "tasks": [{k: t.get(k) for k in keep if k in t} for t in tasks]}


def _walk_tasks(obj: Any) -> list[dict[str, Any]]:
    if isinstance(obj, dict):
        if "id" in obj and "title" in obj:
            return [obj]
        return [t for v in obj.values() for t in _walk_tasks(v)]
    if isinstance(obj, list):
        return [t for v in obj for t in _walk_tasks(v)]
    return []


def plan(ctx: Ctx, *, project: Project | str, history: int = 20, seed: int = 1) -> dict[str, Any]:
    """Record (or refresh) the replica environment: corpus specification, sizing, load-test
    profile and the plan tasks. Origin "replica": a new design revision keeps it."""
    p = _project(ctx, project)
    spec, lang_source = spec_for(ctx, project=p, history=history, seed=seed)
    sizing = _sizing(ctx, p)
    data: dict[str, Any] = {
        "corpus": {**spec.to_dict(), "total_gb": spec.total_bytes / GB, "largest_gb": spec.largest_bytes / GB,
                   "languages_source": lang_source,
                   "command": corpus_command(p.slug, spec)},
        "sizing": sizing,
        "load_profile": _load_profile(p),
        "plan": _tasks(ctx, p),
        "exceptional_scale": projects.exceptional_scale(ctx, p),
        "planned_at": ctx.now().isoformat(),
    }
    row = next((e for e in p.environments if e.name == ENVIRONMENT), None)
    before = dict(row.data) if row is not None else None
    if row is None:
        row = EnvironmentRow(name=ENVIRONMENT, kind=EnvironmentKind.replica, origin=ORIGIN, data={}, created_at=ctx.now())
        p.environments.append(row)
    keep = {k: v for k, v in (row.data or {}).items() if k == "design"}
    row.data = {**keep, "replica": data}
    ctx.session.flush()  # the replica environment must exist before it is sized
    if sizing.get("status") == "same as prod":
        sizing = {**sizing, "replica_estimate": _size_like_prod(ctx, p, sizing["estimate"])}
        data = {**data, "sizing": sizing}
        # a new dict, not a change inside the JSON column: SQLAlchemy saves a column it sees assigned
        row.data = {**keep, "replica": data}
    record(ctx, project=p, action="replica.plan", entity="environment", entity_id=ENVIRONMENT,
           summary=f"replica environment: {spec.repositories:,} repos, {spec.total_bytes / GB:g} GB, "
                   f"largest {spec.largest_bytes / GB:g} GB, {spec.monorepos} monorepo(s)",
           before=(before or {}).get("replica"), after=data)
    return environment_dict(row)


def corpus_command(slug: str, spec: CorpusSpec) -> str:
    return f"implhub replica corpus OUT_DIR --project {slug} --history {spec.history} --seed {spec.seed} --jobs 8"


def get(ctx: Ctx, *, project: Project | str) -> dict[str, Any] | None:
    p = _project(ctx, project)
    row = next((e for e in p.environments if e.name == ENVIRONMENT), None)
    return environment_dict(row) if row is not None else None


def environment_dict(row: EnvironmentRow) -> dict[str, Any]:
    return {"name": row.name, "kind": row.kind, "origin": row.origin, **(row.data or {}).get("replica", {})}


def record_corpus(ctx: Ctx, *, project: Project | str, report: dict[str, Any], simulated: bool = False) -> None:
    """Keep a written corpus' shape report as evidence on the replica environment."""
    p = _project(ctx, project)
    data = ReplicaCorpus(target=report["target"], achieved=report["achieved"], repositories=len(report["repositories"]))
    evidence.add(ctx, project=p, kind=ReplicaCorpus.KIND, data=data, source=f"replica corpus in {Path(report['out_dir']).name}",
                 environment=ENVIRONMENT, simulated=simulated)
