"""Usage distributions -> recommendations, flags and a Helm override holding only the changes.

The stated strategy (the anchor is Robusta KRR's "simple" strategy with its original defaults):
- CPU request = the 99th percentile of the CPU rate over the window; no CPU limit (a CFS limit
  only throttles bursts a node could have served; the request guarantees the share).
- Memory request = memory limit = the highest working set in the window + 5% (a pod is never
  OOM-killed for using what it was promised). An OOM-killed container's highest working set
  understates its need (it died at the limit), so its base is max(window max, current limit).
- Sourcegraph's rule: a service running above 80% of its resources is flagged to scale; "running
  at" is the 95th percentile, compared with the limit (the request where there is no limit).
- Throttled: more than 10% of its CFS periods throttled over the window.
- A value within 10% of the current one is kept (no churn for noise); the override holds only
  what changes, each with its reason. Percentiles interpolate linearly between ranks (numpy's
  default, Prometheus' quantile_over_time); CPU rounds up to 1m (at least 10m), memory to 1Mi.
OOM-killed containers come first, then throttled ones, then those to scale, then the rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from implhub.rightsize.quantity import (
    MIB,
    ceil_mib,
    ceil_millicores,
    format_cpu,
    format_memory,
    human_cpu,
    human_memory,
    parse_cpu,
    parse_memory,
)
from implhub.rightsize.series import ServiceUsage, Usage


@dataclass(frozen=True)
class Strategy:
    cpu_percentile: float = 99.0
    memory_buffer: float = 0.05
    scale_threshold: float = 0.80
    scale_percentile: float = 95.0
    throttle_threshold: float = 0.10
    tolerance: float = 0.10
    min_cpu: float = 0.010

    def describe(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "name": "KRR simple (p99 CPU, no CPU limit, max memory + 5%) with Sourcegraph's 80% rule",
            "cpu_request": f"p{self.cpu_percentile:g} of the CPU rate over the window",
            "cpu_limit": "none",
            "memory": f"request = limit = window max working set + {self.memory_buffer:.0%}"
                      " (OOM-killed: max(window max, current limit) + buffer)",
            "scale_rule": f"p{self.scale_percentile:g} above {self.scale_threshold:.0%} of the limit (request without limit)",
            "throttled": f"more than {self.throttle_threshold:.0%} of CFS periods throttled",
            "keep_within": f"{self.tolerance:.0%} of the current value",
        }


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (inclusive): p in [0, 100]."""
    return _sorted_percentile(sorted(values), p)


def _sorted_percentile(xs: list[float], p: float) -> float:
    if not xs:
        raise ValueError("percentile of no values")
    pos = (len(xs) - 1) * p / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def distribution(values: list[float]) -> dict[str, float] | None:
    """p50, p95, p99, max and the number of samples (one sort)."""
    if not values:
        return None
    xs = sorted(values)
    return {"p50": _sorted_percentile(xs, 50), "p95": _sorted_percentile(xs, 95), "p99": _sorted_percentile(xs, 99),
            "max": xs[-1], "samples": len(xs)}


@dataclass(frozen=True)
class Current:
    """A service's current resources, numeric (cores, bytes); None = not set."""

    cpu_request: float | None
    cpu_limit: float | None
    memory_request: float | None
    memory_limit: float | None
    replicas: int = 1
    source: str = ""
    #: the quantities as written ("8G"), shown as "from" in the changes
    raw: tuple[tuple[str, str], ...] = ()

    def text(self, path: str, value: float | None, fmt: Callable[[float], str]) -> str | None:
        given = dict(self.raw).get(path)
        if given is not None:
            return given
        return None if value is None else fmt(value)

    @staticmethod
    def from_resources(res: dict[str, dict[str, Any]] | None, *, replicas: int = 1, source: str = "", where: str = "") -> Current:
        res = res or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}

        def cpu(block: dict[str, Any], kind: str) -> float | None:
            return None if block.get("cpu") is None else parse_cpu(block["cpu"], field=f"{where}.resources.{kind}.cpu")

        def mem(block: dict[str, Any], kind: str) -> float | None:
            return None if block.get("memory") is None else parse_memory(block["memory"], field=f"{where}.resources.{kind}.memory")

        raw = tuple((f"{kind}.{name}", str(block[name])) for kind, block in (("requests", req), ("limits", lim))
                    for name in ("cpu", "memory") if block.get(name) is not None)
        return Current(cpu(req, "requests"), cpu(lim, "limits"), mem(req, "requests"), mem(lim, "limits"), replicas, source, raw)


