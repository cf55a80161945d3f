"""implhub's recommended sizing: the official reference data with its defects fixed.

Every number carries a "why". Rules, in words:
- the official reference curves give the starting point, under the chart's keys (the estimator's
  `indexedSearch` is the chart's `indexedSearchIndexer` and the other way round);
- above the last reference point the curve is extended (replicas scale out in proportion for a
  service the chart can replicate, resources scale up otherwise) and the figure is marked extrapolated;
- requests never above limits; memory of stateful services and Redis requested at its limit;
- only keys the targeted chart version has: no `symbols`/`repoUpdater` from v6.4 on, replicas only
  where the chart has `replicaCount` (otherwise the pod grows instead);
- storage per replica where a StatefulSet replicates, as a whole number of Gi;
- zoekt memory from the indexable corpus when code statistics are known, monorepo effects on
  zoekt-indexserver, searcher and gitserver, precise-code-intel memory from the largest index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from implhub.sizing import data
from implhub.sizing.gomath import resource_round
from implhub.sizing.inputs import SizingInputs
from implhub.sizing.official import interpolate, key_value, service_lists
from implhub.sizing.units import cpu_cores, gb, whole_gi

#: official estimator name -> chart key
CHART_KEY = {
    "frontend": "frontend", "gitserver": "gitserver", "blobstore": "blobstore", "pgsql": "pgsql",
    "preciseCodeIntel": "preciseCodeIntel", "syntacticCodeIntel": "syntacticCodeIntel",
    "redisCache": "redisCache", "redisStore": "redisStore", "searcher": "searcher", "symbols": "symbols",
    "syntectServer": "syntectServer", "worker": "worker",
    "indexedSearchIndexer": "indexedSearch",  # the estimator's zoekt-webserver
    "indexedSearch": "indexedSearchIndexer",  # the estimator's zoekt-indexserver
    "codeinsights-db": "codeInsightsDB", "codeintel-db": "codeIntelDB", "prometheus": "prometheus",
}
KEY_LABEL = {"users": "users", "repos": "repositories", "total_gb": "total size (GB)",
             "largest_gb": "largest repository (GB)", "index_gb": "largest index (GB)",
             "user_repo_ratio": "(users + repositories) / 1000", "fixed": "fixed"}
#: chart workloads not in the estimator, sized at the chart's defaults
CHART_ONLY = ["grafana", "openTelemetry.gateway", "repoUpdater"]
DAEMONSETS = ["cadvisor", "nodeExporter", "openTelemetry.agent"]
#: sidecars that run in a service's pod (chart defaults), added to the pod's requests for packing
SIDECARS = {"pgsql": "postgresExporter", "codeIntelDB": "postgresExporter", "codeInsightsDB": "postgresExporter",
            "redisCache": "redisExporter", "redisStore": "redisExporter"}
GITSERVER_MAX_PVC_GI = 8192  # keep each gitserver disk at or under 8 TiB (resize and snapshot times)
GITSERVER_MAX_MEM_GB = 64
GITSERVER_MAX_MONOREPO_SHARDS = 8  # beyond this many monorepos they share shards
ZOEKT_MAX_MEM_GB = 64
PCI_POD_TARGET_GB = 32  # precise-code-intel pods kept under about this much memory where the index allows
#: a code statistics scan drives zoekt only when it covers at least this share of the design's
#: repositories and at least MIN_SCAN_REPOSITORIES of them: the indexable share of a repository
#: varies with vendored binaries and generated files, so a handful of repositories says little
#: about thousands (a 4-repository scan once moved zoekt memory tenfold)
MIN_SCAN_SHARE = 0.10
MIN_SCAN_REPOSITORIES = 50
#: without a usable scan: the share of the design's total (packed, with history) size that is
#: indexable text at HEAD, implhub's assumption until a scan measures it
ASSUMED_INDEXABLE_SHARE = 0.03
MONOREPO_INDEXABLE_SHARE = 0.15  # assumed share of a monorepo's size that is indexable text (no code stats)


@dataclass
class Svc:
    key: str
    replicas: int
    cpu: list[float | None]
    mem: list[float | None]
    storage_gi: int | None = None
    ephemeral_gb: list[float] | None = None
    daemonset: bool = False
    enabled: bool | None = None
    env: dict[str, str] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)
    extrapolated: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "replicas": self.replicas,
            "cpu": {"request": self.cpu[0], "limit": self.cpu[1]},
            "memory_gb": {"request": self.mem[0], "limit": self.mem[1]},
            "storage_gb": float(self.storage_gi) if self.storage_gi is not None else None,
            "ephemeral_gb": ({"request": self.ephemeral_gb[0], "limit": self.ephemeral_gb[1]}
                             if self.ephemeral_gb else None),
            "daemonset": self.daemonset,
            "enabled": self.enabled,
            "env": self.env or None,
            "why": self.why,
            "extrapolated": bool(self.extrapolated),
            "extrapolation": "; ".join(self.extrapolated) or None,
        }


def _chart_resources(defaults: dict[str, Any], path: str) -> tuple[list[float | None], list[float | None]]:
    node: Any = defaults
    for part in path.split("."):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    res = node.get("resources", {}) if isinstance(node, dict) else {}
    req, lim = res.get("requests", {}), res.get("limits", {})

    def c(d: dict[str, Any]) -> float | None:
        return cpu_cores(d["cpu"]) if "cpu" in d else None

    def m(d: dict[str, Any]) -> float | None:
        return round(gb(d["memory"]), 3) if "memory" in d else None

    return [c(req), c(lim)], [m(req), m(lim)]


def _base(inp: SizingInputs, replicable: set[str]) -> dict[str, Svc]:
    """The official curves under chart keys, extended beyond their last point instead of clamped."""
    out: dict[str, Svc] = {}
    for name, lists in service_lists().items():
        key = CHART_KEY[name]
        svc = Svc(key=key, replicas=0, cpu=[None, None], mem=[None, None])
        for ref_key, points in lists:
            v = key_value(ref_key, inp)
            it = interpolate(points, v)
            label = KEY_LABEL[ref_key]
            cpu, mem, replicas = list(it.cpu), list(it.mem), it.replicas
            if it.beyond and points[-1].at > 0:
                last = points[-1]
                factor = v / last.at
                if key in replicable and last.replicas > 0:
                    replicas = math.ceil(last.replicas * factor)
                    svc.extrapolated.append(
                        f"{label} {v:g} is above the last reference point ({last.at:g}): replicas scaled out "
                        f"in proportion ({last.replicas} x {factor:.2f}), per-replica resources of the last point")
                else:
                    cpu = [c * factor for c in cpu]
                    mem = [m * factor for m in mem]
                    svc.extrapolated.append(
                        f"{label} {v:g} is above the last reference point ({last.at:g}): resources scaled "
                        f"in proportion (x {factor:.2f}) because the chart runs one pod")
            src = f"official reference points by {label} = {v:g}" + (" (extrapolated)" if it.beyond else "")
            if replicas > svc.replicas:
                svc.replicas = replicas
                svc.why["replicas"] = src
            if svc.cpu[1] is None and cpu[1] > 0:
                svc.cpu = [resource_round(cpu[0]), resource_round(cpu[1])]
                svc.why["cpu"] = src
            if svc.mem[1] is None and mem[1] > 0:
                svc.mem = [resource_round(mem[0]), resource_round(mem[1])]
                svc.why["memory_gb"] = src
        if svc.replicas == 0:
            svc.replicas = 1
            svc.why["replicas"] = "no reference point gives replicas: one"
        out[key] = svc
    return out


def scan_usable(inp: SizingInputs) -> tuple[bool, str]:
    """Whether the code statistics may drive zoekt's memory and disk, and the note that says why."""
    if inp.indexable_bytes is None:
        return False, "no code statistics scan yet"
    cov = 1.0 if inp.indexable_coverage is None else inp.indexable_coverage
    scanned = round(cov * inp.repositories)
    if cov >= MIN_SCAN_SHARE and (scanned >= MIN_SCAN_REPOSITORIES or cov >= 0.999):
        return True, f"code statistics cover {cov:.1%} of the repositories"
    return False, (f"the code statistics scan covers {scanned} repositories ({cov:.2%}); below "
                   f"{MIN_SCAN_SHARE:.0%} and {MIN_SCAN_REPOSITORIES} repositories it is too small a sample, "
                   "so the design's totals are used")


