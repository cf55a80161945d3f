"""Evidence rows shaped like the other capabilities' contracts (size estimate, node plan, code
statistics scan, instance snapshot, load-test run, right-sizing, version check), written
straight into the store so these tests do not depend on those capabilities."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from implhub.app import evidence
from implhub.app.context import Ctx
from implhub.store.models import Evidence, Project
from implhub.store.models.plan import PlanTaskRow

#: what the demo design's load profile asks of a run (4,500 users): 900 VUs held 180 s
REQUIRED_VUS = 900
REQUIRED_HOLD_S = 180.0


def estimate(vcpu: float, memory_gb: float) -> dict[str, Any]:
    services = {
        "frontend": {"replicas": 2, "cpu": {"request": 2.0, "limit": 4.0}, "memory_gb": {"request": 4.0, "limit": 8.0},
                     "storage_gb": None, "ephemeral_gb": None},
        "gitserver": {"replicas": 2, "cpu": {"request": 4.0, "limit": None}, "memory_gb": {"request": 8.0, "limit": 8.0},
                      "storage_gb": 2000.0, "ephemeral_gb": None},
        "indexedSearch": {"replicas": 2, "cpu": {"request": 4.0, "limit": 8.0}, "memory_gb": {"request": 16.0, "limit": 16.0},
                          "storage_gb": 600.0, "ephemeral_gb": None},
    }
    totals = {"vcpu": vcpu, "memory_gb": memory_gb, "storage_gb": 5400.0, "instance_size": "L"}
    return {"official": {"services": services, "totals": totals}, "recommended": {"services": services, "totals": totals},
            "deviations": [{"key": "indexedSearch.resources.limits.memory", "value": "16G", "default": "8G",
                            "reason": "the 85 GB monorepo needs 16 GB to index"}]}


def node_plan(count: int = 4) -> dict[str, Any]:
    return {"pools": [{"instance_type": "m6i.4xlarge", "count": count, "vcpu": 16.0, "memory_gib": 64.0, "hourly_usd": 0.768}],
            "monthly_usd": 2242.56, "placements": []}


SCAN = {"totals": {"repositories": 3, "files": 120, "bytes": 9_000_000, "code": 812_345, "comment": 1000, "blank": 500,
                   "indexable_bytes": 8_000_000, "indexable_lines": 800_000, "indexable_files": 110},
        "languages": {"Java": {"files": 80, "code": 700_000, "comment": 800, "blank": 300},
                      "Go": {"files": 40, "code": 112_345, "comment": 200, "blank": 200}},
        "repositories": [{"path": "a.git", "bare": True, "files": 80, "bytes": 7_500_000, "code": 700_000, "comment": 800,
                          "blank": 300, "indexable_files": 75, "indexable_bytes": 7_000_000},
                         {"path": "b.git", "bare": True, "files": 40, "bytes": 1_500_000, "code": 112_345, "comment": 200,
                          "blank": 200, "indexable_files": 35, "indexable_bytes": 1_000_000}]}


def snapshot(total: int = 38000, cloned: int = 38000, indexed: int = 38000) -> dict[str, Any]:
    return {"version": "6.4.0", "users": 4500,
            "repository_stats": {"total": total, "cloned": cloned, "indexed": indexed},
            "code_hosts": [{"kind": "GITLAB", "name": "gitlab.northwind.example", "repositories": 30500, "last_sync_error": None},
                           {"kind": "GITHUB", "name": "GitHub Enterprise", "repositories": 7500, "last_sync_error": None}]}


def loadtest(passed: bool = True, *, vus: int = REQUIRED_VUS, scale: float = 1.0, run_id: str = "run-1", **extra: Any) -> dict[str, Any]:
    """A stored load-test run: by default a complete one (the profile's VUs, its whole hold time)."""
    stages = [{"duration": 60 * scale, "phase": "ramp"}, {"duration": REQUIRED_HOLD_S * scale, "phase": "hold"},
              {"duration": 60 * scale, "phase": "down"}]
    profile = {"kind": "load", "model": "vus", "vus": vus, "users": 4500, "duration_scale": scale, "stages_s": stages}
    return {"run_id": run_id, "passed": passed, "score": 0.97 if passed else 0.41, "types": {}, "run_ids": [run_id],
            "kind": "load", "partial": False, "duration_s": 300 * scale, "profile": profile, **extra}


def at(ctx: Ctx, ev: Evidence, *, hours_ago: float) -> Evidence:
    """Date an evidence row in the past (the test clock is frozen)."""
    ev.taken_at = ctx.now() - dt.timedelta(hours=hours_ago)
    ctx.session.flush()
    return ev


def finish_plan(ctx: Ctx, project: Project, *, through: str = "golive") -> None:
    """Mark the plan's tasks done up to and including a task (and everything before it in the
    plan's order), as the team would have over the weeks; the closing exit tasks are left alone."""
    day = ctx.today() - dt.timedelta(days=1)
    rows = list(ctx.session.scalars(select(PlanTaskRow).where(PlanTaskRow.project_id == project.id).order_by(PlanTaskRow.position)))
    for r in rows:
        if r.task_id.startswith("exit-") or r.task_id == "handoff":
            continue
        r.status, r.actual_start, r.actual_end = "done", r.actual_start or day, day
        if r.task_id == through:
            break
    ctx.session.flush()


def populate(ctx: Ctx, project: Project, *, envs: tuple[str, ...] = ("dev", "staging", "prod")) -> None:
    """Everything the store can hold for a finished implementation."""
    for env in envs:
        evidence.add(ctx, project=project, kind="size_estimate", environment=env, source="implhub size estimate", data=estimate(48.0, 150.0))
        evidence.add(ctx, project=project, kind="node_plan", environment=env, source="implhub size nodes", data=node_plan())
    evidence.add(ctx, project=project, kind="codestats_scan", source="scan of the mirror", data=SCAN)
    at(ctx, evidence.add(ctx, project=project, kind="instance_snapshot", environment="prod", source="https://sourcegraph.northwind.example",
                         data=snapshot()), hours_ago=30)
    evidence.add(ctx, project=project, kind="instance_snapshot", environment="prod", source="https://sourcegraph.northwind.example", data=snapshot())
    evidence.add(ctx, project=project, kind="loadtest_run", environment="prod", source="k6 against prod", data=loadtest())
    evidence.add(ctx, project=project, kind="rightsize", environment="prod", source="Prometheus of prod",
                 data={"recommendations": [{"service": "frontend", "cpu_request": 1.5}], "window": "14d"})
    evidence.add(ctx, project=project, kind="version_check", environment="prod", source="release table",
                 data={"running": "6.4.0", "newest": "6.5.1", "minors_behind": 1})


SPARSE_TDD = """customer:
  name: Sparse Co
scale:
  users: 200
  repositories: 300
  total_repo_size_gb: 20
  largest_repo_size_gb: 2
environments:
  - name: prod
"""
