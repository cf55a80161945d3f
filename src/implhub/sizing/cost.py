"""The whole monthly cost of a deployment: compute (the node plan) + volumes (by class, per
GB-month, with provisioned IOPS and throughput above what the class includes, and each node's boot
disk) + the load balancer and the managed control plane, from the dated price table shipped in
`src/implhub/data/sizing/cloud_prices.yaml`. No network at run time."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, ConfigDict
from ruamel.yaml import YAML

from implhub.sizing.storage import StorageClassPlan

HOURS_PER_MONTH = 730.0
BOOT_DISK_GB = 100  # Sourcegraph docs: 100 GB boot disk per Kubernetes node


class Cost(BaseModel):
    """The `cost` of `size nodes --json`: USD per month."""

    model_config = ConfigDict(frozen=True)

    compute_usd: float
    storage_usd: float
    other_usd: float
    total_usd: float


class CostLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: str  # compute | storage | other
    item: str
    quantity: float
    unit: str
    unit_usd: float
    monthly_usd: float


class CostDetail(BaseModel):
    """Where each dollar comes from, and which region's prices were used."""

    model_config = ConfigDict(frozen=True)

    lines: list[CostLine]
    price_region: str
    design_region: str | None
    price_note: str
    price_date: str
    price_source: str


@functools.cache
def prices() -> dict[str, Any]:
    text = (files("implhub") / "data" / "sizing" / "cloud_prices.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = YAML(typ="safe").load(text)
    return loaded


def price_region(cloud: str, region: str | None) -> tuple[str, str]:
    """The region whose prices are used, and a sentence that says so."""
    table = prices()[cloud]
    regions: list[str] = table["regions"]
    if region and region in regions:
        note = (f"list prices of {region}" if region == regions[0]
                else f"list prices of {region} (the same as {regions[0]} on the shipped price pages)")
        return region, note
    if region:
        return regions[0], (f"the price table has no prices for {region}: prices of {regions[0]} used; "
                            "check the provider's page for the difference")
    return regions[0], f"no region in the design: prices of {regions[0]} used"


def volume_lines(cloud: str, volumes: Iterable[tuple[str, float, int]], sc: StorageClassPlan) -> list[CostLine]:
    """volumes: (what, Gi per volume, how many volumes) of the storage class `sc`."""
    table = prices()[cloud]
    cls = sc.volume_class or table["boot_volume"]
    p = table["volumes"][cls]
    out: list[CostLine] = []
    count = 0
    for what, gi, n in volumes:
        if gi <= 0 or n <= 0:
            continue
        count += n
        out.append(CostLine(category="storage", item=f"{what} volume ({cls})", quantity=gi * n, unit="GB-month",
                            unit_usd=p["gb_month"], monthly_usd=round(gi * n * p["gb_month"], 2)))
    extra_iops = max(0, (sc.iops or 0) - int(p.get("included_iops", 0))) if "iops_month" in p else 0
    extra_mbps = max(0, (sc.throughput_mbps or 0) - int(p.get("included_mbps", 0))) if "mbps_month" in p else 0
    if extra_iops and count:
        out.append(CostLine(category="storage", item=f"provisioned IOPS above the included on {count} volume(s)",
                            quantity=extra_iops * count, unit="IOPS-month", unit_usd=p["iops_month"],
                            monthly_usd=round(extra_iops * count * p["iops_month"], 2)))
    if extra_mbps and count:
        out.append(CostLine(category="storage", item=f"provisioned throughput above the included on {count} volume(s)",
                            quantity=extra_mbps * count, unit="MB/s-month", unit_usd=p["mbps_month"],
                            monthly_usd=round(extra_mbps * count * p["mbps_month"], 2)))
    return out


def whole_cost(plan: dict[str, Any], services: dict[str, dict[str, Any]], sc: StorageClassPlan, *,
               cloud: str, region: str | None) -> tuple[Cost, CostDetail]:
    """The monthly cost of the node plan `plan` (from `pack`) running `services` (recommended
    services, chart keys) with the storage class `sc`."""
    table = prices()[cloud]
    used, note = price_region(cloud, region)
    lines = [CostLine(category="compute", item=f"{p['count']} x {p['instance_type']}", quantity=p["count"] * HOURS_PER_MONTH,
                      unit="node-hour", unit_usd=p["hourly_usd"],
                      monthly_usd=round(p["count"] * p["hourly_usd"] * HOURS_PER_MONTH, 2)) for p in plan["pools"]]
    pvcs = [(key, float(s["storage_gb"] or 0), int(s["replicas"] or 0)) for key, s in services.items()
            if s.get("storage_gb") and s.get("enabled") is not False and not s.get("external")]
    lines += volume_lines(cloud, pvcs, sc)
    boot = prices()[cloud]["volumes"][table["boot_volume"]]
    nodes = int(plan["totals"]["nodes"])
    lines.append(CostLine(category="storage", item=f"node boot disks ({table['boot_volume']}, {BOOT_DISK_GB} GB each)",
                          quantity=BOOT_DISK_GB * nodes, unit="GB-month", unit_usd=boot["gb_month"],
                          monthly_usd=round(BOOT_DISK_GB * nodes * boot["gb_month"], 2)))
    lb = table["load_balancer"]
    lb_hourly = float(lb["hourly"]) + float(lb.get("lcu_hourly") or 0)
    lines.append(CostLine(category="other", item=lb["name"], quantity=HOURS_PER_MONTH, unit="hour",
                          unit_usd=lb_hourly, monthly_usd=round(lb_hourly * HOURS_PER_MONTH, 2)))
    cp = table["control_plane"]
    if float(cp["hourly"]) > 0:
        lines.append(CostLine(category="other", item=cp["name"], quantity=HOURS_PER_MONTH, unit="hour",
                              unit_usd=float(cp["hourly"]), monthly_usd=round(float(cp["hourly"]) * HOURS_PER_MONTH, 2)))

    def total(cat: str) -> float:
        return round(sum(ln.monthly_usd for ln in lines if ln.category == cat), 2)

    compute = float(plan["monthly_usd"])
    storage, other = total("storage"), total("other")
    cost = Cost(compute_usd=compute, storage_usd=storage, other_usd=other, total_usd=round(compute + storage + other, 2))
    detail = CostDetail(lines=lines, price_region=used, design_region=region, price_note=note,
                        price_date=str(table["date"]), price_source=str(table["source"]))
    return cost, detail
