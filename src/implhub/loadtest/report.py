"""The verdict: per search type and variant, from the aggregated raw points (never k6's own
summary, so the outputs of several runners merge into one result).

Per type: requests, achieved rate against the target, time to first byte p50/p90/p95 against
its thresholds, success rate (the share of checks that passed: a check passes only when results
came back), pass/fail. The overall score follows GitLab's Performance Tool: per type, achieved /
target rate (capped at 1; 1 without a target) times the success rate, averaged, as a percentage.

The reading turns failures into advice: within 10% of a threshold, suspect the environment and
rerun; more than 50% beyond it, the sizing is wrong and these services need more room.
"""

from __future__ import annotations

import hashlib
from typing import Any

from implhub.loadtest.points import Aggregate, Counter, Rate, Trend
from implhub.loadtest.profile import ALL_TYPES, VARIANTS
from implhub.loadtest.thresholds import Threshold, parse_thresholds

NEAR = 0.10
FAR = 0.50

#: the services that serve each search type, in the names the sizing capability uses
SERVICES: dict[str, list[str]] = {
    "literal": ["zoekt-webserver", "zoekt-indexserver", "frontend"],
    "regexp": ["zoekt-webserver", "zoekt-indexserver", "frontend"],
    "structural": ["searcher", "zoekt-webserver"],
    "unindexed": ["searcher", "gitserver"],
    "highlight": ["syntect-server", "frontend"],
    "": ["frontend"],
}


def _observed(agg: Aggregate, th: Threshold) -> tuple[float | None, int]:
    """The value a threshold judges and the number of samples behind it."""
    sel = th.selector
    acc = agg.merged(sel.metric, lambda t, v, e: sel.matches({"type": t, "variant": v, "endpoint": e}))
    if isinstance(acc, Trend):
        n = acc.count
        if n == 0:
            return None, 0
        a = th.aggregation
        if a == "med":
            return acc.percentile(50), n
        if th.percentile is not None:
            return acc.percentile(th.percentile), n
        if a == "avg":
            return acc.avg(), n
        if a == "min":
            return acc.min, n
        if a == "max":
            return acc.max, n
        if a == "count":
            return float(n), n
        return None, n
    if isinstance(acc, Rate):
        return (acc.rate() if acc.count else None), acc.count
    assert isinstance(acc, Counter)
    if th.aggregation == "count":
        return acc.total, acc.count
    return (acc.total if acc.count else None), acc.count


def _deviation(th: Threshold, observed: float) -> float:
    """How far beyond the limit, as a share of the limit (0 when it holds)."""
    if th.holds(observed):
        return 0.0
    limit = th.value
    if limit == 0:
        return 1.0
    return abs(observed - limit) / abs(limit)


def judge(agg: Aggregate, thresholds: list[Threshold]) -> list[dict[str, Any]]:
    out = []
    for th in thresholds:
        observed, n = _observed(agg, th)
        # like k6: a threshold over a series without samples is not failed
        passed = True if observed is None else th.holds(observed)
        out.append({
            "expr": th.expr, "passed": passed, "observed": None if observed is None else round(observed, 4),
            "samples": n, "abort_on_fail": th.abort_on_fail,
            "deviation": 0.0 if observed is None else round(_deviation(th, observed), 4),
            "selector": dict(th.selector.tags), "metric": th.selector.metric,
        })
    return out


def _series(agg: Aggregate, type_: str, variant: str | None, span_s: float, target: float | None) -> dict[str, Any]:
    def match(t: str, v: str, e: str) -> bool:
        return t == type_ and (variant is None or v == variant)

    reqs = agg.merged("http_reqs", match)
    checks = agg.merged("checks", match)
    ttfb = agg.merged("time_to_first_byte", match)
    failed = agg.merged("http_req_failed", match)
    assert isinstance(reqs, Counter) and isinstance(checks, Rate) and isinstance(ttfb, Trend) and isinstance(failed, Rate)
    requests = int(reqs.total)
    rate = requests / span_s if span_s > 0 else 0.0
    return {
        "requests": requests,
        "rate_per_s": round(rate, 4),
        "target_rate_per_s": target,
        "success_rate": round(checks.rate(), 4) if checks.count else (0.0 if requests else 1.0),
        "checks": checks.count,
        "http_failed_rate": round(failed.rate(), 4),
        "ttfb_ms": {
            "p50": round(ttfb.percentile(50), 3), "p90": round(ttfb.percentile(90), 3),
            "p95": round(ttfb.percentile(95), 3), "avg": round(ttfb.avg(), 3),
            "max": round(ttfb.max, 3) if ttfb.count else 0.0,
        },
        "exact_percentiles": ttfb.exact,
    }


