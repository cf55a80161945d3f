"""Benchmark of the replica corpus writer.

1. Throughput: MB of git objects per second written by the generator (content generation,
   one fast-import per repository, repack), as a ratio to `git fast-import` alone loading a
   pre-built stream of the same content into a fresh bare repository. Measured side by side,
   several rounds, medians.
2. CPU time: the generator making each repository's fast-import stream against `git fast-import`
   loading that very stream, interleaved repository by repository in one run (the generator's
   CPU time from this process, fast-import's from its children), as a throughput ratio: the
   generator keeps up when the ratio is at least 0.7.
3. Time per repository for 10,000 small repositories (--jobs as given).

Usage: .venv/bin/python bench/replica_generate.py [--rounds 3] [--small 10000] [--jobs 2] [--mb 40]
"""

from __future__ import annotations

import argparse
import io
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from implhub.replica import gitops
from implhub.replica.corpus import build_repo, generate
from implhub.replica.shape import MB, CorpusSpec, plan
from implhub.replica.stream import ESTIMATE, RepoWriter


def objects_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path / "objects").rglob("*") if p.is_file())


def throughput(work: Path, spec: CorpusSpec, rounds: int) -> None:
    shapes = [s for s in plan(spec) if not s.exact]  # the exact-size loop re-imports on purpose; measure one pass
    streams: list[bytes] = []
    for s in shapes:
        buf = io.BytesIO()
        RepoWriter(s, languages=spec.languages, history=spec.history, seed=spec.seed).write(buf, s.target_bytes)
        buf.write(b"done\n")
        streams.append(buf.getvalue())
    ours, alone = [], []
    for r in range(rounds):
        out = work / f"gen{r}"
        out.mkdir()
        t = time.perf_counter()
        for s in shapes:
            build_repo(str(out), s, spec)
        dt = time.perf_counter() - t
        mb = sum(objects_bytes(out / f"{s.name}.git") for s in shapes) / MB
        ours.append(mb / dt)
        fi = work / f"fi{r}"
        fi.mkdir()
        t = time.perf_counter()
        for s, stream in zip(shapes, streams, strict=True):
            repo = fi / f"{s.name}.git"
            gitops.init_bare(repo)
            subprocess.run(["git", "fast-import", "--quiet", "--done"], input=stream, check=True,
                           env={**gitops._env(repo)})
        dt2 = time.perf_counter() - t
        mb2 = sum(objects_bytes(fi / f"{s.name}.git") for s in shapes) / MB
        alone.append(mb2 / dt2)
        print(f"round {r + 1}: generator {ours[-1]:.2f} MB/s of objects ({mb:.1f} MB), fast-import alone {alone[-1]:.2f} MB/s ({mb2:.1f} MB)")
        shutil.rmtree(out)
        shutil.rmtree(fi)
    ratios = [a / b for a, b in zip(ours, alone, strict=True)]
    print(f"throughput: generator {statistics.median(ours):.2f} MB/s, fast-import alone {statistics.median(alone):.2f} MB/s, "
          f"ratio {statistics.median(ratios):.3f} (median of {rounds} side-by-side rounds)")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_ratio(work: Path, spec: CorpusSpec) -> None:
    """One interleaved run: per repository, make its stream (our CPU time), then load it with
    git fast-import (the child's CPU time)."""
    ours = theirs = 0.0
    stream_bytes = 0
    for s in plan(spec):
        buf = io.BytesIO()
        t = time.process_time()
        RepoWriter(s, languages=spec.languages, history=spec.history, seed=spec.seed, end_date=spec.end_date,
                   tree_ratio=spec.tree_ratio).write(buf, ESTIMATE.budget(s.target_bytes))
        ours += time.process_time() - t
        buf.write(b"done\n")
        data = buf.getvalue()
        stream_bytes += len(data)
        repo = work / "cpu" / f"{s.index}.git"
        gitops.init_bare(repo)
        c = _children_cpu()
        subprocess.run(["git", "fast-import", "--quiet", "--done"], input=data, check=True, env={**gitops._env(repo)})
        theirs += _children_cpu() - c
    shutil.rmtree(work / "cpu")
    print(f"cpu: {stream_bytes / MB:.1f} MB of fast-import stream; generator {ours:.2f} s CPU "
          f"({stream_bytes / MB / ours:.1f} MB/s), git fast-import {theirs:.2f} s CPU ({stream_bytes / MB / theirs:.1f} MB/s); "
          f"generator throughput = {theirs / ours:.2f}x fast-import's (target >= 0.7)")


def small_repos(work: Path, n: int, jobs: int) -> None:
    spec = CorpusSpec(repositories=n, total_bytes=n * 40_000, largest_bytes=400_000, history=5, seed=11)
    t = time.perf_counter()
    result = generate(work / "small", spec, jobs=jobs)
    dt = time.perf_counter() - t
    a = result.to_dict()["achieved"]
    print(f"{n:,} small repos with --jobs {jobs}: {dt:.1f} s, {dt / n * 1000:.1f} ms per repository "
          f"(total {a['total_bytes']:,} of {spec.total_bytes:,} bytes, {a['deviation']['total_bytes']:+.2%})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--mb", type=float, default=40)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="replica-bench-") as tmp:
        work = Path(tmp)
        spec = CorpusSpec(repositories=12, total_bytes=int(args.mb * MB), largest_bytes=int(args.mb * MB / 4), seed=5, history=20,
                          end_date="2026-11-30")
        cpu_ratio(work, spec)
        throughput(work, spec, args.rounds)
        if args.small:
            small_repos(work, args.small, args.jobs)


if __name__ == "__main__":
    main()
