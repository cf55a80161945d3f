"""The column-wise (numpy) reader of k6 points against exact computations and the line-by-line reader."""

from __future__ import annotations

import math
import re
import statistics
from pathlib import Path

import pytest

from implhub.loadtest import chunkscan, points
from tests.loadtest.points_util import point, request_lines, synthetic, write


def _exact(values: list[float], pct: int) -> float:
    """k6's percentile: linear interpolation between the closest ranks."""
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _line_by_line(monkeypatch: pytest.MonkeyPatch, path: Path) -> points.Aggregate:
    with monkeypatch.context() as m:
        m.setattr(chunkscan, "scan", lambda buf, size: None)
        return points.aggregate([path])


def _same(a: points.Aggregate, b: points.Aggregate) -> None:
    assert (a.points, a.lines, a.truncated) == (b.points, b.lines, b.truncated)
    assert a.spans.keys() == b.spans.keys() and a.start == pytest.approx(b.start)
    for run, span in a.spans.items():
        assert span == pytest.approx(b.spans[run]), run
    assert set(a.groups) == set(b.groups)
    for key, acc in a.groups.items():
        other = b.groups[key]
        assert acc.count == other.count, key
        if isinstance(acc, points.Trend):
            assert isinstance(other, points.Trend)
            assert acc.total == pytest.approx(other.total) and (acc.min, acc.max) == (other.min, other.max)
            for pct in (50, 90, 95, 99):
                assert acc.percentile(pct) == pytest.approx(other.percentile(pct)), (key, pct)
        elif isinstance(acc, points.Rate):
            assert isinstance(other, points.Rate) and acc.nonzero == other.nonzero
        else:
            assert isinstance(other, points.Counter) and acc.total == pytest.approx(other.total)
    assert a.timeline.vus == b.timeline.vus
    assert a.timeline.latency.keys() == b.timeline.latency.keys()
    for type_, series in a.timeline.latency.items():
        assert series.keys() == b.timeline.latency[type_].keys(), type_
        for bucket, cell in series.items():
            assert cell == pytest.approx(b.timeline.latency[type_][bucket]), (type_, bucket)


def test_percentiles_beyond_the_exact_cap_stay_within_half_a_percent_of_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(points, "EXACT_CAP", 2_000)  # fold into the logarithmic histogram early
    lines, raw = synthetic(11, 30_000)
    agg = points.aggregate([write(tmp_path / "big.ndjson", lines)])
    for type_, r in raw.items():
        def of_type(t: str, v: str, e: str, want: str = type_) -> bool:
            return t == want

        trend = agg.merged("time_to_first_byte", of_type)
        assert isinstance(trend, points.Trend) and not trend.exact and trend.count == len(r["ttfb"])
        for pct in (50, 90, 95, 99):
            exact = _exact(r["ttfb"], pct)
            assert abs(trend.percentile(pct) - exact) <= 0.005 * exact, (type_, pct, trend.percentile(pct), exact)
        assert trend.min == min(r["ttfb"]) and trend.max == max(r["ttfb"])
        assert trend.avg() == pytest.approx(statistics.fmean(r["ttfb"]))


@pytest.mark.parametrize("variant", ["plain", "gzip", "crlf", "offset", "millis"])
def test_the_column_reader_matches_the_line_by_line_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variant: str) -> None:
    lines, _ = synthetic(4, 3_000)
    if variant == "crlf":
        lines = [ln.replace("\n", "\r\n") for ln in lines]
    elif variant == "offset":  # k6 writes the runner's local offset when it is not UTC
        lines = [re.sub(r"T09:(\d\d:\d\d\.\d+)Z", r"T10:\1+01:00", ln) for ln in lines]
    elif variant == "millis":  # Go drops trailing zeros of the fraction
        lines = [re.sub(r"\.(\d{3})\d+Z", r".\1Z", ln) for ln in lines]
    path = write(tmp_path / ("r.ndjson.gz" if variant == "gzip" else "r.ndjson"), lines)
    seen: list[bool] = []
    real_scan = chunkscan.scan

    def spy(buf: bytes | bytearray, size: int) -> chunkscan.Scan | None:
        out = real_scan(buf, size)
        seen.append(out is not None)
        return out

    monkeypatch.setattr(chunkscan, "scan", spy)
    columns = points.aggregate([path])
    assert seen and all(seen), "every chunk should take the column-wise path"
    _same(columns, _line_by_line(monkeypatch, path))