def merged_run_id(run_ids: list[str]) -> str:
    if len(run_ids) == 1:
        return run_ids[0]
    return "merged-" + hashlib.sha1("\n".join(sorted(run_ids)).encode()).hexdigest()[:10]


def build(
    agg: Aggregate,
    *,
    thresholds: dict[str, Any],
    targets: dict[str, float | None] | None = None,
    kind: str | None = None,
    partial: bool = False,
) -> dict[str, Any]:
    """The report in the `loadtest report --json` contract (plus detail the doors show)."""
    parsed = parse_thresholds(thresholds)
    judged = judge(agg, parsed)
    targets = targets or {}
    run_ids = sorted(agg.spans)
    # distributed runners share a run id (one span); separate runs add their spans
    span_s = sum(max(0.0, last - first) for first, last in agg.spans.values())
    seen_types = {t for (_m, t, _v, _e) in agg.groups if t}
    th_types = {sel["type"] for sel in (j["selector"] for j in judged) if "type" in sel}
    types_out: dict[str, Any] = {}
    for type_ in [t for t in ALL_TYPES if t in seen_types | th_types] + sorted((seen_types | th_types) - set(ALL_TYPES)):
        entry = _series(agg, type_, None, span_s, targets.get(type_))
        mine = [j for j in judged if j["selector"].get("type") == type_ and "variant" not in j["selector"]]
        entry["thresholds"] = [{"expr": j["expr"], "passed": j["passed"], "observed": j["observed"]} for j in mine]
        variants: dict[str, Any] = {}
        for variant in VARIANTS:
            vth = [j for j in judged if j["selector"].get("type") == type_ and j["selector"].get("variant") == variant]
            has_points = any(t == type_ and v == variant for (_m, t, v, _e) in agg.groups)
            if not has_points and not vth:
                continue
            ve = _series(agg, type_, variant, span_s, None)
            ve["thresholds"] = [{"expr": j["expr"], "passed": j["passed"], "observed": j["observed"]} for j in vth]
            ve["passed"] = all(j["passed"] for j in vth)
            variants[variant] = ve
        entry["variants"] = variants
        entry["passed"] = all(j["passed"] for j in mine) and all(v["passed"] for v in variants.values())
        types_out[type_] = entry
    global_th = [j for j in judged if "type" not in j["selector"]]
    scored = []
    for entry in types_out.values():
        if entry["requests"] == 0:
            continue
        target = entry["target_rate_per_s"]
        ratio = min(1.0, entry["rate_per_s"] / target) if target else 1.0
        scored.append(ratio * entry["success_rate"])
    score = round(100.0 * sum(scored) / len(scored), 1) if scored else 0.0
    passed = all(j["passed"] for j in judged) and any(e["requests"] for e in types_out.values())
    report: dict[str, Any] = {
        "run_id": merged_run_id(run_ids) if run_ids else "empty",
        "passed": passed,
        "score": score,
        "types": types_out,
        "run_ids": run_ids,
        "kind": kind,
        "partial": partial or agg.truncated,
        "duration_s": round(span_s, 3),
        "points": agg.points,
        "files": len(agg.files),
        "thresholds": [{"expr": j["expr"], "passed": j["passed"], "observed": j["observed"]} for j in global_th],
        "warnings": list(agg.warnings),
    }
    report["reading"] = reading(report, judged)
    report["timeline"] = timeline(agg)
    return report


