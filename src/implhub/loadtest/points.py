"""Read k6's raw NDJSON points (`k6 run --out json=FILE`, plain or gzip) in one streaming pass,
several files at once, in bounded memory.

Each point line looks like `{"metric":"time_to_first_byte","type":"Point","data":{"time":
"2026-11-29T14:32:10.077Z","value":307.3,"tags":{"type":"literal",...}}}`. Only the metrics the
report needs are parsed: time_to_first_byte, checks, http_reqs, http_req_failed and vus. The file
is read in 16 MiB blocks into one reused buffer; a block in k6's own layout is read column-wise
with numpy (chunkscan, then columns.fold), any other block line by line with a JSON parser, which
names a bad line.

Percentiles are exact (k6's own formula: linear interpolation between the two nearest ranks)
while a series holds up to EXACT_CAP values; beyond that the series folds into a logarithmic
histogram whose buckets are 0.2% wide, so memory stays bounded however long the run.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import math
import re
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from implhub.errors import ValidationError
from implhub.loadtest import chunkscan
from implhub.loadtest.chunkscan import FloatArray

EXACT_CAP = 50_000
_LOG_STEP = math.log1p(0.002)
WANTED = ("time_to_first_byte", "checks", "http_reqs", "http_req_failed", "vus")
_PREFIXES = tuple(f'{{"metric":"{m}","type":"Point"'.encode() for m in WANTED)
GroupKey = tuple[str, str, str, str]  # metric, type, variant, endpoint
MAX_BUCKETS = 2_000


class Trend:
    """count, sum, min, max always exact; percentiles exact up to EXACT_CAP values."""

    __slots__ = ("count", "total", "min", "max", "values", "hist", "zeros", "sorted_")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.values: array[float] | None = array("d")
        self.hist: dict[int, int] = {}
        self.zeros = 0
        self.sorted_ = True

    def add(self, v: float) -> None:
        self.count += 1
        self.total += v
        if v < self.min:
            self.min = v
        if v > self.max:
            self.max = v
        if self.values is not None:
            self.values.append(v)
            self.sorted_ = False
            if len(self.values) > EXACT_CAP:
                self._fold()
        else:
            self._bucket(v)

    def add_many(self, vals: list[float]) -> None:
        if not vals:
            return
        self.count += len(vals)
        self.total += sum(vals)
        self.min = min(self.min, min(vals))
        self.max = max(self.max, max(vals))
        if self.values is not None:
            self.values.extend(vals)
            self.sorted_ = False
            if len(self.values) > EXACT_CAP:
                self._fold()
        else:
            for v in vals:
                self._bucket(v)

    def add_array(self, vals: FloatArray) -> None:
        if not len(vals):
            return
        self.count += len(vals)
        self.total += float(vals.sum())
        self.min = min(self.min, float(vals.min()))
        self.max = max(self.max, float(vals.max()))
        if self.values is not None:
            self.values.frombytes(vals.astype(np.float64).tobytes())
            self.sorted_ = False
            if len(self.values) > EXACT_CAP:
                self._fold()
        else:
            self._bucket_array(vals)

    def _bucket_array(self, vals: FloatArray) -> None:
        positive = vals[vals > 0]
        self.zeros += len(vals) - len(positive)
        buckets, counts = np.unique(np.floor(np.log(positive) / _LOG_STEP).astype(np.int64), return_counts=True)
        hist = self.hist
        for b, n in zip(buckets.tolist(), counts.tolist(), strict=True):
            hist[b] = hist.get(b, 0) + n

    def _bucket(self, v: float) -> None:
        if v <= 0:
            self.zeros += 1
        else:
            b = int(math.floor(math.log(v) / _LOG_STEP))
            self.hist[b] = self.hist.get(b, 0) + 1

    def _fold(self) -> None:
        assert self.values is not None
        vals, self.values = self.values, None
        self._bucket_array(np.frombuffer(vals, dtype=np.float64))

    def merge(self, other: Trend) -> None:
        self.count += other.count
        self.total += other.total
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        if self.values is not None and other.values is not None and len(self.values) + len(other.values) <= EXACT_CAP:
            self.values.extend(other.values)
            self.sorted_ = False
            return
        if self.values is not None:
            self._fold()
        if other.values is not None:
            for v in other.values:
                self._bucket(v)
        else:
            self.zeros += other.zeros
            for b, n in other.hist.items():
                self.hist[b] = self.hist.get(b, 0) + n

    @property
    def exact(self) -> bool:
        return self.values is not None

    def avg(self) -> float:
        return self.total / self.count if self.count else 0.0

    def percentile(self, pct: float) -> float:
        """k6's definition: rank i = pct/100 * (n - 1), interpolated between floor and ceil."""
        if self.count == 0:
            return 0.0
        i = pct / 100.0 * (self.count - 1)
        lo, hi = int(math.floor(i)), int(math.ceil(i))
        a, b = self._at(lo), self._at(hi)
        return a + (b - a) * (i - lo)

    def _at(self, rank: int) -> float:
        if self.values is not None:
            if not self.sorted_:
                self.values = array("d", sorted(self.values))
                self.sorted_ = True
            return float(self.values[rank])
        if rank < self.zeros:
            return 0.0
        seen = self.zeros
        for b in sorted(self.hist):
            seen += self.hist[b]
            if rank < seen:
                # the bucket's geometric middle, clamped to what was observed
                v = math.exp((b + 0.5) * _LOG_STEP)
                return min(max(v, self.min), self.max)
        return self.max


