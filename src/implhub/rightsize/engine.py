"""Usage distributions -> recommendations, flags and a Helm override holding only the changes.

Strategies by name (the anchor is Robusta KRR's "simple" strategy):
- `krr-simple` (KRR's current defaults, the default): CPU request = p95 of the CPU rate over the
  window; memory request = limit = the highest working set + 15%.
- `krr-simple-legacy` (KRR's original defaults): CPU p99, memory max + 5%.
Both: no CPU limit (a CFS limit only throttles bursts a node could have served; the request
guarantees the share), or with `keep_cpu_limits` a limit of at least the request.

Usage that a limit capped is a censored sample, so flagged containers are treated apart:
- OOM-killed: the working set peaked at the limit that killed it, so the new memory limit is at
  least 1.2 x that limit (and never below the official estimate for the design where given);
  stateful services keep request = limit; memory only grows.
- Throttled (more than 10% of CFS periods): the CPU request is at least the limit it was throttled
  at; the CPU limit goes (or, kept, is at least 2 x the new request); its memory is not cut in the
  same run unless asked (`allow_memory_cut`).
- Sourcegraph's rule on top, for replica counts: a service whose p95 runs above 80% of its
  resources (the limit, the request where there is no limit) scales; a replicable one gets the
  replicas that bring it under 80%, the others a note.
A value within 10% of the current one is kept (no churn for noise). Percentiles interpolate
linearly between ranks (numpy's default, Prometheus' quantile_over_time); CPU rounds up to 1m (at
least 10m), memory to 1Mi. Every change names its strategy. OOM-killed containers come first, then
throttled ones, then those to scale, then the rest.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from implhub.errors import ValidationError
from implhub.rightsize.current import Current, current_dict
from implhub.rightsize.quantity import (
    MIB,
    ceil_mib,
    ceil_millicores,
    format_cpu,
    format_memory,
    human_memory,
)
from implhub.rightsize.series import ServiceUsage, Usage
from implhub.rightsize.summary import compare_with_estimate, evidence_strength, totals

__all__ = ["Current", "Strategy", "StrategyName", "compare_with_estimate", "distribution", "evidence_strength",
           "percentile", "recommend", "recommend_service", "strategy_named", "totals"]


class StrategyName(StrEnum):
    KRR_SIMPLE = "krr-simple"
    KRR_SIMPLE_LEGACY = "krr-simple-legacy"


#: the name the replica changes of Sourcegraph's 80% rule carry
SCALE_RULE = "sourcegraph-80%"
#: services that hold data: memory request = limit, so the scheduler reserves what they may use
STATEFUL = frozenset({"gitserver", "indexedSearch", "indexedSearchIndexer", "pgsql", "codeIntelDB", "codeInsightsDB",
                      "redisCache", "redisStore", "blobstore", "prometheus"})
#: services that scale out by adding replicas (the others scale up, or by sharding)
REPLICABLE = frozenset({"frontend", "searcher", "symbols", "syntectServer", "preciseCodeIntel", "syntacticCodeIntel"})


@dataclass(frozen=True)
class Strategy:
    name: str = StrategyName.KRR_SIMPLE.value
    cpu_percentile: float = 95.0
    memory_buffer: float = 0.15
    scale_threshold: float = 0.80
    scale_percentile: float = 95.0
    throttle_threshold: float = 0.10
    tolerance: float = 0.10
    min_cpu: float = 0.010
    oom_factor: float = 1.2
    keep_cpu_limits: bool = False
    allow_memory_cut: bool = False

    def describe(self) -> dict[str, Any]:
        limit = "kept, at least the request (2 x when throttled)" if self.keep_cpu_limits else "none"
        return {
            **asdict(self),
            "id": self.name,
            "name": f"{self.name}: KRR simple (p{self.cpu_percentile:g} CPU, {'CPU limit kept' if self.keep_cpu_limits else 'no CPU limit'}, "
                    f"max memory + {self.memory_buffer:.0%}) with Sourcegraph's 80% rule for replicas",
            "cpu_request": f"p{self.cpu_percentile:g} of the CPU rate over the window (throttled: at least the limit it hit)",
            "cpu_limit": limit,
            "memory": f"request = limit = window max working set + {self.memory_buffer:.0%}"
                      f" (OOM-killed: at least {self.oom_factor:g} x the limit it hit)",
            "scale_rule": f"p{self.scale_percentile:g} above {self.scale_threshold:.0%} of the limit (request without limit): "
                          "more replicas where the service is replicable",
            "throttled": f"more than {self.throttle_threshold:.0%} of CFS periods throttled",
            "keep_within": f"{self.tolerance:.0%} of the current value",
        }


def strategy_named(name: str, *, keep_cpu_limits: bool = False, allow_memory_cut: bool = False) -> Strategy:
    try:
        which = StrategyName(name)
    except ValueError:
        raise ValidationError(f"expected one of {', '.join(s.value for s in StrategyName)}, got {name!r}",
                              field="--strategy") from None
    if which is StrategyName.KRR_SIMPLE_LEGACY:
        return Strategy(which.value, 99.0, 0.05, keep_cpu_limits=keep_cpu_limits, allow_memory_cut=allow_memory_cut)
    return Strategy(which.value, 95.0, 0.15, keep_cpu_limits=keep_cpu_limits, allow_memory_cut=allow_memory_cut)


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


def _scale(su: ServiceUsage, cur: Current, strategy: Strategy, cpu_d: dict[str, float] | None,
           mem_d: dict[str, float] | None) -> dict[str, float]:
    """Sourcegraph's rule: p95 usage over its room (limit, else request), where above the threshold."""
    out: dict[str, float] = {}
    for name, d, values, room in (("CPU", cpu_d, su.cpu, cur.cpu_limit if cur.cpu_limit is not None else cur.cpu_request),
                                  ("memory", mem_d, su.memory,
                                   cur.memory_limit if cur.memory_limit is not None else cur.memory_request)):
        if d and room:
            ratio = _stat(d, values, strategy.scale_percentile) / room
            if ratio > strategy.scale_threshold:
                out[name] = ratio
    return out


