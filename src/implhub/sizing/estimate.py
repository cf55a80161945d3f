"""One sizing: official and recommended side by side, node plan, totals, deviations."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from implhub.sizing import data, official
from implhub.sizing.cost import whole_cost
from implhub.sizing.deployment import DeploymentDesign, ExternalKind
from implhub.sizing.external import (
    UPLOAD_CONSUMERS,
    customer_provides,
    externalized_keys,
    upload_env,
)
from implhub.sizing.inputs import SizingInputs
from implhub.sizing.packing import GIB_PER_GB, PodSpec, pack
from implhub.sizing.recommended import CHART_KEY, Svc, recommend, sidecar_resources
from implhub.sizing.storage import StorageClassPlan, storage_class
from implhub.sizing.units import cpu_cores, gb, gi

STANDARD_SIZES = ["XS", "S", "M", "L", "XL"]


def pods_of(services: dict[str, Svc], chart_version: str) -> list[PodSpec]:
    """The pods to place: each running service's requests per pod (with its sidecars); the
    zoekt-webserver and zoekt-indexserver containers share one pod."""
    sidecars = sidecar_resources(chart_version)
    pods: list[PodSpec] = []
    for key, s in services.items():
        if s.replicas == 0 or key == "indexedSearchIndexer":
            continue
        cpu, mem = s.cpu[0] or 0.0, s.mem[0] or 0.0
        if key == "indexedSearch" and "indexedSearchIndexer" in services:
            other = services["indexedSearchIndexer"]
            cpu += other.cpu[0] or 0.0
            mem += other.mem[0] or 0.0
        extra = sidecars.get(key, (0.0, 0.0))
        pods.append(PodSpec(name=key, cpu=cpu + extra[0], memory_gb=mem + extra[1],
                            replicas=1 if s.daemonset else s.replicas, daemonset=s.daemonset))
    return pods


def standard_size(users: int, repos: int) -> dict[str, Any] | None:
    """The XS..XL size for these users and repositories (the larger of the two), None beyond XL."""
    for s in data.instance_sizes()["sizes"]:
        if users <= s["users"] and repos <= s["repos"]:
            return dict(s)
    return None


def standard_line(cloud: str, size: dict[str, Any] | None, catalog: Sequence[data.Instance] | None = None) -> dict[str, Any] | None:
    """The single machine of the standard size on this cloud, priced from the catalog."""
    if size is None:
        return None
    itype = size.get(cloud)
    rows = [i for i in data.catalog_for(cloud, catalog) if i.instance_type == itype]
    if not rows:
        return {"size": size["size"], "instance_type": itype, "vcpu": size["vcpu"], "memory_gb": size["memory_gb"],
                "monthly_usd": None}
    inst = rows[0]
    return {"size": size["size"], "instance_type": inst.instance_type, "vcpu": inst.vcpu,
            "memory_gib": inst.memory_gib, "hourly_usd": inst.hourly_usd,
            "monthly_usd": round(inst.hourly_usd * 730, 2)}


def _default_values(defaults: dict[str, Any], key: str) -> dict[str, float | None]:
    node: Any = defaults
    for part in key.split("."):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    res = node.get("resources", {}) if isinstance(node, dict) else {}
    req, lim = res.get("requests", {}), res.get("limits", {})
    return {
        "replicas": float(node.get("replicaCount", 1)) if isinstance(node, dict) else 1.0,
        "cpu.request": cpu_cores(req["cpu"]) if "cpu" in req else None,
        "cpu.limit": cpu_cores(lim["cpu"]) if "cpu" in lim else None,
        "memory_gb.request": round(gb(req["memory"]), 2) if "memory" in req else None,
        "memory_gb.limit": round(gb(lim["memory"]), 2) if "memory" in lim else None,
        "storage_gb": round(gi(node["storageSize"]), 2) if isinstance(node, dict) and "storageSize" in node else None,
    }


def _flat(d: dict[str, Any]) -> dict[str, float | None]:
    return {
        "replicas": float(d["replicas"]),
        "cpu.request": d["cpu"]["request"], "cpu.limit": d["cpu"]["limit"],
        "memory_gb.request": d["memory_gb"]["request"], "memory_gb.limit": d["memory_gb"]["limit"],
        "storage_gb": d["storage_gb"],
    }


def _differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a != b
    return abs(a - b) > 0.05 * max(abs(a), abs(b), 0.01)


def deviations(services: dict[str, dict[str, Any]], chart_version: str, standard: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every recommended value that differs from the chart default or from the standard size."""
    defaults = data.chart_defaults(chart_version)
    std_services: dict[str, dict[str, Any]] = {}
    if standard is not None:
        for name, s in standard["services"].items():
            std_services[CHART_KEY[name]] = s
    out: list[dict[str, Any]] = []
    for key, svc in services.items():
        rec = _flat(svc)
        dflt = _default_values(defaults, key)
        std = _flat(std_services[key]) if key in std_services else {}
        std.pop("storage_gb", None)  # the estimator's volumes are totals in GB, not a PVC per replica
        for fld, value in rec.items():
            d, st = dflt.get(fld), std.get(fld)
            from_default, from_standard = _differs(value, d), (fld in std and _differs(value, st))
            if not (from_default or from_standard):
                continue
            why_key = fld.split(".")[0]
            out.append({"key": f"{key}.{fld}", "service": key, "field": fld, "value": value, "chart_default": d,
                        "standard": st, "differs_from_default": from_default, "differs_from_standard": from_standard,
                        "why": svc["why"].get(why_key, ""), "reason": svc["why"].get(why_key, "")})
    return out