def _ceil_q(x: float) -> float:
    """Round up to a quarter below 1, to a whole number above."""
    return math.ceil(x * 4) / 4 if x <= 1 else float(math.ceil(x - 1e-9))


def recommend(inp: SizingInputs, *, chart_version: str) -> dict[str, Any]:
    """Recommended services under the chart's keys (totals are added by `estimate.estimate`)."""
    version = data.resolve_chart_version(chart_version)
    keys = data.chart_keys(version)
    defaults = data.chart_defaults(version)
    replicable = {k.split(".")[0] for k in keys if k.endswith(".replicaCount")}
    base = _base(inp, replicable)
    T, L, IX = inp.total_repo_size_gb, inp.largest_repo_size_gb, inp.largest_index_size_gb
    C = inp.concurrent

    # frontend: high availability and concurrency
    fe = base["frontend"]
    want = max(2, math.ceil(C / 1000))
    if want > fe.replicas:
        fe.replicas = want
        fe.why["replicas"] = f"at least 2 for availability, one per 1,000 concurrent users ({C}): {want}"
    fe.ephemeral_gb = [round(gb("4Gi"), 2), round(gb("8Gi"), 2)]
    fe.why["ephemeral_gb"] = "chart default (4Gi / 8Gi)"

    # gitserver: disk with 20% free per shard, memory for the packed repos each shard serves
    gs = base["gitserver"]
    need_disk_gb = 1.25 * T
    by_disk = math.ceil(whole_gi(need_disk_gb) / GITSERVER_MAX_PVC_GI) if T else 1
    by_mem = math.ceil(0.05 * T / GITSERVER_MAX_MEM_GB) if T else 1
    mono_need = math.ceil(8 + 0.25 * L) if inp.monorepos and L else 0
    # monorepos: one per shard, so their clones' page cache is not stacked on one replica
    by_mono = min(inp.monorepos, GITSERVER_MAX_MONOREPO_SHARDS) if mono_need > 0.05 * T / max(by_mem, 1) else 0
    r = max(gs.replicas, by_disk, by_mem, by_mono, 1)
    if r > gs.replicas:
        reasons = [f"each disk at most {GITSERVER_MAX_PVC_GI} Gi", f"each replica's memory at most {GITSERVER_MAX_MEM_GB} GB"]
        if by_mono == r:
            reasons.append(f"one shard per monorepo ({inp.monorepos})")
        gs.why["replicas"] = (f"{r} shards: " + ", ".join(reasons) + f" (the official curve has {gs.replicas} "
                              f"replica(s) needing {0.05 * T:g} GB together)")
        gs.replicas = r
    per_mem = max(8.0, math.ceil(0.05 * T / r))
    why_mem = f"5% of the repositories each replica serves ({T:g} GB / {r}), at least 8 GB"
    if mono_need > per_mem:
        per_mem = float(min(mono_need, GITSERVER_MAX_MEM_GB))
        why_mem = f"monorepo: a quarter of the largest repository ({L:g} GB) in page cache for clones, plus 8 GB"
        if mono_need > GITSERVER_MAX_MEM_GB:
            why_mem += (f" = {mono_need} GB, held to the {GITSERVER_MAX_MEM_GB} GB per replica limit "
                        "(the rest of the pack is read from disk)")
    gs.mem = [per_mem, per_mem]
    gs.why["memory_gb"] = why_mem + "; request = limit (stateful, no OOM surprises)"
    if inp.monorepos and gs.cpu[0] is not None:
        gs.cpu = [gs.cpu[0] + 2, (gs.cpu[1] or 0) + 2]
        gs.why["cpu"] += "; +2 cores for monorepo packing"
    gs.storage_gi = whole_gi(max(need_disk_gb / r + L, 10))
    gs.why["storage_gb"] = (f"per replica: 1.25 x {T:g} GB / {r} (keep > 20% free) + the largest repository "
                            f"({L:g} GB), which lands whole on one shard")

    # zoekt: the chart's indexedSearch is zoekt-webserver, indexedSearchIndexer zoekt-indexserver
    web, idx = base["indexedSearch"], base["indexedSearchIndexer"]
    mmap = math.ceil(inp.repositories / (0.6 * 65536)) if inp.repositories else 1
    r = max(web.replicas, mmap)
    why_r = f"memory-map limit: repositories / (0.6 x 65536) = {mmap}" if mmap > web.replicas else ""
    usable, sample_note = scan_usable(inp)
    if usable and inp.indexable_bytes is not None:
        corpus_gb = inp.indexable_bytes / 1e9
        source = f"{corpus_gb:.1f} GB, files <= 1 MB, non-binary, from code statistics"
    else:
        corpus_gb = ASSUMED_INDEXABLE_SHARE * T
        source = (f"assumed {ASSUMED_INDEXABLE_SHARE:.0%} of the design's {T:g} GB: {corpus_gb:.1f} GB; "
                  + sample_note)
    total_mem = 2.7 * corpus_gb
    by_mem = math.ceil(total_mem / ZOEKT_MAX_MEM_GB)
    if by_mem > r:
        r, why_r = by_mem, f"2.7 x the corpus ({total_mem:.0f} GB) at most {ZOEKT_MAX_MEM_GB} GB per replica: {by_mem}"
    m = max(2.0, float(math.ceil(total_mem / r)))
    if m >= (web.mem[0] or 0.0) or usable:
        web.mem = [m, _ceil_q(m * 1.25)]
        web.why["memory_gb"] = f"2.7 x the indexable corpus ({source}) over {r} replica(s); limit +25%"
    else:
        web.why["memory_gb"] += f"; above 2.7 x the indexable corpus ({source})"
    if usable and inp.indexable_bytes is not None:
        web.storage_gi = whole_gi(max(3.5 * corpus_gb * 1.25 / r, 10))
        web.why["storage_gb"] = f"index shards 3.5 x the corpus ({corpus_gb:.1f} GB) over {r} replica(s), +25% free"
    else:
        web.storage_gi = whole_gi(max(0.6 * T / r, 10))
        web.why["storage_gb"] = f"0.6 x total size ({T:g} GB) over {r} replica(s), the official rule; {sample_note}"
    if r != web.replicas:
        web.replicas = r
        web.why["replicas"] = why_r
    idx.replicas = web.replicas
    idx.why["replicas"] = "same pod as indexedSearch (zoekt-webserver)"
    if inp.largest_indexable_bytes is not None:
        need = math.ceil(inp.largest_indexable_bytes / 1e9 * 1.2) + 2
        reason = (f"hold the largest repository's indexable files ({inp.largest_indexable_bytes / 1e9:.1f} GB, "
                  "from code statistics) +20% + 2 GB")
    elif inp.monorepos and L:
        need = math.ceil(MONOREPO_INDEXABLE_SHARE * L) + 4
        reason = (f"monorepo: hold the largest repository's indexable files, assumed {MONOREPO_INDEXABLE_SHARE:.0%} "
                  f"of {L:g} GB, + 4 GB")
    else:
        need = 0
        reason = ""
    if need > (idx.mem[0] or 0):
        idx.mem = [float(need), float(max(need, idx.mem[1] or 0))]
        idx.why["memory_gb"] = reason

    # searcher: concurrency, monorepos, an integer-Gi PVC per replica
    se = base["searcher"]
    want = max(se.replicas, math.ceil(C / 500) if C else 1)
    if want > se.replicas:
        se.replicas = want
        se.why["replicas"] = f"one replica per 500 concurrent users ({C}) for unindexed and structural search"
    if inp.monorepos and L:
        m = float(min(32, math.ceil(2 + 0.1 * L)))
        if m > (se.mem[0] or 0):
            se.mem = [m, max(m, se.mem[1] or 0)]
            se.why["memory_gb"] = f"monorepo: 2 GB + 10% of the largest repository ({L:g} GB), at most 32 GB"
    cache_gb = max(L + 0.15 * T, 0.3 * T) / se.replicas
    se.storage_gi = whole_gi(max(1.2 * L, cache_gb, 10))
    se.why["storage_gb"] = (f"PVC per replica, a whole number of Gi: the larger of 1.2 x the largest repository "
                            f"({L:g} GB) and its share of the archive cache max(L + 0.15 T, 0.3 T)")

    # symbols: only before chart 6.4
    if "symbols" in base:
        sy = base["symbols"]
        sy.storage_gi = max(whole_gi(1.2 * L) if L else 0, 12)
        sy.why["storage_gb"] = f"1.2 x the largest repository ({L:g} GB), at least the chart's 12Gi"

    # precise code intel: memory from the largest index
    pci = base["preciseCodeIntel"]
    if IX > 0:
        workers = 4 if 2 * IX * 4 <= PCI_POD_TARGET_GB else max(1, int(PCI_POD_TARGET_GB // (2 * IX)))
        m = float(math.ceil(2 * IX * workers + 1))
        pci.mem = [m, m]
        pci.env = {"NUM_WORKERS": str(workers)}
        pci.why["memory_gb"] = (f"2 x the largest index ({IX:g} GB) x {workers} concurrent uploads (NUM_WORKERS) "
                                "+ 1 GB; request = limit")
        if m <= PCI_POD_TARGET_GB + 1:
            pci.why["env"] = f"{workers} upload(s) per pod, so one pod stays under about {PCI_POD_TARGET_GB} GB"
        else:
            pci.why["env"] = (f"one upload at a time: a single upload of the largest index needs {m:g} GB, more than "
                              f"the {PCI_POD_TARGET_GB} GB a pod is otherwise kept under")

    # syntactic code intel: disabled in the chart unless asked for
    sci = base["syntacticCodeIntel"]
    cores = math.ceil((L * 1000 / 0.75) / 900) if L else 1
    sci.replicas, sci.enabled = 0, False
    sci.cpu, sci.mem = _chart_resources(defaults, "syntacticCodeIntel")
    sci.why = {"replicas": (f"disabled as in the chart; enabling it for the largest repository would take "
                            f"{cores} cores at 0.75 MB/s per core within 15 minutes")}
    sci.extrapolated = []

    # blobstore, databases
    bs = base["blobstore"]
    bs.storage_gi = max(whole_gi(3 * IX) if IX else 0, 100)
    bs.why["storage_gb"] = f"3 x the largest index ({IX:g} GB) for uploads in flight, at least the chart's 100Gi"
    for key in ("pgsql", "codeIntelDB", "codeInsightsDB", "prometheus"):
        s = base[key]
        s.storage_gi = 200
        s.why["storage_gb"] = "reference point / chart default 200Gi"
    ci = base["codeIntelDB"]
    if IX > 0:
        ci.storage_gi = max(200, whole_gi(10 * IX))
        ci.why["storage_gb"] = f"10 x the largest index ({IX:g} GB): processed uploads retained, at least 200Gi"
    cidb = base["codeInsightsDB"]
    if not inp.code_insights:
        cidb.replicas, cidb.enabled, cidb.storage_gi = 0, False, None
        cidb.why = {"replicas": "Code Insights is off: disabled"}

    # Redis: one pod in the chart; memory requested at its limit
    for key in ("redisCache", "redisStore"):
        s = base[key]
        s.storage_gi = 100
        s.why["storage_gb"] = "chart default 100Gi"
        if s.mem[1] is not None and s.mem[0] != s.mem[1]:
            s.mem = [s.mem[1], s.mem[1]]
            s.why["memory_gb"] += "; request raised to the limit (Redis memory is not compressible)"

    services: dict[str, Svc] = {}
    top_keys = {k.split(".")[0] for k in keys}
    for key, s in base.items():
        if key not in top_keys:
            continue  # e.g. symbols from chart 6.4 on: the chart has no such key
        services[key] = s
    for key in CHART_ONLY + DAEMONSETS:
        top = key.split(".")[0]
        if top not in top_keys or f"{key}.resources" not in keys:
            continue
        cpu, mem = _chart_resources(defaults, key)
        s = Svc(key=key, replicas=1, cpu=cpu, mem=mem, daemonset=key in DAEMONSETS,
                why={"cpu": "chart default", "memory_gb": "chart default",
                     "replicas": "one per node (DaemonSet)" if key in DAEMONSETS else "chart default"})
        if key == "grafana":
            s.storage_gi = 2
            s.why["storage_gb"] = "chart default 2Gi"
        services[key] = s

    # the chart cannot replicate a service without replicaCount: the one pod grows instead
    for key, s in services.items():
        if s.daemonset or key == "indexedSearchIndexer" or s.replicas <= 1:
            continue
        if key not in replicable:
            n = s.replicas
            s.cpu = [None if c is None else c * n for c in s.cpu]
            s.mem = [None if m is None else m * n for m in s.mem]
            s.replicas = 1
            s.why["replicas"] = f"the chart has no {key}.replicaCount: one pod with the resources of {n}"
    # requests never above limits
    for s in services.values():
        for pair, name in ((s.cpu, "cpu"), (s.mem, "memory_gb")):
            if pair[0] is not None and pair[1] is not None and pair[0] > pair[1]:
                pair[1] = pair[0]
                s.why[name] = s.why.get(name, "") + "; limit raised to the request (the official figure had request > limit)"
        if s.ephemeral_gb and s.ephemeral_gb[0] > s.ephemeral_gb[1]:
            s.ephemeral_gb[1] = s.ephemeral_gb[0]
        for f in ("replicas", "cpu", "memory_gb"):
            s.why.setdefault(f, "chart default")
    return {"chart_version": version, "services": services}


def sidecar_resources(chart_version: str) -> dict[str, tuple[float, float]]:
    """Per pod: extra (cpu, memory GB) requests of sidecars, from the chart defaults."""
    defaults = data.chart_defaults(chart_version)
    out: dict[str, tuple[float, float]] = {}
    for key, sidecar in SIDECARS.items():
        cpu, mem = _chart_resources(defaults, sidecar)
        out[key] = (cpu[0] or 0.0, mem[0] or 0.0)
    return out