def test_lines_cut_across_small_buffers_and_a_line_longer_than_the_buffer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines, _ = synthetic(9, 800)
    long_tag = "x" * 6_000  # longer than the buffer below and than the widest tags read as columns
    lines += request_lines(500.0, 123.0, True, type_="literal", endpoint=long_tag)
    path = write(tmp_path / "r.ndjson", lines)
    whole = points.aggregate([path])
    monkeypatch.setattr(points, "CHUNK", 4_096)
    _same(points.aggregate([path]), whole)
    assert ("time_to_first_byte", "literal", "regular", long_tag) in whole.groups


def test_a_point_in_another_key_order_is_still_read(tmp_path: Path) -> None:
    lines = request_lines(0.0, 100.0, True, type_="literal") + request_lines(1.0, 300.0, True, type_="literal")
    # valid JSON, not k6's own layout: the chunk goes line by line
    lines.append('{"type":"Point","metric":"time_to_first_byte","data":{"tags":{"type":"literal","variant":"regular",'
                 '"endpoint":"stream","run_id":"r1"},"value":200.0,"time":"2026-11-30T09:00:02Z"}}\n')
    agg = points.aggregate([write(tmp_path / "r.ndjson", lines)])
    trend = agg.groups[("time_to_first_byte", "literal", "regular", "stream")]
    assert isinstance(trend, points.Trend) and trend.count == 3 and trend.percentile(50) == 200.0


def test_scan_reads_stamps_values_and_tags_column_wise() -> None:
    text = (point("time_to_first_byte", 1.5, 307.25, type="literal", run_id="a")
            + point("checks", 2.0, 0, type="regexp", run_id="a")
            + point("http_req_duration", 2.0, 9.0, type="regexp")
            + point("vus", 2.0, 10, run_id="a")).encode()
    scanned = chunkscan.scan(text + bytes(chunkscan.PAD), len(text))
    assert scanned is not None and scanned.lines == 4
    assert [chunkscan.NAMES[m] for m in scanned.metric] == ["time_to_first_byte", "checks"]
    assert scanned.value.tolist() == [307.25, 0.0]
    assert scanned.time.tolist() == [points.parse_time("2026-11-30T09:00:01.500000123Z"), points.parse_time("2026-11-30T09:00:02.000000123Z")]
    assert [scanned.tags[c] for c in scanned.tag_code] == [b'"type":"literal","run_id":"a"', b'"type":"regexp","run_id":"a"']
    assert len(scanned.vus_lines) == 1 and scanned.vus_lines[0].startswith(b'{"metric":"vus"')
    assert math.isfinite(scanned.time[0])


@pytest.mark.parametrize("bad", [
    '{"metric":"checks","type":"Point","data":{"time":"2026-13-30T09:00:00Z","value":1,"tags":{}}}\n',
    '{"metric":"checks","type":"Point","data":{"time":"2026-11-30T09:00:00Z","value":nan,"tags":{}}}\n',
    '\n',
])
def test_scan_leaves_anything_unusual_to_the_line_by_line_reader(bad: str) -> None:
    text = (point("checks", 0.0, 1, type="literal") + bad).encode()
    assert chunkscan.scan(text + bytes(chunkscan.PAD), len(text)) is None


def test_scan_skips_metrics_whose_names_only_start_like_a_wanted_one() -> None:
    text = "".join(point(name, 1.0, 5.0, type="literal") for name in
                   ("time_to_first_bytes", "time_to_first_byXX", "http_reqs_total", "checksum", "vusmax", "http_req_failedx",
                    "time_to_first_byte")).encode()
    scanned = chunkscan.scan(text + bytes(chunkscan.PAD), len(text))
    assert scanned is not None and [chunkscan.NAMES[m] for m in scanned.metric] == ["time_to_first_byte"]
