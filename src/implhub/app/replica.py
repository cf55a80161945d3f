"""The replica environment of a project: its corpus specification, sizing, load-test profile and
plan tasks; and writing and serving a corpus (the engine in implhub.replica)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from implhub.app import evidence, projects
from implhub.app import loadtest as loadtest_app
from implhub.app import plan as app_plan
from implhub.app import sizing as app_sizing
from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.codestats.evidence import CodeStatisticsScan
from implhub.errors import ImplhubError, ValidationError
from implhub.loadtest.profile import KINDS, SEARCH_TYPES, VARIANTS, build_profile
from implhub.replica.corpus import read_manifest
from implhub.replica.evidence import ReplicaCorpus
from implhub.replica.languages import resolve
from implhub.replica.names import HostSpec, host_name, names_in_queries, split_name
from implhub.replica.shape import (
    DEFAULT_LANGUAGES,
    DEFAULT_TREE_RATIO,
    GB,
    MIN_REPO_BYTES,
    CorpusSpec,
    normalise,
)
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


def hosts_of(project: Project) -> list[HostSpec]:
    """The design's code hosts as the replica names them (host name from the URL)."""
    out: list[HostSpec] = []
    for h in project.design_model.code_hosts:
        name = host_name(h.url)
        if name and name not in {x.name for x in out}:
            out.append(HostSpec(name=name, kind=str(h.kind), repositories=h.repositories, organizations=list(h.organizations)))
    return out


def profile_repositories(ctx: Ctx, project: Project, *, strict: bool = True) -> list[str]:
    """The repositories the project's load profiles query by name (`repo:^name$` filters of every
    kind's current profile): the replica must hold each of them."""
    out: list[str] = []
    for kind in KINDS:
        try:
            profile = loadtest_app.get_profile(ctx, slug=project.slug, kind=kind)["profile"]
        except ImplhubError:
            continue  # a kind the design cannot drive yet (no users): it queries nothing
        queries = [str(q) for variant in VARIANTS for t in SEARCH_TYPES
                   for q in ((profile.get("queries") or {}).get(variant) or {}).get(t) or []]
        for name in names_in_queries(queries):
            try:
                split_name(name, field_name="load profile")
            except ValidationError:
                if not strict:  # planning only: the corpus command refuses it, saying how to refresh the profile
                    continue
                raise ValidationError(f"the {kind} load profile queries {name!r}, which is not a repository name on a code host "
                                      f"(host/org/repo; a profile stored before scans recorded code host names); store one "
                                      f"computed from the newest scan with 'implhub loadtest profile {project.slug} --kind {kind} "
                                      f"--save'", field="load profile") from None
            if name not in out:
                out.append(name)
    return out


def tree_ratio(ctx: Ctx, project: Project) -> tuple[float, str]:
    """Newest-tree bytes per packed byte, from the newest scan of repositories whose packed size it
    measured, or the default."""
    ev = evidence.latest(ctx, project=project, kind="codestats_scan")
    if ev is not None:
        repos = [r for r in (ev.data or {}).get("repositories") or [] if isinstance(r, dict)]
        tree = sum(int(r.get("bytes") or 0) for r in repos if r.get("git_dir_bytes"))
        packed = sum(int(r.get("git_dir_bytes") or 0) for r in repos)
        if tree > 0 and packed > 0:
            return round(min(20.0, max(0.05, tree / packed)), 3), f"codestats_scan #{ev.id}: {tree:,} bytes in newest trees, {packed:,} packed"
    return DEFAULT_TREE_RATIO, f"default ({DEFAULT_TREE_RATIO:g} bytes of newest tree per packed byte; no scan measured it)"


