"""Write a corpus: every repository of the plan as a bare repo, resumable, in parallel.

OUT_DIR/<name>.git are the repositories. OUT_DIR/.implhub-replica/ holds the corpus
specification (manifest.json) and one marker per finished repository (done/<name>.json),
written last: a repository without its marker is half-written and is redone on the next run.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from implhub.errors import ValidationError
from implhub.replica import gitops
from implhub.replica.shape import GB, CorpusSpec, RepoShape, plan
from implhub.replica.stream import ESTIMATE, RepoWriter

STATE_DIR = ".implhub-replica"
MANIFEST = "manifest.json"
FORMAT = 1
#: the exact-size repository is first written to this share of its size, then topped up
EXACT_CONTENT_SHARE = 0.9
MARGIN_BYTES = 64 * 10**6


@dataclass
class RepoResult:
    name: str
    path: str
    bytes: int
    target_bytes: int
    monorepo: bool
    commits: int = 0
    files: int = 0
    binary_files: int = 0
    large_files: int = 0
    head: str = ""
    languages: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    resumed: bool = False

    def public(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "bytes": self.bytes, "target_bytes": self.target_bytes,
                "monorepo": self.monorepo, "commits": self.commits, "files": self.files, "head": self.head}


@dataclass
class CorpusResult:
    out_dir: str
    spec: CorpusSpec
    repos: list[RepoResult]
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        total = sum(r.bytes for r in self.repos)
        largest = max((r.bytes for r in self.repos), default=0)
        langs: dict[str, int] = {}
        for r in self.repos:
            for k, v in r.languages.items():
                langs[k] = langs.get(k, 0) + v
        lang_total = sum(langs.values()) or 1
        s = self.spec
        dev_total = (total - s.total_bytes) / s.total_bytes if s.total_bytes else 0.0
        dev_repos = (len(self.repos) - s.repositories) / s.repositories if s.repositories else 0.0
        return {
            "out_dir": self.out_dir,
            "target": s.to_dict(),
            "achieved": {
                "repositories": len(self.repos),
                "total_bytes": total,
                "largest_bytes": largest,
                "monorepos": sum(1 for r in self.repos if r.monorepo),
                "languages": {k: round(v / lang_total, 4) for k, v in sorted(langs.items(), key=lambda kv: -kv[1])},
                "commits": sum(r.commits for r in self.repos),
                "files": sum(r.files for r in self.repos),
                "binary_files": sum(r.binary_files for r in self.repos),
                "files_over_1mb": sum(r.large_files for r in self.repos),
                "deviation": {"repositories": round(dev_repos, 5), "total_bytes": round(dev_total, 5),
                              "largest_bytes": largest - s.largest_bytes},
                "within_tolerance": abs(dev_repos) <= 0.05 and abs(dev_total) <= 0.05 and largest == s.largest_bytes,
                "resumed": sum(1 for r in self.repos if r.resumed),
                "seconds": round(self.seconds, 2),
            },
            "repositories": [r.public() for r in self.repos],
        }


@dataclass
class Progress:
    """What the door's progress bar needs after each repository."""

    done: int
    total: int
    bytes_done: int
    bytes_total: int
    repo: RepoResult


# -- the output directory -------------------------------------------------------------------------

def _state(out_dir: Path) -> Path:
    return out_dir / STATE_DIR


