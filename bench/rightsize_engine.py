"""Right-sizing engine on a large cluster: 14 days at a 5-minute step, 8 replicas of every demo
workload (128 pods, ~1M samples). Measures side by side, in one run, the medians of: reading the
dump (json.loads), pooling it per service (series.collect), the recommendations
(engine.recommend), and for scale the distributions computed with statistics.quantiles.

    .venv/bin/python bench/rightsize_engine.py
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time

from implhub.app import rightsize as svc
from implhub.app.demo_parts import rightsize as demo
from implhub.rightsize.engine import recommend
from implhub.rightsize.series import collect

REPLICAS = 8
RUNS = 5


def _median(fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    base = list(demo.SHAPES)
    # more replicas of each workload: a new ReplicaSet pod id, or the next StatefulSet ordinal
    demo.SHAPES[:] = [(pod.rsplit("-", 1)[0] + (f"-{i}" if pod.rsplit("-", 1)[1].isdigit() else f"-p{i:04d}"), c, *rest)
                      for pod, c, *rest in base for i in range(REPLICAS)]
    dump = demo._dump(dt.datetime(2026, 11, 29, tzinfo=dt.UTC), {}, seed=1)
    text = json.dumps(dump)
    rules = svc.container_rules()
    responses = json.loads(text)["responses"]
    usage = collect(responses, rules, source="bench")
    samples = sum(len(s.cpu) + len(s.memory) for s in usage.services.values())
    t_parse = _median(lambda: json.loads(text))
    t_collect = _median(lambda: collect(responses, rules, source="bench"))
    t_rec = _median(lambda: recommend(usage, {}, expected=[], window="14d"))
    t_quant = _median(lambda: [statistics.quantiles(s.cpu, n=100, method="inclusive") for s in usage.services.values()]
                      + [statistics.quantiles(s.memory, n=100, method="inclusive") for s in usage.services.values()])
    print(f"{len(demo.SHAPES)} pods, {len(usage.services)} services, {samples:,} samples, dump {len(text) / 1e6:.1f} MB")
    print(f"json.loads        {t_parse * 1000:8.1f} ms")
    print(f"series.collect    {t_collect * 1000:8.1f} ms   {t_collect / t_parse:5.2f} x json.loads")
    print(f"engine.recommend  {t_rec * 1000:8.1f} ms   {t_rec / t_parse:5.2f} x json.loads")
    print(f"statistics.quantiles (CPU and memory of every service) {t_quant * 1000:8.1f} ms   "
          f"recommend is {t_quant / t_rec:5.2f} x faster")


if __name__ == "__main__":
    main()