def _stat(dist: dict[str, float], values: list[float], p: float) -> float:
    """A percentile from the distribution when it holds it, else computed."""
    key = f"p{p:g}"
    return dist[key] if key in dist else percentile(values, p)


def _changed(old: float | None, new: float | None, tol: float) -> bool:
    if old is None or new is None:
        return old != new
    if old == 0:
        return new != 0
    return abs(new - old) / old > tol


def _set(tree: dict[str, Any], path: list[str], value: Any) -> None:
    node = tree
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def recommend_service(su: ServiceUsage, cur: Current, strategy: Strategy, window: str) -> dict[str, Any]:
    cpu_d, mem_d = distribution(su.cpu), distribution(su.memory)
    ratio = su.throttled_periods / su.cfs_periods if su.cfs_periods > 0 else 0.0
    oom = su.oom_killed or su.oom_events >= 0.5
    flags: list[str] = []
    notes: list[str] = []
    if len(su.namespaces) > 1:
        notes.append(f"samples from {len(su.namespaces)} namespaces pooled ({', '.join(sorted(su.namespaces))}); "
                     "if these are different environments, run again with --namespace")
    if oom:
        flags.append("oom_killed")
    if ratio > strategy.throttle_threshold:
        flags.append("throttled")
    cpu_room = cur.cpu_limit if cur.cpu_limit is not None else cur.cpu_request
    mem_room = cur.memory_limit if cur.memory_limit is not None else cur.memory_request
    scale_cpu = bool(cpu_d and cpu_room and _stat(cpu_d, su.cpu, strategy.scale_percentile) > strategy.scale_threshold * cpu_room)
    scale_mem = bool(mem_d and mem_room and _stat(mem_d, su.memory, strategy.scale_percentile) > strategy.scale_threshold * mem_room)
    if scale_cpu or scale_mem:
        flags.append("scale")
        notes.append("Sourcegraph's rule: above 80% of its " + " and ".join(
            n for n, f in (("CPU", scale_cpu), ("memory", scale_mem)) if f) + " at p95: scale it")

    rec: dict[str, Any] = {"requests": {}, "limits": {}}
    changes: list[dict[str, Any]] = []
    base = f"{su.key}.resources"
    pods = f"{len(su.pods)} pod(s)"
    if cpu_d is not None:
        need = max(_stat(cpu_d, su.cpu, strategy.cpu_percentile), strategy.min_cpu)
        new_cpu = ceil_millicores(need) / 1000
        rec["requests"]["cpu"] = format_cpu(new_cpu)
        rec["limits"]["cpu"] = None
        if _changed(cur.cpu_request, new_cpu, strategy.tolerance):
            why = (f"p{strategy.cpu_percentile:g} CPU over {window} is {cpu_d['p99']:.3f} cores ({pods}, "
                   f"{cpu_d['samples']:.0f} samples); request at p{strategy.cpu_percentile:g}")
            if "throttled" in flags:
                why += f"; usage was capped by the limit ({ratio:.0%} of periods throttled), so the real need may be higher"
            changes.append({"path": f"{base}.requests.cpu", "from": cur.text("requests.cpu", cur.cpu_request, format_cpu), "to": rec["requests"]["cpu"], "reason": why})
        if cur.cpu_limit is not None:
            was = cur.text("limits.cpu", cur.cpu_limit, format_cpu)
            why = "no CPU limit (KRR): a CFS limit only throttles bursts the node could serve"
            if "throttled" in flags:
                why = f"throttled in {ratio:.0%} of CFS periods at its {was} CPU limit; " + why
            changes.append({"path": f"{base}.limits.cpu", "from": was, "to": None, "reason": why})
    else:
        notes.append(f"no CPU samples in the window: CPU left as it is ({_fmt_cpu(cur.cpu_request)})")
    if mem_d is not None:
        mem_base = mem_d["max"]
        if oom and cur.memory_limit is not None and cur.memory_limit > mem_base:
            mem_base = cur.memory_limit
        new_mem = ceil_mib(mem_base * (1 + strategy.memory_buffer)) * MIB
        rec["requests"]["memory"] = rec["limits"]["memory"] = format_memory(new_mem)
        if oom:
            why = (f"OOM-killed in the window ({su.oom_events:.0f} OOM event(s), {su.restarts:.0f} restart(s)); the working set "
                   f"peaked at {human_memory(mem_d['max'])} against a {cur.text('limits.memory', cur.memory_limit, format_memory)} limit, so the base is "
                   f"the larger of the two, + {strategy.memory_buffer:.0%}")
        else:
            why = f"highest working set over {window} is {human_memory(mem_d['max'])} ({pods}); + {strategy.memory_buffer:.0%}, request = limit"
        for kind, old in (("requests", cur.memory_request), ("limits", cur.memory_limit)):
            # an OOM-killed container gets every increase: keeping its limit means the next kill
            grow = oom and old is not None and new_mem > old
            if grow or _changed(old, new_mem, strategy.tolerance):
                changes.append({"path": f"{base}.{kind}.memory", "from": cur.text(f"{kind}.memory", old, format_memory),
                                "to": rec[kind]["memory"], "reason": why})
    else:
        notes.append(f"no memory samples in the window: memory left as it is ({_fmt_mem(cur.memory_request)})")
    return {
        "key": su.key, "service": su.service, "status": "ok", "pods": sorted(su.pods),
        "replicas": cur.replicas,
        "cpu": cpu_d, "memory": mem_d,
        "throttled_ratio": ratio, "oom_events": su.oom_events, "oom_killed": oom, "restarts": su.restarts,
        "flags": flags, "notes": notes,
        "current": _current_dict(cur), "recommended": rec, "changes": changes,
    }


