"""Is the resourcing adequate: latency against the agreed p95 targets, beside each service's
headroom on the server during the run (pure: report and headroom in, verdict out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from implhub.rightsize.current import Current, CurrentSource, combine
from implhub.rightsize.series import Usage


def annotate_p95(rep: dict[str, Any], targets: dict[str, int] | None) -> dict[str, Any]:
    """Add each search type's p95 target and whether the run kept within it (the k6 thresholds
    enforce it too; this puts the number beside the observation)."""
    if not targets:
        return rep
    rep["p95_targets_ms"] = dict(targets)
    for t, e in rep.get("types", {}).items():
        if t in targets:
            e["p95_target_ms"] = targets[t]
            observed = (e.get("ttfb_ms") or {}).get("p95")
            e["p95_within_target"] = bool(e.get("requests")) and observed is not None and observed < targets[t]
    return rep


def latency_within_targets(rep: dict[str, Any]) -> bool:
    """Every type with a target and requests kept its p95 under it."""
    return all(e.get("p95_within_target", True) for e in rep.get("types", {}).values() if e.get("requests"))


# --- the server during the run ----------------------------------------------------------------

#: Sourcegraph's rule: a service running above this share of its resources should scale
SCALE_THRESHOLD = 0.80
#: the shortest window the headroom queries look at: Prometheus needs two scrapes in a range
MIN_WINDOW_S = 120


@dataclass(frozen=True)
class ServiceHeadroom:
    """One service (chart key) during the run: peaks against its limit (its request without one)."""

    key: str
    cpu_peak_ratio: float | None
    memory_peak_ratio: float | None
    throttled_ratio: float
    oom_kills: int
    cpu_peak: float | None
    memory_peak: float | None
    cpu_room: float | None
    memory_room: float | None
    room_source: str

    def contract(self) -> dict[str, Any]:
        return {"cpu_peak_ratio": _r(self.cpu_peak_ratio), "memory_peak_ratio": _r(self.memory_peak_ratio),
                "throttled_ratio": round(self.throttled_ratio, 4), "oom_kills": self.oom_kills}

    def detail(self) -> dict[str, Any]:
        return {**self.contract(), "cpu_peak_cores": _r(self.cpu_peak), "memory_peak_bytes": self.memory_peak,
                "cpu_room_cores": self.cpu_room, "memory_room_bytes": self.memory_room, "room_source": self.room_source,
                "under_80": self.under_rule()}

    def under_rule(self) -> bool:
        return all(r is None or r <= SCALE_THRESHOLD for r in (self.cpu_peak_ratio, self.memory_peak_ratio)) and self.oom_kills == 0


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def headroom(usage: Usage) -> dict[str, ServiceHeadroom]:
    """Per Sourcegraph service seen: the peak CPU and memory of its pods over the window against
    what it runs with (kube-state-metrics, else cAdvisor's spec series), CPU throttling and OOM kills."""
    out: dict[str, ServiceHeadroom] = {}
    for key, su in sorted(usage.services.items()):
        if not su.cpu and not su.memory:
            continue
        layers = [Current.from_figures(figs, source=str(src)) for figs, src in
                  ((su.cluster, CurrentSource.CLUSTER), (su.cadvisor, CurrentSource.CADVISOR)) if figs]
        cur = combine(layers) if layers else Current(None, None, None, None)
        cpu_room = cur.cpu_limit if cur.cpu_limit is not None else cur.cpu_request
        mem_room = cur.memory_limit if cur.memory_limit is not None else cur.memory_request
        cpu_peak = max(su.cpu) if su.cpu else None
        mem_peak = max(su.memory) if su.memory else None
        out[key] = ServiceHeadroom(
            key=key,
            cpu_peak_ratio=cpu_peak / cpu_room if cpu_peak is not None and cpu_room else None,
            memory_peak_ratio=mem_peak / mem_room if mem_peak is not None and mem_room else None,
            throttled_ratio=su.throttled_periods / su.cfs_periods if su.cfs_periods > 0 else 0.0,
            oom_kills=int(round(su.oom_events)) if su.oom_events >= 0.5 else (1 if su.oom_killed else 0),
            cpu_peak=cpu_peak, memory_peak=mem_peak, cpu_room=cpu_room, memory_room=mem_room,
            room_source=cur.source or "unknown")
    return out


def verdict(rep: dict[str, Any], services: dict[str, ServiceHeadroom] | None) -> dict[str, Any]:
    """Adequate needs both: latency within the targets (and the test's thresholds), and every
    service under Sourcegraph's 80% rule with no OOM kill. Without server figures it says so."""
    latency = bool(rep.get("passed")) and latency_within_targets(rep)
    reasons: list[str] = []
    if not latency:
        slow = [t for t, e in rep.get("types", {}).items() if e.get("requests") and e.get("p95_within_target") is False]
        reasons.append("latency: " + (f"p95 above the target for {', '.join(slow)}" if slow else "the test's thresholds failed"))
    if services is None:
        return {"adequate": None, "latency_within_targets": latency, "services_under_80": None, "reasons":
                reasons + ["no server figures: run with --prometheus URL to judge the resourcing"]}
    over = sorted(k for k, s in services.items() if not all(r is None or r <= SCALE_THRESHOLD
                                                            for r in (s.cpu_peak_ratio, s.memory_peak_ratio)))
    oom = sorted(k for k, s in services.items() if s.oom_kills)
    if over:
        reasons.append(f"above {SCALE_THRESHOLD:.0%} of their resources at peak: {', '.join(over)}")
    if oom:
        reasons.append(f"OOM-killed during the run: {', '.join(oom)}")
    if not services:
        reasons.append("Prometheus had no Sourcegraph container in the run's window")
    under = bool(services) and not over and not oom
    return {"adequate": latency and under, "latency_within_targets": latency, "services_under_80": under,
            "over_80": over, "oom_killed": oom, "reasons": reasons}
