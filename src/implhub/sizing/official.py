"""A faithful reproduction of Sourcegraph's official resource estimator (Kubernetes).

It keeps the estimator's service names, reference points, interpolation, Go rounding, overrides and
totals - defects included - so an engineer sees that implhub starts from the numbers they know.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from implhub.sizing.data import reference_points
from implhub.sizing.gomath import go_round, resource_round
from implhub.sizing.inputs import SizingInputs


@dataclass
class Point:
    at: float
    replicas: int = 0
    cpu: tuple[float, float] = (0.0, 0.0)
    mem: tuple[float, float] = (0.0, 0.0)
    storage: float = 0.0


@dataclass
class Interpolated:
    replicas: int
    cpu: tuple[float, float]
    mem: tuple[float, float]
    storage: float
    beyond: bool  # above the last reference point ("contact support")


def _point(raw: dict[str, Any]) -> Point:
    cpu = raw.get("cpu") or [0, 0]
    mem = raw.get("mem") or [0, 0]
    return Point(at=float(raw["at"]), replicas=int(raw.get("replicas", 0)), cpu=(float(cpu[0]), float(cpu[1])),
                 mem=(float(mem[0]), float(mem[1])), storage=float(raw.get("storage", 0)))


def interpolate(points: list[Point], value: float) -> Interpolated:
    """The estimator's lookup: b = first point with b.at >= value, a = the point before it (a = b at
    the start); f = (value - a.at) / (b.at - a.at, or 1 if zero). Above the last point: the last point."""
    for i, b in enumerate(points):
        if b.at >= value:
            a = points[i - 1] if i > 0 else b
            span = b.at - a.at
            f = (value - a.at) / (span if span != 0 else 1.0)
            return Interpolated(
                replicas=a.replicas + int(go_round(float(b.replicas - a.replicas) * f)),
                cpu=(a.cpu[0] + (b.cpu[0] - a.cpu[0]) * f, a.cpu[1] + (b.cpu[1] - a.cpu[1]) * f),
                mem=(a.mem[0] + (b.mem[0] - a.mem[0]) * f, a.mem[1] + (b.mem[1] - a.mem[1]) * f),
                storage=a.storage,
                beyond=False,
            )
    last = points[-1]
    return Interpolated(last.replicas, last.cpu, last.mem, last.storage, True)


def key_value(key: str, inp: SizingInputs) -> float:
    if key == "users":
        return float(inp.users)
    if key == "repos":
        return float(inp.repositories)
    if key == "total_gb":
        return float(inp.total_repo_size_gb)
    if key == "largest_gb":
        return float(inp.largest_repo_size_gb)
    if key == "index_gb":
        return float(inp.largest_index_size_gb)
    if key == "user_repo_ratio":
        return float((inp.users + inp.repositories) // 1000)
    if key == "fixed":
        return 0.0
    raise ValueError(f"unknown reference key {key}")


def service_lists() -> dict[str, list[tuple[str, list[Point]]]]:
    raw = reference_points()["services"]
    return {name: [(lst["key"], [_point(p) for p in lst["points"]]) for lst in lists] for name, lists in raw.items()}


def _tier(tiers: list[list[Any]], value: float) -> float:
    for bound, result in tiers:
        if bound is None or value <= bound:
            return float(result)
    return float(tiers[-1][1])


def _tier_index(value: float, field: str) -> int:
    tiers = reference_points()["size_tiers"]
    for i, t in enumerate(tiers):
        if t[field] is None or value <= t[field]:
            return i
    return len(tiers) - 1


def size_for(users: float, repos: float) -> str:
    """The docs' rule: the larger of the user tier and the repository tier ("between two sizes,
    take the larger"). implhub's `standard` size follows it."""
    tiers = reference_points()["size_tiers"]
    return str(tiers[max(_tier_index(users, "users"), _tier_index(repos, "repos"))]["size"])