def _marker(out_dir: Path, name: str) -> Path:
    return _state(out_dir) / "done" / f"{name}.json"


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    path = _state(out_dir) / MANIFEST
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def check_out_dir(out_dir: Path, spec: CorpusSpec) -> None:
    """OUT_DIR must be new, empty, or a corpus of this very specification (to resume it)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ValidationError("expected a directory, got a file", field="OUT_DIR", file=str(out_dir))
    if not out_dir.exists():
        return
    entries = sorted(p.name for p in out_dir.iterdir())
    if not entries:
        return
    manifest = read_manifest(out_dir)
    if manifest is None:
        shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
        raise ValidationError(f"the directory holds something else ({shown}); give an empty or new directory",
                              field="OUT_DIR", file=str(out_dir))
    if manifest.get("spec") != spec.to_dict():
        raise ValidationError("the directory holds a replica corpus of another specification "
                              f"({_describe(CorpusSpec.from_dict(manifest['spec']))}); give the same options to resume it, "
                              "or another directory", field="OUT_DIR", file=str(out_dir))
    foreign = [e for e in entries if e != STATE_DIR and not e.endswith(".git")]
    if foreign:
        raise ValidationError(f"the corpus directory also holds {', '.join(foreign[:5])}; move those away first",
                              field="OUT_DIR", file=str(out_dir))


def _describe(spec: CorpusSpec) -> str:
    return (f"{spec.repositories:,} repos, {spec.total_bytes / GB:g} GB, largest {spec.largest_bytes / GB:g} GB, "
            f"{spec.monorepos} monorepo(s), seed {spec.seed}")


def finished(out_dir: Path) -> dict[str, RepoResult]:
    done_dir = _state(out_dir) / "done"
    out: dict[str, RepoResult] = {}
    if not done_dir.is_dir():
        return out
    for marker in done_dir.glob("*.json"):
        data = json.loads(marker.read_text())
        result = RepoResult(**data)
        if (out_dir / f"{result.name}.git").is_dir():
            out[result.name] = result
    return out


def required_bytes(shapes: list[RepoShape], done: set[str], jobs: int) -> int:
    """Free space a run needs: what is left to write, the unpacked import of the repositories
    being written at once, and the cached stream of the exact-size repository."""
    todo = [s for s in shapes if s.name not in done]
    need = sum(s.target_bytes for s in todo)
    need += sum(sorted((s.target_bytes for s in todo), reverse=True)[:jobs])
    if any(s.exact for s in todo):
        largest = max(s.target_bytes for s in todo if s.exact)
        need += int(largest * EXACT_CONTENT_SHARE / ESTIMATE.text_ratio)
    return need + MARGIN_BYTES


def _free_bytes(path: Path) -> int:
    probe = path
    while not probe.exists():
        probe = probe.parent
    return shutil.disk_usage(probe).free


# -- one repository -------------------------------------------------------------------------------

def _import(path: Path, feed: Callable[[BinaryIO], Any]) -> Any:
    if path.exists():
        shutil.rmtree(path)
    gitops.init_bare(path)
    result = gitops.fast_import(path, feed)
    gitops.repack(path)
    return result


def build_repo(out_dir: str, shape: RepoShape, spec: CorpusSpec) -> RepoResult:
    """Write one repository from scratch (removing any half-written one), then its marker."""
    started = time.monotonic()
    root = Path(out_dir)
    path = root / f"{shape.name}.git"

    def writer() -> RepoWriter:
        return RepoWriter(shape, languages=spec.languages, history=spec.history, seed=spec.seed)

    if not shape.exact:
        w = writer()
        stats = _import(path, lambda out: w.write(out, shape.target_bytes))
    else:
        stats = _exact(root, path, shape, writer)
    size = gitops.git_dir_bytes(path)
    result = RepoResult(name=shape.name, path=str(path), bytes=size, target_bytes=shape.target_bytes,
                        monorepo=shape.monorepo, commits=stats.commits, files=stats.files,
                        binary_files=stats.binary_files, large_files=stats.large_files,
                        head=gitops.head_commit(path), languages=dict(stats.languages),
                        seconds=round(time.monotonic() - started, 3))
    marker = _marker(root, shape.name)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(result)))
    os.replace(tmp, marker)
    return result


def _exact(root: Path, path: Path, shape: RepoShape, writer: Callable[[], RepoWriter]) -> Any:
    """The largest repository, to the byte: write the content to a cached stream, import it,
    then import it again with a binary asset sized to close the gap (a few rounds, because
    compression overhead is not quite linear)."""
    tmp_dir = _state(root) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    cache = tmp_dir / f"{shape.name}.stream"
    w = writer()
    with cache.open("wb") as fh:
        stats = w.write(fh, int(shape.target_bytes * EXACT_CONTENT_SHARE))

    def replay(pad: int | None) -> Callable[[BinaryIO], None]:
        def feed(out: BinaryIO) -> None:
            with cache.open("rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)
            if pad is not None:
                w.pad(out, pad)
        return feed

    try:
        _import(path, replay(None))
        base = gitops.git_dir_bytes(path)
        gap = shape.target_bytes - base
        if gap < 4096:
            raise ValidationError(f"could not fit repository {shape.name} into {shape.target_bytes:,} bytes "
                                  f"(its content alone packs to {base:,}); raise --largest-gb", field="--largest-gb")
        pad = gap - 600
        for _ in range(8):
            _import(path, replay(pad))
            size = gitops.git_dir_bytes(path)
            if size == shape.target_bytes:
                break
            pad += int((shape.target_bytes - size) / 1.0003) or (1 if size < shape.target_bytes else -1)
        stats.files += 1
        stats.binary_files += 1
        stats.commits += 1
        stats.large_files += 1 if pad > 1_000_000 else 0
    finally:
        cache.unlink(missing_ok=True)
    return stats


# -- the corpus -----------------------------------------------------------------------------------

def generate(out_dir: Path, spec: CorpusSpec, *, jobs: int = 1, on_progress: Callable[[Progress], None] | None = None,
             free_bytes: Callable[[Path], int] = _free_bytes, started: Callable[[int, int], None] | None = None) -> CorpusResult:
    """Write the corpus (or finish writing it). Raises before writing anything on bad input."""
    t0 = time.monotonic()
    shapes = plan(spec)
    check_out_dir(out_dir, spec)
    done = finished(out_dir) if out_dir.exists() else {}
    jobs = max(1, jobs)
    need = required_bytes(shapes, set(done), jobs)
    have = free_bytes(out_dir)
    if have < need:
        raise ValidationError(f"not enough free disk space: this corpus needs {need / GB:.2f} GB free "
                              f"({sum(s.target_bytes for s in shapes if s.name not in done) / GB:.2f} GB of repositories "
                              f"plus room to import and repack), {have / GB:.2f} GB are available", field="OUT_DIR",
                              file=str(out_dir))
    (_state(out_dir) / "done").mkdir(parents=True, exist_ok=True)
    manifest = {"format": FORMAT, "spec": spec.to_dict(), "repositories": [s.name for s in shapes]}
    (_state(out_dir) / MANIFEST).write_text(json.dumps(manifest, indent=1))
    total_bytes = sum(s.target_bytes for s in shapes)
    results: dict[str, RepoResult] = {}
    bytes_done = 0
    for shape in shapes:
        if shape.name in done:
            r = done[shape.name]
            r.resumed = True
            results[shape.name] = r
            bytes_done += shape.target_bytes
    if started is not None:
        started(len(results), bytes_done)
    todo = [s for s in shapes if s.name not in results]

    def report(shape: RepoShape, r: RepoResult) -> None:
        nonlocal bytes_done
        results[shape.name] = r
        bytes_done += shape.target_bytes
        if on_progress is not None:
            on_progress(Progress(len(results), len(shapes), bytes_done, total_bytes, r))

    if jobs == 1 or len(todo) <= 1:
        for shape in todo:
            report(shape, build_repo(str(out_dir), shape, spec))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for shape, r in _run_pool(pool, out_dir, todo, spec, jobs):
                report(shape, r)
    repos = [results[s.name] for s in shapes]
    return CorpusResult(out_dir=str(out_dir), spec=spec, repos=repos, seconds=time.monotonic() - t0)


def _run_pool(pool: ProcessPoolExecutor, out_dir: Path, todo: list[RepoShape], spec: CorpusSpec,
              jobs: int) -> Iterator[tuple[RepoShape, RepoResult]]:
    """Keep `jobs` repositories in flight (not all 10,000 queued at once), largest first."""
    pending: dict[Future[RepoResult], RepoShape] = {}
    queue = iter(todo)
    try:
        for shape in queue:
            pending[pool.submit(build_repo, str(out_dir), shape, spec)] = shape
            if len(pending) >= jobs * 2:
                break
        while pending:
            finished_now, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished_now:
                shape = pending.pop(fut)
                yield shape, fut.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending[pool.submit(build_repo, str(out_dir), nxt, spec)] = nxt
    finally:
        for fut in pending:
            fut.cancel()


def load(out_dir: Path) -> CorpusResult:
    """The report of a corpus already written (finished repositories only)."""
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise ValidationError("no replica corpus here; write one with 'implhub replica corpus OUT_DIR ...'",
                              field="OUT_DIR", file=str(out_dir))
    spec = CorpusSpec.from_dict(manifest["spec"])
    done = finished(out_dir)
    repos = [done[n] for n in manifest["repositories"] if n in done]
    return CorpusResult(out_dir=str(out_dir), spec=spec, repos=repos)
