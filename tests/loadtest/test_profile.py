"""Profiles from the design: 20% of users as VUs, stages per kind, mix, queries, validation."""

from __future__ import annotations

import copy
import json

import pytest

from implhub.errors import ValidationError
from implhub.loadtest import profile as p

DESIGN = {"scale": {"users": 4500}, "deployment": {"sourcegraph_version": "6.4.0"}}


def test_virtual_users_are_twenty_percent_of_the_users() -> None:
    prof = p.build_profile(DESIGN, kind="load")
    assert prof["vus"] == 900
    assert [s["duration"] for s in prof["stages_s"]] == [60, 180, 60]
    assert sum(m["share"] for m in prof["mix"]) == pytest.approx(1.0)
    assert p.build_profile(DESIGN, kind="stress")["max_duration_s"] == 90
    search = p.build_profile(DESIGN, kind="search")
    assert search["vus"] == 1 and search["iterations"] == 30


def test_the_arrival_model_drives_a_rate_per_thousand_users() -> None:
    prof = p.build_profile(DESIGN, kind="load", model="arrival", rps_per_1000=2.0)
    eff = p.effective(prof)
    assert eff["scenario"]["executor"] == "ramping-arrival-rate"
    assert max(s["target"] for s in eff["scenario"]["stages"]) == pytest.approx(9.0)  # 2/s per 1,000 x 4,500
    assert eff["think_time_s"] == {"before": [0, 0], "after": [0, 0]}


def test_effective_scales_durations_and_think_times_and_overrides_vus() -> None:
    eff = p.effective(p.build_profile(DESIGN, kind="load"), duration_scale=0.1, vus=7)
    assert eff["scenario"]["stages"] == [{"duration": "6s", "target": 7}, {"duration": "18s", "target": 7}, {"duration": "6s", "target": 0}]
    assert eff["think_time_s"]["before"] == [0.0, 6.0]
    # 70% literal plus a quarter of the random 10%
    shares = {t: eff["targets_per_s"][t] / sum(eff["targets_per_s"][x] for x in p.SEARCH_TYPES) for t in p.SEARCH_TYPES}
    assert shares["literal"] == pytest.approx(0.725, abs=1e-3)
    with pytest.raises(ValidationError):
        p.effective(eff, duration_scale=0)


def test_queries_come_from_the_projects_repositories_and_languages() -> None:
    prof = p.build_profile(DESIGN, kind="load", repos=["gitlab.example.com/platform/api-gateway"], languages=["Java", "Go"])
    regular = prof["queries"]["regular"]
    assert regular["literal"][0].startswith(r"repo:^gitlab\.example\.com/platform/api-gateway$ ")
    assert "public static void" in regular["literal"][0]
    assert all("\b" not in q for qs in regular.values() for q in qs)
    assert any(r"\b" in q for q in regular["regexp"])  # a real regexp word boundary
    assert "lang:java" in prof["queries"]["expensive"]["structural"][0]
    assert "project's repositories" in prof["query_source"]


def test_without_repositories_it_uses_the_fallback_queries_free_of_the_backspace_bug(shared_ref) -> None:
    theirs = json.loads((shared_ref / "sourcegraph" / "k6" / "queries-search.json").read_text())
    assert any("\b" in q["query"] for q in theirs["regular"])  # their JSON decodes \b to a backspace
    prof = p.build_profile(DESIGN, kind="search")
    ours = [q for v in prof["queries"].values() for qs in v.values() for q in qs]
    assert ours and all("\b" not in q for q in ours)
    assert any("\\b" in q for q in ours)


@pytest.mark.parametrize("edit, field", [
    (lambda d: d.update(vus=0), "vus"),
    (lambda d: d["mix"].append({"type": "literal", "endpoint": "stream", "share": 0.5}), "mix"),
    (lambda d: d["mix"][0].update(endpoint="soap"), "mix[0].endpoint"),
    (lambda d: d["stages_s"][0].update(duration=-1), "stages_s[0].duration"),
    (lambda d: d["queries"]["regular"].update(regexp=["\bfoo\b"]), "queries.regular.regexp"),
    (lambda d: d["thresholds"].update({"checks": ["rate => 1"]}), "thresholds.checks"),
])
def test_an_edited_profile_that_cannot_drive_a_test_is_refused_naming_the_field(edit, field) -> None:
    prof = copy.deepcopy(p.build_profile(DESIGN, kind="load"))
    edit(prof)
    with pytest.raises(ValidationError) as exc:
        p.validate_profile(prof, source="edited.yaml")
    assert exc.value.field == field


def test_a_design_without_users_cannot_make_a_load_profile() -> None:
    with pytest.raises(ValidationError) as exc:
        p.build_profile({"scale": {"users": 0}}, kind="load")
    assert exc.value.field == "scale.users"


def test_p95_targets_default_to_sourcegraphs_thresholds_and_the_design_overrides_them() -> None:
    prof = p.build_profile(DESIGN, kind="load")
    assert prof["p95_targets_ms"] == {"literal": 2000, "regexp": 2000, "structural": 3500, "unindexed": 2500}
    assert "Sourcegraph's search-test threshold" in prof["p95_targets_source"]["literal"]
    # enforced as k6 thresholds beside the suite's medians
    assert prof["thresholds"]["time_to_first_byte{type:literal}"] == ["p(95)<2000", "med<5500"]
    agreed = {**DESIGN, "search_targets": {"literal": 1500, "structural": None}}
    prof = p.build_profile(agreed, kind="load")
    assert prof["p95_targets_ms"]["literal"] == 1500 and prof["p95_targets_source"]["literal"] == "design (search_targets)"
    assert prof["p95_targets_ms"]["structural"] == 3500
    assert prof["thresholds"]["time_to_first_byte{type:literal}"][0] == "p(95)<1500"
    search = p.build_profile(agreed, kind="search")
    assert search["thresholds"]["time_to_first_byte{type:literal,variant:regular}"] == ["p(95)<1500"]
