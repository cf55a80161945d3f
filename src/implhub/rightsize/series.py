"""Prometheus API responses -> usage and current resources per Sourcegraph service (a chart key).

Containers are matched to services by container name and image (`match`), never by pod name.
Samples of every pod of a service are pooled: requests and limits are per pod, so the
distribution that matters is that of one pod. What each container runs with (requests, limits)
is read from kube-state-metrics where it runs, else from cAdvisor's spec series; per service the
highest figure of its pods is kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from implhub.errors import ValidationError
from implhub.rightsize.match import (
    ContainerMatch,
    ContainerRef,
    ContainerRule,
    Unmatched,
    match_containers,
    owner_workload,
    parse_rules,
    workload_of,
)
from implhub.rightsize.queries import QUERIES

__all__ = ["ContainerRule", "ServiceUsage", "Usage", "collect", "match_rule", "parse_rules", "workload_of"]

_KINDS = {q.name: q.kind for q in QUERIES}
#: figures of a service's resources, as "<kind>.<resource>"
FIGURES = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
#: cAdvisor's CPU shares of a container without a CPU request (the kernel minimum Kubernetes sets)
MIN_SHARES = 2
#: cAdvisor reports a memory limit this large (or 0) for a cgroup without one
NO_MEMORY_LIMIT = 2**62


def match_rule(rules: list[ContainerRule], pod: str, container: str, image: str = "") -> ContainerRule | None:
    """The rule of one container (no owner or app label known)."""
    found = match_containers([ContainerRef("", pod, container, image)], rules)
    return found.rule("", pod, container)


@dataclass
class ServiceUsage:
    key: str
    service: str
    pods: set[str] = field(default_factory=set)
    namespaces: set[str] = field(default_factory=set)
    cpu: list[float] = field(default_factory=list)
    memory: list[float] = field(default_factory=list)
    throttled_periods: float = 0.0
    cfs_periods: float = 0.0
    oom_events: float = 0.0
    oom_killed: bool = False
    restarts: float = 0.0
    #: first and last sample time (unix seconds) of the range queries
    first_ts: float | None = None
    last_ts: float | None = None
    #: what its containers run with, per figure (FIGURES); None = read and not set (no limit)
    cluster: dict[str, float | None] | None = None
    cadvisor: dict[str, float | None] | None = None
    #: per pod, the time of its last sample
    pod_last: dict[str, float] = field(default_factory=dict)

    def pods_at_end(self) -> int:
        """Pods with a sample at the service's last sample time: range queries evaluate every series
        at the same instants, so these are the replicas running at the end of the window."""
        if self.last_ts is None:
            return 0
        return sum(1 for t in self.pod_last.values() if t >= self.last_ts)

    def span_days(self) -> float:
        if self.first_ts is None or self.last_ts is None:
            return 0.0
        return (self.last_ts - self.first_ts) / 86400


@dataclass
class Usage:
    services: dict[str, ServiceUsage]
    ignored: list[str]
    #: queries that returned nothing at all (e.g. kube-state-metrics absent)
    empty_queries: list[str]
    unmatched: list[Unmatched] = field(default_factory=list)


def check_response(name: str, resp: Any, *, source: str) -> list[dict[str, Any]]:
    """The `result` list of a Prometheus API response, or a ValidationError naming the query."""
    if not isinstance(resp, dict):
        raise ValidationError("expected a Prometheus API response (a JSON object)", file=source, field=name)
    if resp.get("status") != "success":
        raise ValidationError(f"Prometheus answered {resp.get('errorType') or 'error'}: {resp.get('error') or resp.get('status')}",
                              file=source, field=name)
    data = resp.get("data")
    want = "matrix" if _KINDS.get(name) == "range" else "vector"
    if not isinstance(data, dict) or data.get("resultType") != want or not isinstance(data.get("result"), list):
        raise ValidationError(f"expected data.resultType {want!r} with a result list", file=source, field=name)
    return list(data["result"])


def _num(v: Any, *, source: str, name: str) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValidationError(f"expected a number, got {v!r}", file=source, field=name) from None
    return x


def _instant(item: dict[str, Any], *, source: str, name: str) -> float:
    return _num((item.get("value") or [0, "NaN"])[1], source=source, name=name)


def container_refs(results: dict[str, list[dict[str, Any]]]) -> list[ContainerRef]:
    """Every container the results name, with its image and its pod's owner and app label."""
    owners: dict[tuple[str, str], str] = {}
    for item in results.get("pod_owner", []):
        m = item.get("metric") or {}
        owners[(str(m.get("namespace", "")), str(m.get("pod", "")))] = owner_workload(
            str(m.get("owner_kind", "")), str(m.get("owner_name", "")))
    apps: dict[tuple[str, str], str] = {}
    for item in results.get("pod_labels", []):
        m = item.get("metric") or {}
        if m.get("label_app"):
            apps[(str(m.get("namespace", "")), str(m.get("pod", "")))] = str(m["label_app"])
    refs: list[ContainerRef] = []
    for name, result in results.items():
        if name in ("pod_owner", "pod_labels"):
            continue
        for item in result:
            m = item.get("metric") or {}
            ns, pod, container = str(m.get("namespace", "")), str(m.get("pod", "")), str(m.get("container", ""))
            if not container:
                continue
            refs.append(ContainerRef(ns, pod, container, str(m.get("image", "")), owners.get((ns, pod), ""),
                                     apps.get((ns, pod), "")))
    return refs


