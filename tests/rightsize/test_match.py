"""Container matching (by container name and image, never by pod name) and the engine's rules for
OOM-killed and throttled services, on hand-made inputs."""

from __future__ import annotations

import pytest

from implhub.app.rightsize import container_rules
from implhub.errors import ValidationError
from implhub.rightsize.current import Current, CurrentSource, combine
from implhub.rightsize.engine import recommend, strategy_named
from implhub.rightsize.match import ContainerRef, image_name, match_containers, owner_workload
from implhub.rightsize.series import ServiceUsage, Usage
from implhub.rightsize.summary import compare_with_estimate, evidence_strength

GB = 1e9
MIB = 2**20


def _match(*refs: ContainerRef) -> dict[str, str | None]:
    found = match_containers(list(refs), container_rules())
    out: dict[str, str | None] = {r.pod: None for r in refs}
    for (_, pod, _), rule in found.matched.items():
        out[pod] = rule.key
    return out


def test_a_frontend_container_is_the_frontend_whatever_its_pod_is_called() -> None:
    got = _match(ContainerRef("sg", "frontend-0", "frontend", "index.docker.io/sourcegraph/frontend:6.4.0@sha256:ab"),
                 ContainerRef("sg", "sourcegraph-frontend-6f7b9c8d4-abcde", "frontend"),
                 ContainerRef("sg", "web-7c9d5b8f6-k2m4p", "frontend", "registry.corp:5000/mirror/sourcegraph/frontend:6.4.0"))
    assert set(got.values()) == {"frontend"}


def test_pgsql_is_told_apart_by_workload_or_app_label_and_the_rest_is_listed_with_the_reason() -> None:
    refs = [ContainerRef("sg", "pgsql-0", "pgsql"),
            ContainerRef("sg", "codeintel-db-0", "pgsql"),
            ContainerRef("sg", "db-7-0", "pgsql", app="codeintel-db"),
            ContainerRef("sg", "x-0", "pgsql", owner="codeintel-db"),
            ContainerRef("sg", "legacy-db-0", "pgsql"),
            ContainerRef("monitoring", "prometheus-k8s-0", "prometheus", "quay.io/prometheus/prometheus:v2.42.0"),
            ContainerRef("kube-system", "coredns-1", "coredns", "registry.k8s.io/coredns/coredns:v1.10.1")]
    found = match_containers(refs, container_rules())
    keys = {pod: rule.key for (_, pod, _), rule in found.matched.items()}
    assert keys == {"pgsql-0": "pgsql", "codeintel-db-0": "codeIntelDB", "db-7-0": "codeIntelDB", "x-0": "codeIntelDB"}
    why = {u.pod: u.reason for u in found.unmatched}
    assert "several services (codeIntelDB, pgsql)" in why["legacy-db-0"] and "--values" in why["legacy-db-0"]
    assert "not from a sourcegraph/ repository" in why["prometheus-k8s-0"]
    assert "not a Sourcegraph container" in why["coredns-1"]


def test_a_mirrored_registry_named_in_the_values_is_accepted() -> None:
    ref = ContainerRef("sg", "gitserver-0", "gitserver", "registry.corp/sg-images/gitserver:6.4.0")
    assert match_containers([ref], container_rules()).unmatched
    assert match_containers([ref], container_rules(), repositories=("registry.corp/sg-images",)).matched


def test_image_and_owner_names() -> None:
    assert image_name("index.docker.io/sourcegraph/search-indexer:6.4.0@sha256:00") == ("sourcegraph/search-indexer", "search-indexer")
    assert image_name("localhost:5000/sourcegraph/frontend") == ("sourcegraph/frontend", "frontend")
    assert owner_workload("ReplicaSet", "sourcegraph-frontend-6f7b9c8d4") == "sourcegraph-frontend"
    assert owner_workload("StatefulSet", "gitserver") == "gitserver"


def test_each_figure_comes_from_the_first_source_that_knows_it() -> None:
    cadvisor = Current.from_figures({"limits.memory": 8 * GB, "limits.cpu": None, "requests.cpu": 4.0}, source=CurrentSource.CADVISOR)
    estimate = Current.from_resources({"requests": {"cpu": "5", "memory": "44G"}, "limits": {"cpu": "9", "memory": "44G"}},
                                      source=CurrentSource.ESTIMATE)
    cur = combine([cadvisor, estimate], replicas=1)
    assert (cur.memory_limit, cur.cpu_limit, cur.cpu_request, cur.memory_request) == (8 * GB, None, 4.0, 44 * GB)
    assert cur.source == "cadvisor" and dict(cur.sources)["requests.memory"] == "estimate"
    assert dict(cur.raw)["limits.memory"] == "8G"


def _svc(key: str, **kw: object) -> ServiceUsage:
    return ServiceUsage(key=key, service=key, pods={f"{key}-0"}, **kw)  # type: ignore[arg-type]


def _cur(req_cpu: str, req_mem: str, lim_cpu: str | None, lim_mem: str) -> Current:
    return Current.from_resources({"requests": {"cpu": req_cpu, "memory": req_mem},
                                   "limits": {"cpu": lim_cpu, "memory": lim_mem}}, source=CurrentSource.CLUSTER)


