"""The handoff record for the long-term owner (Technical Advisor / TAM), with the fields the
implementation team filled in: production deployment, code hosts, notes, logs."""

from __future__ import annotations

import re
from typing import Any

from implhub.documents.facts import Facts, num
from implhub.documents.model import Document, bullets, cell, date_part, missing_block, table

GIB_TO_GB = 1.073741824
_INFRA = re.compile(r"(production|prod\b).*(infrastructure|cluster|environment)|(infrastructure|cluster).*(production|prod\b)", re.I)


def _infra_dates(plan: dict[str, Any] | None) -> tuple[str | None, str | None, str | None]:
    """Start and completion of the production infrastructure, from the plan's tasks about it."""
    tasks = [t for t in (plan or {}).get("tasks") or [] if isinstance(t, dict) and _INFRA.search(str(t.get("title") or ""))]
    if not tasks:
        return None, None, None
    start = min(str(t.get("start")) for t in tasks)
    finish = max(str(t.get("finish")) for t in tasks)
    state = "done" if all(t.get("status") == "done" for t in tasks) else "forecast"
    return start, finish, state


def build_record(snapshot: dict[str, Any]) -> dict[str, Any]:
    f = Facts(snapshot)
    d = f.design
    dep = d.get("deployment") or {}
    scale = d.get("scale") or {}
    missing: list[str] = []
    sources: dict[str, str] = {}

    start, finish, state = _infra_dates(snapshot.get("plan_internal") or snapshot.get("plan_external"))
    if start is None:
        missing.append("start and completion of the production infrastructure (a plan with production infrastructure tasks)")
    else:
        sources["infrastructure_dates"] = "the plan" + (" (actual)" if state == "done" else " (forecast)")
    pools, node_ev = f.pools(f.prod)
    est = f.estimate(f.prod)
    totals = Facts.part(est).get("totals") or {}
    cpu = mem = None
    if pools:
        cpu = round(sum((num(p.get("vcpu")) or 0) * int(p.get("count") or 0) for p in pools), 1)
        mem = round(sum((num(p.get("memory_gib")) or 0) * int(p.get("count") or 0) for p in pools) * GIB_TO_GB, 1)
        assert node_ev is not None
        sources["instance_types"] = sources["total_cpu"] = sources["total_memory_gb"] = Facts.where(node_ev)
    else:
        missing.append(f"instance types, total CPU and memory (a node plan for {f.prod or 'prod'}: implhub size nodes {f.slug} --env {f.prod or 'prod'})")
    disk = num(totals.get("storage_gb"))
    if disk is None:
        missing.append(f"total disk (a size estimate for {f.prod or 'prod'})")
    else:
        sources["total_disk_gb"] = f"size estimate of {f.prod}"
    url = dep.get("instance_url")
    if not url:
        missing.append("instance URL (deployment.instance_url in the TDD)")

    synced = f.repos_synced()
    repos = synced.value["total"] if synced else scale.get("repositories")
    sources["repositories"] = synced.source if synced else "the TDD"
    largest_mb = None
    scan = f.newest("codestats_scan", any_env=True)
    if scan is not None:
        sizes = [num(r.get("bytes")) or 0 for r in (scan.get("data") or {}).get("repositories") or [] if isinstance(r, dict)]
        if sizes:
            largest_mb = round(max(sizes) / 1e6, 1)
            sources["largest_repository_mb"] = Facts.where(scan) + " (working tree bytes)"
    if largest_mb is None and num(scale.get("largest_repo_size_gb")) is not None:
        largest_mb = round(float(scale["largest_repo_size_gb"]) * 1000, 1)
        sources["largest_repository_mb"] = "the TDD"
    hosts = [f"{h.get('kind')} {h.get('url')}" for h in d.get("code_hosts") or []]
    if not hosts:
        missing.append("code hosts in use (code_hosts in the TDD)")

    special = list(d.get("other_unique_aspects") or [])
    special += [f"externalized {x.get('service')}: {x.get('provider') or ''}".rstrip(": ") for x in d.get("externalized_services") or []]
    errors = []
    for run in [e for e in f.evidence if e.get("kind") == "loadtest_run" and not (e.get("data") or {}).get("passed")]:
        errors.append(f"failed load test on {run.get('environment')} ({date_part(run.get('taken_at'))})")
    exp = d.get("expansion") or {}
    report = snapshot.get("criteria") or {}
    return {
        "project": f.slug,
        "customer": (d.get("customer") or {}).get("name"),
        "production_deployment": {
            "design_documents": list((d.get("customer") or {}).get("design_links") or []),
            "infrastructure_start": start,
            "infrastructure_completion": finish,
            "instance_url": url,
            "deployment_type": dep.get("method"),
            "hosting_provider": f"{dep.get('cloud')}" + (f" {dep['region']}" if dep.get("region") else ""),
            "instance_types": [f"{p.get('count')} x {p.get('instance_type')}" for p in pools],
            "total_cpu": cpu,
            "total_memory_gb": mem,
            "total_disk_gb": disk,
        },
        "code_hosts": {
            "in_use": hosts,
            "repositories": repos,
            "monorepos": scale.get("monorepos"),
            "largest_repository_mb": largest_mb,
        },
        "notes": {
            "agreed_limits": dict(d.get("agreed_limits") or {}),
            "special_details": special,
            "significant_errors": errors,
        },
        "logs": {
            "issues": list(snapshot.get("issues") or []),
            "risks": f.risks(external_only=False),
            "expansion_opportunities": [str(x.get("title")) for x in snapshot.get("expansions") or [] if isinstance(x, dict)]
            or [x for x in (exp.get("requirements"), exp.get("current_usage") and f"current usage: {exp['current_usage']}") if x],
        },
        "exit_criteria": {
            "complete": bool(report.get("complete")),
            "open": [f"criterion {c['number']}: {c['title']}" for c in report.get("criteria") or [] if c.get("status") == "not_met"],
            "waived": [f"criterion {c['number']}: {c['title']}" for c in report.get("criteria") or [] if c.get("status") == "waived"],
        },
        "sources": sources,
        "missing": missing,
    }


def build(snapshot: dict[str, Any]) -> Document:
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
    p = snapshot.get("project") or {}
    return Document(kind="handoff", title=f"{r['customer']}: handoff to the long-term owner", subtitle="Handoff record",
                    audience="internal", markdown="\n\n".join(x.rstrip("\n") for x in parts if x) + "\n", missing=r["missing"], data=r,
                    meta=[("Customer", str(r["customer"])), ("Project", str(p.get("slug"))), ("Generated", str(date_part(snapshot.get("generated_at"))))])