def _fmt_cpu(v: float | None) -> str | None:
    return None if v is None else format_cpu(v)


def _fmt_mem(v: float | None) -> str | None:
    return None if v is None else format_memory(v)


def _current_dict(cur: Current) -> dict[str, Any]:
    return {"requests": {"cpu": cur.text("requests.cpu", cur.cpu_request, format_cpu),
                         "memory": cur.text("requests.memory", cur.memory_request, format_memory)},
            "limits": {"cpu": cur.text("limits.cpu", cur.cpu_limit, format_cpu),
                       "memory": cur.text("limits.memory", cur.memory_limit, format_memory)},
            "replicas": cur.replicas, "source": cur.source}


_ORDER = {"oom_killed": 0, "throttled": 1, "scale": 2}


def _rank(item: dict[str, Any]) -> tuple[int, str]:
    if item["status"] != "ok":
        return (9, item["key"])
    return (min((_ORDER[f] for f in item["flags"]), default=3), item["key"])


def recommend(usage: Usage, current: dict[str, Current], *, expected: list[str], window: str,
              strategy: Strategy | None = None) -> dict[str, Any]:
    """Recommendations for every service seen (and a no-data entry for every expected one not
    seen), flagged ones first, plus the override holding only the changes."""
    strategy = strategy or Strategy()
    services: list[dict[str, Any]] = []
    for key, su in usage.services.items():
        if not su.cpu and not su.memory:
            continue
        services.append(recommend_service(su, current.get(key) or Current(None, None, None, None), strategy, window))
    seen = {s["key"] for s in services}
    for key in expected:
        if key not in seen:
            cur = current.get(key) or Current(None, None, None, None)
            services.append({"key": key, "service": key, "status": "no_data", "flags": [], "changes": [],
                             "current": _current_dict(cur), "recommended": None, "replicas": cur.replicas,
                             "notes": [f"no CPU or memory samples for {key} over {window}: nothing recommended "
                                       "(is it running, and does Prometheus scrape cAdvisor on its node?)"]})
    services.sort(key=_rank)
    override: dict[str, Any] = {}
    changes: list[dict[str, Any]] = []
    for s in services:
        for c in s["changes"]:
            _set(override, c["path"].split("."), c["to"])
            changes.append({**c, "service": s["service"], "flags": s["flags"]})
    return {
        "strategy": strategy.describe(),
        "window": window,
        "services": services,
        "flagged": [{"key": s["key"], "service": s["service"], "flags": s["flags"]} for s in services if s["flags"]],
        "no_data": [s["key"] for s in services if s["status"] == "no_data"],
        "ignored_containers": usage.ignored,
        "empty_queries": usage.empty_queries,
        "changes": changes,
        "override": override,
        "totals": totals(services),
    }


