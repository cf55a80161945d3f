"""The pure engine: quantities, percentiles, windows, the strategy on hand-made usage, chart keys."""

from __future__ import annotations

import random
import statistics

import pytest

from implhub.errors import ValidationError
from implhub.rightsize import chart, quantity, queries
from implhub.rightsize.engine import Current, Strategy, percentile, recommend
from implhub.rightsize.series import ServiceUsage, Usage, parse_rules, workload_of


def test_percentiles_interpolate_like_numpy_and_prometheus() -> None:
    rng = random.Random(7)
    values = [rng.random() * 4 for _ in range(997)]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    for p in (50, 95, 99):
        assert percentile(values, p) == pytest.approx(cuts[p - 1], rel=1e-12)
    assert percentile([3.0], 99) == 3.0


@pytest.mark.parametrize(("text", "cores"), [("500m", 0.5), ("2", 2.0), (".2", 0.2), (1.5, 1.5), ("1e-1", 0.1)])
def test_it_reads_cpu_quantities(text: object, cores: float) -> None:
    assert quantity.parse_cpu(text) == pytest.approx(cores)


@pytest.mark.parametrize(("text", "num_bytes"), [("4Gi", 4 * 2**30), ("2G", 2e9), ("512Mi", 512 * 2**20), ("1024", 1024.0)])
def test_it_reads_memory_quantities(text: str, num_bytes: float) -> None:
    assert quantity.parse_memory(text) == num_bytes


def test_formatting_rounds_up_to_a_millicore_and_a_mebibyte() -> None:
    assert quantity.format_cpu(0.3501) == "351m" and quantity.format_cpu(2.0) == "2"
    assert quantity.format_memory(2**30) == "1Gi" and quantity.format_memory(2**20 + 1) == "2Mi"
    with pytest.raises(ValidationError, match="512Mi"):
        quantity.parse_memory("lots")


def test_windows_and_steps() -> None:
    assert queries.parse_window("14d") == 14 * 86400
    assert queries.step_for(14 * 86400) == 300  # 4,033 points per series
    assert queries.step_for(7200) == 60
    for bad in ("14", "2 weeks", "5m"):
        with pytest.raises(ValidationError, match="--window"):
            queries.parse_window(bad)


def test_pod_names_lose_their_replicaset_hash_or_ordinal() -> None:
    assert workload_of("sourcegraph-frontend-6f7b9c8d4-abcde") == "sourcegraph-frontend"
    assert workload_of("gitserver-12") == "gitserver"
    assert workload_of("codeintel-db-0") == "codeintel-db"
    rules = parse_rules([{"workload": "codeintel-db", "container": "pgsql", "key": "codeIntelDB", "service": "codeintel-db"},
                         {"workload": "pgsql", "container": "pgsql", "key": "pgsql", "service": "pgsql"}])
    from implhub.rightsize.series import match_rule

    assert match_rule(rules, "codeintel-db-0", "pgsql").key == "codeIntelDB"  # type: ignore[union-attr]
    assert match_rule(rules, "pgsql-0", "pgsql").key == "pgsql"  # type: ignore[union-attr]


def _usage(**services: ServiceUsage) -> Usage:
    return Usage(services=dict(services), ignored=[], empty_queries=[])


def test_a_value_within_the_tolerance_is_kept_and_the_cpu_limit_always_goes() -> None:
    su = ServiceUsage(key="worker", service="worker", pods={"worker-0"}, cpu=[0.48] * 100, memory=[1.9e9] * 100)
    cur = Current.from_resources({"requests": {"cpu": "500m", "memory": "2G"}, "limits": {"cpu": "2", "memory": "2G"}})
    out = recommend(_usage(worker=su), {"worker": cur}, expected=[], window="14d")
    paths = [c["path"] for c in out["changes"]]
    # 0.48 -> 480m is within 10% of 500m; 1.9 GB + 5% = 1903Mi is within 10% of 2G
    assert paths == ["worker.resources.limits.cpu"]
    assert out["override"] == {"worker": {"resources": {"limits": {"cpu": None}}}}


def test_the_80_percent_rule_flags_a_service_to_scale() -> None:
    hot = ServiceUsage(key="gitserver", service="gitserver", pods={"gitserver-0"}, cpu=[1.0] * 100, memory=[7e9] * 100)
    cur = Current.from_resources({"requests": {"cpu": "4", "memory": "8G"}, "limits": {"cpu": "4", "memory": "8G"}})
    out = recommend(_usage(gitserver=hot), {"gitserver": cur}, expected=[], window="14d", strategy=Strategy())
    assert out["services"][0]["flags"] == ["scale"]  # memory at 87.5% of its limit
    assert "memory" in out["services"][0]["notes"][0]


def test_keys_the_chart_version_lacks_are_named() -> None:
    from importlib.resources import files

    from ruamel.yaml import YAML

    sets = chart.load_keysets(YAML(typ="safe").load((files("implhub") / "data" / "rightsize" / "chart-keys.yaml").read_text()))
    old, new = chart.pick(sets, "6.0.0"), chart.pick(sets, "6.4.3889")
    assert new.version == "6.4.0"
    values = {"symbols": {"resources": {"requests": {"cpu": "1"}}}, "frontend": {"resources": {"request": {}}}}
    assert chart.unknown_keys({"symbols": values["symbols"]}, old) == []
    problems = chart.unknown_keys(values, new)
    assert "symbols: not a key of chart 6.4.0" in problems
    assert any(p.startswith("frontend.resources.request:") for p in problems)
    with pytest.raises(ValidationError, match="known chart versions"):
        chart.pick(sets, "4.0.0")


def test_helm_merge_deletes_on_null_and_keeps_the_rest() -> None:
    base = {"frontend": {"resources": {"limits": {"cpu": "2", "memory": "4G"}}, "replicaCount": 2}}
    merged = chart.merge(base, {"frontend": {"resources": {"limits": {"cpu": None, "memory": "1Gi"}}}})
    assert merged == {"frontend": {"resources": {"limits": {"memory": "1Gi"}}, "replicaCount": 2}}
    assert base["frontend"]["resources"]["limits"]["cpu"] == "2"  # the defaults are not touched


def test_pods_of_one_service_in_several_namespaces_are_pointed_out() -> None:
    su = ServiceUsage(key="frontend", service="frontend", pods={"a", "b"}, namespaces={"sg-prod", "sg-staging"},
                      cpu=[0.2] * 10, memory=[1e9] * 10)
    out = recommend(_usage(frontend=su), {}, expected=[], window="14d")
    assert any("--namespace" in n and "sg-staging" in n for n in out["services"][0]["notes"])