def estimate(
    inp: SizingInputs,
    *,
    chart_version: str | None = None,
    cloud: str = "aws",
    headroom: float = 0.2,
    catalog: Sequence[data.Instance] | None = None,
    design: DeploymentDesign | None = None,
) -> dict[str, Any]:
    """The `size estimate --json` result. `design`: where it runs, what the customer hosts outside
    the cluster, POC lessons and plan options (None: everything in the cluster, no spare node)."""
    version = data.resolve_chart_version(chart_version)
    off = official.estimate(inp)
    beyond = off.pop("beyond_reference")
    rec = recommend(inp, chart_version=version)
    services: dict[str, Svc] = rec["services"]
    external = externalize(services, design, chart_version=version)
    if design is not None and not design.prod_shaped:
        lighten(services, inp, design.environment_kind)
    sc = storage_class(design, cloud)
    pods = pods_of(services, version)
    options = design.options if design else None
    plan = pack(pods, cloud, headroom=headroom, catalog=catalog, spare_node=bool(options and options.spare_node),
                one_family=bool(options and options.one_family))
    t = plan["totals"]
    svc_cpu = sum(s.replicas * (s.cpu[0] or 0) for s in services.values() if not s.daemonset)
    svc_mem = sum(s.replicas * (s.mem[0] or 0) for s in services.values() if not s.daemonset)
    size = standard_size(inp.users, inp.repositories)
    size_name = size["size"] if size else "beyond XL"
    rec_services = {k: s.to_dict() | {"external": k in external} for k, s in services.items()}
    finish_plan(plan, rec_services, sc, cloud=cloud, region=design.region if design else None)
    totals = {
        "vcpu": round(t["requested_vcpu"] + t["kube_reserved_vcpu"], 2),
        "memory_gb": round((t["requested_memory_gib"] + t["kube_reserved_memory_gib"]) / GIB_PER_GB, 2),
        "storage_gb": float(sum(s.replicas * (s.storage_gi or 0) for s in services.values())),
        "instance_size": size_name,
        "services_vcpu": round(svc_cpu, 2),
        "services_memory_gb": round(svc_mem, 2),
        "overhead_vcpu": round(t["requested_vcpu"] + t["kube_reserved_vcpu"] - svc_cpu, 2),
        "overhead_memory_gb": round((t["requested_memory_gib"] + t["kube_reserved_memory_gib"]) / GIB_PER_GB - svc_mem, 2),
        "nodes": t["nodes"],
        "node_pools": [{"instance_type": p["instance_type"], "count": p["count"]} for p in plan["pools"]],
        "monthly_usd": plan["monthly_usd"],
        "cloud": cloud,
        "extrapolated": any(s.extrapolated for s in services.values()),
        "why": ("requests of every service x replicas, plus DaemonSets on each node, sidecars, and "
                "kube-reserved and eviction memory of each node in the cheapest node plan; storage: PVCs in Gi"),
    }
    std_est = None
    if size is not None:
        std_est = official.estimate(SizingInputs(
            users=size["users"], repositories=size["repos"], total_repo_size_gb=inp.total_repo_size_gb,
            largest_repo_size_gb=inp.largest_repo_size_gb, largest_index_size_gb=inp.largest_index_size_gb,
            code_insights=inp.code_insights))
    return {
        "inputs": inp.to_dict(),
        "chart_version": version,
        "official": off,
        "official_contact_support_for": beyond,
        "recommended": {"services": rec_services, "totals": totals},
        "deviations": deviations(rec_services, version, std_est),
        "standard": standard_line(cloud, size, catalog),
        "node_plan": plan,
        "externalized": [x.model_dump() for x in customer_provides(design, off["services"], rec_services,
                                                                    volumes=external, chart_version=version)],
        "storage_class": sc.model_dump(),
        "tracing_endpoint": (t.endpoint if design and (t := design.external(ExternalKind.tracing)) else None),
        "cost": plan["cost"],
        "missing": missing(design, sc),
    }