def _cpu(su: ServiceUsage, cur: Current, strategy: Strategy, window: str, cpu_d: dict[str, float], ratio: float,
         throttled: bool, add: Any) -> dict[str, str | None]:
    pct = f"p{strategy.cpu_percentile:g}"
    use = _stat(cpu_d, su.cpu, strategy.cpu_percentile)
    need = max(use, strategy.min_cpu)
    was_lim = cur.text("limits.cpu", cur.cpu_limit, format_cpu)
    why = f"{pct} CPU over {window} is {use:.3f} cores ({len(su.pods)} pod(s), {cpu_d['samples']:.0f} samples); request at {pct}"
    if throttled and cur.cpu_limit is not None and cur.cpu_limit > need:
        need = cur.cpu_limit
        why += (f"; throttled in {ratio:.0%} of CFS periods, so its usage was capped at the {was_lim} limit (a censored "
                "sample: the real need is higher): the request is at least that limit")
    elif throttled:
        why += f"; throttled in {ratio:.0%} of CFS periods (the limit it hit is not known)"
    new = ceil_millicores(need) / 1000
    new_lim: float | None = None
    if strategy.keep_cpu_limits and cur.cpu_limit is not None:
        new_lim = max(cur.cpu_limit, (2 if throttled else 1) * new)
    rec: dict[str, str | None] = {"requests": format_cpu(new), "limits": None if new_lim is None else format_cpu(new_lim)}
    grow = throttled and (cur.cpu_request is None or new > cur.cpu_request)
    if grow or _changed(cur.cpu_request, new, strategy.tolerance):
        add("requests.cpu", cur.text("requests.cpu", cur.cpu_request, format_cpu), rec["requests"], why)
    if cur.cpu_limit is not None and new_lim is None:
        why = "no CPU limit (KRR): a CFS limit only throttles bursts the node could serve"
        if throttled:
            why = f"throttled in {ratio:.0%} of CFS periods at its {was_lim} CPU limit; " + why
        add("limits.cpu", was_lim, None, why)
    elif new_lim is not None and cur.cpu_limit is not None and new_lim > cur.cpu_limit:
        why = (f"throttled in {ratio:.0%} of CFS periods at its {was_lim} CPU limit; the limit is kept (--keep-cpu-limits) "
               "and raised to 2 x the new request" if throttled else
               "the limit is kept (--keep-cpu-limits) and raised to the new request (a limit below it is invalid)")
        add("limits.cpu", was_lim, rec["limits"], why)
    return rec


