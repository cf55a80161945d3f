"""Sizing application functions: inputs from the project's design (and code statistics when
scanned), the engine run, and the append-only `size_estimate` / `node_plan` evidence per environment."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from implhub.app import evidence, projects
from implhub.app.context import Ctx
from implhub.codestats.evidence import CodeStatisticsScan
from implhub.errors import ValidationError
from implhub.intake.schema import TDD, Environment, Scale
from implhub.sizing import data
from implhub.sizing.deployment import DeploymentDesign, ExternalKind, ExternalService, PlanOptions
from implhub.sizing.estimate import estimate as run_estimate
from implhub.sizing.estimate import node_plan as run_node_plan
from implhub.sizing.evidence import SizeEstimate
from implhub.sizing.export import export as render_export
from implhub.sizing.inputs import SizingInputs
from implhub.sizing.recommended import scan_usable
from implhub.store.models import EnvironmentRow, Project
from implhub.vocab import EvidenceKind

KIND_ESTIMATE = EvidenceKind.size_estimate
KIND_NODES = EvidenceKind.node_plan


def _project(ctx: Ctx, project: Project | str) -> Project:
    return project if isinstance(project, Project) else projects.get_or_raise(ctx, slug=project)


def _environment(project: Project, environment: str | None) -> EnvironmentRow:
    """The named environment; None (or a kind's name no environment has) finds it by kind."""
    return projects.resolve_environment(project, environment)


def _env_spec(project: Project, environment: str) -> Environment | None:
    """The environment's entry in the design (users, repositories, parity, cloud, region), if any."""
    return next((e for e in project.design_model.environments if e.name == environment), None)


def deployment_design(design: TDD, kind: str, spec: Environment | None, *,
                      one_family: bool = False, spare_node: bool | None = None) -> DeploymentDesign:
    """The deployment side of the design for one environment: cloud and region (the environment's
    own when it names them), externalized services, POC lessons, and the plan options (a spare node
    for production and for environments with parity, unless asked otherwise)."""
    dep = design.deployment
    kinds = {k.value for k in ExternalKind}
    ext = tuple(ExternalService(kind=ExternalKind(x.service), provider=x.provider, endpoint=x.endpoint)
                for x in design.externalized_services if x.service in kinds)
    # the replica stands for production in the load test, so it is shaped (and sized) as production
    prod_shaped = kind in ("prod", "replica") or bool(spec is not None and spec.parity)
    return DeploymentDesign(
        cloud=(spec.cloud if spec is not None and spec.cloud else dep.cloud),
        region=(spec.region if spec is not None and spec.region else dep.region), externalized=ext,
        poc_lessons=tuple(design.poc.lessons_learned), storage_class=dep.storage_class, environment_kind=kind,
        prod_shaped=prod_shaped,
        options=PlanOptions(spare_node=prod_shaped if spare_node is None else spare_node, one_family=one_family))


def profile(inp: SizingInputs, kind: str, spec: Environment | None = None) -> tuple[SizingInputs, str]:
    """The inputs an environment of this kind is sized for, and the rule in words.

    The design may say per environment how many users and repositories it serves and whether it
    has parity with production; those win. Otherwise prod, replica and other environments carry
    the full design scale; staging serves the test users on the full corpus (UAT must see
    production's code); dev serves a few engineers on a sample of the repositories that still
    holds the largest one (upgrade rehearsals must meet the monorepo)."""
    if spec is not None and spec.parity:
        return inp, f"{kind}: parity with production (the design says so): the full scale"
    users_given = spec.users if spec is not None else None
    repos_given = spec.repositories if spec is not None else None
    if kind == "staging":
        users = min(inp.users, max(50, math.ceil(inp.users / 10)))
        rule_users = "a tenth of production, at least 50"
    elif kind == "dev":
        users, rule_users = min(inp.users, 25), "a few engineers"
    else:
        users, rule_users = inp.users, "the design's users"
    if users_given is not None:
        users, rule_users = min(int(users_given), inp.users), "from the design's environment"
    if kind == "dev":
        repos = min(inp.repositories, max(100, math.ceil(inp.repositories / 20)))
        rule_repos = "a 5% sample"
    else:
        repos, rule_repos = inp.repositories, "the full corpus"
    if repos_given is not None:
        repos, rule_repos = min(int(repos_given), inp.repositories), "from the design's environment"
    if users == inp.users and repos == inp.repositories:
        return inp, f"{kind}: the design's full scale"
    share = repos / inp.repositories if inp.repositories else 0.0
    total = min(inp.total_repo_size_gb, max(inp.largest_repo_size_gb, round(inp.total_repo_size_gb * share, 1)))
    idx = None if inp.indexable_bytes is None else int(inp.indexable_bytes * share)
    conc = None if inp.concurrent_users is None else min(inp.concurrent_users, users)
    sub = replace(inp, users=users, concurrent_users=conc, repositories=max(repos, 1 if inp.repositories else 0),
                  total_repo_size_gb=total, indexable_bytes=idx,
                  monorepos=min(inp.monorepos, repos) if repos < inp.repositories else inp.monorepos)
    if kind == "dev" and repos < inp.repositories:
        sub = replace(sub, monorepos=min(inp.monorepos, 1))
    return sub, (f"{kind}: {users} users ({rule_users}) on {repos} repositories ({rule_repos}, {share:.0%}, "
                 f"{total:g} GB) including the largest")


def _codestats(ctx: Ctx, project: Project, scale: Scale) -> tuple[dict[str, Any], str | None]:
    """Indexable bytes from the newest code statistics scan. A scan of part of the corpus is scaled
    per repository (never above the design's total size); the share of repositories it covered
    travels along, so a small sample cannot pull zoekt below its reference curve."""
    ev = evidence.latest_stored(ctx, project=project, kind=CodeStatisticsScan)
    if ev is None:
        return {}, None
    scan = ev.data
    idx = scan.totals.get("indexable_bytes")
    repos_scanned = int(scan.totals.get("repositories") or 0)
    if not isinstance(idx, int | float) or repos_scanned <= 0:
        return {}, None
    design_repos = scale.repositories
    where = f"code statistics scan #{ev.id} ({ev.source}, {ev.taken_at:%Y-%m-%d})"
    if repos_scanned >= 0.9 * design_repos:
        largest_idx = max((r.get("indexable_bytes") or 0 for r in scan.repositories if isinstance(r, dict)),
                          default=0)
        extra: dict[str, Any] = {"indexable_bytes": int(idx), "indexable_coverage": 1.0}
        if largest_idx:
            extra["largest_indexable_bytes"] = int(largest_idx)
        return extra, f"{where}: {idx / 1e9:.1f} GB indexable"
    coverage = repos_scanned / design_repos
    total_cap = scale.total_repo_size_gb * 1e9
    scaled = min(idx * design_repos / repos_scanned, total_cap) if total_cap else idx * design_repos / repos_scanned
    note = (f"{where} of {repos_scanned} of {design_repos} repositories ({coverage:.1%}): "
            f"{idx / repos_scanned / 1e6:.2f} MB indexable per repository, {scaled / 1e9:.1f} GB for the design")
    return {"indexable_bytes": int(scaled), "indexable_coverage": round(coverage, 6)}, note


def inputs_for(ctx: Ctx, *, project: Project | str, environment: str | None = None) -> tuple[SizingInputs, dict[str, Any]]:
    """The sizing inputs of a project's environment (default: the production one): the design's
    scale section, code statistics when scanned, and the environment's profile."""
    p = _project(ctx, project)
    env = _environment(p, environment)
    design = p.design_model
    scale = design.scale
    extra, cs_note = _codestats(ctx, p, scale)
    try:
        base = SizingInputs(
            users=scale.users, repositories=scale.repositories, total_repo_size_gb=scale.total_repo_size_gb,
            largest_repo_size_gb=scale.largest_repo_size_gb, largest_index_size_gb=scale.largest_index_size_gb,
            code_insights=scale.features.code_insights, monorepos=scale.monorepos,
            concurrent_users=scale.concurrent_users, **extra)
    except ValidationError as exc:
        raise ValidationError(f"the design's scale section: {exc.message}", field=f"scale ({exc.field})") from None
    spec = _env_spec(p, env.name)
    inp, rule = profile(base, env.kind, spec)
    meta = {
        "project": p.slug, "environment": env.name, "environment_kind": env.kind, "profile": rule,
        "design_revision": p.current.number, "code_statistics": cs_note,
        "design_cloud": (spec.cloud if spec is not None and spec.cloud else design.deployment.cloud),
        "design_version": design.deployment.sourcegraph_version, "parity": bool(spec is not None and spec.parity),
        "zoekt_basis": scan_usable(inp)[1],
    }
    return inp, meta


def _chart_for(meta: dict[str, Any] | None, chart_version: str | None) -> str:
    if chart_version:
        return data.resolve_chart_version(chart_version)
    if meta and meta.get("design_version"):
        return data.resolve_chart_version(str(meta["design_version"]), exact=False)
    return data.resolve_chart_version(None)


def _cloud_for(meta: dict[str, Any] | None, cloud: str | None) -> str:
    if cloud:
        return cloud
    c = (meta or {}).get("design_cloud")
    return c if c in data.CLOUDS else "aws"


def estimate(
    ctx: Ctx,
    *,
    project: Project | str | None = None,
    environment: str | None = None,
    inputs: SizingInputs | None = None,
    chart_version: str | None = None,
    cloud: str | None = None,
    headroom: float = 0.2,
    catalog: list[data.Instance] | None = None,
    store: bool = True,
    simulated: bool = False,
    one_family: bool = False,
    spare_node: bool | None = None,
) -> dict[str, Any]:
    """Run the sizing. With a project: inputs from its design, result appended as `size_estimate`
    evidence of the environment (never overwritten). With explicit inputs only: nothing stored.
    spare_node: None = a spare for production and environments with parity (explicit inputs:
    sized as production)."""
    meta: dict[str, Any] | None = None
    p: Project | None = None
    if project is not None:
        p = _project(ctx, project)
        environment = _environment(p, environment).name
        from_design, meta = inputs_for(ctx, project=p, environment=environment)
        inputs = inputs or from_design
        design = deployment_design(p.design_model, meta["environment_kind"], _env_spec(p, environment),
                                   one_family=one_family, spare_node=spare_node)
        if cloud and cloud != design.cloud:  # sized for another cloud than the design's: its region does not apply
            design = design.model_copy(update={"cloud": cloud, "region": None})
    else:
        design = DeploymentDesign(options=PlanOptions(spare_node=True if spare_node is None else spare_node,
                                                      one_family=one_family))
    if inputs is None:
        raise ValidationError("give --project SLUG or the inputs (--users, --repos, --total-gb, --largest-gb)",
                              field="--project")
    result = run_estimate(inputs, chart_version=_chart_for(meta, chart_version), cloud=_cloud_for(meta, cloud),
                          headroom=headroom, catalog=catalog, design=design)
    result["environment"] = environment if p is not None else None
    result["basis"] = meta
    result["helm_values"] = _helm_values(result)
    if p is not None and store:
        t = result["recommended"]["totals"]
        ev = evidence.add(ctx, project=p, kind=KIND_ESTIMATE, data=result, environment=environment, simulated=simulated,
                          source=f"implhub size estimate (design revision {p.current.number})",
                          summary=f"size estimate for {environment}: {t['vcpu']:g} vCPU, {t['memory_gb']:g} GB, "
                                  f"{t['nodes']} node(s), chart {result['chart_version']}")
        result["evidence_id"] = ev.id
    return result


def _helm_values(result: dict[str, Any]) -> dict[str, Any]:
    """The recommended services as chart-shaped values (replicaCount, resources), for readers that
    compare with a running deployment."""
    from implhub.sizing.units import cpu_quantity, memory_quantity

    out: dict[str, Any] = {}
    for key, s in result["recommended"]["services"].items():
        res: dict[str, dict[str, str]] = {"requests": {}, "limits": {}}
        for side, pick in (("requests", "request"), ("limits", "limit")):
            if s["cpu"][pick] is not None:
                res[side]["cpu"] = cpu_quantity(s["cpu"][pick])
            if s["memory_gb"][pick] is not None:
                res[side]["memory"] = memory_quantity(s["memory_gb"][pick])
        out[key] = {"replicaCount": s["replicas"], "resources": res}
    return out


def nodes(
    ctx: Ctx,
    *,
    project: Project | str | None = None,
    environment: str | None = None,
    inputs: SizingInputs | None = None,
    chart_version: str | None = None,
    cloud: str | None = None,
    headroom: float = 0.2,
    catalog: list[data.Instance] | None = None,
    store: bool = True,
    simulated: bool = False,
    one_family: bool = False,
    spare_node: bool | None = None,
) -> dict[str, Any]:
    """Pack the recommended pods onto node pools; with a project, append `node_plan` evidence
    (and the estimate it came from, so both stay in step)."""
    result = estimate(ctx, project=project, environment=environment, inputs=inputs, chart_version=chart_version,
                      cloud=cloud, headroom=headroom, catalog=catalog, store=store, simulated=simulated,
                      one_family=one_family, spare_node=spare_node)
    chosen = result["recommended"]["totals"]["cloud"]
    plan = run_node_plan(result, cloud=chosen, headroom=headroom, catalog=catalog)
    plan["environment"] = result["environment"]
    plan["chart_version"] = result["chart_version"]
    plan["estimate_evidence_id"] = result.get("evidence_id")
    if project is not None and store:
        p = _project(ctx, project)
        ev = evidence.add(ctx, project=p, kind=KIND_NODES, data=plan, environment=result["environment"], simulated=simulated,
                          source=f"implhub size nodes ({chosen})",
                          summary=f"node plan for {environment}: " + ", ".join(
                              f"{x['count']} x {x['instance_type']}" for x in plan["pools"])
                          + f", ${plan['monthly_usd']:,.0f}/month")
        plan["evidence_id"] = ev.id
    return plan


def export(
    ctx: Ctx,
    *,
    fmt: str,
    project: Project | str | None = None,
    environment: str | None = None,
    inputs: SizingInputs | None = None,
    chart_version: str | None = None,
    cloud: str | None = None,
    store: bool = True,
    simulated: bool = False,
) -> str:
    """A Helm override, Compose override, Markdown table or JSON of a fresh estimate (stored too)."""
    if fmt not in ("helm", "compose", "md", "json"):
        raise ValidationError(f"unknown format {fmt!r}; expected helm, compose, md or json", field="--format")
    result = estimate(ctx, project=project, environment=environment, inputs=inputs, chart_version=chart_version,
                      cloud=cloud, store=store, simulated=simulated)
    return render_export(result, fmt, environment=result.get("environment"))


def export_stored(result: dict[str, Any], fmt: str) -> str:
    return render_export(result, fmt, environment=result.get("environment"))


def latest_estimate(ctx: Ctx, *, project: Project | str, environment: str | None = None) -> dict[str, Any] | None:
    """The newest stored estimate of an environment (default: the production one; the `size
    estimate --json` shape plus `node_plan` when one was made), or None."""
    p = _project(ctx, project)
    environment = _environment(p, environment).name
    ev = evidence.latest(ctx, project=p, kind=KIND_ESTIMATE, environment=environment)
    if ev is None:
        return None
    out = dict(ev.data)
    out["evidence"] = {"id": ev.id, "taken_at": ev.taken_at.isoformat(), "source": ev.source, "simulated": ev.simulated}
    plan = evidence.latest(ctx, project=p, kind=KIND_NODES, environment=environment)
    if plan is not None:
        out["stored_node_plan"] = {**plan.data, "evidence_id": plan.id, "taken_at": plan.taken_at.isoformat()}
    return out


def history(ctx: Ctx, *, project: Project | str, environment: str | None = None) -> list[dict[str, Any]]:
    """Every stored estimate, newest first: id, environment, when, totals."""
    p = _project(ctx, project)
    rows = []
    for ev in evidence.list_evidence(ctx, project=p, kind=KIND_ESTIMATE, environment=environment):
        est = evidence.as_model(ev, SizeEstimate)
        t = est.recommended.totals if est.recommended else {}
        rows.append({"id": ev.id, "environment": ev.environment, "taken_at": ev.taken_at.isoformat(),
                     "simulated": ev.simulated, "vcpu": t.get("vcpu"), "memory_gb": t.get("memory_gb"),
                     "nodes": t.get("nodes"), "monthly_usd": t.get("monthly_usd")})
    return rows


def overview(ctx: Ctx, *, project: Project | str) -> list[dict[str, Any]]:
    """Per environment of the project: the newest estimate (or None)."""
    p = _project(ctx, project)
    return [{"environment": e.name, "kind": e.kind, "estimate": latest_estimate(ctx, project=p, environment=e.name)}
            for e in p.environments]
