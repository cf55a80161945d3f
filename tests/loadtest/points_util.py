"""Write k6-format NDJSON points (the `k6 run --out json=FILE` line shape) for tests."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
from pathlib import Path
from typing import Any

T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def point(metric: str, t: float, value: float, **tags: str) -> str:
    stamp = (T0 + dt.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
    return json.dumps({"metric": metric, "type": "Point", "data": {"time": stamp, "value": value, "tags": tags}},
                      separators=(",", ":")) + "\n"


def request_lines(t: float, ttfb: float, ok: bool, *, type_: str, variant: str = "regular", endpoint: str = "stream",
                  run_id: str = "r1") -> list[str]:
    tags = {"type": type_, "variant": variant, "endpoint": endpoint, "run_id": run_id, "scenario": "main"}
    return [
        point("http_reqs", t, 1, **tags, status="200"),
        point("http_req_duration", t, ttfb + 3, **tags),
        point("http_req_failed", t, 0, **tags),
        point("time_to_first_byte", t, ttfb, **tags),
        point("checks", t, 1 if ok else 0, **tags, check="search returned results"),
    ]


def synthetic(seed: int, n: int, *, run_id: str = "r1", offset: float = 0.0) -> tuple[list[str], dict[str, Any]]:
    """Lines and the raw values behind them: {type: {"ttfb": [...], "ok": [...]}}."""
    rng = random.Random(seed)
    header = '{"type":"Metric","data":{"name":"time_to_first_byte","type":"trend","contains":"time","thresholds":[],"submetrics":null},"metric":"time_to_first_byte"}\n'
    lines = [header]
    raw: dict[str, Any] = {}
    for i in range(n):
        t = offset + i * 0.05
        type_ = rng.choice(["literal", "literal", "regexp", "structural", "highlight"])
        variant = "expensive" if rng.random() < 0.2 else "regular"
        ttfb = rng.lognormvariate(5.5 if type_ != "structural" else 7.0, 0.6)
        ok = rng.random() > (0.02 if type_ != "structural" else 0.2)
        lines += request_lines(t, ttfb, ok, type_=type_, variant=variant, run_id=run_id)
        if i % 20 == 0:
            lines.append(point("vus", t, 10 + i // 100, run_id=run_id))
        r = raw.setdefault(type_, {"ttfb": [], "ok": [], "variants": {}})
        r["ttfb"].append(ttfb)
        r["ok"].append(ok)
        rv = r["variants"].setdefault(variant, {"ttfb": [], "ok": []})
        rv["ttfb"].append(ttfb)
        rv["ok"].append(ok)
    return lines, raw


def write(path: Path, lines: list[str]) -> Path:
    data = "".join(lines).encode()
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    return path