def _memory(su: ServiceUsage, cur: Current, strategy: Strategy, window: str, mem_d: dict[str, float], *, oom: bool,
            throttled: bool, stateful: bool, floor: tuple[float, str] | None, notes: list[str], add: Any) -> dict[str, str]:
    peak = mem_d["max"]
    buffered = peak * (1 + strategy.memory_buffer)
    if oom:
        hit = cur.memory_limit
        hit_text = cur.text("limits.memory", hit, format_memory)
        lim = buffered
        why = (f"OOM-killed in the window ({su.oom_events:.0f} OOM event(s), {su.restarts:.0f} restart(s)); the working set "
               f"peaked at {human_memory(peak)}")
        if hit is not None:
            lim = max(lim, strategy.oom_factor * hit)
            why += (f" against the {hit_text} limit that killed it, so the peak understates the need: the limit is at least "
                    f"{strategy.oom_factor:g} x {hit_text}")
        else:
            why += f" (the limit it hit is not known: no kube-state-metrics, cAdvisor spec or values figure); + {strategy.memory_buffer:.0%}"
        if floor is not None and floor[0] > lim:
            lim = floor[0]
            why += f", and not below {floor[1]}"
        if stateful:
            req = lim
            why += "; stateful, so request = limit (the node reserves what it may use)"
        else:
            req = max(buffered, cur.memory_request or 0.0)
            why += "; request at the peak + buffer, never cut"
    else:
        req = lim = buffered
        why = f"highest working set over {window} is {human_memory(peak)} ({len(su.pods)} pod(s)); + {strategy.memory_buffer:.0%}, request = limit"
        if throttled and not strategy.allow_memory_cut:
            kept = {kind: old for kind, old in (("requests", cur.memory_request), ("limits", cur.memory_limit))
                    if old is not None and buffered < old}
            if kept:
                notes.append("memory not cut: the service was throttled in this window, and its memory use may grow once its "
                             "CPU is not capped; pass --allow-memory-cut to cut it anyway")
                rec = {kind: cur.text(f"{kind}.memory", kept[kind], format_memory) or "" if kind in kept
                       else format_memory(ceil_mib(buffered) * MIB) for kind in ("requests", "limits")}
                for kind, old in (("requests", cur.memory_request), ("limits", cur.memory_limit)):
                    new = ceil_mib(buffered) * MIB
                    if kind not in kept and _changed(old, new, strategy.tolerance):
                        add(f"{kind}.memory", cur.text(f"{kind}.memory", old, format_memory), rec[kind], why)
                return rec
    new_req, new_lim = ceil_mib(req) * MIB, ceil_mib(lim) * MIB
    rec = {"requests": format_memory(new_req), "limits": format_memory(new_lim)}
    pairs = (("requests", cur.memory_request, new_req), ("limits", cur.memory_limit, new_lim))
    # an OOM-killed container gets every increase: keeping its limit means the next kill
    moved = any((oom and old is not None and new > old) or _changed(old, new, strategy.tolerance) for _, old, new in pairs)
    for kind, old, new in pairs:
        # when one moves, both do: a request kept within the tolerance could end above the new limit
        if moved and (old is None or abs(new - old) >= MIB):
            add(f"{kind}.memory", cur.text(f"{kind}.memory", old, format_memory), rec[kind], why)
    return rec


