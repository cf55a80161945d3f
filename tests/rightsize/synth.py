"""A synthetic Sourcegraph cluster in cAdvisor and kube-state-metrics shapes, as OpenMetrics text
for `promtool tsdb create-blocks-from openmetrics`.

Samples every 30 s (the scrape interval of Sourcegraph's Prometheus) over the window plus ten
minutes of lead-in, so the first rate() of the window has history. What each service imitates:

- frontend, 2 pods (over-provisioned): search traffic that idles at 0.15 cores and peaks at
  0.35 cores for a busy half hour, a Go heap sawtooth between 600 and 700 MiB (garbage collection
  every 10 minutes); the chart gives it 2 cores and 2G-4G.
- indexed-search-0 / zoekt-indexserver (OOM-killed): indexing a monorepo, the working set climbs
  from 3 GB to 7.9 GB at 8G limit, the kernel kills it (container_oom_events_total +1, a restart,
  kube-state-metrics' last terminated reason OOMKilled), then it climbs again from 1 GB.
  zoekt-webserver beside it is steady (0.4 cores, 1.5 GB).
- searcher-0 (throttled): CPU pinned at its 2-core limit during an unindexed-search storm, 45%
  of CFS periods throttled, 400 MiB resident.
- gitserver-0: steady clone and fetch load, 1.2 cores, 5 GB.
- worker: absent (no samples in the window), as when the pod was down or not scraped.
- cAdvisor's pod-level cgroup series (container="") and pause containers (container="POD"),
  which the queries must skip, and a non-Sourcegraph container (kube-system/coredns).
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


def _labels(pod: str, container: str, ns: str = "sourcegraph") -> dict[str, str]:
    return {"namespace": ns, "pod": pod, "container": container, "image": f"index.docker.io/sourcegraph/{container}:6.4.0"}


def _container(c: Cluster, pod: str, container: str, cpu_at, mem_at, *, ns: str = "sourcegraph",
               throttle: float = 0.0, oom_at: int | None = None) -> None:
    """Write the cAdvisor series of one container: counters integrate the CPU rate."""
    labels = _labels(pod, container, ns)
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
        c.add("container_oom_events_total", labels, t, 1.0 if oom_at is not None and t >= oom_at else 0.0)
        ksm = {"namespace": ns, "pod": pod, "container": container}
        c.add("kube_pod_container_status_restarts_total", ksm, t, 1.0 if oom_at is not None and t >= oom_at else 0.0)
        if oom_at is not None and t >= oom_at:
            c.add("kube_pod_container_status_last_terminated_reason", {**ksm, "reason": "OOMKilled"}, t, 1.0)
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

    for pod in ("sourcegraph-frontend-6f7b9c8d4-abcde", "sourcegraph-frontend-6f7b9c8d4-fghij"):
        _container(c, pod, "frontend", frontend_cpu, frontend_mem)

    oom_at = start + LEAD + window_s // 2
    c.oom_at = oom_at

    def indexer_mem(t: int) -> float:
        if t < oom_at:  # climbs to 7.9 GB right before the kill
            return 3 * GI + 4.9 * GI * (t - start) / (oom_at - STEP - start)
        return 1 * GI + 0.5 * GI * (t - oom_at) / 3600

    _container(c, "indexed-search-0", "zoekt-indexserver", lambda t: 3.0, indexer_mem, oom_at=oom_at)
    _container(c, "indexed-search-0", "zoekt-webserver", lambda t: 0.4, lambda t: 1.5 * GI)
    _container(c, "searcher-0", "searcher", lambda t: 2.0 - 0.02 * (1 + math.sin(t / 300)) / 2,
               lambda t: 400 * MI, throttle=0.45)
    _container(c, "gitserver-0", "gitserver", lambda t: 1.2, lambda t: 5 * GI)
    _container(c, "coredns-5d78c9869d-q8xhv", "coredns", lambda t: 0.01, lambda t: 30 * MI, ns="kube-system")
    # cAdvisor's pod cgroup (container="") and the pause container: never a service
    for t in range(start, end + 1, STEP):
        c.add("container_memory_working_set_bytes", {"namespace": "sourcegraph", "pod": "searcher-0", "container": ""}, t, 99 * GI)
        c.add("container_memory_working_set_bytes", {"namespace": "sourcegraph", "pod": "searcher-0", "container": "POD"}, t, 1 * MI)
    return c


#: the values file of the synthetic cluster (chart 6.4.0 defaults restated where they matter)
VALUES = """\
frontend:
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
