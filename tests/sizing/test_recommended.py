"""Invariants of the recommended sizing across XS..XL and beyond the official range."""

from __future__ import annotations

import pytest

from implhub.errors import ValidationError
from implhub.sizing import data
from implhub.sizing.estimate import estimate
from implhub.sizing.inputs import SizingInputs
from implhub.sizing.recommended import recommend

SCENARIOS = {
    "XS": SizingInputs(users=300, repositories=3000, total_repo_size_gb=150, largest_repo_size_gb=5),
    "S": SizingInputs(users=900, repositories=9000, total_repo_size_gb=600, largest_repo_size_gb=20, largest_index_size_gb=2),
    "M": SizingInputs(users=4500, repositories=38000, total_repo_size_gb=2600, largest_repo_size_gb=85, monorepos=2,
                      largest_index_size_gb=6, code_insights=True, concurrent_users=900),
    "L": SizingInputs(users=9000, repositories=90000, total_repo_size_gb=9000, largest_repo_size_gb=200,
                      largest_index_size_gb=25, code_insights=True),
    "XL": SizingInputs(users=18000, repositories=240000, total_repo_size_gb=25000, largest_repo_size_gb=400, monorepos=3),
    "beyond": SizingInputs(users=90000, repositories=7_000_000, total_repo_size_gb=400000, largest_repo_size_gb=1500,
                           largest_index_size_gb=150, code_insights=True),
}
FIELDS = ("replicas", "cpu", "memory_gb")


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:  # type: ignore[type-arg]
    return {name: estimate(inp, chart_version="7.6.0") for name, inp in SCENARIOS.items()}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_requests_are_never_above_limits(results: dict, name: str) -> None:  # type: ignore[type-arg]
    for key, s in results[name]["recommended"]["services"].items():
        for f in ("cpu", "memory_gb"):
            req, lim = s[f]["request"], s[f]["limit"]
            assert lim is None or req is None or req <= lim, (name, key, f)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_number_says_why(results: dict, name: str) -> None:  # type: ignore[type-arg]
    for key, s in results[name]["recommended"]["services"].items():
        for f in FIELDS:
            assert s["why"].get(f), (name, key, f)
        if s["storage_gb"] is not None:
            assert s["why"].get("storage_gb"), (name, key)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_disks_are_whole_gi_per_replica(results: dict, name: str) -> None:  # type: ignore[type-arg]
    services = results[name]["recommended"]["services"]
    for key, s in services.items():
        if s["storage_gb"] is not None:
            assert float(s["storage_gb"]).is_integer() and s["storage_gb"] > 0, (name, key)
    gs = services["gitserver"]
    inp = SCENARIOS[name]
    # per replica: the shards together hold the corpus with 20% free
    assert gs["replicas"] * gs["storage_gb"] * 2**30 / 1e9 >= 1.25 * inp.total_repo_size_gb
    assert services["searcher"]["storage_gb"] * 2**30 / 1e9 >= 1.2 * inp.largest_repo_size_gb


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_totals_are_the_real_sums(results: dict, name: str) -> None:  # type: ignore[type-arg]
    rec = results[name]["recommended"]
    t = rec["totals"]
    services_cpu = sum(s["replicas"] * (s["cpu"]["request"] or 0) for s in rec["services"].values() if not s["daemonset"])
    assert t["services_vcpu"] == pytest.approx(services_cpu, abs=0.01)
    assert t["vcpu"] == pytest.approx(t["services_vcpu"] + t["overhead_vcpu"], abs=0.02)
    assert t["overhead_vcpu"] > 0 and t["overhead_memory_gb"] > 0  # DaemonSets and reserves on each node
    assert t["nodes"] == sum(p["count"] for p in t["node_pools"])


def test_only_beyond_the_official_range_is_extrapolated(results: dict) -> None:  # type: ignore[type-arg]
    for name in ("XS", "S", "M", "L", "XL"):
        assert not results[name]["recommended"]["totals"]["extrapolated"], name
    beyond = results["beyond"]["recommended"]
    assert beyond["totals"]["extrapolated"] and beyond["totals"]["instance_size"] == "beyond XL"
    fe = beyond["services"]["frontend"]
    assert fe["extrapolated"] and "above the last reference point" in fe["extrapolation"]
    assert fe["replicas"] > 4  # scaled out where the official estimator stops at its last point


def test_chart_keys_are_the_targeted_versions(results: dict) -> None:  # type: ignore[type-arg]
    for version in data.chart_versions():
        rec = recommend(SCENARIOS["M"], chart_version=version)["services"]
        keys = data.chart_keys(version)
        for key in rec:
            assert key in keys, (version, key)
        assert ("symbols" in rec) == (data.version_tuple(version) < (6, 4)), version
        assert "codeinsights-db" not in rec and "codeInsightsDB" in rec


def test_zoekt_memory_follows_the_indexable_corpus() -> None:
    base = SCENARIOS["M"]
    from dataclasses import replace

    small = estimate(replace(base, indexable_bytes=20 * 10**9), chart_version="7.6.0")["recommended"]["services"]
    big = estimate(replace(base, indexable_bytes=400 * 10**9), chart_version="7.6.0")["recommended"]["services"]
    per = lambda s: s["indexedSearch"]["replicas"] * s["indexedSearch"]["memory_gb"]["request"]  # noqa: E731
    assert per(small) >= 2.7 * 20 and per(big) >= 2.7 * 400 > per(small)
    assert "code statistics" in big["indexedSearch"]["why"]["memory_gb"]


