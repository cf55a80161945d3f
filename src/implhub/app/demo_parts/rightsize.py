"""The rightsize capability's part of the demo: 14 days of simulated usage of Northwind's prod,
written as a dump of the right-sizing queries (the `--from-file` shape) and run through the real
engine; then a version check. Both are stored as simulated evidence.

The usage imitates a working week: search traffic follows office hours in Pacific time, quiet at
night and at the weekend; zoekt-indexserver climbs to its memory limit while re-indexing the 85 GB
monorepo and is OOM-killed twice (the POC lesson learned); the searcher runs into its CPU limit in
the morning peak; the rest sits well below what the estimate gave it. kube-state-metrics runs
beside it, so what each container runs with is read from the cluster (it is the estimate the
demo deployed); an ingress controller in the same namespace is listed as not Sourcegraph's.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from typing import Any

from implhub.app import evidence
from implhub.app import rightsize as svc
from implhub.app.context import Ctx
from implhub.app.demo_env import DemoEnv
from implhub.codestats.evidence import InstanceSnapshot
from implhub.rightsize import chart, queries
from implhub.rightsize.current import Current
from implhub.rightsize.quantity import parse_cpu, parse_memory
from implhub.store.models import Project
from implhub.vocab import EnvironmentKind

WINDOW = "14d"
#: (workload pod, container, idle cores, peak cores, memory as a share of the current limit at rest, at peak)
SHAPES: list[tuple[str, str, float, float, float, float]] = [
    ("sourcegraph-frontend-7c9d5b8f6-k2m4p", "frontend", 0.35, 1.6, 0.35, 0.55),
    ("sourcegraph-frontend-7c9d5b8f6-r7x9q", "frontend", 0.30, 1.5, 0.33, 0.52),
    ("gitserver-0", "gitserver", 0.6, 2.2, 0.45, 0.60),
    ("gitserver-1", "gitserver", 0.5, 2.0, 0.42, 0.58),
    ("indexed-search-0", "zoekt-webserver", 0.5, 1.4, 0.50, 0.62),
    ("indexed-search-0", "zoekt-indexserver", 1.0, 3.5, 0.55, 1.00),
    ("searcher-6b8f7d9c5-t4n8w", "searcher", 0.4, 9.9, 0.20, 0.30),
    ("worker-5f6d8c7b9-h3j5k", "worker", 0.2, 0.9, 0.30, 0.45),
    ("syntect-server-84c7d6f5b-w2q6z", "syntect-server", 0.1, 0.8, 0.25, 0.40),
    ("precise-code-intel-worker-6d9c8b7f5-m5v7x", "precise-code-intel-worker", 0.05, 1.2, 0.20, 0.50),
    ("redis-cache-0", "redis-cache", 0.05, 0.2, 0.30, 0.35),
    ("redis-store-0", "redis-store", 0.05, 0.15, 0.20, 0.22),
    ("blobstore-0", "blobstore", 0.02, 0.1, 0.30, 0.40),
    ("prometheus-0", "prometheus", 0.2, 0.5, 0.40, 0.50),
    ("grafana-0", "grafana", 0.01, 0.05, 0.30, 0.35),
    ("codeinsights-db-0", "codeinsights", 0.1, 0.6, 0.50, 0.70),
    ("ingress-nginx-controller-5c8d66c76d-4xk2p", "controller", 0.05, 0.3, 0.20, 0.25),
]
#: the image of a container no rule matches (a cluster's own ingress controller)
OTHER_IMAGE = "registry.k8s.io/ingress-nginx/controller:v1.9.4"


def _busy(t: dt.datetime) -> float:
    """0 at night and at weekends, 1 at the office-hours peak (Pacific time, UTC-8)."""
    local = t - dt.timedelta(hours=8)
    if local.weekday() >= 5:
        return 0.05
    h = local.hour + local.minute / 60
    return max(0.0, math.sin(math.pi * (h - 7) / 11)) if 7 <= h <= 18 else 0.0


def _dump(end: dt.datetime, limits: dict[str, tuple[float, float]], seed: int,
          running: dict[str, Current] | None = None) -> dict[str, Any]:
    """The responses of the right-sizing queries for 14 days of simulated usage; with `running`
    (per chart key what it runs with), kube-state-metrics' resource series too."""
    rng = random.Random(seed)
    window_s = queries.parse_window(WINDOW)
    step = queries.step_for(window_s)
    start = int(end.timestamp()) - window_s
    times = list(range(start, int(end.timestamp()) + 1, step))
    busy = [_busy(dt.datetime.fromtimestamp(t, dt.UTC)) for t in times]
    cpu_res: list[dict[str, Any]] = []
    mem_res: list[dict[str, Any]] = []
    inst: dict[str, list[dict[str, Any]]] = {
        n: [] for n in (*queries.LEGACY_QUERY_NAMES, *(("kube_requests", "kube_limits") if running else ()))
        if n not in ("cpu_usage", "memory_working_set")}
    rules = svc.container_rules()
    from implhub.rightsize.series import match_rule

    for pod, container, idle, peak, mem_rest, mem_peak in SHAPES:
        rule = match_rule(rules, pod, container)
        limit, cpu_limit = limits.get(rule.key if rule else "", (4e9, 2.0))
        image = f"index.docker.io/sourcegraph/{rule.images[0]}:6.4.0" if rule and rule.images else OTHER_IMAGE
        labels = {"namespace": "sourcegraph", "pod": pod, "container": container, "image": image}
        cur = (running or {}).get(rule.key) if rule else None
        if cur is not None:
            ksm = {"namespace": "sourcegraph", "pod": pod, "container": container}
            for name, value, resource in (("kube_requests", cur.cpu_request, "cpu"), ("kube_requests", cur.memory_request, "memory"),
                                          ("kube_limits", cur.cpu_limit, "cpu"), ("kube_limits", cur.memory_limit, "memory")):
                if value is not None:
                    inst[name].append({"metric": {**ksm, "resource": resource}, "value": [int(end.timestamp()), repr(value)]})
        cpu_vals, mem_vals = [], []
        oom_times = {times[len(times) * 2 // 7], times[len(times) * 5 // 7]} if container == "zoekt-indexserver" else set()
        throttled = 0.0
        for t, b in zip(times, busy, strict=True):
            cpu = idle + (peak - idle) * b * (0.85 + 0.3 * rng.random())
            if container == "searcher":  # capped by its CPU limit in the morning peak
                cpu = min(cpu, cpu_limit * (0.97 + 0.03 * rng.random()))
                throttled += 1.0 if cpu > 0.95 * cpu_limit else 0.0
            mem = limit * (mem_rest + (mem_peak - mem_rest) * b) * (0.97 + 0.03 * rng.random())
            for o in oom_times:  # re-indexing the monorepo: six hours' climb to the limit, then the kill
                if o - 6 * 3600 <= t <= o:
                    mem = max(mem, limit * (0.6 + 0.399 * (1 - (o - t) / (6 * 3600))))
            cpu_vals.append([t, f"{cpu:.6f}"])
            mem_vals.append([t, f"{mem:.0f}"])
        cpu_res.append({"metric": labels, "values": cpu_vals})
        mem_res.append({"metric": labels, "values": mem_vals})
        now = [times[-1]]
        periods = 10 * window_s
        inst["cpu_periods"].append({"metric": labels, "value": [*now, str(periods)]})
        ratio = throttled / len(times) * 0.9
        inst["cpu_throttled_periods"].append({"metric": labels, "value": [*now, str(periods * ratio)]})
        inst["oom_events"].append({"metric": labels, "value": [*now, str(len(oom_times))]})
        inst["restarts"].append({"metric": labels, "value": [*now, str(len(oom_times))]})
        if oom_times:
            inst["oom_killed"].append({"metric": labels, "value": [*now, "1"]})
    out: dict[str, Any] = {
        "cpu_usage": {"status": "success", "data": {"resultType": "matrix", "result": cpu_res}},
        "memory_working_set": {"status": "success", "data": {"resultType": "matrix", "result": mem_res}},
    }
    for name, result in inst.items():
        out[name] = {"status": "success", "data": {"resultType": "vector", "result": result}}
    return {"window": WINDOW, "step": step, "end": int(end.timestamp()), "responses": out}


def seed(ctx: Ctx, project: Project, env: DemoEnv) -> list[str]:
    """Add this capability's demo data to the project; return lines for the newcomer."""
    prod = project.environment_of_kind(EnvironmentKind.prod)
    if prod is None:
        return []
    prod_name = prod.name  # the production environment, whatever it is named
    estimate = svc.latest_estimate(ctx, project, prod_name)
    currents = svc._estimate_currents(estimate)
    ks = chart.pick(svc.keysets(), str(project.design_model.deployment.sourcegraph_version or "6.4.0"))
    limits: dict[str, tuple[float, float]] = {}
    for key, res in ks.resources.items():  # the chart's defaults, then the estimate where it has the service
        mem = res["limits"].get("memory") or res["requests"].get("memory")
        cpu = res["limits"].get("cpu") or res["requests"].get("cpu")
        if mem and cpu:
            limits[key] = (parse_memory(mem), parse_cpu(cpu))
    for key, cur in currents.items():
        mem_l = cur.memory_limit or cur.memory_request
        cpu_l = cur.cpu_limit or cur.cpu_request
        if mem_l and cpu_l:
            limits[key] = (mem_l, cpu_l)
    end = ctx.now().replace(minute=0, second=0, microsecond=0)
    path = env.workdir / "rightsize-prod-dump.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_dump(end, limits, env.seed, running=currents)), encoding="utf-8")
    result = svc.run(ctx, slug=project.slug, environment=prod_name, dump=str(path), simulated=True,
                     source="simulated usage of prod (demo): 14 days of office-hours traffic")
    lines = [f"right-sizing of {prod_name} from 14 days of simulated usage: {len(result['changes'])} change(s); "
             f"flagged first: {', '.join(f['service'] + ' (' + ' '.join(f['flags']) + ')' for f in result['flagged']) or 'none'}"]
    sources = sorted({s["current"]["source"] for s in result["services"] if s["status"] == "ok"})
    lines.append(f"  strategy {result['strategy']['id']}; what runs read from: {', '.join(sources)}; "
                 f"{result['window_days']:g} days of samples, "
                 + ("full-strength evidence" if result["full_strength"] else "partial evidence (under 7 days)")
                 + f"; {len(result['unmatched_containers'])} container(s) not Sourcegraph's, listed with the reason")
    cost = result["cost"]
    if "monthly_change" in cost:
        lines.append(f"  monthly cost {cost['monthly_before']:,.0f} -> {cost['monthly_after']:,.0f} USD ({cost['method'].split(':')[0]})")
    snap = evidence.latest(ctx, project=project, kind=InstanceSnapshot, environment=prod_name)
    version = None if snap is not None and snap.version else \
        str(project.design_model.deployment.sourcegraph_version or "6.4.0")
    check = svc.check_version(ctx, slug=project.slug, environment=prod_name, version=version, simulated=True)
    lines.append(f"version check of {prod_name}: Sourcegraph {check['running']}, {check['verdict']} (newest known {check['newest']})")
    return lines
