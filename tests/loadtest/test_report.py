"""The report from raw points: numbers checked against a direct computation, merging, bad input."""

from __future__ import annotations

import gzip
import statistics
from pathlib import Path

import pytest

from implhub.errors import ValidationError
from implhub.loadtest import points, report
from tests.loadtest.points_util import point, request_lines, synthetic, write

THRESHOLDS = {
    "checks": [{"threshold": "rate>0.9", "abortOnFail": True}],
    "time_to_first_byte{type:literal}": ["med<5500"],
    "time_to_first_byte{type:structural}": ["med<300"],
    "checks{type:structural}": ["rate>0.9"],
    "time_to_first_byte{type:regexp,variant:expensive}": ["p(95)<6500"],
}


def _pct(values: list[float], q: int) -> float:
    """Linear interpolation between closest ranks: statistics' inclusive method, k6's definition."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def test_report_numbers_match_a_direct_computation_from_the_points(tmp_path: Path) -> None:
    lines, raw = synthetic(7, 3000)
    agg = points.aggregate([write(tmp_path / "run.ndjson.gz", lines)])
    rep = report.build(agg, thresholds=THRESHOLDS, targets={"literal": 10.0}, kind="load")
    duration = (3000 - 1) * 0.05
    for type_, r in raw.items():
        got = rep["types"][type_]
        assert got["requests"] == len(r["ttfb"])
        assert got["success_rate"] == pytest.approx(sum(r["ok"]) / len(r["ok"]), abs=1e-4)
        assert got["ttfb_ms"]["p50"] == pytest.approx(statistics.median(r["ttfb"]), abs=1e-3)
        assert got["ttfb_ms"]["p90"] == pytest.approx(_pct(r["ttfb"], 90), abs=1e-3)
        assert got["ttfb_ms"]["p95"] == pytest.approx(_pct(r["ttfb"], 95), abs=1e-3)
        assert got["rate_per_s"] == pytest.approx(len(r["ttfb"]) / duration, rel=1e-3)
        for variant, rv in r["variants"].items():
            assert got["variants"][variant]["requests"] == len(rv["ttfb"])
            assert got["variants"][variant]["ttfb_ms"]["p95"] == pytest.approx(_pct(rv["ttfb"], 95), abs=1e-3)
    # structural is slow (median e^7 ~ 1100 ms) and fails a fifth of its checks
    structural = rep["types"]["structural"]
    assert not structural["passed"]
    assert {t["expr"]: t["passed"] for t in structural["thresholds"]} == {
        "time_to_first_byte{type:structural} med<300": False, "checks{type:structural} rate>0.9": False}
    assert rep["types"]["literal"]["passed"]
    assert rep["types"]["regexp"]["variants"]["expensive"]["thresholds"][0]["expr"] == "time_to_first_byte{type:regexp,variant:expensive} p(95)<6500"
    assert not rep["passed"]
    # score: literal achieved/target capped at 1, times success, averaged over the types that ran
    lit = rep["types"]["literal"]
    expected = [min(1.0, lit["rate_per_s"] / 10.0) * lit["success_rate"]] + [
        rep["types"][t]["success_rate"] for t in ("regexp", "structural", "highlight")]
    assert rep["score"] == pytest.approx(100 * sum(expected) / 4, abs=0.05)
    assert set(rep) >= {"run_id", "passed", "score", "types", "run_ids"} and rep["run_ids"] == ["r1"]


def test_beyond_the_exact_cap_percentiles_stay_within_the_histogram_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(points, "EXACT_CAP", 500)
    lines, raw = synthetic(11, 4000)
    rep = report.build(points.aggregate([write(tmp_path / "run.ndjson", lines)]), thresholds={})
    lit = rep["types"]["literal"]
    assert lit["exact_percentiles"] is False
    for q, key in ((50, "p50"), (90, "p90"), (95, "p95")):
        assert lit["ttfb_ms"][key] == pytest.approx(_pct(raw["literal"]["ttfb"], q), rel=0.01)


def test_several_runners_merge_into_one_verdict(tmp_path: Path) -> None:
    a_lines, a_raw = synthetic(1, 800, run_id="dist")
    b_lines, b_raw = synthetic(2, 800, run_id="dist")
    a = write(tmp_path / "pod-a.ndjson.gz", a_lines)
    b = write(tmp_path / "pod-b.ndjson", b_lines)
    rep = report.build(points.aggregate([a, b]), thresholds=THRESHOLDS)
    both = a_raw["literal"]["ttfb"] + b_raw["literal"]["ttfb"]
    assert rep["run_ids"] == ["dist"] and rep["run_id"] == "dist"
    assert rep["types"]["literal"]["requests"] == len(both)
    assert rep["types"]["literal"]["ttfb_ms"]["p95"] == pytest.approx(_pct(both, 95), abs=1e-3)
    # both pods ran over the same seconds: VUs add up
    assert max(v for _t, v in rep["timeline"]["vus"]) >= 2 * 10
    separate = report.build(points.aggregate([write(tmp_path / "c.ndjson", synthetic(3, 100, run_id="c")[0])]), thresholds={})
    assert separate["run_ids"] == ["c"]


def test_a_truncated_file_is_read_up_to_the_cut_and_marked_partial(tmp_path: Path) -> None:
    lines, raw = synthetic(5, 400)
    text = "".join(lines)
    plain = tmp_path / "cut.ndjson"
    plain.write_text(text[: len(text) - 40])  # the last line loses its end
    rep = report.build(points.aggregate([plain]), thresholds=THRESHOLDS)
    assert rep["partial"] is True
    assert "cut off" in rep["warnings"][0]
    assert rep["reading"][0]["level"] == "partial"
    gz = tmp_path / "cut.ndjson.gz"
    data = gzip.compress(text.encode())
    gz.write_bytes(data[: len(data) // 2])
    rep2 = report.build(points.aggregate([gz]), thresholds=THRESHOLDS)
    assert rep2["partial"] is True and 0 < rep2["types"]["literal"]["requests"] < len(raw["literal"]["ttfb"])


def test_a_garbled_line_in_the_middle_names_the_file_and_line(tmp_path: Path) -> None:
    lines, _ = synthetic(5, 10)
    lines.insert(4, "this is not json\n")
    bad = write(tmp_path / "bad.ndjson", lines)
    with pytest.raises(ValidationError) as exc:
        points.aggregate([bad])
    assert exc.value.file == str(bad) and exc.value.line == 5


def test_the_reading_says_rerun_near_a_threshold_and_names_services_far_beyond(tmp_path: Path) -> None:
    lines = []
    for i in range(50):
        lines += request_lines(i * 0.1, 5800.0, True, type_="literal")   # 5% above med<5500
        lines += request_lines(i * 0.1, 2000.0, True, type_="highlight")  # 100% above med<1000
        lines += request_lines(i * 0.1, 500.0, True, type_="unindexed")   # 25% above med<400
    agg = points.aggregate([write(tmp_path / "r.ndjson", lines)])
    rep = report.build(agg, thresholds={"time_to_first_byte{type:literal}": ["med<5500"],
                                        "time_to_first_byte{type:highlight}": ["med<1000"],
                                        "time_to_first_byte{type:unindexed}": ["med<400"]})
    levels = {r["text"].split(" ")[0]: r for r in rep["reading"]}
    assert levels["time_to_first_byte{type:literal}"]["level"] == "rerun"
    assert levels["time_to_first_byte{type:highlight}"]["level"] == "sizing"
    assert "syntect-server" in levels["time_to_first_byte{type:highlight}"]["text"]
    assert levels["time_to_first_byte{type:unindexed}"]["level"] == "investigate"
    assert "searcher" in levels["time_to_first_byte{type:unindexed}"]["text"]


def test_no_points_for_a_type_does_not_fail_its_thresholds_like_k6(tmp_path: Path) -> None:
    lines = request_lines(0.0, 100.0, True, type_="literal") + request_lines(1.0, 120.0, True, type_="literal")
    rep = report.build(points.aggregate([write(tmp_path / "r.ndjson", lines)]),
                       thresholds={"checks{type:unindexed}": ["rate>0.9"], "time_to_first_byte{type:literal}": ["med<5500"]})
    assert rep["types"]["unindexed"]["requests"] == 0 and rep["types"]["unindexed"]["passed"]
    assert rep["passed"]
    assert any(r["level"] == "info" and "No unindexed requests" in r["text"] for r in rep["reading"])


def test_comparing_two_runs_reports_latency_deltas(tmp_path: Path) -> None:
    fast = write(tmp_path / "a.ndjson", [ln for i in range(20) for ln in request_lines(i, 100.0, True, type_="literal", run_id="a")])
    slow = write(tmp_path / "b.ndjson", [ln for i in range(20) for ln in request_lines(i, 180.0, True, type_="literal", run_id="b")])
    diff = report.compare(report.build(points.aggregate([fast]), thresholds={}), report.build(points.aggregate([slow]), thresholds={}))
    assert diff["old"] == "a" and diff["new"] == "b"
    assert diff["types"]["literal"]["ttfb_ms_delta"]["p50"] == pytest.approx(80.0)


def test_parse_time_reads_k6_nanosecond_stamps_with_any_offset() -> None:
    assert points.parse_time("2026-11-30T09:00:01.500000000Z") == pytest.approx(points.parse_time("2026-11-30T10:00:01.5+01:00"))
    assert point("vus", 0.25, 1).count('"time":"2026-11-30T09:00:00.250000123Z"') == 1


def test_older_k6_layouts_and_blank_lines_give_the_same_numbers(tmp_path: Path) -> None:
    import json

    lines, _ = synthetic(9, 300)
    older = []
    for line in lines:
        obj = json.loads(line)
        if obj.get("type") == "Point":  # older k6 versions wrote the type first and the metric last
            older.append(json.dumps({"type": "Point", "data": obj["data"], "metric": obj["metric"]}) + "\n\n")
        else:
            older.append(line)
    new = report.build(points.aggregate([write(tmp_path / "new.ndjson", lines)]), thresholds=THRESHOLDS)
    old = report.build(points.aggregate([write(tmp_path / "old.ndjson", older)]), thresholds=THRESHOLDS)
    assert old["types"] == new["types"] and old["run_ids"] == new["run_ids"]