def node_plan(result: dict[str, Any], *, cloud: str, headroom: float = 0.2,
              catalog: Sequence[data.Instance] | None = None) -> dict[str, Any]:
    """The `size nodes --json` result for an estimate: the plan plus the standard comparison line."""
    version = result["chart_version"]
    stored = result.get("node_plan")
    if isinstance(stored, dict) and stored.get("cloud") == cloud and stored.get("headroom") == headroom:
        plan = dict(stored)
    else:
        again = estimate(SizingInputs(**result["inputs"]), chart_version=version, cloud=cloud, headroom=headroom,
                         catalog=catalog)
        plan = dict(again["node_plan"])
    inp = result["inputs"]
    plan["standard"] = standard_line(cloud, standard_size(inp["users"], inp["repositories"]), catalog)
    plan["instance_size"] = result["recommended"]["totals"]["instance_size"]
    return plan



def externalize(services: dict[str, Svc], design: DeploymentDesign | None, *,
                chart_version: str) -> dict[str, int | None]:
    """Take the workloads the design moves out of the cluster out of the deployment: disabled,
    no replicas, no volume; the upload store's consumers point at the customer's bucket.
    Returns chart key -> the volume (Gi) the workload would have had in the cluster."""
    moved = externalized_keys(design)
    volumes: dict[str, int | None] = {}
    for key, provider in moved.items():
        s = services.get(key)
        if s is None:
            continue
        volumes[key] = s.storage_gi
        s.replicas, s.enabled, s.storage_gi = 0, False, None
        s.extrapolated = []
        # every figure the service had keeps its reason (readers look them up), now saying why it is gone
        s.why = {**{k: f"none in the cluster: externalized to {provider}" for k in s.why},
                 "replicas": f"externalized: {provider} (the design's externalized services); "
                             "the chart's existing secret holds the connection"}
    bucket = design.external(ExternalKind.object_storage) if design else None
    if bucket is not None and design is not None:
        env = upload_env(design.cloud, design.region, bucket.provider)
        for key in UPLOAD_CONSUMERS:
            s = services.get(key)
            if s is None or f"{key}.env" not in data.chart_keys(chart_version):
                continue
            s.env = {**s.env, **env}
            target = bucket.provider or "the customer's object storage"
            why = f"uploads go to {target} instead of blobstore"
            s.why["env"] = f"{s.why['env']}; {why}" if s.why.get("env") else why
    return volumes


def finish_plan(plan: dict[str, Any], services: dict[str, dict[str, Any]], sc: StorageClassPlan, *,
                cloud: str, region: str | None) -> None:
    """Add the whole cost (monthly_usd becomes the total; compute stays in cost.compute_usd), the
    storage class and the autoscaler bounds of each node group to a plan from `pack`."""
    cost, detail = whole_cost(plan, services, sc, cloud=cloud, region=region)
    plan["compute_monthly_usd"] = plan["monthly_usd"]
    plan["cost"] = cost.model_dump()
    plan["cost_detail"] = detail.model_dump()
    plan["monthly_usd"] = cost.total_usd
    plan["storage_class"] = sc.model_dump()
    for pool in plan["pools"]:
        n = int(pool["count"])
        pool["min_nodes"] = n
        pool["max_nodes"] = n + max(1, -(-n // 2))
    plan["autoscaling"] = {
        "rule": ("cluster autoscaler per node group: minimum = the plan's nodes (the spare included), maximum = "
                 "half as many again (at least one more) for re-indexing, upgrades and growth"),
        "groups": [{"instance_type": p["instance_type"], "min": p["min_nodes"], "max": p["max_nodes"]}
                   for p in plan["pools"]]}


def missing(design: DeploymentDesign | None, sc: StorageClassPlan) -> list[str]:
    """What the design must still say before the override can be applied as it is."""
    out = list(sc.missing)
    if design is None:
        return out
    if design.external(ExternalKind.object_storage) is not None:
        out.append("the bucket of the customer's object storage (PRECISE_CODE_INTEL_UPLOAD_BUCKET in the override)")
    tracing = design.external(ExternalKind.tracing)
    if tracing is not None and not tracing.endpoint:
        out.append("the OTLP endpoint of the customer's trace collector (externalized_services[].endpoint for tracing)")
    return out


def lighten(services: dict[str, Svc], inp: SizingInputs, kind: str) -> None:
    """An environment without parity with production is not production-shaped: no second frontend
    for availability, one upload at a time in precise code intel."""
    fe = services.get("frontend")
    if fe is not None:
        want = max(1, math.ceil(inp.concurrent / 1000)) if inp.concurrent else 1
        if want < fe.replicas:
            fe.replicas = want
            fe.why["replicas"] = f"{kind} without parity with production: no second replica for availability ({want})"
    pci = services.get("preciseCodeIntel")
    ix = inp.largest_index_size_gb
    if pci is not None and ix > 0 and pci.env.get("NUM_WORKERS") not in (None, "1"):
        m = float(math.ceil(2 * ix + 1))
        pci.mem = [m, m]
        pci.env = {**pci.env, "NUM_WORKERS": "1"}
        pci.why["memory_gb"] = f"2 x the largest index ({ix:g} GB), one upload at a time, + 1 GB; request = limit"
        pci.why["env"] = f"{kind} without parity with production: one upload at a time"