def test_an_oom_killed_limit_grows_to_1_2_times_the_limit_hit_or_the_official_floor() -> None:
    su = _svc("gitserver", cpu=[1.0] * 50, memory=[7.7 * GB] * 50, oom_events=3, oom_killed=True, restarts=3)
    cur = _cur("4", "8G", "4", "8G")
    out = recommend(Usage({"gitserver": su}, [], []), {"gitserver": cur}, expected=[], window="14d")
    s = out["services"][0]
    want = f"{-(-int(1.2 * 8 * GB) // MIB)}Mi"  # 1.2 x 8G, rounded up to a MiB
    assert s["recommended"]["limits"]["memory"] == s["recommended"]["requests"]["memory"] == want  # stateful: request = limit
    reason = next(c["reason"] for c in s["changes"] if c["path"].endswith("limits.memory"))
    assert "1.2 x 8G" in reason and "stateful" in reason
    floored = recommend(Usage({"gitserver": su}, [], []), {"gitserver": cur}, expected=[], window="14d",
                        floors={"gitserver": (43.3 * GB, "the official estimate for the design, 43.3 GB per pod")})
    fl = floored["services"][0]
    assert fl["recommended"]["limits"]["memory"] == f"{-(-int(43.3 * GB) // MIB)}Mi"
    assert "official estimate" in next(c["reason"] for c in fl["changes"] if c["path"].endswith("limits.memory"))


def test_a_stateless_oom_killed_service_keeps_its_request_and_never_loses_memory() -> None:
    su = _svc("worker", cpu=[0.2] * 50, memory=[1.9 * GB] * 50, oom_events=1)
    out = recommend(Usage({"worker": su}, [], []), {"worker": _cur("500m", "3G", "2", "2G")}, expected=[], window="14d")
    rec = out["services"][0]["recommended"]
    assert rec["limits"]["memory"] == f"{-(-int(2.4 * GB) // MIB)}Mi"
    assert rec["requests"]["memory"] == f"{-(-int(3 * GB) // MIB)}Mi"  # the 3G request stays, not cut to max + 15%


def test_a_throttled_service_gets_a_request_at_its_limit_and_keeps_its_memory() -> None:
    su = _svc("searcher", cpu=[1.5] * 90 + [1.99] * 10, memory=[300 * MIB] * 100, throttled_periods=45, cfs_periods=100)
    cur = _cur("500m", "500M", "2", "2G")
    out = recommend(Usage({"searcher": su}, [], []), {"searcher": cur}, expected=[], window="14d")
    s = out["services"][0]
    assert s["flags"] == ["throttled", "scale"]
    assert s["recommended"]["requests"]["cpu"] == "2" and s["recommended"]["limits"]["cpu"] is None
    assert not [c for c in s["changes"] if ".memory" in c["path"]]
    assert any("--allow-memory-cut" in n for n in s["notes"])
    replicas = next(c for c in s["changes"] if c["path"] == "searcher.replicaCount")
    assert (replicas["from"], replicas["to"], replicas["strategy"]) == (1, 2, "sourcegraph-80%")
    kept = recommend(Usage({"searcher": su}, [], []), {"searcher": cur}, expected=[], window="14d",
                     strategy=strategy_named("krr-simple", keep_cpu_limits=True, allow_memory_cut=True))
    k = kept["services"][0]
    assert k["recommended"]["limits"]["cpu"] == "4"  # 2 x the new request
    assert {c["path"] for c in k["changes"] if ".memory" in c["path"]} == {"searcher.resources.requests.memory",
                                                                         "searcher.resources.limits.memory"}


def test_strategies_by_name() -> None:
    assert (strategy_named("krr-simple").cpu_percentile, strategy_named("krr-simple").memory_buffer) == (95.0, 0.15)
    assert (strategy_named("krr-simple-legacy").cpu_percentile, strategy_named("krr-simple-legacy").memory_buffer) == (99.0, 0.05)
    with pytest.raises(ValidationError, match="krr-simple-legacy"):
        strategy_named("p50")


def test_the_comparison_never_calls_an_oom_killed_service_over_sized() -> None:
    su = _svc("gitserver", cpu=[1.0] * 50, memory=[7.9 * GB] * 50, oom_killed=True)
    result = recommend(Usage({"gitserver": su}, [], []), {"gitserver": _cur("4", "8G", "4", "8G")}, expected=[], window="14d")
    estimate = {"gitserver": Current.from_resources({"requests": {"cpu": "1", "memory": "44G"}, "limits": {"memory": "44G"}})}
    row = compare_with_estimate(result, estimate)[0]
    assert row["memory"]["verdict"] == "inconclusive" and "OOM-killed" in row["memory"]["note"]
    assert row["cpu"]["verdict"] == "about right"


def test_fewer_than_seven_days_is_partial_evidence_and_restart_gaps_are_not_missing_data() -> None:
    day = 86400
    short = evidence_strength([_svc("a", first_ts=0.0, last_ts=3.0 * day)], 14 * day)
    assert (short["window_days"], short["full_strength"], short["strength"]) == (3.0, False, "partial")
    assert "exit criterion 8" in short["warnings"][0]
    # an OOM restart leaves a gap in the middle; the span from first to last sample still counts
    full = evidence_strength([_svc("a", first_ts=0.0, last_ts=14.0 * day, cpu=[1.0] * 10)], 14 * day)
    assert full["full_strength"] is True and full["warnings"] == []


def test_a_request_kept_within_the_tolerance_never_ends_above_the_new_limit() -> None:
    su = _svc("worker", cpu=[0.5] * 50, memory=[1.67 * 2**30] * 50)
    out = recommend(Usage({"worker": su}, [], []), {"worker": _cur("500m", "2G", "2", "4G")}, expected=[], window="14d")
    rec = out["services"][0]["recommended"]
    paths = {c["path"] for c in out["changes"]}
    assert {"worker.resources.requests.memory", "worker.resources.limits.memory"} <= paths
    assert rec["requests"]["memory"] == rec["limits"]["memory"]
