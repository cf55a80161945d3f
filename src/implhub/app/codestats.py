"""Code statistics on a project: local scans, code host inventories, live instance snapshots,
all stored as evidence; and the summary the internal document and reports read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from implhub.app import evidence
from implhub.app.context import Ctx
from implhub.app.evidence import Stored
from implhub.app.projects import get_or_raise, resolve_environment
from implhub.codehosts import HostError
from implhub.codehosts import inventory as host_inventory
from implhub.codestats import ScanOptions
from implhub.codestats import scan as run_scan
from implhub.codestats.evidence import CodeHostInventory, CodeStatisticsScan, InstanceSnapshot
from implhub.errors import ExternalServiceError, NotFound, ValidationError
from implhub.sourcegraph import InstanceError, SourcegraphClient
from implhub.store.models import Evidence, Project
from implhub.vocab import EnvironmentKind, EvidenceKind

SCAN, INVENTORY, SNAPSHOT = EvidenceKind.codestats_scan, EvidenceKind.codehost_inventory, EvidenceKind.instance_snapshot


def _environment(project: Project, name: str | None) -> str:
    """The environment's name; None or a kind's name (prod, ...) finds it by kind."""
    try:
        return resolve_environment(project, name).name
    except NotFound:
        names = [e.name for e in project.environments]
        raise ValidationError(f"project {project.slug!r} has no environment {name or 'of kind prod'!r}; "
                              f"it has {', '.join(names) or 'none'}", field="--env") from None


def scan(ctx: Ctx, *, paths: list[str], project: str | None = None, jobs: int = 0,
         on_progress: Callable[[int, int, str], None] | None = None, simulated: bool = False,
         source: str | None = None) -> dict[str, Any]:
    """Scan the repositories under the paths; with a project, store the result as evidence."""
    target = get_or_raise(ctx, slug=project) if project else None
    if jobs < 0:
        raise ValidationError("expected 0 (one per core) or a positive number", field="--jobs")
    try:
        result = run_scan(paths, ScanOptions(jobs=jobs), on_progress=on_progress)
    except FileNotFoundError as exc:
        raise NotFound("no such directory: expected a directory holding git repositories", file=str(exc)) from None
    if not result["repositories"] and not result["failed"]:
        raise ValidationError("no git repository found (looked for working trees and bare repositories)",
                              file=", ".join(paths))
    if target is not None:
        ev = evidence.add(ctx, project=target, kind=SCAN, data=result, source=source or f"scan of {', '.join(paths)}",
                          simulated=simulated,
                          summary=f"code scan: {result['totals']['repositories']} repositories, "
                                  f"{result['totals']['code']:,} lines of code")
        result = {**result, "evidence_id": ev.id}
    return result


def hosts(ctx: Ctx, *, kind: str, url: str, token: str, scopes: list[str] | None = None, project: str | None = None,
          transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] | None = None,
          on_repo: Callable[[int], None] | None = None, simulated: bool = False) -> dict[str, Any]:
    """Inventory one code host; with a project, store it as evidence."""
    target = get_or_raise(ctx, slug=project) if project else None
    try:
        inv = host_inventory(kind, url, token, scopes, transport=transport, sleep=sleep, on_repo=on_repo)
    except HostError as exc:
        raise ExternalServiceError(str(exc), field="--url") from None
    data = inv.to_dict()
    if target is not None:
        ev = evidence.add(ctx, project=target, kind=INVENTORY, data=data, source=f"{kind} {inv.url}", simulated=simulated,
                          summary=f"{kind} inventory of {inv.url}: {data['repositories']} repositories")
        data = {**data, "evidence_id": ev.id}
    return data


def instance_stats(ctx: Ctx, *, url: str, token: str, project: str | None = None, environment: str | None = None,
                   transport: httpx.BaseTransport | None = None, store: bool = True) -> dict[str, Any]:
    """Read the live instance; with a project, store the snapshot on the environment."""
    target = get_or_raise(ctx, slug=project) if project else None
    env = _environment(target, environment) if target is not None else None
    try:
        with SourcegraphClient(url, token, transport=transport) as client:
            snap = client.snapshot()
    except InstanceError as exc:
        raise ExternalServiceError(str(exc), field="--url") from None
    if target is not None and env is not None and store:
        record_snapshot(ctx, project=target, environment=env, snapshot=snap)
    return snap


def record_snapshot(ctx: Ctx, *, project: Project, environment: str, snapshot: dict[str, Any],
                    simulated: bool = False) -> Evidence:
    stats = snapshot.get("repository_stats", {})
    return evidence.add(ctx, project=project, kind=SNAPSHOT, data=snapshot, source=str(snapshot.get("url", "")),
                        environment=environment, simulated=simulated,
                        summary=f"instance {snapshot.get('version')}: {stats.get('cloned', 0):,}/{stats.get('total', 0):,} "
                                f"repositories cloned, {stats.get('indexed', 0):,} indexed")


def _stamp(ev: Evidence | Stored[Any]) -> dict[str, Any]:
    return {"date": ev.taken_at.isoformat(), "source": ev.source, "simulated": ev.simulated, "evidence_id": ev.id,
            "environment": ev.environment}


def _latest_snapshot(ctx: Ctx, project: Project) -> Stored[InstanceSnapshot] | None:
    """The production instance's newest snapshot, else any environment's newest."""
    prod = [e.name for e in project.environments if e.kind == EnvironmentKind.prod]
    for name in prod:
        ev = evidence.latest_stored(ctx, project=project, kind=InstanceSnapshot, environment=name)
        if ev is not None:
            return ev
    return evidence.latest_stored(ctx, project=project, kind=InstanceSnapshot)


def summary(ctx: Ctx, *, project: Project | str) -> dict[str, Any]:
    """Code statistics for the internal document: code hosts (how many, which), lines of code,
    repos synced; each with its date, source and whether it was simulated. The live instance
    wins once there is one; before that the inventories and scans; before that the design."""
    p = get_or_raise(ctx, slug=project) if isinstance(project, str) else project
    snap = _latest_snapshot(ctx, p)
    scan_ev = evidence.latest_stored(ctx, project=p, kind=CodeStatisticsScan)
    inventories = evidence.stored(ctx, project=p, kind=CodeHostInventory)
    design = p.design_model
    out: dict[str, Any] = {}

    if snap is not None and snap.data.code_hosts:
        hosts_ = [{"kind": h["kind"].lower(), "name": h["name"], "repositories": h["repositories"],
                   "last_sync_error": h.get("last_sync_error")} for h in snap.data.code_hosts]
        out["code_hosts"] = {"count": len(hosts_), "which": hosts_, "basis": "instance", **_stamp(snap)}
    elif inventories:
        newest: dict[str, Stored[CodeHostInventory]] = {}
        for inv in inventories:  # newest first: keep the first per host
            newest.setdefault(f"{inv.data.kind} {inv.data.url}", inv)
        hosts_ = [{"kind": inv.data.kind, "name": inv.data.url, "repositories": inv.data.repositories,
                   "total_bytes": inv.data.total_bytes} for inv in newest.values()]
        first = max(newest.values(), key=lambda e: e.taken_at)
        out["code_hosts"] = {"count": len(hosts_), "which": hosts_, "basis": "inventory", **_stamp(first),
                             "simulated": any(e.simulated for e in newest.values())}
    else:
        out["code_hosts"] = {"count": len(design.code_hosts), "basis": "design",
                             "which": [{"kind": h.kind, "name": h.url, "repositories": h.repositories}
                                       for h in design.code_hosts],
                             "date": p.current.created_at.isoformat(), "source": f"TDD revision {p.current.number}",
                             "simulated": False, "evidence_id": None, "environment": None}

    if snap is not None and "indexedLinesCount" in (snap.data.repository_stats or {}):
        out["lines_of_code"] = {"value": (snap.data.repository_stats or {})["indexedLinesCount"], "basis": "instance",
                                "note": "lines in Sourcegraph's search index", **_stamp(snap)}
    elif scan_ev is not None:
        t = scan_ev.data.totals
        out["lines_of_code"] = {"value": t["code"], "comment": t["comment"], "blank": t["blank"], "basis": "scan",
                                "note": f"code lines in {t['repositories']} scanned repositories", **_stamp(scan_ev)}
    else:
        loc = design.scale.lines_of_code
        out["lines_of_code"] = {"value": loc, "basis": "design" if loc is not None else None, "date": None,
                                "source": "TDD" if loc is not None else None, "simulated": False, "evidence_id": None,
                                "environment": None}

    if snap is not None:
        st = snap.data.repository_stats or {}
        out["repos_synced"] = {"value": st.get("cloned"), "total": st.get("total"), "indexed": st.get("indexed"),
                               "failed": st.get("failedFetch"), "basis": "instance", **_stamp(snap)}
    else:
        out["repos_synced"] = {"value": None, "total": design.scale.repositories, "basis": None,
                               "note": "no instance snapshot yet ('implhub instance stats --project ...')",
                               "date": None, "source": None, "simulated": False, "evidence_id": None, "environment": None}
    if scan_ev is not None:
        t = scan_ev.data.totals
        out["scan"] = {"repositories": t["repositories"], "bytes": t["bytes"], "indexable_bytes": t["indexable_bytes"],
                       "largest": t.get("largest"), "languages": list(scan_ev.data.languages)[:8], **_stamp(scan_ev)}
    if snap is not None:
        out["instance"] = {"version": snap.data.version, "users": snap.data.users, **_stamp(snap)}
    return out


def listing(ctx: Ctx, *, project: Project) -> dict[str, Any]:
    """What the web tab and the API show: the summary and every codestats evidence item."""
    items = [evidence.evidence_dict(e) for kind in (SCAN, INVENTORY, SNAPSHOT)
             for e in evidence.list_evidence(ctx, project=project, kind=kind)]
    return {"summary": summary(ctx, project=project), "scans": [i for i in items if i["kind"] == SCAN],
            "inventories": [i for i in items if i["kind"] == INVENTORY],
            "snapshots": [i for i in items if i["kind"] == SNAPSHOT]}
