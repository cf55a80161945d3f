"""A tight packing: the benchmark's 39-pod synthetic case, whose best known plans fill their nodes
over 90%. The plan must stay within 1.02 of the best known plan, stored below as its nodes and
their pods (its cost is read from the shipped catalog, and the test checks the pods do fit it)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest

from implhub.sizing import PodSpec, pack
from implhub.sizing.data import catalog_for
from implhub.sizing.localsearch import _bins
from implhub.sizing.packing import NodeType, _expand, node_types
from implhub.sizing.tightfit import could_hold, repair_fit

# The best known plans of bench/sizing_packing.py's "synthetic 20 services" case at 20% headroom,
# computed once by that benchmark (2026-12-01, CBC through PuLP, 30 s, none proven optimal) and
# stored as node type -> pods, so the suite needs no exact solve: azure and gcp are CBC's plans
# ($6.960/h and $7.069/h; implhub was 4.6% and 1.9% dearer before the overflow repair), aws is
# implhub's own ($6.426/h, below CBC's $6.437/h). Their cost comes from the shipped catalog and
# the test checks every pod fits them.
BEST_KNOWN: dict[str, list[tuple[str, list[str]]]] = {
    "azure": [
        ("D64_v3", ["svc0-0", "svc1-0", "svc10-0", "svc12-0", "svc13-0", "svc14-1", "svc15-0", "svc16-0", "svc18-0",
                    "svc19-0", "svc2-1", "svc3-0", "svc4-1", "svc6-0", "svc8-0", "svc9-0"]),
        ("D48_v3", ["svc10-1", "svc11-0", "svc15-1", "svc16-1", "svc19-1", "svc2-2", "svc3-1", "svc4-0", "svc5-0",
                    "svc7-0", "svc9-2"]),
        ("E16_v3", ["svc10-2", "svc12-1", "svc14-0", "svc17-0", "svc19-2", "svc6-1"]),
        ("D8_v3", ["svc14-2", "svc16-2", "svc18-1"]),
        ("D4_v3", ["svc18-2", "svc2-0", "svc9-1"]),
    ],
    "gcp": [
        ("n2-highmem-16", ["svc13-0", "svc17-0"]),
        ("n2-standard-32", ["svc12-1", "svc15-1", "svc16-0", "svc18-1", "svc19-0", "svc2-1", "svc3-0", "svc4-0",
                            "svc9-1"]),
        ("n2-standard-32", ["svc0-0", "svc10-2", "svc14-2", "svc15-0", "svc16-2", "svc18-0", "svc19-1", "svc2-0",
                            "svc5-0", "svc6-0", "svc9-2"]),
        ("n2-standard-4", ["svc14-0"]),
        ("n2-standard-48", ["svc1-0", "svc10-1", "svc11-0", "svc12-0", "svc14-1", "svc18-2", "svc19-2", "svc3-1",
                            "svc4-1", "svc6-1", "svc8-0", "svc9-0"]),
        ("n2-standard-8", ["svc10-0", "svc16-1", "svc2-2", "svc7-0"]),
    ],
    "aws": [
        ("m6a.16xlarge", ["svc0-0", "svc1-0", "svc10-0", "svc12-0", "svc13-0", "svc14-0", "svc15-0", "svc16-0",
                          "svc18-0", "svc19-0", "svc2-0", "svc3-0", "svc4-1", "svc6-0", "svc8-0", "svc9-0"]),
        ("m6a.12xlarge", ["svc10-1", "svc11-0", "svc14-1", "svc15-1", "svc16-2", "svc19-1", "svc2-1", "svc3-1",
                          "svc4-0", "svc5-0"]),
        ("r6a.4xlarge", ["svc10-2", "svc14-2", "svc17-0", "svc18-1", "svc7-0"]),
        ("r6a.2xlarge", ["svc12-1", "svc16-1", "svc19-2", "svc6-1", "svc9-2"]),
        ("r6a.xlarge", ["svc18-2", "svc2-2", "svc9-1"]),
    ],
}
HEADROOM = 0.2


def synthetic(seed: int, n: int) -> list[PodSpec]:
    """The benchmark's generator (bench/sizing_packing.py), repeated so the suite does not import bench/."""
    rnd = random.Random(seed)
    pods = [PodSpec("cadvisor", 0.15, 0.21, daemonset=True), PodSpec("nodeExporter", 0.2, 0.1, daemonset=True)]
    for i in range(n):
        cpu = rnd.choice([0.25, 0.5, 1, 2, 4, 6, 8])
        mem = round(cpu * rnd.choice([1, 2, 4, 8]) + rnd.random() * 2, 1)
        pods.append(PodSpec(f"svc{i}", cpu, mem, replicas=rnd.choice([1, 1, 1, 2, 3])))
    return pods


