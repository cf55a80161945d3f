"""The handoff record for the long-term owner (Technical Advisor / TAM), with the fields the
implementation team filled in: production deployment, code hosts, notes, logs."""

from __future__ import annotations

from typing import Any

from implhub.documents.facts import Facts, Snapshot, num
from implhub.documents.model import Document, bullets, cell, missing_block, table

GIB_TO_GB = 1.073741824
#: plan template tasks that build production's infrastructure (per environment)
INFRA_TEMPLATES = ("infra", "install", "installed")


def _infra_dates(f: Facts, plan: dict[str, Any] | None) -> tuple[str | None, str | None, str | None]:
    """Start and completion of the production infrastructure, from the plan's infrastructure
    tasks of the production environment (found by kind), never from a criterion's title."""
    if f.prod is None or plan is None:
        return None, None, None
    ids = {t.id for t in f.pf.tasks or [] if t.environment == f.prod
           and (t.template_id in INFRA_TEMPLATES or (t.template_id is None and "infrastructure" in t.title.lower()))}
    tasks = [t for t in plan.get("tasks") or [] if isinstance(t, dict) and t.get("id") in ids]
    if not tasks:
        return None, None, None
    start = min(str(t.get("actual_start") or t.get("start")) for t in tasks)
    finish = max(str(t.get("actual_end") or t.get("finish")) for t in tasks)
    state = "done" if all(t.get("status") == "done" for t in tasks) else "forecast"
    return start, finish, state


def build_record(snapshot: Snapshot) -> dict[str, Any]:
    f = Facts(snapshot)
    d = f.design
    dep, scale = d.deployment, d.scale
    missing: list[str] = []
    sources: dict[str, str] = {}

    start, finish, state = _infra_dates(f, snapshot.plan_internal or snapshot.plan_external)
    if start is None:
        missing.append("start and completion of the production infrastructure (a plan with production infrastructure tasks)")
    else:
        sources["infrastructure_dates"] = "the plan's production infrastructure tasks" + (" (actual)" if state == "done" else " (forecast)")
    np = f.node_plan(f.prod)
    found = f.estimate(f.prod)
    totals = Facts.part(found[0] if found else None).get("totals") or {}
    cpu = mem = None
    pools: list[dict[str, Any]] = []
    if np is not None:
        pools = np.pools
        cpu = round(np.vcpu, 1)
        mem = round(np.memory_gib * GIB_TO_GB, 1)
        sources["instance_types"] = sources["total_cpu"] = sources["total_memory_gb"] = (
            "node plan of the newest size estimate: " + Facts.where(np.evidence) + (" (the stored node plan is stale)" if np.stale else ""))
    else:
        missing.append(f"instance types, total CPU and memory (a node plan of the newest size estimate for {f.prod or 'prod'}: "
                       f"implhub size nodes {f.slug} --env {f.prod or 'prod'})")
    disk = num(totals.get("storage_gb"))
    if disk is None:
        missing.append(f"total disk (a size estimate for {f.prod or 'prod'})")
    else:
        sources["total_disk_gb"] = f"size estimate of {f.prod}"
    url = dep.instance_url
    if not url:
        missing.append("instance URL (deployment.instance_url in the TDD)")

    synced = f.repos_synced()
    repos = synced.value["total"] if synced else scale.repositories
    sources["repositories"] = synced.source if synced else "the TDD"
    largest = f.largest_repository_mb()
    sources["largest_repository_mb"] = largest.source
    hosts = [f"{h.kind} {h.url}" for h in d.code_hosts]
    if not hosts:
        missing.append("code hosts in use (code_hosts in the TDD)")

    special = list(d.other_unique_aspects)
    special += [f"externalized {x.service}: {x.provider or ''}".rstrip(": ") for x in d.externalized_services]
    errors = [f"failed load test on {run.environment} ({run.taken_at:%Y-%m-%d})"
              for run in f.pf.all_of("loadtest_run") if not run.data.get("passed")]
    exp = d.expansion
    report = snapshot.criteria
    crit = report["criteria"] if report is not None else []
    environments = [{"name": e.name, "kind": e.kind, "customer": e.customer} for e in f.environments]
    return {
        "project": f.slug,
        "customer": d.customer.name,
        "production_deployment": {
            "design_documents": list(d.customer.design_links),
            "infrastructure_start": start,
            "infrastructure_completion": finish,
            "instance_url": url,
            "deployment_type": dep.method,
            "hosting_provider": f"{dep.cloud}" + (f" {dep.region}" if dep.region else ""),
            "instance_types": [f"{p.get('count')} x {p.get('instance_type')}" for p in pools],
            "total_cpu": cpu,
            "total_memory_gb": mem,
            "total_disk_gb": disk,
            "node_plan_stale": bool(np is not None and np.stale),
            "environments": environments,
        },
        "code_hosts": {
            "in_use": hosts,
            "repositories": repos,
            "monorepos": scale.monorepos,
            "largest_repository_mb": largest.value,
        },
        "notes": {
            "agreed_limits": d.agreed_limits.model_dump(mode="json"),
            "special_details": special,
            "significant_errors": errors,
        },
        "logs": {
            "issues": list(snapshot.issues),
            "risks": f.risks(external_only=False),
            "expansion_opportunities": [str(x.get("title")) for x in snapshot.expansions if isinstance(x, dict)]
            or [x for x in (exp.requirements, exp.current_usage and f"current usage: {exp.current_usage}") if x],
        },
        "exit_criteria": {
            "complete": bool(report and report["complete"]),
            "open": [f"criterion {c['number']}: {c['title']}" for c in crit if c["status"] == "not_met"],
            "waived": [f"criterion {c['number']}: {c['title']}" for c in crit if c["status"] == "waived"],
        },
        "sources": sources,
        "missing": missing,
    }


