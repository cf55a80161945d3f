"""The monthly cost change of a right-sizing result: the requests before and after packed onto
nodes with the sizing capability's node packing, or priced proportionally from its catalog."""

from __future__ import annotations

from typing import Any

from implhub.app.context import Ctx
from implhub.errors import ImplhubError
from implhub.sizing.data import catalog_for
from implhub.store.models import Project


def _pods(services: list[dict[str, Any]], side: str) -> list[dict[str, Any]]:
    """Pods for the node packing: per service its requests now (side "current") or after the
    override (side "after"; services without data keep theirs)."""
    from implhub.rightsize.quantity import parse_cpu, parse_memory

    pods = []
    for s in services:
        req = s["current"]["requests"]
        if side == "after" and s.get("recommended"):
            req = {**req, **{k: v for k, v in s["recommended"]["requests"].items() if v is not None}}
        cpu = parse_cpu(req["cpu"]) if req.get("cpu") else 0.0
        mem = parse_memory(req["memory"]) if req.get("memory") else 0.0
        if cpu or mem:
            pods.append({"name": s["key"], "cpu": cpu, "memory_gb": mem / 1e9, "replicas": int(s.get("replicas") or 1)})
    return pods


def monthly_cost(ctx: Ctx, *, project: Project, result: dict[str, Any]) -> dict[str, Any]:
    """The monthly cost change: the requests before and after packed onto nodes with the sizing
    capability's node packing (cheapest pools from its instance catalog). Where that is not
    available, the catalog price of a vCPU and a GiB applied proportionally, and it says so."""
    t = result["totals"]
    cloud = str(project.design_model.deployment.cloud or "aws")
    try:
        from implhub.sizing.packing import pack
    except ImportError:
        pack = None  # type: ignore[assignment]
    if pack is not None:
        try:
            before = pack(_pods(result["services"], "current"), cloud)
            after = pack(_pods(result["services"], "after"), cloud)
        except ImplhubError as exc:
            note = f"node packing failed ({exc.message}); "
        else:
            pools = ", ".join(f"{p['count']} x {p['instance_type']}" for p in after["pools"])
            return {"method": f"node packing of the requests before and after on {cloud} (sizing capability), 730 h/month",
                    "currency": "USD", "monthly_before": before["monthly_usd"], "monthly_after": after["monthly_usd"],
                    "monthly_change": round(after["monthly_usd"] - before["monthly_usd"], 2),
                    "nodes_before": before["totals"]["nodes"], "nodes_after": after["totals"]["nodes"],
                    "pools_after": pools, **t}
    else:
        note = "node packing not available; "
    price = _unit_prices(cloud)
    if price is None:
        return {"method": note + f"no catalog prices for {cloud}", **t}
    per_cpu, per_gib, instance = price
    before_usd = (t["cpu_before"] * per_cpu + t["memory_gib_before"] * per_gib) * 730
    after_usd = (t["cpu_after"] * per_cpu + t["memory_gib_after"] * per_gib) * 730
    return {"method": note + f"proportional: requested vCPU and GiB at the {instance} catalog price split half CPU, "
                             "half memory, 730 h/month",
            "currency": "USD", "monthly_before": round(before_usd, 2), "monthly_after": round(after_usd, 2),
            "monthly_change": round(after_usd - before_usd, 2), **t}


def _unit_prices(cloud: str) -> tuple[float, float, str] | None:
    """Price per vCPU-hour and per GiB-hour from the sizing capability's instance catalog: the
    general-purpose instance the sizing docs suggest for nodes, its hourly price split half and half."""
    try:
        rows = catalog_for(cloud)
    except ImplhubError:  # a cloud the catalog does not price
        return None
    preferred = {"aws": "m6a.4xlarge", "gcp": "n2-standard-16", "azure": "D16_v3"}.get(cloud)
    row = next((r for r in rows if r.instance_type == preferred), rows[0] if rows else None)
    if row is None:
        return None
    return row.hourly_usd / 2 / row.vcpu, row.hourly_usd / 2 / row.memory_gib, row.instance_type