def test_monorepos_grow_indexserver_searcher_and_gitserver() -> None:
    from dataclasses import replace

    base = replace(SCENARIOS["L"], monorepos=0)
    plain = estimate(base, chart_version="7.6.0")["recommended"]["services"]
    mono = estimate(replace(base, monorepos=2), chart_version="7.6.0")["recommended"]["services"]
    for key in ("indexedSearchIndexer", "searcher", "gitserver"):
        assert mono[key]["memory_gb"]["request"] > plain[key]["memory_gb"]["request"], key


def test_precise_code_intel_memory_follows_the_largest_index() -> None:
    from dataclasses import replace

    svc = estimate(replace(SCENARIOS["S"], largest_index_size_gb=12), chart_version="7.6.0")["recommended"]["services"]
    pci = svc["preciseCodeIntel"]
    workers = int(pci["env"]["NUM_WORKERS"])
    assert pci["memory_gb"]["limit"] >= 2 * 12 * workers


def test_a_service_the_chart_cannot_replicate_grows_instead() -> None:
    svc = estimate(SCENARIOS["beyond"], chart_version="7.6.0")["recommended"]["services"]
    assert svc["redisCache"]["replicas"] == 1 and "no redisCache.replicaCount" in svc["redisCache"]["why"]["replicas"]


def test_deviations_name_the_default_and_the_reason(results: dict) -> None:  # type: ignore[type-arg]
    devs = results["M"]["deviations"]
    gs = [d for d in devs if d["key"] == "gitserver.replicas"]
    assert gs and gs[0]["chart_default"] == 1 and gs[0]["value"] > 1 and gs[0]["why"]


@pytest.mark.parametrize("kwargs,field", [
    ({"users": -1}, "--users"),
    ({"largest_repo_size_gb": 500}, "--largest-gb"),
    ({"repositories": 0}, "--repos"),
    ({"concurrent_users": 99999}, "--concurrent-users"),
])
def test_it_rejects_bad_inputs(kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    base = {"users": 100, "repositories": 100, "total_repo_size_gb": 100, "largest_repo_size_gb": 10}
    with pytest.raises(ValidationError) as err:
        SizingInputs(**{**base, **kwargs})
    assert err.value.field == field


def test_it_rejects_an_unknown_chart_version() -> None:
    with pytest.raises(ValidationError, match="unknown chart version"):
        estimate(SCENARIOS["XS"], chart_version="4.0.0")


def test_without_a_scan_zoekt_memory_follows_the_design_total_not_only_the_repository_curve() -> None:
    # 13,500 repositories, 1.8 TB: the repository curve alone gives one 4-9 GB zoekt
    inp = SizingInputs(users=2000, repositories=13500, total_repo_size_gb=1800, largest_repo_size_gb=50)
    web = estimate(inp, chart_version="7.6.0")["recommended"]["services"]["indexedSearch"]
    total = web["replicas"] * web["memory_gb"]["request"]
    assert total >= 2.7 * 0.03 * 1800 and total >= 10 * 9  # an order of magnitude above the curve
    assert "assumed 3%" in web["why"]["memory_gb"] and "no code statistics scan yet" in web["why"]["memory_gb"]


def test_a_scan_of_enough_repositories_drives_zoekt_and_its_disk() -> None:
    from dataclasses import replace

    base = SizingInputs(users=2000, repositories=13500, total_repo_size_gb=1800, largest_repo_size_gb=50)
    enough = replace(base, indexable_bytes=30 * 10**9, indexable_coverage=0.2)
    few = replace(base, indexable_bytes=30 * 10**9, indexable_coverage=0.0003)  # 4 repositories
    web_enough = estimate(enough, chart_version="7.6.0")["recommended"]["services"]["indexedSearch"]
    web_few = estimate(few, chart_version="7.6.0")["recommended"]["services"]["indexedSearch"]
    web_none = estimate(base, chart_version="7.6.0")["recommended"]["services"]["indexedSearch"]
    assert "from code statistics" in web_enough["why"]["memory_gb"] and "3.5 x the corpus" in web_enough["why"]["storage_gb"]
    assert (web_few["memory_gb"], web_few["storage_gb"]) == (web_none["memory_gb"], web_none["storage_gb"])
    assert "too small a sample" in web_few["why"]["memory_gb"]


MONOREPO_HEAVY = SizingInputs(users=2000, repositories=20000, total_repo_size_gb=3000, largest_repo_size_gb=400,
                              monorepos=5, largest_index_size_gb=20)


def test_gitserver_stays_within_64_gb_per_replica_with_more_shards_for_monorepos() -> None:
    gs = estimate(MONOREPO_HEAVY, chart_version="7.6.0")["recommended"]["services"]["gitserver"]
    assert gs["memory_gb"]["limit"] <= 64 and gs["memory_gb"]["request"] <= 64
    assert gs["replicas"] >= 5 and "one shard per monorepo" in gs["why"]["replicas"]


def test_the_precise_code_intel_reason_matches_its_number() -> None:
    pci = estimate(MONOREPO_HEAVY, chart_version="7.6.0")["recommended"]["services"]["preciseCodeIntel"]
    mem = pci["memory_gb"]["request"]
    assert mem == 41 and pci["env"]["NUM_WORKERS"] == "1"
    assert "under about 32 GB" not in pci["why"]["env"] and "one upload at a time" in pci["why"]["env"]
    small = estimate(SCENARIOS["S"], chart_version="7.6.0")["recommended"]["services"]["preciseCodeIntel"]
    assert small["memory_gb"]["request"] <= 33 and "under about 32 GB" in small["why"]["env"]
