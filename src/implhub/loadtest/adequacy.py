"""Is the resourcing adequate: latency against the agreed p95 targets, beside each service's
headroom on the server during the run (pure: report and headroom in, verdict out)."""

from __future__ import annotations

from typing import Any


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
