"""Prometheus API responses -> usage per Sourcegraph service (a chart key).

A pod's workload is its name without the ReplicaSet hash (`-7d9f8c6b5-x2x7q`) or StatefulSet
ordinal (`-0`); the container mapping (shipped data) turns (workload, container) into the chart
key whose `resources` block sizes it. Samples of every pod of a service are pooled: requests and
limits are per pod, so the distribution that matters is that of one pod.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from implhub.errors import ValidationError
from implhub.rightsize.queries import QUERIES

_RS_HASH = re.compile(r"^(.+?)-[0-9a-f]{6,10}-[0-9a-z]{5}$")
_STS_ORDINAL = re.compile(r"^(.+?)-\d+$")
_KINDS = {q.name: q.kind for q in QUERIES}


def workload_of(pod: str) -> str:
    for rx in (_RS_HASH, _STS_ORDINAL):
        m = rx.match(pod)
        if m:
            return m.group(1)
    return pod


@dataclass(frozen=True)
class ContainerRule:
    workload: str
    container: str
    key: str
    service: str


def parse_rules(raw: list[dict[str, str]]) -> list[ContainerRule]:
    return [ContainerRule(r["workload"], r["container"], r["key"], r["service"]) for r in raw]


def match_rule(rules: list[ContainerRule], pod: str, container: str) -> ContainerRule | None:
    workload = workload_of(pod)
    for r in rules:
        if r.container == container and r.workload == workload:
            return r
    for r in rules:
        if r.container == container and r.workload == "*":
            return r
    return None


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


@dataclass
class Usage:
    services: dict[str, ServiceUsage]
    ignored: list[str]
    #: queries that returned nothing at all (e.g. kube-state-metrics absent)
    empty_queries: list[str]


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


def collect(responses: dict[str, Any], rules: list[ContainerRule], *, source: str) -> Usage:
    """Pool the responses of every query by service. `responses` maps query name -> API response;
    missing optional queries (kube-state-metrics) count as empty."""
    missing = [n for n in ("cpu_usage", "memory_working_set") if n not in responses]
    if missing:
        raise ValidationError(f"the dump has no {', '.join(missing)} query; run the queries from "
                              "'implhub rightsize SLUG --print-queries'", file=source)
    services: dict[str, ServiceUsage] = {}
    ignored: set[str] = set()
    empty: list[str] = []
    for q in QUERIES:
        if q.name not in responses:
            empty.append(q.name)
            continue
        result = check_response(q.name, responses[q.name], source=source)
        if not result:
            empty.append(q.name)
        for item in result:
            metric = item.get("metric") or {}
            pod, container = str(metric.get("pod", "")), str(metric.get("container", ""))
            rule = match_rule(rules, pod, container)
            if rule is None:
                ignored.add(f"{metric.get('namespace', '')}/{pod}/{container}")
                continue
            su = services.setdefault(rule.key, ServiceUsage(key=rule.key, service=rule.service))
            su.pods.add(pod)
            su.namespaces.add(str(metric.get("namespace", "")))
            if q.kind == "range":
                values = [_num(v[1], source=source, name=q.name) for v in item.get("values") or []]
                values = [v for v in values if math.isfinite(v)]
                (su.cpu if q.name == "cpu_usage" else su.memory).extend(values)
            else:
                v = _num((item.get("value") or [0, "NaN"])[1], source=source, name=q.name)
                if not math.isfinite(v):
                    continue
                if q.name == "cpu_throttled_periods":
                    su.throttled_periods += v
                elif q.name == "cpu_periods":
                    su.cfs_periods += v
                elif q.name == "oom_events":
                    su.oom_events += v
                elif q.name == "oom_killed":
                    su.oom_killed = su.oom_killed or v >= 1
                elif q.name == "restarts":
                    su.restarts += v
    return Usage(services=services, ignored=sorted(ignored), empty_queries=empty)
