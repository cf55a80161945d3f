"""Benchmark: schedule a portfolio of 500 projects x 150 tasks.

For every project the full scheduler (working-day calendar with public holidays and blackout
dates, forward pass with actuals and today, backward pass for the critical path, health per task
against a baseline, project health) is timed side by side with a plain topological sort of the
same dependency graph (`graphlib.TopologicalSorter.static_order`). Prints the medians and the
median of the per-project ratios.

    .venv/bin/python bench/plan_schedule.py [--projects 500] [--tasks 150] [--seed 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import graphlib
import random
import statistics
import time

from rich.progress import Progress

from implhub.planning.calendar import WorkCalendar
from implhub.planning.model import Dependency, PlanTask
from implhub.planning.schedule import project_health, schedule

COUNTRIES = [("US", "CA"), ("US", "WA"), ("DE", None), ("GB", None), ("FR", None), ("JP", None), ("IN", None), ("BR", None)]


def portfolio_project(rng: random.Random, n: int) -> tuple[list[PlanTask], dt.date, tuple[str, str | None], list[dt.date]]:
    start = dt.date(2026, 1, 5) + dt.timedelta(days=rng.randrange(0, 300))
    tasks: list[PlanTask] = []
    for i in range(n):
        deps = []
        if i:
            for j in rng.sample(range(max(0, i - 25), i), k=min(i, rng.choice((1, 1, 2, 2, 3)))):
                deps.append(Dependency(f"t{j}", rng.choice((0, 0, 0, 1, 2))))
        tasks.append(PlanTask(id=f"t{i}", title=f"Task {i}", duration=rng.choice((0, 1, 2, 3, 5, 8)), depends_on=deps,
                              visibility=rng.choice(("external", "external", "internal"))))
    # the first fifth is done, a few are in progress
    for t in tasks[: n // 5]:
        t.status, t.actual_start, t.actual_end = "done", start, start + dt.timedelta(days=rng.randrange(0, 20))
    for t in tasks[n // 5: n // 5 + 3]:
        t.status, t.actual_start = "in_progress", start + dt.timedelta(days=rng.randrange(0, 20))
    blackout = [start + dt.timedelta(days=rng.randrange(0, 200)) for _ in range(4)]
    return tasks, start, rng.choice(COUNTRIES), blackout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=500)
    ap.add_argument("--tasks", type=int, default=150)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    projects = [portfolio_project(rng, args.tasks) for _ in range(args.projects)]

    topo_times: list[float] = []
    sched_times: list[float] = []
    ratios: list[float] = []
    cal_times: list[float] = []
    with Progress() as progress:
        job = progress.add_task("scheduling the portfolio", total=len(projects))
        for tasks, start, (country, subdivision), blackout in projects:
            graph = {t.id: [d.id for d in t.depends_on] for t in tasks}
            t0 = time.perf_counter()
            order = list(graphlib.TopologicalSorter(graph).static_order())
            t1 = time.perf_counter()
            cal = WorkCalendar(start=start, country=country, subdivision=subdivision, blackout=blackout)
            cal_times.append(time.perf_counter() - t1)
            planned = {t.id: (start, start) for t in tasks}
            sched = schedule(tasks, calendar=cal, today=start + dt.timedelta(days=25), baseline=planned,
                             timebox_end=start + dt.timedelta(days=90))
            project_health(sched, sched.tasks)
            t2 = time.perf_counter()
            assert len(order) == len(sched.tasks)
            topo_times.append(t1 - t0)
            sched_times.append(t2 - t1)
            ratios.append((t2 - t1) / (t1 - t0))
            progress.advance(job)

    topo, sched_ms = statistics.median(topo_times) * 1e3, statistics.median(sched_times) * 1e3
    print(f"portfolio: {args.projects} projects x {args.tasks} tasks (seed {args.seed})")
    print(f"plain topological sort (graphlib), median per project: {topo:8.3f} ms")
    print(f"full schedule (calendar, passes, critical path, health): {sched_ms:8.3f} ms")
    print(f"ratio full schedule / topological sort, median of per-project ratios: {statistics.median(ratios):.1f}x")
    print(f"  of which the working-day calendar (holidays, blackout):  {statistics.median(cal_times) * 1e3:8.3f} ms")
    print(f"ratio of medians: {sched_ms / topo:.1f}x; whole portfolio scheduled in {sum(sched_times):.2f} s")


if __name__ == "__main__":
    main()
