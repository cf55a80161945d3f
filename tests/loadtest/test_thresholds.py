"""Thresholds: read the way k6 writes them, defaults derived from Sourcegraph's suite by version."""

from __future__ import annotations

import json

import pytest

from implhub.errors import ValidationError
from implhub.loadtest.thresholds import default_thresholds, parse_thresholds, version_in_range


def test_it_reads_k6_threshold_objects_and_writes_them_back_like_k6() -> None:
    parsed = parse_thresholds({
        "time_to_first_byte{type:literal}": ["med<5500"],
        "checks": [{"threshold": "rate>0.9", "abortOnFail": True}],
        "time_to_first_byte{type:regexp,variant:expensive}": ["p(95)<6500"],
    })
    assert [t.expr for t in parsed] == [
        "time_to_first_byte{type:literal} med<5500",
        "checks rate>0.9",
        "time_to_first_byte{type:regexp,variant:expensive} p(95)<6500",
    ]
    assert parsed[1].abort_on_fail and not parsed[0].abort_on_fail
    assert parsed[2].percentile == 95
    assert parsed[0].holds(5499.9) and not parsed[0].holds(5500)


@pytest.mark.parametrize("spec, fragment", [
    ({"checks": ["rate >> 0.9"]}, "cannot read the threshold"),
    ({"checks": ["p(150)<3"]}, "outside 0..100"),
    ({"checks{type literal}": ["rate>0.9"]}, "expected tag:value"),
    ({"checks{user:bob}": ["rate>0.9"]}, "tags requests by type, variant, endpoint"),
    ({"checks": [42]}, "expected a string"),
    (["checks"], "expected a mapping"),
])
def test_it_refuses_thresholds_that_do_not_parse_and_says_which(spec, fragment) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_thresholds(spec)
    assert fragment in exc.value.render()


def test_version_ranges_pick_the_first_matching_entry() -> None:
    assert version_in_range("6.4.0", ">=5.0.0")
    assert not version_in_range("4.5.1", ">=5.0.0")
    assert version_in_range("4.5.1", ">=3.0.0,<5.0.0")
    assert version_in_range(None, "*") and not version_in_range(None, ">=5.0.0")
    assert default_thresholds("load", "4.5.1")[1] == ">=3.0.0,<5.0.0"
    assert default_thresholds("load", "6.4.0")[1] == ">=5.0.0"
    assert default_thresholds("load", None)[1] == "*"
    with pytest.raises(ValidationError):
        default_thresholds("soak", "6.4.0")


def test_the_defaults_carry_sourcegraphs_values(shared_ref) -> None:
    ref = json.loads((shared_ref / "sourcegraph" / "k6" / "options-thresholds.json").read_text())
    for kind in ("load", "stress", "search"):
        ours, _ = default_thresholds(kind, "6.4.0")
        theirs = ref[kind]
        for key, items in theirs.items():
            # the search test's {literal:regular} selectors are written {type:literal,variant:regular}
            if kind == "search" and "{" in key:
                metric, sel = key[:-1].split("{")
                t, v = sel.split(":")
                key = f"{metric}{{type:{t},variant:{v}}}"
            assert ours[key] == items, (kind, key)
        assert len(ours) == len(theirs)
