"""The official estimator reproduced: the five worked cases, and its rules on the shipped data."""

from __future__ import annotations

import json
from pathlib import Path

from implhub.sizing.gomath import go_round, resource_round
from implhub.sizing.inputs import SizingInputs
from implhub.sizing.official import estimate, interpolate, service_lists

OFFICIAL_NAMES = {"frontend", "gitserver", "blobstore", "pgsql", "preciseCodeIntel", "syntacticCodeIntel", "redisCache",
                  "redisStore", "searcher", "symbols", "syntectServer", "worker", "indexedSearch",
                  "indexedSearchIndexer", "codeinsights-db", "codeintel-db", "prometheus"}


def _inputs(raw: dict) -> SizingInputs:  # type: ignore[type-arg]
    return SizingInputs(users=raw["users"], repositories=raw["repositories"], total_repo_size_gb=raw["total_repo_size_gb"],
                        largest_repo_size_gb=raw["largest_repo_size_gb"], largest_index_size_gb=raw["largest_index_size_gb"],
                        code_insights=raw["code_insights"])


def test_it_reproduces_every_worked_case_exactly(shared_ref: Path) -> None:
    cases = json.loads((shared_ref / "sourcegraph" / "examples.json").read_text())["cases"]
    assert len(cases) == 5
    for case in cases:
        got = estimate(_inputs(case["inputs"]))
        want = case["official"]
        assert set(got["services"]) == set(want["services"])
        for name, svc in want["services"].items():
            assert got["services"][name] == svc, (case["inputs"], name)
        assert got["totals"] == want["totals"], case["inputs"]


def test_go_rounding_takes_halves_away_from_zero() -> None:
    assert go_round(2.5) == 3 and go_round(-2.5) == -3 and go_round(12.5) == 13
    assert round(12.5) == 12  # what Python would have done
    assert resource_round(0.6) == 0.5 and resource_round(0.65) == 0.75 and resource_round(1.1) == 1


def test_it_knows_every_service_of_the_estimator() -> None:
    assert set(service_lists()) == OFFICIAL_NAMES


def test_a_value_on_a_reference_point_gives_that_point() -> None:
    points = dict(service_lists())["frontend"][0][1]
    hit = interpolate(points, 5000)
    assert (hit.replicas, hit.cpu, hit.mem, hit.beyond) == (2, (4.0, 4.0), (3.0, 6.0), False)


def test_it_interpolates_between_points_and_rounds_replicas() -> None:
    points = dict(service_lists())["frontend"][0][1]
    mid = interpolate(points, 37500)  # halfway between 25000 (2r 24 GB) and 50000 (4r 48 GB)
    assert mid.replicas == 3 and mid.mem == (36.0, 36.0)


def test_above_the_last_point_it_returns_the_last_point_and_asks_for_support() -> None:
    result = estimate(SizingInputs(users=80000, repositories=6_000_000, total_repo_size_gb=60_000_000,
                                   largest_repo_size_gb=300, largest_index_size_gb=2000))
    assert result["totals"]["contact_support"] is True
    assert result["services"]["frontend"]["replicas"] == 4  # the last point, not more
    assert result["totals"]["instance_size"] == "3XL"
    assert "frontend (users)" in result["beyond_reference"]


def test_totals_are_tiers_not_sums() -> None:
    small = estimate(SizingInputs(users=10, repositories=10, total_repo_size_gb=1, largest_repo_size_gb=1))
    assert (small["totals"]["vcpu"], small["totals"]["memory_gb"], small["totals"]["instance_size"]) == (8, 32, "XS")
    summed = sum(s["replicas"] * s["cpu"]["request"] for s in small["services"].values())
    assert summed != small["totals"]["vcpu"]


def test_it_keeps_the_known_defect_of_symbols_memory() -> None:
    r = estimate(SizingInputs(users=1000, repositories=120000, total_repo_size_gb=100, largest_repo_size_gb=10))
    sym = r["services"]["symbols"]["memory_gb"]
    assert sym["request"] > sym["limit"]


def test_the_size_label_is_the_repository_tier_as_the_estimator_shows_it() -> None:
    # Calculate() sets the size from the users and then overwrites it from the repositories
    many_users = estimate(SizingInputs(users=18000, repositories=8000, total_repo_size_gb=100, largest_repo_size_gb=5))
    assert many_users["totals"]["instance_size"] == "S"
    many_repos = estimate(SizingInputs(users=300, repositories=60000, total_repo_size_gb=100, largest_repo_size_gb=5))
    assert many_repos["totals"]["instance_size"] == "L"


def test_the_docs_larger_tier_rule_stays_in_standard() -> None:
    from implhub.sizing.estimate import estimate as full

    result = full(SizingInputs(users=18000, repositories=8000, total_repo_size_gb=100, largest_repo_size_gb=5),
                  chart_version="7.6.0")
    assert result["official"]["totals"]["instance_size"] == "S"
    assert result["standard"]["size"] == "XL" and result["recommended"]["totals"]["instance_size"] == "XL"
