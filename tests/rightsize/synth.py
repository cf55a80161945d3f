"""A synthetic Sourcegraph cluster in cAdvisor and kube-state-metrics shapes, as OpenMetrics text
for `promtool tsdb create-blocks-from openmetrics`.

Samples every 30 s (the scrape interval of Sourcegraph's Prometheus) over the window plus ten
minutes of lead-in, so the first rate() of the window has history. What each service imitates
(the issue's cluster: over-provisioned frontend, gitserver OOM-killed at its 8G limit, searcher
throttled at a 2-core limit):

- frontend, 2 pods named `frontend-0` and `frontend-1` (the chart's `frontend.name` changed, so
  no pod is called sourcegraph-frontend): search traffic that idles at 0.15 cores and peaks at
  0.35 cores for a busy half hour, a Go heap sawtooth between 600 and 700 MiB (garbage collection
  every 10 minutes); it runs with 2 cores and 2G-4G.
- gitserver-0 (OOM-killed): the working set climbs from 3 GB to 7.9 GB at its 8G limit, the
  kernel kills it (container_oom_events_total +1, a restart, kube-state-metrics' last terminated
  reason OOMKilled), then it climbs again from 1 GB.
- searcher-0 (throttled): CPU pinned at its 2-core limit during an unindexed-search storm, 45%
  of CFS periods throttled, 400 MiB resident; it runs with 500m/500M requests, 2/2G limits.
- indexed-search-0: zoekt-indexserver steady at 3 cores and 5 GB, zoekt-webserver at 0.4 cores
  and 1.5 GB. kube-state-metrics has no series for this pod: what it runs with comes from
  cAdvisor's spec series only (8G and 8 cores of limit, a 4-core request as 4096 CPU shares).
- three pods with a container `pgsql` (the frontend database and codeintel-db share it):
  `pgsql-0` (workload pgsql), `main-codeintel-0` (renamed, told apart by its app label
  codeintel-db) and `legacy-db-0` (no app label, a workload that names neither: unmatched).
- worker: absent (no samples in the window), as when the pod was down or not scraped.
- not Sourcegraph: kube-system/coredns, and monitoring/prometheus-k8s-0 whose container is called
  `prometheus` but runs quay.io/prometheus/prometheus.
- cAdvisor's pod-level cgroup series (container="") and pause containers (container="POD"),
  which the queries must skip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

STEP = 30  # seconds between samples
LEAD = 600  # seconds of history before the window
GI = 1e9
MI = 2**20


@dataclass
class Cluster:
    start: int
    end: int
    lines: dict[str, list[str]] = field(default_factory=dict)
    #: generator truth: (pod, container) -> list of (t, cpu cores) and (t, memory bytes)
    cpu: dict[tuple[str, str], list[tuple[int, float]]] = field(default_factory=dict)
    memory: dict[tuple[str, str], list[tuple[int, float]]] = field(default_factory=dict)
    oom_at: int = 0

    def add(self, metric: str, labels: dict[str, str], t: int, value: float) -> None:
        lab = ",".join(f'{k}="{v}"' for k, v in labels.items())
        self.lines.setdefault(metric, []).append(f"{metric}{{{lab}}} {value!r} {t}")

    def openmetrics(self) -> str:
        out: list[str] = []
        for rows in self.lines.values():
            out.extend(rows)
        out.append("# EOF")
        return "\n".join(out) + "\n"


#: (requests cpu, requests memory, limits cpu, limits memory) in cores and bytes; None = not set
Resources = tuple[float | None, float | None, float | None, float | None]


def _labels(pod: str, container: str, ns: str, image: str) -> dict[str, str]:
    return {"namespace": ns, "pod": pod, "container": container, "image": image}


def _container(c: Cluster, pod: str, container: str, cpu_at, mem_at, *, ns: str = "sourcegraph",
               throttle: float = 0.0, oom_at: int | None = None, image: str | None = None,
               resources: Resources = (None, None, None, None), with_ksm: bool = True, oom_every: int | None = None) -> None:
    """Write the cAdvisor series of one container (counters integrate the CPU rate), its spec
    series, and where `ksm`, kube-state-metrics' resource series."""
    labels = _labels(pod, container, ns, image or f"index.docker.io/sourcegraph/{container}:6.4.0@sha256:0123abcd")
    req_cpu, req_mem, lim_cpu, lim_mem = resources
    used = 0.0
    periods = 0.0
    throttled = 0.0
    times = range(c.start, c.end + 1, STEP)
    cpu_truth, mem_truth = [], []
    for t in times:
        cpu = cpu_at(t)
        used += cpu * STEP
        periods += 10 * STEP  # 100 ms CFS periods
        throttled += 10 * STEP * throttle
        c.add("container_cpu_usage_seconds_total", labels, t, used)
        c.add("container_memory_working_set_bytes", labels, t, mem_at(t))
        c.add("container_cpu_cfs_periods_total", labels, t, periods)
        c.add("container_cpu_cfs_throttled_periods_total", labels, t, throttled)
        ooms = 1.0 if oom_at is not None and t >= oom_at else 0.0
        if oom_every:  # killed again and again: a counter that climbs through any window
            ooms = float((t - c.start) // oom_every)
        c.add("container_oom_events_total", labels, t, ooms)
        ksm = {"namespace": ns, "pod": pod, "container": container}
        c.add("kube_pod_container_status_restarts_total", ksm, t, 1.0 if oom_at is not None and t >= oom_at else 0.0)
        if oom_at is not None and t >= oom_at:
            c.add("kube_pod_container_status_last_terminated_reason", {**ksm, "reason": "OOMKilled"}, t, 1.0)
        # cAdvisor's spec series: the memory limit (0 for none), quota / period, shares
        c.add("container_spec_memory_limit_bytes", labels, t, float(lim_mem or 0))
        if lim_cpu is not None:
            c.add("container_spec_cpu_quota", labels, t, lim_cpu * 100000)
            c.add("container_spec_cpu_period", labels, t, 100000.0)
        c.add("container_spec_cpu_shares", labels, t, float(max(2, int((req_cpu or 0) * 1000) * 1024 // 1000)))
        if with_ksm:
            for metric, value, resource in (
                    ("kube_pod_container_resource_requests", req_cpu, "cpu"), ("kube_pod_container_resource_requests", req_mem, "memory"),
                    ("kube_pod_container_resource_limits", lim_cpu, "cpu"), ("kube_pod_container_resource_limits", lim_mem, "memory")):
                if value is not None:
                    c.add(metric, {"namespace": ns, "pod": pod, "container": container, "node": "node-1", "resource": resource,
                                   "unit": "core" if resource == "cpu" else "byte"}, t, float(value))
        cpu_truth.append((t, cpu))
        mem_truth.append((t, mem_at(t)))
    c.cpu[(pod, container)] = cpu_truth
    c.memory[(pod, container)] = mem_truth


def build(end: int, window_s: int) -> Cluster:
    start = end - window_s - LEAD
    c = Cluster(start=start, end=end)
    busy = (start + LEAD + window_s // 3, start + LEAD + window_s // 3 + 1800)

    def frontend_cpu(t: int) -> float:
        return 0.35 if busy[0] <= t < busy[1] else 0.15

    def frontend_mem(t: int) -> float:
        return 600 * MI + 100 * MI * ((t - start) % 600) / 600  # GC sawtooth

    for pod in ("frontend-0", "frontend-1"):
        _container(c, pod, "frontend", frontend_cpu, frontend_mem, resources=(2.0, 2 * GI, 2.0, 4 * GI))

    oom_at = start + LEAD + window_s // 2
    c.oom_at = oom_at

    def gitserver_mem(t: int) -> float:
        if t < oom_at:  # climbs to 7.9 GB right before the kill
            return 3 * GI + 4.9 * GI * (t - start) / (oom_at - STEP - start)
        return 1 * GI + 0.5 * GI * (t - oom_at) / 3600

    _container(c, "gitserver-0", "gitserver", lambda t: 1.2, gitserver_mem, oom_at=oom_at,
               resources=(4.0, 8 * GI, 4.0, 8 * GI))
    _container(c, "indexed-search-0", "zoekt-indexserver", lambda t: 3.0, lambda t: 5 * GI,
               image="index.docker.io/sourcegraph/search-indexer:6.4.0", resources=(4.0, 4 * GI, 8.0, 8 * GI), with_ksm=False)
    _container(c, "indexed-search-0", "zoekt-webserver", lambda t: 0.4, lambda t: 1.5 * GI,
               image="index.docker.io/sourcegraph/indexed-searcher:6.4.0", resources=(0.5, 2 * GI, 2.0, 4 * GI), with_ksm=False)
    _container(c, "searcher-0", "searcher", lambda t: 2.0 - 0.02 * (1 + math.sin(t / 300)) / 2,
               lambda t: 400 * MI, throttle=0.45, resources=(0.5, 500e6, 2.0, 2 * GI))
    for pod, app in (("pgsql-0", ""), ("main-codeintel-0", "codeintel-db"), ("legacy-db-0", "")):
        _container(c, pod, "pgsql", lambda t: 0.2, lambda t: 1 * GI, image="index.docker.io/sourcegraph/postgresql-16:6.4.0",
                   resources=(4.0, 4 * GI, 4.0, 4 * GI))
        c.add("kube_pod_owner", {"namespace": "sourcegraph", "pod": pod, "owner_kind": "StatefulSet",
                                 "owner_name": pod.rsplit("-", 1)[0]}, c.end, 1.0)
        if app:
            c.add("kube_pod_labels", {"namespace": "sourcegraph", "pod": pod, "label_app": app}, c.end, 1.0)
    _container(c, "coredns-5d78c9869d-q8xhv", "coredns", lambda t: 0.01, lambda t: 30 * MI, ns="kube-system",
               image="registry.k8s.io/coredns/coredns:v1.10.1")
    _container(c, "prometheus-k8s-0", "prometheus", lambda t: 0.3, lambda t: 2 * GI, ns="monitoring",
               image="quay.io/prometheus/prometheus:v2.42.0")
    # cAdvisor's pod cgroup (container="") and the pause container: never a service
    for t in range(start, end + 1, STEP):
        c.add("container_memory_working_set_bytes", {"namespace": "sourcegraph", "pod": "searcher-0", "container": ""}, t, 99 * GI)
        c.add("container_memory_working_set_bytes", {"namespace": "sourcegraph", "pod": "searcher-0", "container": "POD"}, t, 1 * MI)
    return c


#: the values file of the synthetic cluster (what runs, restated; chart 6.4.0 defaults elsewhere)
VALUES = """\
frontend:
  name: frontend
  replicaCount: 2
  resources:
    requests: {cpu: "2", memory: 2G}
    limits: {cpu: "2", memory: 4G}
gitserver:
  resources:
    requests: {cpu: "4", memory: 8G}
    limits: {cpu: "4", memory: 8G}
searcher:
  resources:
    requests: {cpu: 500m, memory: 500M}
    limits: {cpu: "2", memory: 2G}
indexedSearchIndexer:
  resources:
    requests: {cpu: "4", memory: 4G}
    limits: {cpu: "8", memory: 8G}
pgsql: {enabled: false}
codeIntelDB: {enabled: false}
codeInsightsDB: {enabled: false}
"""