def reading(report: dict[str, Any], judged: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Advice in words: rerun, investigate, or resize (naming the services)."""
    out: list[dict[str, str]] = []
    if report["partial"]:
        out.append({"level": "partial", "text": "The run stopped early (aborted or cut off): the numbers cover only part of the test."})
    if not any(e["requests"] for e in report["types"].values()):
        out.append({"level": "fail", "text": "No search request reached the instance: check the URL, the token and the load generator's network."})
        return out
    for j in judged:
        if j["passed"]:
            continue
        dev = j["deviation"]
        type_ = j["selector"].get("type", "")
        services = ", ".join(SERVICES.get(type_, SERVICES[""]))
        what = f"{j['expr']} observed {j['observed']:g}"
        entry = report["types"].get(type_) or {}
        if j["metric"] == "checks" and entry.get("requests") and entry.get("http_failed_rate", 1.0) < 0.05:
            out.append({"level": "investigate", "text": f"{what}: the instance answered but returned no results or a search error; "
                        f"check that the profile's {type_ or 'search'} queries match code the instance has indexed, and the "
                        f"search errors in the frontend logs, before resizing {services}."})
            continue
        if dev <= NEAR:
            out.append({"level": "rerun", "text": f"{what}: within {NEAR:.0%} of the threshold; suspect the environment (load generator, network, a cold cache) and rerun before changing anything."})
        elif dev > FAR:
            out.append({"level": "sizing", "text": f"{what}: {dev:.0%} beyond the threshold, a sizing problem; give more resources or replicas to {services} (implhub size estimate shows the current figures)."})
        else:
            out.append({"level": "investigate", "text": f"{what}: {dev:.0%} beyond the threshold; look at {services} (saturation, errors) and rerun."})
    for type_, e in report["types"].items():
        if e["requests"] == 0 and e["thresholds"]:
            out.append({"level": "info", "text": f"No {type_} requests were made, so its thresholds could not be judged; run longer or with more virtual users."})
        target = e.get("target_rate_per_s")
        if target and e["requests"] and e["rate_per_s"] < 0.9 * target:
            out.append({"level": "info", "text": f"{type_}: achieved {e['rate_per_s']:.3g}/s of a {target:.3g}/s target; slow answers hold the virtual users back."})
    if not out or all(r["level"] == "info" for r in out):
        out.insert(0, {"level": "ok", "text": f"Every threshold holds (score {report['score']:g}): the sizing carries this load."})
    return out


def timeline(agg: Aggregate) -> dict[str, Any]:
    """Latency over time per type and total VUs over time, seconds from the first point."""
    start = agg.start or 0.0
    tl = agg.timeline
    latency = {}
    for type_, series in sorted(tl.latency.items()):
        if not type_ or type_ == "setup":
            continue
        latency[type_] = [[round(b - start, 3), round(s / n, 3), round(mx, 3)] for b, (n, s, mx) in sorted(series.items())]
    total: dict[int, float] = {}
    for vseries in tl.vus.values():  # runners of one distributed run add up
        for b, v in vseries.items():
            total[b] = total.get(b, 0.0) + v
    vus = [[round(b - start, 3), v] for b, v in sorted(total.items())]
    return {"bucket_s": tl.width, "latency_ms": latency, "vus": vus}


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed between two reports, per type: positive ttfb deltas are slower."""
    types: dict[str, Any] = {}
    for type_ in sorted(set(old["types"]) | set(new["types"])):
        a, b = old["types"].get(type_), new["types"].get(type_)
        if a is None or b is None:
            types[type_] = {"only_in": "old" if b is None else "new"}
            continue
        types[type_] = {
            "requests": [a["requests"], b["requests"]],
            "rate_per_s": [a["rate_per_s"], b["rate_per_s"]],
            "success_rate": [a["success_rate"], b["success_rate"]],
            "ttfb_ms_delta": {k: round(b["ttfb_ms"][k] - a["ttfb_ms"][k], 3) for k in ("p50", "p90", "p95")},
            "passed": [a["passed"], b["passed"]],
        }
    return {"old": old["run_id"], "new": new["run_id"], "score": [old["score"], new["score"]],
            "passed": [old["passed"], new["passed"]], "types": types}
