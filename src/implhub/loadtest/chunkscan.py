"""Read a chunk of k6 NDJSON lines column-wise with numpy instead of one Python step per line.

k6 writes every point in one layout: `{"metric":"NAME","type":"Point","data":{"time":"STAMP",
"value":NUMBER,"tags":{...}}}`. The scanner finds the line ends once, checks that layout at fixed
offsets for every line at the same time, and parses the stamps and values as arrays. Only the
tags object is sliced per wanted point (a C-level list comprehension), since its keys vary; the
caller parses each distinct tags object once.

`scan` returns None as soon as any line of the chunk is not in that layout (another key order, a
blank line, a garbled line, a time in another shape); the caller then reads the chunk line by line,
which handles every valid JSON shape and names a bad line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: metrics the report reads, in the order of the codes `scan` returns; "vus" is the last one
NAMES = ("time_to_first_byte", "checks", "http_reqs", "http_req_failed", "vus")
VUS = NAMES.index("vus")
_WIDE = 4096  # longest tags object read column-wise; longer ones are sliced one by one
PAD = _WIDE + 64  # bytes after the chunk's lines so fixed-width gathers near its end stay in bounds
_WINDOW = 40  # widest fixed field gathered

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ByteArray = npt.NDArray[np.uint8]
BoolArray = npt.NDArray[np.bool_]

_HEAD = b'{"metric":"'
_DEFINITION = b'{"type":"Metric"'
_HEAD_WORD = np.uint64(int.from_bytes(_HEAD[:8], "little"))


def _name_words() -> list[tuple[int, np.uint64, np.uint64 | None]]:
    """(code, first word, second word or None) that name each metric in k6's layout."""
    out: list[tuple[int, np.uint64, np.uint64 | None]] = []
    for code, name in enumerate(NAMES):
        text = (name + '","type":"Point"').encode()
        second = np.uint64(int.from_bytes(text[8:16], "little")) if len(name) >= 8 else None
        out.append((code, np.uint64(int.from_bytes(text[:8], "little")), second))
    return out
