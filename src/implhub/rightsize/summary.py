"""What a right-sizing result adds up to: requested totals before and after, the comparison with
the original estimate, and how strong the evidence is."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from implhub.rightsize.current import Current
from implhub.rightsize.quantity import human_cpu, human_memory, parse_cpu, parse_memory
from implhub.rightsize.series import ServiceUsage

#: fewer days of samples than this is not full-strength evidence (a week holds every weekday peak)
MIN_FULL_DAYS = 7.0


def totals(services: list[dict[str, Any]]) -> dict[str, float]:
    """Requested CPU (cores) and memory (GiB) over all replicas, before and after (services
    without data keep their current numbers; replicas after are the recommended ones)."""
    out = {"cpu_before": 0.0, "cpu_after": 0.0, "memory_gib_before": 0.0, "memory_gib_after": 0.0}
    for s in services:
        n = s.get("replicas") or 1
        rec_all = s.get("recommended") or {}
        n_after = rec_all.get("replicas") or n
        cur = s["current"]["requests"]
        cpu_b = parse_cpu(cur["cpu"]) if cur["cpu"] else 0.0
        mem_b = parse_memory(cur["memory"]) if cur["memory"] else 0.0
        rec = rec_all.get("requests") or {}
        cpu_a = parse_cpu(rec["cpu"]) if rec.get("cpu") else cpu_b
        mem_a = parse_memory(rec["memory"]) if rec.get("memory") else mem_b
        out["cpu_before"] += n * cpu_b
        out["cpu_after"] += n_after * cpu_a
        out["memory_gib_before"] += n * mem_b / 2**30
        out["memory_gib_after"] += n_after * mem_a / 2**30
    return {k: round(v, 3) for k, v in out.items()}


def compare_with_estimate(result: dict[str, Any], estimate: dict[str, Current], *, tolerance: float = 0.10) -> list[dict[str, Any]]:
    """Which services the original estimate over- or under-sized, and by how much: the estimate's
    request per pod against the recommendation from live usage (percent of the recommendation).

    Never against the flags: usage capped by a limit (OOM-killed memory, throttled CPU) says only
    that the need is at least the recommendation, so an estimate above it is "inconclusive", not
    "over-sized"."""
    rows: list[dict[str, Any]] = []
    for s in result["services"]:
        est = estimate.get(s["key"])
        if est is None or s["status"] != "ok":
            continue
        rec = s["recommended"]["requests"]
        row: dict[str, Any] = {"key": s["key"], "service": s["service"]}
        censored = {"cpu": "throttled" in s["flags"], "memory": "oom_killed" in s["flags"]}
        for name, est_v, rec_s, parse, human in (
            ("cpu", est.cpu_request, rec.get("cpu"), parse_cpu, human_cpu),
            ("memory", est.memory_request, rec.get("memory"), parse_memory, human_memory),
        ):
            if est_v is None or rec_s is None:
                continue
            rec_v = parse(rec_s)
            pct = (est_v - rec_v) / rec_v * 100 if rec_v else 0.0
            verdict = "over-sized" if pct > tolerance * 100 else "under-sized" if pct < -tolerance * 100 else "about right"
            cell: dict[str, Any] = {"estimate": human(est_v), "recommended": human(rec_v), "difference_pct": round(pct, 1),
                                    "verdict": verdict}
            if censored[name] and verdict == "over-sized":
                cell["verdict"] = "inconclusive"
                cell["note"] = ("OOM-killed: its memory need is above the limit it hit, so usage cannot show the estimate "
                                "too large" if name == "memory" else
                                "throttled: its CPU use was capped by the limit, so usage cannot show the estimate too large")
            row[name] = cell
        if len(row) > 2:
            rows.append(row)
    return rows


def evidence_strength(services: Iterable[ServiceUsage], window_s: int) -> dict[str, Any]:
    """How many days the samples span, and whether that is full-strength evidence for exit
    criterion 8 (at least a week). The span runs from the first to the last sample: gaps while a
    container restarts after an OOM kill are usage, not missing data."""
    firsts = [su.first_ts for su in services if su.first_ts is not None]
    lasts = [su.last_ts for su in services if su.last_ts is not None]
    span = (max(lasts) - min(firsts)) / 86400 if firsts and lasts else 0.0
    days = round(min(span, window_s / 86400), 2)
    full = days >= MIN_FULL_DAYS - 0.01
    warnings = [] if full else [
        f"only {days:g} day(s) of samples (at least {MIN_FULL_DAYS:g} are needed to see every weekday's peak): "
        "use the result as a first look, not full-strength evidence for exit criterion 8; run again over --window 14d"]
    return {"window_days": days, "full_strength": full, "strength": "full" if full else "partial", "warnings": warnings}
