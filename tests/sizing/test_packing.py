"""Node packing: every pod placed, replicas spread, DaemonSets everywhere, cost, bad catalogs."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from implhub.errors import ValidationError
from implhub.sizing import PodSpec, pack
from implhub.sizing.data import parse_catalog, shipped_catalog
from implhub.sizing.packing import first_fit_decreasing, kube_reserved_cpu, kube_reserved_memory_gib

PODS = [
    PodSpec("frontend", 4, 6, replicas=3),
    PodSpec("gitserver", 6, 40, replicas=3),
    PodSpec("indexedSearch", 6, 30, replicas=2),
    PodSpec("searcher", 3, 11, replicas=2),
    PodSpec("pgsql", 4, 9),
    PodSpec("worker", 0.5, 2),
    PodSpec("prometheus", 0.5, 6),
    PodSpec("cadvisor", 0.15, 0.2, daemonset=True),
    PodSpec("nodeExporter", 0.2, 0.1, daemonset=True),
]


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_it_places_every_pod_and_spreads_replicas(cloud: str) -> None:
    plan = pack(PODS, cloud)
    placed = Counter(p["pod"].rsplit("-", 1)[0] for p in plan["placements"] if p["pod"] not in ("cadvisor", "nodeExporter"))
    for pod in PODS:
        if not pod.daemonset:
            assert placed[pod.name] == pod.replicas, pod.name
    nodes_of: dict[str, set[str]] = defaultdict(set)
    for p in plan["placements"]:
        nodes_of[p["pod"].rsplit("-", 1)[0]].add(p["node"])
    assert len(nodes_of["gitserver"]) == 3 and len(nodes_of["frontend"]) == 3  # one replica per node
    for row in plan["nodes"]:
        assert {"cadvisor", "nodeExporter"} <= set(row["pods"])
        assert row["utilisation"]["cpu"] <= 1 and row["utilisation"]["memory"] <= 1


def test_the_contract_fields_are_there() -> None:
    plan = pack(PODS, "aws")
    for pool in plan["pools"]:
        assert set(pool) >= {"instance_type", "count", "vcpu", "memory_gib", "hourly_usd"}
    hourly = sum(p["count"] * p["hourly_usd"] for p in plan["pools"])
    assert plan["monthly_usd"] == pytest.approx(hourly * 730, abs=0.01)
    assert plan["totals"]["nodes"] == len(plan["nodes"]) == sum(p["count"] for p in plan["pools"])


def test_it_is_never_dearer_than_first_fit_decreasing() -> None:
    for cloud in ("aws", "gcp", "azure"):
        assert pack(PODS, cloud)["monthly_usd"] <= first_fit_decreasing(PODS, cloud)["monthly_usd"] + 0.01


def test_headroom_costs_nodes() -> None:
    assert pack(PODS, "aws", headroom=0.5)["totals"]["vcpu"] > pack(PODS, "aws", headroom=0.0)["totals"]["vcpu"]


def test_it_accepts_plain_dicts() -> None:
    plan = pack([{"name": "a", "cpu": 1, "memory_gb": 2, "replicas": 2}], "gcp", headroom=0)
    assert [p["pod"] for p in plan["placements"]] == ["a-0", "a-1"]


def test_reserves_follow_the_published_tiers() -> None:
    assert kube_reserved_cpu(1) == pytest.approx(0.06)
    assert kube_reserved_cpu(4) == pytest.approx(0.06 + 0.01 + 0.01)
    assert kube_reserved_memory_gib(16) == pytest.approx(1 + 0.8 + 0.8)


def test_a_pod_bigger_than_any_instance_is_refused() -> None:
    with pytest.raises(ValidationError, match="fits no aws instance"):
        pack([PodSpec("giant", 4, 50000)], "aws")


def test_it_refuses_an_unknown_cloud() -> None:
    with pytest.raises(ValidationError, match="unknown cloud"):
        pack(PODS, "ibm")


def test_the_shipped_catalog_names_a_source_and_date_for_every_price() -> None:
    rows = shipped_catalog()
    assert {r.cloud for r in rows} == {"aws", "gcp", "azure"}
    assert all(r.source and r.date and r.hourly_usd > 0 for r in rows)
    types = {r.instance_type for r in rows}
    for single in ("m6a.2xlarge", "m6a.24xlarge", "D64_v3", "n2-standard-96", "m5.4xlarge"):
        assert single in types


HEADER = "cloud,instance_type,vcpu,memory_gib,hourly_usd,region,source,date\n"


@pytest.mark.parametrize("row,field", [
    ("aws,m9.big,sixteen,64,0.7,us-east-1,x,2024-01-01", "vcpu"),
    ("aws,m9.big,16,64,-1,us-east-1,x,2024-01-01", "hourly_usd"),
    ("mars,m9.big,16,64,0.7,us-east-1,x,2024-01-01", "cloud"),
    ("aws,m9.big,16,64,0.7,us-east-1,,2024-01-01", "source"),
])
def test_a_bad_catalog_row_names_its_line_and_field(row: str, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_catalog("# prices\n" + HEADER + row + "\n", filename="mine.csv")
    assert (err.value.file, err.value.line, err.value.field) == ("mine.csv", 3, field)


def test_a_catalog_row_with_missing_fields_is_refused() -> None:
    with pytest.raises(ValidationError, match="expected 8 fields"):
        parse_catalog(HEADER + "aws,m9.big,16\n", filename="mine.csv")


def _survives_by_contract(plan: dict) -> bool:  # type: ignore[type-arg]
    """The contract's check: without the node of the most allocatable CPU, the others'
    allocatable covers every node's requests."""
    lost = max(plan["nodes"], key=lambda n: n["allocatable"]["cpu"])
    others = [n for n in plan["nodes"] if n is not lost]
    return all(sum(n["allocatable"][r] for n in others) >= sum(n["requested"][r] for n in plan["nodes"])
               for r in ("cpu", "memory_gib"))


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_a_spare_node_plan_survives_the_loss_of_any_node(cloud: str) -> None:
    plain = pack(PODS, cloud)
    spare = pack(PODS, cloud, spare_node=True)
    assert spare["resilience"]["survives_one_node_loss"] and _survives_by_contract(spare)
    assert spare["monthly_usd"] >= plain["monthly_usd"] - 0.01
    assert spare["resilience"]["spare_monthly_usd"] == pytest.approx(spare["monthly_usd"] - plain["monthly_usd"], abs=0.02)
    # every node, not only the largest: the others' allocatable covers all requests
    for lost in spare["nodes"]:
        others = [n for n in spare["nodes"] if n is not lost]
        for r in ("cpu", "memory_gib"):
            assert sum(n["allocatable"][r] for n in others) >= sum(n["requested"][r] for n in spare["nodes"]) - 1e-6


def test_a_plan_without_the_option_may_not_survive() -> None:
    small = [PodSpec("a", 2, 4), PodSpec("b", 1, 2)]
    plain = pack(small, "aws")
    assert plain["totals"]["nodes"] == 1 and plain["resilience"]["survives_one_node_loss"] is False
    spare = pack(small, "aws", spare_node=True)
    assert spare["totals"]["nodes"] >= 2 and spare["resilience"]["survives_one_node_loss"]


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_one_family_keeps_every_node_in_one_instance_family(cloud: str) -> None:
    from implhub.sizing.resilience import family

    plan = pack(PODS, cloud, one_family=True, spare_node=True)
    assert len({family(p["instance_type"]) for p in plan["pools"]}) == 1
    assert plan["resilience"]["families"] == [family(plan["pools"][0]["instance_type"])]


def test_instance_families() -> None:
    from implhub.sizing.resilience import family

    assert [family(t) for t in ("m6a.8xlarge", "n2-highmem-16", "D32_v3", "F16s_v2", "M64s", "E64_v3")] == [
        "m6a", "n2-highmem", "D_v3", "Fs_v2", "Ms", "E_v3"]