_AFTER_NAME = b'","type":"Point","data":{"time":"'
_AFTER_TIME = b'","value":'
_BEFORE_TAGS = b',"tags":{'
_END = b"}}}"
_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
_SEPARATORS = {4: ord("-"), 7: ord("-"), 10: ord("T"), 13: ord(":"), 16: ord(":")}
_FRAC = 15  # at most this many fraction digits: the integer stays exact in a float64
_POW10 = 10 ** np.arange(_FRAC + 1, dtype=np.int64)
_VALUE_WIDTH = 32  # "-1.2345678901234567e-308" and a comma fit
_VALUE_START = np.zeros(256, dtype=bool)
_VALUE_START[list(b"-0123456789")] = True
#: _MASKS[n] keeps the first n bytes of a little-endian word
_NAME_WORDS = _name_words()
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)
#: odd multipliers of the tags hash, one per 8-byte word
_HASH = np.array([((k * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) * 0xBF58476D1CE4E5B9 >> 7 | 1) & (2**64 - 1)
                  for k in range(1, _WIDE // 8 + 1)], dtype=np.uint64)


@dataclass
class Scan:
    lines: int
    #: per wanted point other than vus: metric code (index in NAMES), epoch seconds, value, and
    #: the index of its tags object in `tags` (the distinct tags objects of the chunk)
    metric: npt.NDArray[np.int8]
    time: FloatArray
    value: FloatArray
    tag_code: IntArray
    tags: list[bytes]
    #: vus points (rare, one per runner and second) as raw lines, for the per-point reader
    vus_lines: list[bytes]


def _windows(arr: ByteArray, width: int) -> ByteArray:
    """Row i is arr[i:i + width], without copying: a gather of rows copies only what it takes."""
    out: ByteArray = np.lib.stride_tricks.as_strided(arr, shape=(len(arr) - width, width), strides=(1, 1), writeable=False)
    return out


def _gather(arr: ByteArray, pos: IntArray, width: int) -> ByteArray:
    assert width <= _WINDOW
    out: ByteArray = _windows(arr, _WINDOW)[pos, :width]
    return out


def _words(arr: ByteArray) -> npt.NDArray[np.uint64]:
    """Every position's next 8 bytes as one (unaligned) little-endian word, without copying."""
    out: npt.NDArray[np.uint64] = np.ndarray(shape=(len(arr) - 8,), dtype="<u8", buffer=arr, strides=(1,))
    return out


def _is(arr: ByteArray, pos: IntArray, literal: bytes) -> BoolArray:
    """Whether arr[p:p + len(literal)] == literal for each p, compared 8 bytes at a time."""
    if len(literal) < 8:
        out: BoolArray = (_gather(arr, pos, len(literal)) == np.frombuffer(literal, dtype=np.uint8)).all(axis=1)
        return out
    words = _words(arr)
    ok: BoolArray | None = None
    for o in [*range(0, len(literal) - 8, 8), len(literal) - 8]:
        same = words[pos + o] == np.uint64(int.from_bytes(literal[o:o + 8], "little"))
        ok = same if ok is None else ok & same
    assert ok is not None
    return ok


def _numbered(chunk: bytes | bytearray, start: IntArray, stop: IntArray) -> tuple[IntArray, list[bytes]]:
    index: dict[bytes, int] = {}
    codes = [index.setdefault(bytes(chunk[a:b]), len(index)) for a, b in zip(start.tolist(), stop.tolist(), strict=True)]
    return np.array(codes, dtype=np.int64), list(index)


def _distinct(chunk: bytes | bytearray, arr: ByteArray, start: IntArray, stop: IntArray) -> tuple[IntArray, list[bytes]]:
    """Number the distinct byte strings chunk[start:stop] (a tags object repeats across thousands of
    points): compared as fixed-width rows where they fit, else one slice per point."""
    lengths = stop - start
    widest = int(lengths.max())
    if widest > _WIDE:
        return _numbered(chunk, start, stop)
    width = -(-widest // 8) * 8
    # the tags as rows of 8-byte words, zero after the object's end, numbered by a hash of the
    # words; then every row is compared with the first row of its number, so a hash collision can
    # only cost speed, never merge two different objects
    rows = _windows(arr, width)[start] * (np.arange(width) < lengths[:, None])
    words = rows.view(np.uint64)
    h = (words * _HASH[:words.shape[1]]).sum(axis=1, dtype=np.uint64) ^ lengths.astype(np.uint64)
    _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    codes: IntArray = inverse.astype(np.int64).ravel()
    same = (words == words[first][codes]).all(axis=1)
    if not same.all():
        return _numbered(chunk, start, stop)
    return codes, [bytes(chunk[a:b]) for a, b in zip(start[first].tolist(), stop[first].tolist(), strict=True)]


def _days_from_civil(y: IntArray, m: IntArray, d: IntArray) -> IntArray:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm), element-wise."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    out: IntArray = era * 146097 + doe - 719468
    return out


def _whole_seconds(arr: ByteArray, tp: IntArray) -> IntArray | None:
    """Epoch seconds of "YYYY-MM-DDTHH:MM:SS" at tp (before any offset); None if one is malformed."""
    head = _gather(arr, tp, 19).astype(np.int64)
    v = head[:, _DIGITS] - 48
    if ((v < 0) | (v > 9)).any():
        return None
    for col, ch in _SEPARATORS.items():
        if (head[:, col] != ch).any():
            return None
    year = v[:, 0] * 1000 + v[:, 1] * 100 + v[:, 2] * 10 + v[:, 3]
    month, day = v[:, 4] * 10 + v[:, 5], v[:, 6] * 10 + v[:, 7]
    hour, minute, sec = v[:, 8] * 10 + v[:, 9], v[:, 10] * 10 + v[:, 11], v[:, 12] * 10 + v[:, 13]
    if ((month < 1) | (month > 12) | (day < 1) | (day > 31) | (hour > 23) | (minute > 59) | (sec > 59)).any():
        return None
    out: IntArray = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + sec
    return out


def _times(arr: ByteArray, tp: IntArray) -> tuple[FloatArray, IntArray] | None:
    """Epoch seconds of the RFC 3339 stamps starting at tp, and the position of each closing quote."""
    # points come in time order, so the whole-second part ("2026-11-30T09:00:01", three words)
    # changes rarely: it is parsed once per run of equal values
    words = _words(arr)
    a, b, c = words[tp], words[tp + 8], words[tp + 11]
    new = np.ones(len(tp), dtype=bool)
    new[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1]) | (c[1:] != c[:-1])
    whole_first = _whole_seconds(arr, tp[new])
    if whole_first is None:
        return None
    whole = whole_first[np.cumsum(new) - 1]
    tail = _gather(arr, tp + 19, _FRAC + 2).astype(np.int64)
    has_frac = tail[:, 0] == ord(".")
    nondigit = (tail[:, 1:] < 48) | (tail[:, 1:] > 57)
    if not nondigit.any(axis=1).all():
        return None  # more fraction digits than a float64 keeps exactly
    nd = np.where(has_frac, nondigit.argmax(axis=1), 0)
    if (has_frac & (nd == 0)).any():
        return None
    cols = np.arange(_FRAC)
    power = np.where(cols < nd[:, None], _POW10[np.clip(nd[:, None] - 1 - cols, 0, _FRAC)], 0)
    frac = ((tail[:, 1:_FRAC + 1] - 48) * power).sum(axis=1) / _POW10[nd].astype(np.float64)
    z = tp + 19 + np.where(has_frac, nd + 1, 0)
    zc = arr[z]
    utc = zc == ord("Z")
    offset = np.zeros(len(tp), dtype=np.int64)
    quote = z + 1
    if not utc.all():
        o = _gather(arr, z, 6).astype(np.int64)
        sign = np.where(o[:, 0] == ord("+"), 1, np.where(o[:, 0] == ord("-"), -1, 0))
        od = o[:, [1, 2, 4, 5]] - 48
        bad = (sign == 0) | (o[:, 3] != ord(":")) | ((od < 0) | (od > 9)).any(axis=1)
        if (~utc & bad).any():
            return None
        offset = np.where(utc, 0, sign * ((od[:, 0] * 10 + od[:, 1]) * 3600 + (od[:, 2] * 10 + od[:, 3]) * 60))
        quote = np.where(utc, z + 1, z + 6)
    if (arr[quote] != ord('"')).any():
        return None
    seconds: FloatArray = (whole - offset).astype(np.float64) + frac
    return seconds, quote


def _values(arr: ByteArray, v0: IntArray) -> tuple[FloatArray, IntArray] | None:
    """The JSON numbers starting at v0 and the position of the comma after each."""
    # a JSON number starts with a digit or "-" (so no "nan" or "inf"); the float parser below
    # refuses anything else in it
    if not _VALUE_START[arr[v0]].all():
        return None
    window = _gather(arr, v0, _VALUE_WIDTH)
    comma = window == ord(",")
    if not comma.any(axis=1).all():
        return None
    length = comma.argmax(axis=1)
    text = window * (np.arange(_VALUE_WIDTH) < length[:, None])
    try:
        values = text.view(f"S{_VALUE_WIDTH}").ravel().astype(np.float64)
    except ValueError:
        return None
    return values, v0 + length


def scan(buf: bytes | bytearray, size: int) -> Scan | None:
    """Column-wise reading of the whole lines buf[:size] (PAD more bytes follow them, whatever
    they hold); None when any line is not in k6's own layout."""
    assert len(buf) >= size + PAD
    arr = np.frombuffer(buf, dtype=np.uint8)
    chunk = buf
    ends = np.flatnonzero(arr[:size] == 10)
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    words = _words(arr)
    # `{"metric` on every line, or a metric definition; `":"` after it is checked on the points
    # read below (another line starting so holds no metric the report reads)
    is_point = words[starts] == _HEAD_WORD
    if not is_point.all() and not (is_point | _is(arr, starts, _DEFINITION)).all():
        return None
    rows = np.flatnonzero(is_point)
    name_at = starts[rows] + len(_HEAD)
    # the metric name by its first two 8-byte words: "time_to_" + "first_by", "checks\"," (then
    # the fixed `","type":"Point"...`), "http_req" + `s","type` or `_failed"`, "vus\",\"ty"
    first = words[name_at]
    metric = np.full(len(rows), -1, dtype=np.int8)
    for code, head, second in _NAME_WORDS:
        maybe = np.flatnonzero(first == head)
        if second is not None:
            maybe = maybe[words[name_at[maybe] + 8] == second]
        if len(NAMES[code]) > 15:  # the words above end before the closing quote
            maybe = maybe[_is(arr, name_at[maybe], NAMES[code].encode() + b'"')]
        metric[maybe] = code
    wanted = metric >= 0
    rows, metric = rows[wanted], metric[wanted]
    lens = np.array([len(n) for n in NAMES], dtype=np.int64)
    tp = name_at[wanted] + lens[metric]
    if not _is(arr, tp, _AFTER_NAME).all() or not _is(arr, name_at[wanted] - 3, b'":"').all():
        return None
    tp += len(_AFTER_NAME)
    vus = metric == VUS
    vus_lines = [bytes(chunk[a:b]) for a, b in zip(starts[rows[vus]].tolist(), ends[rows[vus]].tolist(), strict=True)]
    keep = ~vus
    rows, metric, tp = rows[keep], metric[keep], tp[keep]
    empty = Scan(len(ends), metric, np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64), [], vus_lines)
    if not len(rows):
        return empty
    timed = _times(arr, tp)
    if timed is None:
        return None
    seconds, quote = timed
    if not _is(arr, quote, _AFTER_TIME).all():
        return None
    valued = _values(arr, quote + len(_AFTER_TIME))
    if valued is None:
        return None
    values, comma = valued
    line_end = ends[rows]
    line_end = line_end - (arr[line_end - 1] == 13)
    if not _is(arr, comma, _BEFORE_TAGS).all() or not _is(arr, line_end - len(_END), _END).all():
        return None
    tag_from, tag_to = comma + len(_BEFORE_TAGS), line_end - len(_END)
    if (tag_to < tag_from).any():
        return None
    codes, tags = _distinct(chunk, arr, tag_from, tag_to)
    return Scan(len(ends), metric, seconds, values, codes, tags, vus_lines)