def spec_for(ctx: Ctx, *, project: Project | str, history: int = 20, seed: int = 1, scale: float | None = None,
             repos: int | None = None, total_gb: float | None = None, largest_gb: float | None = None,
             end_date: str = "", strict: bool = True) -> tuple[CorpusSpec, str]:
    """The corpus specification the design asks for: the customer's repository count, total,
    largest and monorepos, code hosts and organisations, the repositories the load profile
    queries, with the language mix of the newest scan. `scale` (a factor) or explicit counts
    scale it down; the design's own numbers stay in the specification."""
    p = _project(ctx, project)
    scale_ = p.design_model.scale
    design_repos = scale_.repositories
    if design_repos < 1:
        raise ValidationError("the design has no repositories; set scale.repositories in the TDD", field="scale.repositories")
    total = int(round(scale_.total_repo_size_gb * GB))
    largest = int(round(scale_.largest_repo_size_gb * GB))
    if total <= 0 or largest <= 0:
        raise ValidationError("the design has no repository sizes; set scale.total_repo_size_gb and "
                              "scale.largest_repo_size_gb in the TDD", field="scale.total_repo_size_gb")
    design = {"repositories": design_repos, "total_bytes": total, "largest_bytes": largest,
              "monorepos": scale_.monorepos}
    factor = 1.0
    n, t, big = design_repos, total, largest
    if scale is not None:
        if not 0 < scale <= 1:
            raise ValidationError(f"expected a factor above 0 and at most 1, such as 0.01; got {scale:g}", field="--scale")
        factor = scale
        n = max(1, round(design_repos * scale))
        t = max(n * MIN_REPO_BYTES, int(total * scale))
        # the largest scales too, but stays a large share of a small total (the shape's tail)
        big = min(t, max(int(largest * scale), MIN_REPO_BYTES, 4 * t // n if n > 1 else t))
    n = repos if repos is not None else n
    t = int(round(total_gb * GB)) if total_gb is not None else t
    big = int(round(largest_gb * GB)) if largest_gb is not None else big
    langs, source = language_mix(ctx, p)
    ratio, _ = tree_ratio(ctx, p)
    spec = CorpusSpec(repositories=n, total_bytes=t, largest_bytes=big, monorepos=min(design["monorepos"], n),
                      languages=langs, history=history, seed=seed, hosts=hosts_of(p), required=profile_repositories(ctx, p, strict=strict),
                      end_date=end_date, tree_ratio=ratio, scale=factor, design=design)
    if not spec.scaled:
        spec = dataclasses.replace(spec, scale=1.0)
    return spec, source


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
    # a profile stored before scans recorded code host names does not stop the planning; the corpus
    # command refuses it and says how to store a fresh one
    spec, lang_source = spec_for(ctx, project=p, history=history, seed=seed, strict=False)
    sizing = _sizing(ctx, p)
    data: dict[str, Any] = {
        "corpus": {**spec.to_dict(), "total_gb": spec.total_bytes / GB, "largest_gb": spec.largest_bytes / GB,
                   "languages_source": lang_source, "tree_ratio_source": tree_ratio(ctx, p)[1],
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


def gitlab_hosts(out_dir: Path, hosts: list[str]) -> list[str]:
    """The served code hosts the corpus' design calls GitLab (from its manifest)."""
    manifest = read_manifest(out_dir) or {}
    kinds = {str(h.get("name")): str(h.get("kind")) for h in (manifest.get("spec") or {}).get("hosts") or []}
    return [h for h in hosts if kinds.get(h) == "gitlab"]


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
    data = ReplicaCorpus(target=report["target"], achieved=report["achieved"], repositories=len(report["repositories"]),
                         # whether the corpus is the design's size or scaled down from it, for
                         # whoever weighs the load tests run against it
                         scaled=bool(report.get("scaled")), scale=report.get("scale"), design=report.get("design"),
                         end_date=report.get("end_date"), hosts=report.get("hosts"))
    evidence.add(ctx, project=p, kind=ReplicaCorpus.KIND, data=data, source=f"replica corpus in {Path(report['out_dir']).name}",
                 environment=ENVIRONMENT, simulated=simulated)
