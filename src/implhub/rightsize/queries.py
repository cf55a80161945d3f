"""The PromQL queries right-sizing reads, and the dump format for `--from-file`.

All metrics are the ones the Prometheus that ships with Sourcegraph scrapes: cAdvisor's container
metrics (labels namespace, pod, container, image) and, where kube-state-metrics runs too, its pod
status, resource and owner metrics. Every query keeps one series per pod and container.

What runs now (the requests and limits) comes from kube-state-metrics'
`kube_pod_container_resource_requests|limits` where it runs, else from cAdvisor's spec series (the
memory limit, the CPU limit as quota / period, the CPU request from the CPU shares). Dumps made
before these queries existed lack them and are still read: the current values then come from the
values file or the stored estimate.

Range queries (a value every `step`) give the usage distributions; instant queries evaluated at
the end of the window give counts over the whole window (throttled periods, OOM events,
restarts).
"""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import dataclass

from implhub.errors import ValidationError

_WINDOW_RE = re.compile(r"^(\d+)([mhdw])$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}

#: the most points a range query returns per series (Prometheus refuses more than 11,000)
MAX_POINTS = 5000
#: the shortest rate window: four scrapes at the 30 s default interval of Sourcegraph's Prometheus
MIN_RATE_SECONDS = 300

_SEL = 'container!="", container!="POD"'
_NAMESPACE_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Query:
    name: str
    kind: str  # range | instant
    template: str
    meaning: str

    def expr(self, *, window: str, step_s: int, namespace: str | None = None) -> str:
        rate = f"{max(step_s, MIN_RATE_SECONDS)}s"
        ns = f'namespace="{namespace}"' if namespace else ""
        sel = f"{_SEL}, {ns}" if ns else _SEL
        return self.template.format(sel=sel, ns=ns, ns_sep=f"{ns}, " if ns else "", rate=rate, step=f"{step_s}s",
                                    window=window)


QUERIES: tuple[Query, ...] = (
    Query("cpu_usage", "range",
          "sum by (namespace, pod, container, image) (rate(container_cpu_usage_seconds_total{{{sel}}}[{rate}]))",
          "CPU used, in cores (cAdvisor counter, per-second rate)"),
    Query("memory_working_set", "range",
          "max by (namespace, pod, container, image) (max_over_time(container_memory_working_set_bytes{{{sel}}}[{step}]))",
          "memory working set in bytes, the highest value within each step (what the OOM killer looks at)"),
    Query("cpu_throttled_periods", "instant",
          "sum by (namespace, pod, container) (increase(container_cpu_cfs_throttled_periods_total{{{sel}}}[{window}]))",
          "CFS periods in which the container was throttled, over the window"),
    Query("cpu_periods", "instant",
          "sum by (namespace, pod, container) (increase(container_cpu_cfs_periods_total{{{sel}}}[{window}]))",
          "CFS periods in which the container could run, over the window"),
    Query("oom_events", "instant",
          "sum by (namespace, pod, container) (increase(container_oom_events_total{{{sel}}}[{window}]))",
          "OOM kills counted by cAdvisor over the window"),
    Query("oom_killed", "instant",
          'max by (namespace, pod, container) (max_over_time(kube_pod_container_status_last_terminated_reason{{{ns_sep}reason="OOMKilled"}}[{window}]))',
          "1 when the container's last termination in the window was an OOM kill (kube-state-metrics)"),
    Query("restarts", "instant",
          "max by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{{{ns}}}[{window}]))",
          "container restarts over the window (kube-state-metrics)"),
    Query("kube_requests", "instant",
          'max by (namespace, pod, container, resource) (last_over_time(kube_pod_container_resource_requests{{{ns_sep}resource=~"cpu|memory"}}[{window}]))',
          "the requests the container runs with: cores and bytes (kube-state-metrics)"),
    Query("kube_limits", "instant",
          'max by (namespace, pod, container, resource) (last_over_time(kube_pod_container_resource_limits{{{ns_sep}resource=~"cpu|memory"}}[{window}]))',
          "the limits the container runs with: cores and bytes (kube-state-metrics)"),
    Query("spec_memory_limit", "instant",
          "max by (namespace, pod, container) (last_over_time(container_spec_memory_limit_bytes{{{sel}}}[{window}]))",
          "the memory limit of the container's cgroup in bytes, 0 for none (cAdvisor)"),
    Query("spec_cpu_limit", "instant",
          "max by (namespace, pod, container) (last_over_time(container_spec_cpu_quota{{{sel}}}[{window}])"
          " / last_over_time(container_spec_cpu_period{{{sel}}}[{window}]))",
          "the CPU limit in cores: CFS quota / period; no series means no limit (cAdvisor)"),
    Query("spec_cpu_shares", "instant",
          "max by (namespace, pod, container) (last_over_time(container_spec_cpu_shares{{{sel}}}[{window}]))",
          "CPU shares: the CPU request x 1024 per core, 2 for none (cAdvisor; it has no memory request)"),
    Query("pod_owner", "instant",
          "max by (namespace, pod, owner_kind, owner_name) (last_over_time(kube_pod_owner{{{ns}}}[{window}]))",
          "the workload that owns each pod (kube-state-metrics): tells apart services sharing a container name"),
    Query("pod_labels", "instant",
          "max by (namespace, pod, label_app) (last_over_time(kube_pod_labels{{{ns}}}[{window}]))",
          "each pod's app label (kube-state-metrics, where its label allowlist exports it)"),
)
#: the queries of dumps made before the current values were read from the cluster; a dump with
#: only these is still read
LEGACY_QUERY_NAMES = ("cpu_usage", "memory_working_set", "cpu_throttled_periods", "cpu_periods", "oom_events",
                      "oom_killed", "restarts")

QUERY_NAMES = tuple(q.name for q in QUERIES)


def parse_window(text: str, *, field: str = "--window") -> int:
    """'14d' -> seconds. Units m, h, d, w; at least 10 minutes."""
    m = _WINDOW_RE.match(text.strip())
    if not m:
        raise ValidationError(f"expected a duration such as 14d, 36h or 90m, got {text!r}", field=field)
    seconds = int(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    if seconds < 600:
        raise ValidationError(f"a window of {text} is too short to say anything; use at least 10m (14d is usual)", field=field)
    return seconds


def step_for(window_s: int) -> int:
    """A step (seconds, whole minutes) that keeps each series under MAX_POINTS points."""
    return max(60, math.ceil(window_s / MAX_POINTS / 60) * 60)


def render_window(window_s: int) -> str:
    for unit in ("d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if window_s % size == 0:
            return f"{window_s // size}{unit}"
    return f"{window_s}s"


def check_namespace(namespace: str | None, *, field: str = "--namespace") -> str | None:
    if namespace is not None and not _NAMESPACE_RE.match(namespace):
        raise ValidationError(f"expected a Kubernetes namespace name (lower-case letters, digits, dashes), got {namespace!r}",
                              field=field)
    return namespace


def plan(window: str, *, namespace: str | None = None) -> list[dict[str, str | int]]:
    """Each query with its PromQL for this window: name, kind, expr, step (s), meaning. With a
    namespace, only that namespace's containers (one cluster running several environments)."""
    window_s = parse_window(window)
    step = step_for(window_s)
    w = render_window(window_s)
    ns = check_namespace(namespace)
    return [{"name": q.name, "kind": q.kind, "expr": q.expr(window=w, step_s=step, namespace=ns), "step": step,
             "meaning": q.meaning} for q in QUERIES]


def dump_script(window: str, *, prometheus_url: str = "http://127.0.0.1:9090", slug: str = "SLUG",
                namespace: str | None = None) -> str:
    """A POSIX shell script that runs every query with curl and writes the dump directory that
    `implhub rightsize --from-file DIR` reads (one Prometheus API response per query)."""
    window_s = parse_window(window)
    step = step_for(window_s)
    lines = [
        "#!/bin/sh",
        "# Right-sizing dump: runs the implhub queries against Sourcegraph's Prometheus.",
        "# Reach it first, e.g.: kubectl port-forward svc/prometheus 9090:30090",
        f"# Then send the directory it writes and run: implhub rightsize {slug} --env prod --from-file DIR",
        "#",
        f"# The queries (range queries every {step} s over {render_window(window_s)}):",
    ]
    for item in plan(window, namespace=namespace):
        lines.append(f"# {item['name']} ({item['kind']}): {item['meaning']}")
        lines.append(f"#   {item['expr']}")
    lines += [
        "set -eu",
        f'PROM="${{PROM:-{prometheus_url}}}"',
        'OUT="${OUT:-implhub-rightsize-dump}"',
        'END="${END:-$(date +%s)}"',
        f"START=$((END - {window_s}))",
        'mkdir -p "$OUT"',
        f"printf '{{\"window\": \"{render_window(window_s)}\", \"step\": {step}, \"end\": %s}}\\n' \"$END\" > \"$OUT/meta.json\"",
    ]
    for item in plan(window, namespace=namespace):
        expr = shlex.quote(f"query={item['expr']}")
        if item["kind"] == "range":
            lines.append(f'curl -fsSG "$PROM/api/v1/query_range" --data-urlencode {expr} '
                         f'--data-urlencode "start=$START" --data-urlencode "end=$END" '
                         f'--data-urlencode "step={step}" > "$OUT/{item["name"]}.json"')
        else:
            lines.append(f'curl -fsSG "$PROM/api/v1/query" --data-urlencode {expr} '
                         f'--data-urlencode "time=$END" > "$OUT/{item["name"]}.json"')
    lines.append(f'echo "wrote $OUT; send it, then: implhub rightsize {slug} --env prod --from-file $OUT"')
    return "\n".join(lines) + "\n"