PODS = synthetic(2, 20)


def _kinds(cloud: str, names: list[str]) -> list[NodeType]:
    types = {t.instance.instance_type: t for t in node_types(catalog_for(cloud), [p for p in PODS if p.daemonset], HEADROOM)}
    return [types[n] for n in names]


def _best_known_hourly(cloud: str) -> float:
    return float(sum(t.price for t in _kinds(cloud, [name for name, _ in BEST_KNOWN[cloud]])))


def test_the_case_is_the_benchmarks_39_pods() -> None:
    assert sum(p.replicas for p in PODS if not p.daemonset) == 39
    assert [p.name for p in PODS[:4]] == ["cadvisor", "nodeExporter", "svc0", "svc1"]


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_the_best_known_plans_hold_every_pod(cloud: str) -> None:
    """The stored plans are real: every pod once, within each node's room, replicas apart."""
    items = {i.pod: i for i in _expand(PODS)}
    plan = BEST_KNOWN[cloud]
    assert sorted(p for _, pods in plan for p in pods) == sorted(items)
    for kind, (_, pods) in zip(_kinds(cloud, [name for name, _ in plan]), plan, strict=True):
        assert sum(items[p].cpu for p in pods) <= kind.cpu + 1e-9, (kind.instance.instance_type, pods)
        assert sum(items[p].mem_gib for p in pods) <= kind.mem_gib + 1e-9, (kind.instance.instance_type, pods)
        assert len({items[p].service for p in pods}) == len(pods)
    # tight: over 90% of the CPU or memory the plan offers is requested
    offered = _kinds(cloud, [name for name, _ in plan])
    assert max(sum(i.cpu for i in items.values()) / sum(k.cpu for k in offered),
               sum(i.mem_gib for i in items.values()) / sum(k.mem_gib for k in offered)) > 0.9


def test_the_overflow_repair_finds_the_tight_azure_plan() -> None:
    items = _expand(PODS)
    kinds = _kinds("azure", [name for name, _ in BEST_KNOWN["azure"]])
    nodes = repair_fit(items, kinds, [1_000], 150)
    assert nodes is not None
    assert sorted(i.pod for n in nodes for i in n.items) == sorted(i.pod for i in items)
    for n in nodes:
        assert sum(i.cpu for i in n.items) <= n.type.cpu + 1e-9
        assert sum(i.mem_gib for i in n.items) <= n.type.mem_gib + 1e-9
        assert len({i.service for i in n.items}) == len(n.items)


def test_best_fit_alone_misses_the_tight_plan() -> None:
    """Why the overflow repair exists: best fit decreasing does not find the azure plan."""
    items = _expand(PODS)
    kinds = _kinds("azure", [name for name, _ in BEST_KNOWN["azure"]])
    assert could_hold(items, kinds)
    assert _bins(items, kinds) is None


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_the_plan_is_within_1_02_of_the_best_known(cloud: str) -> None:
    plan = pack(PODS, cloud, headroom=HEADROOM)
    hourly = sum(p["count"] * p["hourly_usd"] for p in plan["pools"])
    assert hourly <= 1.02 * _best_known_hourly(cloud) + 1e-9, (cloud, hourly, _best_known_hourly(cloud))
    placed = Counter(p["pod"] for p in plan["placements"])
    assert all(placed[f"{p.name}-{r}"] == 1 for p in PODS if not p.daemonset for r in range(p.replicas))
    nodes_of: dict[str, set[str]] = defaultdict(set)
    for p in plan["placements"]:
        nodes_of[p["pod"].rsplit("-", 1)[0]].add(p["node"])
    assert all(len(nodes_of[p.name]) == p.replicas for p in PODS if not p.daemonset)  # replicas apart
    for row in plan["nodes"]:  # the headroom is kept on every node
        assert row["requested"]["cpu"] <= (1 - HEADROOM) * row["allocatable"]["cpu"] + 0.01
        assert row["requested"]["memory_gib"] <= (1 - HEADROOM) * row["allocatable"]["memory_gib"] + 0.01


def test_a_set_with_too_few_nodes_for_the_replicas_is_ruled_out() -> None:
    items = _expand(PODS)
    most = max(Counter(i.service for i in items).values())
    big = _kinds("azure", ["E64_v3"])
    assert not could_hold(items, big * (most - 1))


def test_the_plan_is_deterministic() -> None:
    assert pack(PODS, "gcp", headroom=HEADROOM) == pack(PODS, "gcp", headroom=HEADROOM)