def _keep_max(figs: dict[str, float | None], name: str, value: float | None) -> None:
    if name not in figs or figs[name] is None:
        figs[name] = value
    elif value is not None:
        figs[name] = max(figs[name] or 0.0, value)


def collect(responses: dict[str, Any], rules: list[ContainerRule], *, source: str,
            repositories: tuple[str, ...] = ()) -> Usage:
    """Pool the responses of every query by service. `responses` maps query name -> API response;
    missing optional queries (kube-state-metrics, the spec series of older dumps) count as empty."""
    missing = [n for n in ("cpu_usage", "memory_working_set") if n not in responses]
    if missing:
        raise ValidationError(f"the dump has no {', '.join(missing)} query; run the queries from "
                              "'implhub rightsize SLUG --print-queries'", file=source)
    results: dict[str, list[dict[str, Any]]] = {}
    empty: list[str] = []
    for q in QUERIES:
        if q.name not in responses:
            empty.append(q.name)
            continue
        results[q.name] = check_response(q.name, responses[q.name], source=source)
        if not results[q.name]:
            empty.append(q.name)
    found: ContainerMatch = match_containers(container_refs(results), rules, repositories=repositories)
    services: dict[str, ServiceUsage] = {}
    # per container: what kube-state-metrics and cAdvisor say it runs with
    ksm: dict[tuple[str, str, str], dict[str, float | None]] = {}
    cadv: dict[tuple[str, str, str], dict[str, float | None]] = {}
    for name, result in results.items():
        if name in ("pod_owner", "pod_labels"):
            continue
        for item in result:
            metric = item.get("metric") or {}
            ident = (str(metric.get("namespace", "")), str(metric.get("pod", "")), str(metric.get("container", "")))
            rule = found.matched.get(ident)
            if rule is None:
                continue
            su = services.setdefault(rule.key, ServiceUsage(key=rule.key, service=rule.service))
            su.pods.add(ident[1])
            su.namespaces.add(ident[0])
            if _KINDS[name] == "range":
                raw = item.get("values") or []
                values = [_num(v[1], source=source, name=name) for v in raw]
                (su.cpu if name == "cpu_usage" else su.memory).extend(v for v in values if math.isfinite(v))
                if raw:  # the span of the series, gaps included (a restart is not missing data)
                    first, last = float(raw[0][0]), float(raw[-1][0])
                    su.pod_last[ident[1]] = max(last, su.pod_last.get(ident[1], last))
                    su.first_ts = first if su.first_ts is None else min(first, su.first_ts)
                    su.last_ts = last if su.last_ts is None else max(last, su.last_ts)
                continue
            v = _instant(item, source=source, name=name)
            if not math.isfinite(v):
                continue
            if name == "cpu_throttled_periods":
                su.throttled_periods += v
            elif name == "cpu_periods":
                su.cfs_periods += v
            elif name == "oom_events":
                su.oom_events += v
            elif name == "oom_killed":
                su.oom_killed = su.oom_killed or v >= 1
            elif name == "restarts":
                su.restarts += v
            elif name in ("kube_requests", "kube_limits"):
                resource = str(metric.get("resource", ""))
                if resource in ("cpu", "memory"):
                    kind = "requests" if name == "kube_requests" else "limits"
                    ksm.setdefault(ident, {})[f"{kind}.{resource}"] = v
            elif name == "spec_memory_limit":
                cadv.setdefault(ident, {})["limits.memory"] = v if 0 < v < NO_MEMORY_LIMIT else None
            elif name == "spec_cpu_limit":
                cadv.setdefault(ident, {})["limits.cpu"] = v if v > 0 else None
            elif name == "spec_cpu_shares":
                # Kubernetes writes shares = millicores x 1024 / 1000 (at least 2): back to cores
                cadv.setdefault(ident, {})["requests.cpu"] = round(v * 1000 / 1024) / 1000 if v > MIN_SHARES else None
    for figures_of, attr in ((ksm, "cluster"), (cadv, "cadvisor")):
        for ident, figs in figures_of.items():
            su = services[found.matched[ident].key]
            agg = getattr(su, attr) or {}
            for fig in FIGURES:
                if attr == "cadvisor" and fig == "requests.memory":
                    continue  # cAdvisor has no memory request: unknown, not "none"
                if attr == "cadvisor" and fig == "limits.cpu" and fig not in figs and "limits.memory" not in figs:
                    continue  # no spec series for this container at all
                _keep_max(agg, fig, figs.get(fig))
            setattr(su, attr, agg)
    ignored = sorted(f"{u.namespace}/{u.pod}/{u.container}" for u in found.unmatched)
    return Usage(services=services, ignored=ignored, empty_queries=empty, unmatched=found.unmatched)