def totals(services: list[dict[str, Any]]) -> dict[str, float]:
    """Requested CPU (cores) and memory (GiB) over all replicas, before and after (services
    without data keep their current numbers)."""
    out = {"cpu_before": 0.0, "cpu_after": 0.0, "memory_gib_before": 0.0, "memory_gib_after": 0.0}
    for s in services:
        n = s.get("replicas") or 1
        cur = s["current"]["requests"]
        cpu_b = parse_cpu(cur["cpu"]) if cur["cpu"] else 0.0
        mem_b = parse_memory(cur["memory"]) if cur["memory"] else 0.0
        rec = (s.get("recommended") or {}).get("requests") or {}
        cpu_a = parse_cpu(rec["cpu"]) if rec.get("cpu") else cpu_b
        mem_a = parse_memory(rec["memory"]) if rec.get("memory") else mem_b
        out["cpu_before"] += n * cpu_b
        out["cpu_after"] += n * cpu_a
        out["memory_gib_before"] += n * mem_b / 2**30
        out["memory_gib_after"] += n * mem_a / 2**30
    return {k: round(v, 3) for k, v in out.items()}


def compare_with_estimate(result: dict[str, Any], estimate: dict[str, Current], *, tolerance: float = 0.10) -> list[dict[str, Any]]:
    """Which services the original estimate over- or under-sized, and by how much: the estimate's
    request per pod against the recommendation from live usage (percent of the recommendation)."""
    rows: list[dict[str, Any]] = []
    for s in result["services"]:
        est = estimate.get(s["key"])
        if est is None or s["status"] != "ok":
            continue
        rec = s["recommended"]["requests"]
        row: dict[str, Any] = {"key": s["key"], "service": s["service"]}
        for name, est_v, rec_s, parse, human in (
            ("cpu", est.cpu_request, rec.get("cpu"), parse_cpu, human_cpu),
            ("memory", est.memory_request, rec.get("memory"), parse_memory, human_memory),
        ):
            if est_v is None or rec_s is None:
                continue
            rec_v = parse(rec_s)
            pct = (est_v - rec_v) / rec_v * 100 if rec_v else 0.0
            verdict = "over-sized" if pct > tolerance * 100 else "under-sized" if pct < -tolerance * 100 else "about right"
            row[name] = {"estimate": human(est_v), "recommended": human(rec_v), "difference_pct": round(pct, 1), "verdict": verdict}
        if len(row) > 2:
            rows.append(row)
    return rows
