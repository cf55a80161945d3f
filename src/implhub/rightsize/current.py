"""What a service runs with now (requests, limits, replicas) and where each figure comes from.

Sources, in the order they are believed: the values file given (`values`; it is what the user says
is in use), kube-state-metrics' resource series (`cluster`), cAdvisor's spec series (`cadvisor`:
limits, and the CPU request from the CPU shares; it has no memory request), the stored size
estimate (`estimate`), the chart defaults (`chart`). Each figure is taken from the first source
that knows it; a source that knows a figure may know that it is not set (no limit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from implhub.rightsize.quantity import (
    exact_memory,
    format_cpu,
    format_memory,
    parse_cpu,
    parse_memory,
)

FIGURES = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")


class CurrentSource(StrEnum):
    VALUES = "values"
    CLUSTER = "cluster"
    CADVISOR = "cadvisor"
    ESTIMATE = "estimate"
    CHART = "chart"


SOURCE_MEANING = {
    CurrentSource.VALUES: "the values file given",
    CurrentSource.CLUSTER: "kube-state-metrics (kube_pod_container_resource_requests|limits)",
    CurrentSource.CADVISOR: "cAdvisor spec series (memory limit, CPU quota / period, CPU shares)",
    CurrentSource.ESTIMATE: "the stored size estimate",
    CurrentSource.CHART: "the chart defaults",
}


@dataclass(frozen=True)
class Current:
    """A service's current resources, numeric (cores, bytes); None = not set."""

    cpu_request: float | None
    cpu_limit: float | None
    memory_request: float | None
    memory_limit: float | None
    replicas: int = 1
    source: str = ""
    #: the quantities as written ("8G"), shown as "from" in the changes
    raw: tuple[tuple[str, str], ...] = ()
    #: the figures this reading knows (a cAdvisor reading has no memory request)
    known: frozenset[str] = frozenset(FIGURES)
    #: where each figure came from (figure, source), when several sources were combined
    sources: tuple[tuple[str, str], ...] = ()

    def value(self, figure: str) -> float | None:
        return {"requests.cpu": self.cpu_request, "requests.memory": self.memory_request,
                "limits.cpu": self.cpu_limit, "limits.memory": self.memory_limit}[figure]

    def text(self, path: str, value: float | None, fmt: Callable[[float], str]) -> str | None:
        given = dict(self.raw).get(path)
        if given is not None:
            return given
        return None if value is None else fmt(value)

    def source_of(self, figure: str) -> str | None:
        return dict(self.sources).get(figure) or (self.source if figure in self.known else None)

    @staticmethod
    def from_resources(res: dict[str, dict[str, Any]] | None, *, replicas: int = 1, source: str = "", where: str = "") -> Current:
        res = res or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}

        def cpu(block: dict[str, Any], kind: str) -> float | None:
            return None if block.get("cpu") is None else parse_cpu(block["cpu"], field=f"{where}.resources.{kind}.cpu")

        def mem(block: dict[str, Any], kind: str) -> float | None:
            return None if block.get("memory") is None else parse_memory(block["memory"], field=f"{where}.resources.{kind}.memory")

        raw = tuple((f"{kind}.{name}", str(block[name])) for kind, block in (("requests", req), ("limits", lim))
                    for name in ("cpu", "memory") if block.get(name) is not None)
        return Current(cpu(req, "requests"), cpu(lim, "limits"), mem(req, "requests"), mem(lim, "limits"), replicas, source, raw)

    @staticmethod
    def from_figures(figures: dict[str, float | None], *, source: str, replicas: int = 1) -> Current:
        """A reading of the cluster: only the figures it holds are known."""
        raw = tuple((f, format_cpu(v) if f.endswith("cpu") else exact_memory(v)) for f, v in figures.items() if v is not None)
        return Current(figures.get("requests.cpu"), figures.get("limits.cpu"), figures.get("requests.memory"),
                       figures.get("limits.memory"), replicas, source, raw, frozenset(f for f in FIGURES if f in figures))


def combine(layers: list[Current], *, replicas: int | None = None) -> Current:
    """Each figure from the first layer that knows it; `source` is the first layer used."""
    picked: dict[str, Current] = {}
    for fig in FIGURES:
        for layer in layers:
            if fig in layer.known:
                picked[fig] = layer
                break
    if not picked:
        return Current(None, None, None, None, replicas or 1)
    values = {fig: layer.value(fig) for fig, layer in picked.items()}
    raw = tuple((fig, dict(layer.raw)[fig]) for fig, layer in picked.items() if fig in dict(layer.raw))
    used = [layer.source for layer in layers if any(layer is p for p in picked.values())]
    return Current(values.get("requests.cpu"), values.get("limits.cpu"), values.get("requests.memory"),
                   values.get("limits.memory"), replicas or 1, used[0], raw, frozenset(picked),
                   tuple((fig, layer.source) for fig, layer in picked.items()))


def with_replicas(cur: Current, replicas: int) -> Current:
    return replace(cur, replicas=replicas)


def current_dict(cur: Current) -> dict[str, Any]:
    return {"requests": {"cpu": cur.text("requests.cpu", cur.cpu_request, format_cpu),
                         "memory": cur.text("requests.memory", cur.memory_request, format_memory)},
            "limits": {"cpu": cur.text("limits.cpu", cur.cpu_limit, format_cpu),
                       "memory": cur.text("limits.memory", cur.memory_limit, format_memory)},
            "replicas": cur.replicas, "source": cur.source,
            "sources": {fig: cur.source_of(fig) for fig in FIGURES}}