def recommend_service(su: ServiceUsage, cur: Current, strategy: Strategy, window: str, *, stateful: bool | None = None,
                      replicable: bool | None = None, floor: tuple[float, str] | None = None) -> dict[str, Any]:
    """One service: flags, the recommendation and the changes. `floor` is the official estimate's
    memory limit per pod for the design (bytes, wording), the least an OOM-killed limit becomes."""
    stateful = su.key in STATEFUL if stateful is None else stateful
    replicable = su.key in REPLICABLE if replicable is None else replicable
    cpu_d, mem_d = distribution(su.cpu), distribution(su.memory)
    ratio = su.throttled_periods / su.cfs_periods if su.cfs_periods > 0 else 0.0
    oom = su.oom_killed or su.oom_events >= 0.5
    throttled = ratio > strategy.throttle_threshold
    flags: list[str] = []
    notes: list[str] = []
    if len(su.namespaces) > 1:
        notes.append(f"samples from {len(su.namespaces)} namespaces pooled ({', '.join(sorted(su.namespaces))}); "
                     "if these are different environments, run again with --namespace")
    if oom:
        flags.append("oom_killed")
    if throttled:
        flags.append("throttled")
    scale = _scale(su, cur, strategy, cpu_d, mem_d)
    if scale:
        flags.append("scale")
        notes.append("Sourcegraph's rule: above 80% of its " + " and ".join(scale) + " at p95: scale it")
    changes: list[dict[str, Any]] = []

    def add(figure: str, was: str | None, to: str | None, why: str, rule: str = strategy.name) -> None:
        changes.append({"path": f"{su.key}.resources.{figure}", "from": was, "to": to, "reason": why, "strategy": rule})

    rec: dict[str, Any] = {"requests": {}, "limits": {}}
    if cpu_d is not None:
        c = _cpu(su, cur, strategy, window, cpu_d, ratio, throttled, add)
        rec["requests"]["cpu"], rec["limits"]["cpu"] = c["requests"], c["limits"]
    else:
        notes.append(f"no CPU samples in the window: CPU left as it is ({_fmt_cpu(cur.cpu_request)})")
    if mem_d is not None:
        m = _memory(su, cur, strategy, window, mem_d, oom=oom, throttled=throttled, stateful=stateful, floor=floor,
                    notes=notes, add=add)
        rec["requests"]["memory"], rec["limits"]["memory"] = m["requests"], m["limits"]
    else:
        notes.append(f"no memory samples in the window: memory left as it is ({_fmt_mem(cur.memory_request)})")
    rec["replicas"] = cur.replicas
    if scale and replicable:
        top = max(scale.values())
        n = max(cur.replicas, math.ceil(round(cur.replicas * top / strategy.scale_threshold, 6)))
        if n > cur.replicas:
            rec["replicas"] = n
            changes.append({"path": f"{su.key}.replicaCount", "from": cur.replicas, "to": n, "strategy": SCALE_RULE,
                            "reason": f"Sourcegraph's 80% rule: p95 at {top:.0%} of its {' and '.join(scale)} on "
                                      f"{cur.replicas} replica(s); {n} bring it under {strategy.scale_threshold:.0%}"})
    elif scale:
        notes.append("not scaled out by replicas (stateful or sharded): its resources above are what grows")
    return {
        "key": su.key, "service": su.service, "status": "ok", "pods": sorted(su.pods),
        "replicas": cur.replicas, "stateful": stateful,
        "cpu": cpu_d, "memory": mem_d,
        "throttled_ratio": ratio, "oom_events": su.oom_events, "oom_killed": oom, "restarts": su.restarts,
        "flags": flags, "notes": notes,
        "current": current_dict(cur), "recommended": rec, "changes": changes,
    }


def _fmt_cpu(v: float | None) -> str | None:
    return None if v is None else format_cpu(v)


def _fmt_mem(v: float | None) -> str | None:
    return None if v is None else format_memory(v)


_ORDER = {"oom_killed": 0, "throttled": 1, "scale": 2}


def _rank(item: dict[str, Any]) -> tuple[int, str]:
    if item["status"] != "ok":
        return (9, item["key"])
    return (min((_ORDER[f] for f in item["flags"]), default=3), item["key"])


def recommend(usage: Usage, current: dict[str, Current], *, expected: list[str], window: str,
              strategy: Strategy | None = None, floors: dict[str, tuple[float, str]] | None = None,
              replicable: frozenset[str] | None = None) -> dict[str, Any]:
    """Recommendations for every service seen (and a no-data entry for every expected one not
    seen), flagged ones first, plus the override holding only the changes."""
    strategy = strategy or Strategy()
    floors = floors or {}
    replicable = REPLICABLE if replicable is None else replicable
    services: list[dict[str, Any]] = []
    for key, su in usage.services.items():
        if not su.cpu and not su.memory:
            continue
        services.append(recommend_service(su, current.get(key) or Current(None, None, None, None), strategy, window,
                                          replicable=key in replicable, floor=floors.get(key)))
    seen = {s["key"] for s in services}
    for key in expected:
        if key not in seen:
            cur = current.get(key) or Current(None, None, None, None)
            services.append({"key": key, "service": key, "status": "no_data", "flags": [], "changes": [],
                             "current": current_dict(cur), "recommended": None, "replicas": cur.replicas,
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
        "unmatched_containers": [u.as_dict() for u in usage.unmatched],
        "empty_queries": usage.empty_queries,
        "changes": changes,
        "override": override,
        "totals": totals(services),
    }