def official_size_label(users: float, repos: float) -> str:
    """The label the official estimator shows: its Calculate() sets the size from the users and
    then overwrites it from the repositories, so the repository tier alone decides."""
    del users  # computed, then overwritten, by the estimator: kept in the signature to say so
    tiers = reference_points()["size_tiers"]
    return str(tiers[_tier_index(repos, "repos")]["size"])


def _num(x: float) -> float:
    """JSON-friendly: whole numbers above 1 as they are, quarters as floats."""
    return float(x)


def estimate(inp: SizingInputs) -> dict[str, Any]:
    """The official estimator's result for these inputs: {"services": {...}, "totals": {...}}."""
    ref = reference_points()
    services: dict[str, dict[str, Any]] = {}
    contact = False
    beyond_inputs: list[str] = []
    for name, lists in service_lists().items():
        replicas = 0
        cpu: tuple[float, float] | None = None
        mem: tuple[float, float] | None = None
        storage = 0.0
        for key, points in lists:
            v = interpolate(points, key_value(key, inp))
            if v.beyond:
                contact = True
                beyond_inputs.append(f"{name} ({key})")
            replicas = max(replicas, v.replicas)
            # each field from the first list that gives it a non-zero value
            if cpu is None and v.cpu[1] > 0:
                cpu = (resource_round(v.cpu[0]), resource_round(v.cpu[1]))
            if mem is None and v.mem[1] > 0:
                mem = (resource_round(v.mem[0]), resource_round(v.mem[1]))
            if v.storage > 0:
                storage = resource_round(v.storage)
        services[name] = {
            "replicas": replicas or 1,
            "cpu": {"request": _num(cpu[0] if cpu else 0.0), "limit": _num(cpu[1] if cpu else 0.0)},
            "memory_gb": {"request": _num(mem[0] if mem else 0.0), "limit": _num(mem[1] if mem else 0.0)},
            "storage_gb": storage or None,
            "ephemeral_gb": None,
        }
    # services in one pod share the larger replica count
    for pod in ref["pods"]:
        top = max(services[n]["replicas"] for n in pod)
        for n in pod:
            services[n]["replicas"] = top
    total_gb, largest_gb = inp.total_repo_size_gb, inp.largest_repo_size_gb
    # storage overrides
    services["gitserver"]["storage_gb"] = resource_round(1.3 * total_gb) or None
    services["indexedSearch"]["storage_gb"] = resource_round(0.6 * total_gb) or None
    services["blobstore"]["storage_gb"] = resource_round(inp.largest_index_size_gb) or None
    if not inp.code_insights:
        services["codeinsights-db"]["storage_gb"] = None
    if inp.largest_index_size_gb <= 0:
        services["codeintel-db"]["storage_gb"] = None
    # ephemeral storage, exported per replica (floor of the request, rounded limit)
    searcher_r = services["searcher"]["replicas"]
    services["searcher"]["ephemeral_gb"] = _per_replica(
        max(largest_gb + 0.15 * total_gb, 0.3 * total_gb), max(largest_gb + 0.3 * total_gb, 0.4 * total_gb), searcher_r)
    symbols_r = services["symbols"]["replicas"]
    services["symbols"]["ephemeral_gb"] = _per_replica(1.2 * (largest_gb + 1), 1.5 * largest_gb, symbols_r)
    storage_sum = sum(s["storage_gb"] or 0.0 for s in services.values()) + float(ref["unlisted_storage_gb"])
    totals = {
        "vcpu": _tier(ref["vcpu_tiers"], inp.users),
        "memory_gb": _tier(ref["memory_tiers_gb"], inp.repositories),
        "storage_gb": float(math.ceil(storage_sum)),
        "instance_size": official_size_label(inp.users, inp.repositories),
        "contact_support": contact,
    }
    return {"services": services, "totals": totals, "beyond_reference": sorted(set(beyond_inputs))}


def _per_replica(request: float, limit: float, replicas: int) -> dict[str, float] | None:
    req, lim = resource_round(request), resource_round(limit)
    if req == 0 and lim == 0:
        return None
    r = max(replicas, 1)
    return {"request": resource_round(math.floor(req / r)), "limit": resource_round(lim / r)}
