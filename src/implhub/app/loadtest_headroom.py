"""The server's side of a load test: each Sourcegraph service's headroom over the run's window,
read from the Prometheus that ships with Sourcegraph and matched by container as right-sizing
does (`implhub.rightsize.match`)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import httpx

from implhub.app.rightsize import container_rules
from implhub.errors import ExternalServiceError, ValidationError
from implhub.loadtest.adequacy import MIN_WINDOW_S, ServiceHeadroom, headroom, verdict
from implhub.rightsize import queries, series

_SEL = 'container!="", container!="POD"'
#: the instant queries of right-sizing that serve here too: throttling, OOM kills, what runs, owners
_INSTANT = ("cpu_throttled_periods", "cpu_periods", "oom_events", "oom_killed", "kube_requests", "kube_limits",
            "spec_memory_limit", "spec_cpu_limit", "spec_cpu_shares", "pod_owner", "pod_labels")


def plan(window_s: int, *, namespace: str | None = None) -> list[dict[str, Any]]:
    """The queries over a run's window: CPU (1-minute rate) and memory at a fine step, and the
    right-sizing instant queries over the whole window."""
    ns = queries.check_namespace(namespace)
    sel = f'{_SEL}, namespace="{ns}"' if ns else _SEL
    step = max(15, math.ceil(window_s / 500))
    out: list[dict[str, Any]] = [
        {"name": "cpu_usage", "kind": "range", "step": step,
         "expr": f"sum by (namespace, pod, container, image) (rate(container_cpu_usage_seconds_total{{{sel}}}[1m]))"},
        {"name": "memory_working_set", "kind": "range", "step": step,
         "expr": f"max by (namespace, pod, container, image) (max_over_time(container_memory_working_set_bytes{{{sel}}}[{step}s]))"},
    ]
    by_name = {q.name: q for q in queries.QUERIES}
    for name in _INSTANT:
        out.append({"name": name, "kind": "instant", "step": step,
                    "expr": by_name[name].expr(window=f"{window_s}s", step_s=step, namespace=ns)})
    return out


def fetch(url: str, *, start: dt.datetime, end: dt.datetime, namespace: str | None = None,
          timeout: float = 30.0) -> tuple[dict[str, Any], int]:
    """Every query's response for the window (at least MIN_WINDOW_S, ending at `end`)."""
    if not url.startswith(("http://", "https://")):
        raise ValidationError(f"expected an http(s) URL, got {url!r}", field="--prometheus")
    end_s = int(math.ceil(end.timestamp()))
    window_s = max(MIN_WINDOW_S, end_s - int(start.timestamp()))
    out: dict[str, Any] = {}
    base = url.rstrip("/")
    with httpx.Client(timeout=timeout) as client:
        for item in plan(window_s, namespace=namespace):
            if item["kind"] == "range":
                params: dict[str, Any] = {"query": item["expr"], "start": end_s - window_s, "end": end_s, "step": item["step"]}
                path = "/api/v1/query_range"
            else:
                params, path = {"query": item["expr"], "time": end_s}, "/api/v1/query"
            try:
                resp = client.get(base + path, params=params)
                body = resp.json()
            except httpx.HTTPError as exc:
                raise ExternalServiceError(f"cannot reach Prometheus at {url}: {exc}; Sourcegraph's Prometheus listens on port "
                                           "30090 (kubectl port-forward svc/prometheus 9090:30090)", field="--prometheus") from None
            except ValueError:
                raise ExternalServiceError(f"{url}{path} answered HTTP {resp.status_code} without JSON; is this a Prometheus?",
                                           field="--prometheus") from None
            out[item["name"]] = body
    return out, window_s


def measure(url: str, *, start: dt.datetime, end: dt.datetime, namespace: str | None = None) -> dict[str, Any]:
    """The headroom of every Sourcegraph service over [start, end]: the contract figures per
    service (`services`), the details, and what could not be matched."""
    responses, window_s = fetch(url, start=start, end=end, namespace=namespace)
    usage = series.collect(responses, container_rules(), source=url)
    rooms: dict[str, ServiceHeadroom] = headroom(usage)
    return {
        "services": {k: h.contract() for k, h in rooms.items()},
        "headroom": {"prometheus": url, "window_start": dt.datetime.fromtimestamp(end.timestamp() - window_s, dt.UTC).isoformat(),
                     "window_end": end.isoformat(), "window_s": window_s, "namespace": namespace,
                     "details": {k: h.detail() for k, h in rooms.items()},
                     "unmatched_containers": [u.as_dict() for u in usage.unmatched]},
        "_rooms": rooms,
    }


def ping(url: str, *, timeout: float = 10.0) -> None:
    """A clear error for a Prometheus that does not answer, before a load test starts."""
    if not url.startswith(("http://", "https://")):
        raise ValidationError(f"expected an http(s) URL, got {url!r}", field="--prometheus")
    try:
        resp = httpx.get(url.rstrip("/") + "/api/v1/query", params={"query": "1"}, timeout=timeout)
        ok = resp.status_code == 200 and resp.json().get("status") == "success"
    except (httpx.HTTPError, ValueError):
        ok = False
    if not ok:
        raise ExternalServiceError(f"no Prometheus answers at {url}; Sourcegraph's Prometheus listens on port 30090 "
                                   "(kubectl port-forward svc/prometheus 9090:30090)", field="--prometheus")


def for_stored_run(data: dict[str, Any], prometheus: str, *, namespace: str | None = None) -> dict[str, Any]:
    """`measure` over the window a stored run recorded."""
    window = data.get("run_window") or {}
    if not window.get("started_at") or not window.get("ended_at"):
        raise ValidationError(f"run {data.get('run_id')} has no recorded window (stored before runs kept one); "
                              "headroom needs the run's start and end", field="--prometheus")
    return measure(prometheus, start=dt.datetime.fromisoformat(window["started_at"]),
                   end=dt.datetime.fromisoformat(window["ended_at"]), namespace=namespace)


def add_to_report(rep: dict[str, Any], stored: dict[str, Any], prometheus: str, *, namespace: str | None = None) -> dict[str, Any]:
    """A stored run's report with the server's side added: `services`, `headroom` and the verdict
    (`adequacy`) that needs both latency and headroom."""
    measured = for_stored_run(stored, prometheus, namespace=namespace)
    rooms = measured.pop("_rooms")
    rep.update(measured)
    rep["adequacy"] = verdict(rep, rooms)
    return rep
