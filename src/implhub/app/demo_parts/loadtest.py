"""The loadtest capability's part of the demo: a load test on the replica environment.

No k6 runs here. A seeded latency model plays the instance: for every second of the profile's
stages it decides how many searches the virtual users send (each VU sleeps 0-60 s, searches,
sleeps 0-30 s) and draws each search's time to first byte from a log-normal distribution per
type that widens as load grows. The points are written in k6's NDJSON format and go through the
real report engine, so the stored verdict is computed exactly as for a real run. The run is
stored as simulated evidence on the replica environment.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import random
from pathlib import Path
from typing import Any

from implhub.app import evidence
from implhub.app import loadtest as svc
from implhub.app.context import Ctx
from implhub.app.demo_env import DemoEnv
from implhub.loadtest import profile as profile_engine
from implhub.loadtest.evidence import LoadTestRun
from implhub.store.models import Project

#: median time to first byte (ms) per type at no load, and its spread (log-normal sigma)
MODEL = {"literal": (320.0, 0.45), "regexp": (850.0, 0.5), "structural": (2600.0, 0.55),
         "unindexed": (4200.0, 0.6), "highlight": (110.0, 0.4)}
SUCCESS = {"literal": 0.997, "regexp": 0.995, "structural": 0.97, "unindexed": 0.96, "highlight": 0.999}


def _stamp(t0: dt.datetime, seconds: float) -> str:
    return (t0 + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def simulate(eff: dict[str, Any], *, seed: int, run_id: str, start: dt.datetime, path: Path) -> int:
    """Write k6-format points for the effective load profile; returns the number of searches."""
    rng = random.Random(seed)
    stages = eff["stages_s"]
    n = int(eff["vus"])
    think = eff["think_time_s"]
    iteration_s = (sum(think["before"]) + sum(think["after"])) / 2 + 0.5
    shares = profile_engine._type_shares(eff["mix"])
    types = list(shares)
    weights = [shares[t] for t in types]
    searches = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=3) as out:
        def emit(metric: str, t: float, value: float, tags: dict[str, str]) -> None:
            out.write(json.dumps({"metric": metric, "type": "Point", "data": {"time": _stamp(start, t), "value": value, "tags": tags}},
                                 separators=(",", ":")) + "\n")

        elapsed, level = 0.0, 0.0
        for stage in stages:
            length = int(stage["duration"])
            for s in range(length):
                if stage["phase"] == "ramp":
                    level = n * (s + 1) / length
                elif stage["phase"] == "down":
                    level = n * (1 - (s + 1) / length)
                else:
                    level = n
                t = elapsed + s
                emit("vus", t, float(round(level)), {"run_id": run_id})
                load = level / max(n, 1)
                # Poisson arrivals: a VU starts a search every iteration_s seconds on average
                k = _poisson(rng, level / iteration_s)
                for _ in range(k):
                    type_ = rng.choices(types, weights)[0]
                    at = t + rng.random()
                    matches = _request(emit, rng, run_id, type_, at, load)
                    searches += 1
                    for h in range(min(matches, 3)):
                        _request(emit, rng, run_id, "highlight", at + 0.05 * (h + 1), load)
            elapsed += length
    return searches


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _request(emit: Any, rng: random.Random, run_id: str, type_: str, t: float, load: float) -> int:
    median, sigma = MODEL[type_]
    ttfb = rng.lognormvariate(math.log(median * (1 + 0.6 * load * load)), sigma)
    ok = rng.random() < SUCCESS[type_]
    endpoint = "graphql" if type_ == "highlight" else "stream"
    tags = {"type": type_, "variant": "regular", "endpoint": endpoint, "run_id": run_id, "scenario": "main"}
    emit("http_reqs", t, 1, {**tags, "status": "200"})
    emit("http_req_failed", t, 0, tags)
    emit("time_to_first_byte", t, round(ttfb, 3), tags)
    emit("checks", t, 1 if ok else 0, {**tags, "check": "search returned results"})
    return rng.randint(1, 5) if ok else 0


def seed(ctx: Ctx, project: Project, env: DemoEnv) -> list[str]:
    """Store the load profile and a simulated load-test run on the replica environment."""
    computed = svc.default_profile(ctx, project=project, kind="load")
    row = svc.update_profile(ctx, slug=project.slug, kind="load", data=computed, note="computed from the design (demo)")
    # a fifth of the stages' length keeps the demo quick; the think times scale with them
    eff = profile_engine.effective(row.data, duration_scale=0.2)
    eff["profile_version"] = row.version
    run_id = f"load-demo-{env.seed}"
    raw = svc.run_dir(ctx, project, run_id) / "points.ndjson.gz"
    start = ctx.now() - dt.timedelta(days=2)
    searches = simulate(eff, seed=env.seed, run_id=run_id, start=start, path=raw)
    ev = svc.record_run(ctx, project=project, run_id=run_id, raw=raw, eff=eff, environment="replica",
                        source="seeded latency model (simulated; no k6 run)", simulated=True,
                        extra={"simulated_searches": searches})
    run = evidence.as_model(ev, LoadTestRun)
    verdict = "passed" if run.passed else "failed"
    return [f"loadtest: {eff['vus']} VUs (20% of {eff['users']:,} users), {searches:,} simulated searches on replica: "
            f"{verdict}, score {run.score} (simulated from a seeded latency model, not a k6 run; "
            f"see 'implhub loadtest report {run_id}')"]