def build(snapshot: Snapshot) -> Document:
    r = build_record(snapshot)
    pd, ch, notes, logs = r["production_deployment"], r["code_hosts"], r["notes"], r["logs"]
    lim = notes["agreed_limits"]
    parts = ["## Missing information", missing_block(r["missing"]), "## Production deployment",
             table(["Field", "Value"], [
                 ["Design documents", pd["design_documents"]], ["Production infrastructure started", pd["infrastructure_start"]],
                 ["Production infrastructure completed", pd["infrastructure_completion"]], ["Instance URL", pd["instance_url"]],
                 ["Deployment type", pd["deployment_type"]], ["Hosting provider", pd["hosting_provider"]],
                 ["Machine instance types", pd["instance_types"]], ["Total CPU", pd["total_cpu"]],
                 ["Total memory (GB)", pd["total_memory_gb"]], ["Total disk (GB)", pd["total_disk_gb"]]]),
             "## Code hosts",
             table(["Field", "Value"], [["Code hosts in use", ch["in_use"]], ["Repositories", ch["repositories"]],
                                        ["Monorepos", ch["monorepos"]], ["Largest repository (MB)", ch["largest_repository_mb"]]]),
             "## Notes",
             table(["Field", "Value"], [["Agreed upper limits", f"{cell(lim.get('users'))} users, {cell(lim.get('concurrent_users'))} concurrent users, "
                                                               f"{cell(lim.get('repositories'))} repositories"]]),
             "Special deployment details:\n", bullets(notes["special_details"], empty="None."),
             "Significant errors or engineering involvement:\n", bullets(notes["significant_errors"], empty="None recorded."),
             "## Logs", "Issues:\n",
             bullets([f"{i.get('title')} ({i.get('status') or 'open'})" for i in logs["issues"]], empty="No issues logged."),
             "Risks:\n", bullets([f"{x.get('title')} - {x.get('probability')} probability, {x.get('impact')} impact; {x.get('mitigation') or 'no mitigation'}"
                                  for x in logs["risks"]], empty="No risks recorded."),
             "Expansion opportunities:\n", bullets(logs["expansion_opportunities"], empty="None recorded."),
             "## Exit criteria",
             ("All nine exit criteria are met or waived.\n" if r["exit_criteria"]["complete"] else
              "Left open:\n\n" + bullets(r["exit_criteria"]["open"], empty="-")),
             ("Waived:\n\n" + bullets(r["exit_criteria"]["waived"], empty="-")) if r["exit_criteria"]["waived"] else "",
             "## Sources", table(["Field", "Source"], [[k.replace("_", " "), v] for k, v in sorted(r["sources"].items())])]
    return Document(kind="handoff", title=f"{r['customer']}: handoff to the long-term owner", subtitle="Handoff record",
                    audience="internal", markdown="\n\n".join(x.rstrip("\n") for x in parts if x) + "\n", missing=r["missing"], data=r,
                    meta=[("Customer", str(r["customer"])), ("Project", str(r["project"])), ("Generated", f"{snapshot.generated_at:%Y-%m-%d}")])
