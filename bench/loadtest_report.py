"""Benchmark of the load-test report engine on a 1 GB k6 NDJSON result file.

Generates k6-format points (every metric k6 writes per request, not only the ones the report
reads) in a temporary directory, then measures side by side, in child processes, medians of:
  - raw: reading the same file line by line and doing nothing with it;
  - report: implhub's streaming report (aggregate + verdict) over it.
Prints the report's throughput as a ratio to the raw read, by wall-clock time and by CPU time (user +
system of the child; steadier on a shared machine), and each child's peak memory (RSS).

    .venv/bin/python bench/loadtest_report.py [--size-gb 1.0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TYPES = ["literal", "literal", "literal", "regexp", "structural", "unindexed", "highlight", "highlight"]
OTHER = ["http_req_duration", "http_req_blocked", "http_req_connecting", "http_req_tls_handshaking", "http_req_sending",
         "http_req_waiting", "http_req_receiving", "data_sent", "data_received"]


def generate(path: Path, size: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    t0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    written = lines = 0
    i = 0
    with open(path, "w", encoding="utf-8", buffering=1 << 22) as out:
        while written < size:
            stamp = (t0 + dt.timedelta(milliseconds=i * 7)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "417Z"
            type_ = TYPES[i % len(TYPES)]
            endpoint = "graphql" if type_ == "highlight" else "stream"
            base = (f'"tags":{{"endpoint":"{endpoint}","expected_response":"true","group":"","method":"GET",'
                    f'"name":"https://sourcegraph.example.com/.api/search/stream","proto":"HTTP/2.0","run_id":"bench",'
                    f'"scenario":"main","status":"200","type":"{type_}","url":"https://sourcegraph.example.com/.api/search/stream",'
                    f'"variant":"regular"}}')
            ttfb = rng.lognormvariate(6.0, 0.6)
            chunk = [f'{{"metric":"http_reqs","type":"Point","data":{{"time":"{stamp}","value":1,{base}}}}}\n',
                     f'{{"metric":"time_to_first_byte","type":"Point","data":{{"time":"{stamp}","value":{ttfb:.6f},{base}}}}}\n',
                     f'{{"metric":"http_req_failed","type":"Point","data":{{"time":"{stamp}","value":0,{base}}}}}\n',
                     f'{{"metric":"checks","type":"Point","data":{{"time":"{stamp}","value":{1 if rng.random() < 0.99 else 0},{base}}}}}\n']
            chunk += [f'{{"metric":"{m}","type":"Point","data":{{"time":"{stamp}","value":{ttfb * 0.1:.6f},{base}}}}}\n' for m in OTHER]
            if i % 50 == 0:
                chunk.append(f'{{"metric":"vus","type":"Point","data":{{"time":"{stamp}","value":900,"tags":{{"run_id":"bench"}}}}}}\n')
            text = "".join(chunk)
            out.write(text)
            written += len(text)
            lines += len(chunk)
            i += 1
    return lines


RAW = """
import sys
n = 0
with open(sys.argv[1], 'rb') as fh:
    for line in fh:
        n += 1
print(n)
"""

REPORT = """
import sys
from pathlib import Path
from implhub.loadtest import points, report
from implhub.loadtest.thresholds import default_thresholds
agg = points.aggregate([Path(sys.argv[1])])
rep = report.build(agg, thresholds=default_thresholds('load', '6.4.0')[0], kind='load')
print(rep['types']['literal']['requests'])
"""


def cpu_of_children() -> float:
    t = os.times()
    return t.children_user + t.children_system


def child_rss(code: str, path: Path) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS (MiB), output and CPU seconds of one child run."""
    import psutil

    cpu0 = cpu_of_children()
    start = time.perf_counter()
    proc = psutil.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
    peak = 0.0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    out = proc.stdout.read() if proc.stdout else ""
    proc.wait()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"child failed: {code}")
    return seconds, peak, out.strip(), cpu_of_children() - cpu0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-gb", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "points.ndjson"
        t = time.perf_counter()
        lines = generate(path, int(args.size_gb * 2**30))
        size = path.stat().st_size
        print(f"generated {size / 2**30:.2f} GiB, {lines:,} lines in {time.perf_counter() - t:.0f} s")
        raw_runs, rep_runs = [], []
        for _ in range(args.repeat):  # interleaved, so both see the same page cache and machine load
            raw_runs.append(child_rss(RAW, path))
            rep_runs.append(child_rss(REPORT, path))
        raw_s = statistics.median(r[0] for r in raw_runs)
        rep_s = statistics.median(r[0] for r in rep_runs)
        print(f"raw line read : median {raw_s:6.1f} s  {size / 2**20 / raw_s:7.0f} MiB/s  peak RSS {max(r[1] for r in raw_runs):6.0f} MiB")
        print(f"report        : median {rep_s:6.1f} s  {size / 2**20 / rep_s:7.0f} MiB/s  peak RSS {max(r[1] for r in rep_runs):6.0f} MiB"
              f"  ({rep_runs[0][2]} literal requests)")
        raw_cpu = statistics.median(r[3] for r in raw_runs)
        rep_cpu = statistics.median(r[3] for r in rep_runs)
        print(f"CPU seconds   : raw read {raw_cpu:.2f}, report {rep_cpu:.2f} (cores: {os.cpu_count()})")
        print(f"report throughput / raw read throughput = {raw_s / rep_s:.3f} by wall clock, {raw_cpu / rep_cpu:.3f} by CPU"
              f" (the report takes {rep_s / raw_s:.1f}x the raw read)")


if __name__ == "__main__":
    main()