class Rate:
    __slots__ = ("count", "nonzero")

    def __init__(self) -> None:
        self.count = 0
        self.nonzero = 0

    def add(self, v: float) -> None:
        self.count += 1
        if v != 0:
            self.nonzero += 1

    def add_many(self, vals: list[float]) -> None:
        self.count += len(vals)
        self.nonzero += len(vals) - vals.count(0.0)

    def add_array(self, vals: FloatArray) -> None:
        self.count += len(vals)
        self.nonzero += int(np.count_nonzero(vals))

    def merge(self, other: Rate) -> None:
        self.count += other.count
        self.nonzero += other.nonzero

    def rate(self) -> float:
        return self.nonzero / self.count if self.count else 0.0


class Counter:
    __slots__ = ("count", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0

    def add(self, v: float) -> None:
        self.count += 1
        self.total += v

    def add_many(self, vals: list[float]) -> None:
        self.count += len(vals)
        self.total += sum(vals)

    def add_array(self, vals: FloatArray) -> None:
        self.count += len(vals)
        self.total += float(vals.sum())

    def merge(self, other: Counter) -> None:
        self.count += other.count
        self.total += other.total


Acc = Trend | Rate | Counter


def new_acc(metric: str) -> Acc:
    if metric == "time_to_first_byte":
        return Trend()
    if metric in ("checks", "http_req_failed"):
        return Rate()
    return Counter()


@dataclass
class Timeline:
    """Per-type latency and per-file VUs over time, in buckets that widen to stay under
    MAX_BUCKETS (bounded memory for any duration)."""

    width: int = 1
    #: type -> bucket -> [count, sum of ttfb, max ttfb]
    latency: dict[str, dict[int, list[float]]] = field(default_factory=dict)
    #: source -> bucket -> max VUs that runner reported in the bucket
    vus: dict[str, dict[int, float]] = field(default_factory=dict)

    def _bucket(self, t: float) -> int:
        return int(t // self.width) * self.width

    def add_latency(self, type_: str, t: float, v: float) -> None:
        series = self.latency.setdefault(type_, {})
        b = self._bucket(t)
        cell = series.get(b)
        if cell is None:
            series[b] = [1.0, v, v]
            if len(series) > MAX_BUCKETS:
                self._widen()
        else:
            cell[0] += 1
            cell[1] += v
            if v > cell[2]:
                cell[2] = v

    def add_latency_array(self, type_: str, times: FloatArray, values: FloatArray) -> None:
        """Many points at once: per bucket count, sum and max, merged into the series."""
        buckets, inverse = np.unique((times // self.width).astype(np.int64) * self.width, return_inverse=True)
        counts = np.bincount(inverse, minlength=len(buckets))
        sums = np.bincount(inverse, weights=values, minlength=len(buckets))
        maxes = np.full(len(buckets), -np.inf)
        np.maximum.at(maxes, inverse, values)
        series = self.latency.setdefault(type_, {})
        for b, n, s, mx in zip(buckets.tolist(), counts.tolist(), sums.tolist(), maxes.tolist(), strict=True):
            b = self._bucket(b)  # the width may have grown while merging
            cell = series.get(b)
            if cell is None:
                series[b] = [float(n), s, mx]
                if len(series) > MAX_BUCKETS:
                    self._widen()
                    series = self.latency[type_]
            else:
                cell[0] += n
                cell[1] += s
                cell[2] = max(cell[2], mx)

    def add_vus(self, source: str, t: float, v: float) -> None:
        series = self.vus.setdefault(source, {})
        b = self._bucket(t)
        if v > series.get(b, -1.0):
            series[b] = v
            if len(series) > MAX_BUCKETS:
                self._widen()

    def _widen(self) -> None:
        self.width *= 2
        for type_, series in self.latency.items():
            merged: dict[int, list[float]] = {}
            for b, (n, s, mx) in series.items():
                nb = self._bucket(b)
                cell = merged.setdefault(nb, [0.0, 0.0, 0.0])
                cell[0] += n
                cell[1] += s
                cell[2] = max(cell[2], mx)
            self.latency[type_] = merged
        for source, vseries in self.vus.items():
            vmerged: dict[int, float] = {}
            for b, v in vseries.items():
                nb = self._bucket(b)
                vmerged[nb] = max(vmerged.get(nb, 0.0), v)
            self.vus[source] = vmerged


@dataclass
class Aggregate:
    groups: dict[GroupKey, Acc] = field(default_factory=dict)
    #: run id -> [first, last] point time (epoch seconds)
    spans: dict[str, list[float]] = field(default_factory=dict)
    timeline: Timeline = field(default_factory=Timeline)
    points: int = 0
    lines: int = 0
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False
    start: float | None = None

    def merged(self, metric: str, match: Callable[[str, str, str], bool]) -> Acc:
        acc = new_acc(metric)
        for (m, t, v, e), a in self.groups.items():
            if m == metric and match(t, v, e):
                acc.merge(a)  # type: ignore[arg-type]
        return acc


_epoch_cache: dict[str, float] = {}


def parse_time(s: str) -> float:
    """Epoch seconds of k6's RFC 3339 time with nanoseconds; the whole-second part is cached."""
    if s.endswith("Z"):
        body, tz = s[:-1], "+00:00"
    elif len(s) > 25 and s[-6] in "+-" and s[-3] == ":":
        body, tz = s[:-6], s[-6:]
    else:
        body, tz = s, ""
    head = body[:19]
    frac = float("0." + body[20:]) if len(body) > 20 and body[19] == "." else 0.0
    key = head + tz
    base = _epoch_cache.get(key)
    if base is None:
        try:
            parsed = dt.datetime.fromisoformat(key)
        except ValueError:
            raise ValueError(f"cannot read the time {s!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        base = parsed.timestamp()
        if len(_epoch_cache) > 100_000:
            _epoch_cache.clear()
        _epoch_cache[key] = base
    return base + frac


#: k6's own line layout; anything else falls back to a full JSON parse
_FAST = re.compile(rb'^\{"metric":"(\w+)","type":"Point","data":\{"time":"([^"]+)","value":([-+0-9.eE]+),"tags":\{(.*)\}\}\}\s*$')
_TAG = re.compile(rb'"(type|variant|endpoint|run_id)":"([^"\\]*)"')


def _fast_point(line: bytes) -> tuple[str, str, float, dict[str, str]] | None:
    m = _FAST.match(line)
    if m is None:
        return None
    tags = {k.decode(): v.decode() for k, v in _TAG.findall(m.group(4))}
    return m.group(1).decode(), m.group(2).decode(), float(m.group(3)), tags


def _open(path: Path) -> IO[bytes]:
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


CHUNK = 16 << 20


class _Blocks:
    """Whole lines of a plain or gzip NDJSON file, read into one reused buffer. A cut-off end (an
    unfinished gzip stream, a last line without its end) is recorded as truncated instead of failing
    the whole report; the complete lines before it are kept. The caller advances `line_no`."""

    def __init__(self, path: Path, agg: Aggregate) -> None:
        self.path, self.agg, self.line_no = path, agg, 1

    def __iter__(self) -> Iterator[tuple[bytearray, int]]:
        """(buffer, length of its whole lines); at least chunkscan.PAD bytes follow them."""
        path, agg = self.path, self.agg
        try:
            fh = _open(path)
        except FileNotFoundError:
            raise ValidationError("file not found; expected k6 NDJSON output (k6 run --out json=FILE)", file=str(path)) from None
        except IsADirectoryError:
            raise ValidationError("expected a file, got a directory", file=str(path)) from None
        buf = bytearray(CHUNK + chunkscan.PAD)
        filled = 0
        # small reads from a gzip stream: a cut-off stream loses only the piece being read
        piece = CHUNK if isinstance(fh, io.BufferedReader) else 1 << 16
        ended = False
        with fh:
            while not ended:
                limit = len(buf) - chunkscan.PAD
                while filled < limit:
                    try:
                        got = fh.readinto(memoryview(buf)[filled:min(limit, filled + piece)])  # type: ignore[attr-defined]
                    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                        agg.truncated = True
                        agg.warnings.append(f"{path}: the compressed stream ends early near line {self.line_no} ({exc}); the run is partial")
                        got = 0
                    if not got:
                        ended = True
                        break
                    filled += got
                cut = buf.rfind(b"\n", 0, filled) + 1
                if not cut and not ended:
                    buf.extend(bytes(len(buf)))  # one line longer than the buffer: grow it
                    continue
                if cut:
                    yield buf, cut
                    buf[:filled - cut] = buf[cut:filled]
                    filled -= cut
        if buf[:filled].strip():
            agg.truncated = True
            agg.warnings.append(f"{path}:{self.line_no}: the last line is cut off; the run is partial")


def iter_chunks(path: Path, agg: Aggregate) -> Iterator[tuple[int, bytes, int]]:
    """(number of the chunk's first line, whole lines, how many) of a plain or gzip NDJSON file."""
    blocks = _Blocks(path, agg)
    for buf, size in blocks:
        chunk = bytes(buf[:size])
        count = chunk.count(b"\n")
        yield blocks.line_no, chunk, count
        blocks.line_no += count


def _tag(tags: bytes, key: bytes) -> bytes:
    """A tag's value in k6's tags object (values are plain strings without quotes)."""
    i = tags.find(key)
    if i < 0:
        return b""
    i += len(key)
    return tags[i:tags.find(b'"', i)]


def _slow_lines(chunk: bytes, first_line: int) -> Iterator[tuple[int, tuple[str, str, float, dict[str, str]] | None, bytes]]:
    """Line by line: (line number, point or None when not a wanted point, raw line). Raises on a
    line that is not a k6 JSON object."""
    for i, line in enumerate(chunk.split(b"\n")[:-1]):
        n = first_line + i
        if not line.strip() or line.startswith(b'{"type":"Metric"'):
            yield n, None, line
            continue
        if line.startswith(b'{"metric":"') and not line.startswith(_PREFIXES):
            yield n, None, line
            continue
        fast = _fast_point(line)
        if fast is not None:
            yield n, fast, line
            continue
        try:
            obj: dict[str, Any] = json.loads(line)
            if obj.get("type") != "Point":
                if obj.get("type") == "Metric":
                    yield n, None, line
                    continue
                raise ValueError("not a k6 point")
            metric = str(obj["metric"])
            data = obj["data"]
            tags = {k: str(v) for k, v in (data.get("tags") or {}).items()}
            value = float(data["value"])
            stamp = str(data["time"])
            parse_time(stamp)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValidationError(f"cannot read this line as a k6 JSON point: {line[:80].decode('utf-8', 'replace')}",
                                  file=None, line=n) from None
        yield n, ((metric, stamp, value, tags) if metric in WANTED else None), line


def read_into(agg: Aggregate, path: Path, *, run_id: str | None = None) -> None:
    """Add one NDJSON file's points to the aggregate. `run_id` names points without a run_id tag."""
    from implhub.loadtest import columns  # it builds on this module's accumulators
    source = str(path)
    agg.files.append(source)
    default_run = run_id or path.name.split(".")[0]
    groups = agg.groups
    tl = agg.timeline
    spans = agg.spans

    def add(metric: str, t: float, value: float, tags: dict[str, str]) -> None:
        rid = tags.get("run_id") or default_run
        span = spans.get(rid)
        if span is None:
            spans[rid] = [t, t]
        elif t < span[0]:
            span[0] = t
        elif t > span[1]:
            span[1] = t
        if agg.start is None or t < agg.start:
            agg.start = t
        agg.points += 1
        if metric == "vus":
            tl.add_vus(source, t, value)
            return
        type_ = tags.get("type", "")
        if type_ == "setup":
            return
        key = (metric, type_, tags.get("variant", ""), tags.get("endpoint", ""))
        acc = groups.get(key)
        if acc is None:
            acc = groups[key] = new_acc(metric)
        acc.add(value)
        if metric == "time_to_first_byte":
            tl.add_latency(type_, t, value)

    blocks = _Blocks(path, agg)
    for buf, size in blocks:
        first_line = blocks.line_no
        scanned = chunkscan.scan(buf, size)
        vus = [_fast_point(line) for line in scanned.vus_lines] if scanned is not None else []
        if scanned is None or None in vus:
            chunk = bytes(buf[:size])
            lines = chunk.count(b"\n")
            agg.lines += lines
            blocks.line_no += lines
            # something in this chunk is not in k6's usual layout: go line by line, naming a bad line
            try:
                for _n, point, _line in _slow_lines(chunk, first_line):
                    if point is not None:
                        metric, stamp, value, tags = point
                        add(metric, parse_time(stamp), value, tags)
            except ValidationError as exc:
                raise ValidationError(exc.message, file=source, line=exc.line) from None
            continue
        agg.lines += scanned.lines
        blocks.line_no += scanned.lines
        for fast in vus:
            if fast is not None:
                add(fast[0], parse_time(fast[1]), fast[2], fast[3])
        columns.fold(agg, scanned, default_run)


def aggregate(paths: Iterable[Path], *, run_ids: dict[str, str] | None = None) -> Aggregate:
    agg = Aggregate()
    for p in paths:
        read_into(agg, Path(p), run_id=(run_ids or {}).get(str(p)))
    return agg
