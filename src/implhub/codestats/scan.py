"""The scan: repositories in, the `codestats scan --json` contract out.

Each repository's default-branch tree is listed with `git ls-tree` (streamed) and cut into
batches; a process pool reads each batch's blobs with `git cat-file --batch` and counts them, one
blob in memory per worker, so memory stays flat however large the repository.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from implhub.codestats.classify import (
    INDEX_MAX_BYTES,
    SCC_EXCLUDED_NAMES,
    is_binary_for_index,
    is_binary_for_scc,
    is_generated,
    is_vendored,
)
from implhub.codestats.counter import count_lines
from implhub.codestats.gitrepo import (
    GitError,
    Repo,
    TreeEntry,
    code_host_name,
    default_branch,
    discover,
    git_dir_bytes,
    iter_blobs,
    iter_tree,
)
from implhub.codestats.languages import detect_language, load_languages

#: a batch is cut at this many files or bytes, whichever comes first
BATCH_FILES = 2000
BATCH_BYTES = 64 << 20

REPO_KEYS = ("files", "bytes", "code", "comment", "blank", "indexable_files", "indexable_bytes", "indexable_lines",
             "binary_files", "large_files", "vendored_files", "vendored_bytes", "generated_files", "generated_bytes")
LANG_KEYS = ("files", "bytes", "code", "comment", "blank")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ScanOptions:
    jobs: int = 0  # 0: one worker per core
    index_max_bytes: int = INDEX_MAX_BYTES


@dataclass
class _Acc:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REPO_KEYS, 0))
    languages: dict[str, dict[str, int]] = field(default_factory=dict)

    def merge(self, other: dict[str, Any]) -> None:
        for k, v in other["counts"].items():
            self.counts[k] += v
        for name, lc in other["languages"].items():
            mine = self.languages.setdefault(name, dict.fromkeys(LANG_KEYS, 0))
            for k, v in lc.items():
                mine[k] += v


def count_batch(git_dir: str, entries: list[TreeEntry], index_max_bytes: int = INDEX_MAX_BYTES) -> dict[str, Any]:
    """Read and count one batch of blobs (runs in a worker process)."""
    table = load_languages()
    acc = _Acc()
    c = acc.counts
    for entry, data in iter_blobs(git_dir, entries):
        size = len(data)
        c["files"] += 1
        c["bytes"] += size
        scc_binary = is_binary_for_scc(data)
        index_binary = scc_binary or is_binary_for_index(data)
        lines_in_file = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        if index_binary:
            c["binary_files"] += 1
        if size > index_max_bytes:
            c["large_files"] += 1
        if not index_binary and size <= index_max_bytes:
            c["indexable_files"] += 1
            c["indexable_bytes"] += size
            c["indexable_lines"] += lines_in_file
        if is_vendored(entry.path):
            c["vendored_files"] += 1
            c["vendored_bytes"] += size
        if not scc_binary and is_generated(entry.path, data, lines_in_file):
            c["generated_files"] += 1
            c["generated_bytes"] += size
        if scc_binary or entry.path.rsplit("/", 1)[-1].lower() in SCC_EXCLUDED_NAMES:
            continue
        name = detect_language(entry.path, data[:20000], table)
        if name is None:
            continue
        counts = count_lines(data, table.languages[name])
        lang = acc.languages.setdefault(name, dict.fromkeys(LANG_KEYS, 0))
        lang["files"] += 1
        lang["bytes"] += size
        lang["code"] += counts.code
        lang["comment"] += counts.comment
        lang["blank"] += counts.blank
        c["code"] += counts.code
        c["comment"] += counts.comment
        c["blank"] += counts.blank
    return {"counts": acc.counts, "languages": acc.languages}


def _batches(entries: Iterable[TreeEntry]) -> Iterator[list[TreeEntry]]:
    batch: list[TreeEntry] = []
    size = 0
    for e in entries:
        batch.append(e)
        size += e.size
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


@dataclass
class _RepoState:
    repo: Repo
    branch: str | None = None
    commit: str | None = None
    acc: _Acc = field(default_factory=_Acc)
    error: str | None = None


def _repo_total_bytes(repo: Repo) -> tuple[str | None, str | None, int]:
    branch, commit = default_branch(repo)
    total = sum(e.size for e in iter_tree(repo, commit)) if commit else 0
    return branch, commit, total


def scan(paths: list[str], options: ScanOptions | None = None, *, on_progress: Progress | None = None) -> dict[str, Any]:
    """Scan every repository under the paths. Missing paths raise FileNotFoundError (the caller
    turns that into a user error); a repository git cannot read is reported in `failed`."""
    options = options or ScanOptions()
    roots = [Path(p) for p in paths]
    for r in roots:
        if not r.is_dir():
            raise FileNotFoundError(str(r))
    repos = discover(roots)
    states = [_RepoState(r) for r in repos]
    total_bytes = 0
    for st in states:
        try:
            st.branch, st.commit, size = _repo_total_bytes(st.repo)
            total_bytes += size
        except GitError as exc:
            st.error = str(exc)
    done_bytes = 0

    def report(label: str) -> None:
        if on_progress:
            on_progress(done_bytes, total_bytes, label)

    jobs = options.jobs or os.cpu_count() or 1
    report("")
    if jobs == 1:
        for st in states:
            if st.error or not st.commit:
                continue
            try:
                for batch in _batches(iter_tree(st.repo, st.commit)):
                    st.acc.merge(count_batch(st.repo.git_dir, batch, options.index_max_bytes))
                    done_bytes += sum(e.size for e in batch)
                    report(st.repo.path)
            except GitError as exc:
                st.error = str(exc)
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            pending: dict[Future[dict[str, Any]], tuple[_RepoState, int]] = {}

            def drain(limit: int) -> None:
                nonlocal done_bytes
                while len(pending) > limit:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        st, nbytes = pending.pop(fut)
                        try:
                            st.acc.merge(fut.result())
                        except GitError as exc:
                            st.error = st.error or str(exc)
                        done_bytes += nbytes
                        report(st.repo.path)

            for st in states:
                if st.error or not st.commit:
                    continue
                try:
                    for batch in _batches(iter_tree(st.repo, st.commit)):
                        fut = pool.submit(count_batch, st.repo.git_dir, batch, options.index_max_bytes)
                        pending[fut] = (st, sum(e.size for e in batch))
                        drain(jobs * 2)  # bounded: at most 2 batches per worker wait in memory
                except GitError as exc:
                    st.error = str(exc)
            drain(0)
    return _result(states, roots)


def _result(states: list[_RepoState], roots: list[Path] | None = None) -> dict[str, Any]:
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
            "path": st.repo.path, "name": code_host_name(st.repo, roots or []), "git_dir_bytes": git_dir_bytes(st.repo.git_dir),
            "bare": st.repo.bare, "branch": st.branch, "commit": st.commit,
            **st.acc.counts, "languages": {k: v["code"] for k, v in top},
        })
    largest = max(repositories, key=lambda r: r["bytes"], default=None)
    totals["largest"] = {"path": largest["path"], "bytes": largest["bytes"]} if largest else None
    totals["failed"] = len(failed)
    ordered = dict(sorted(languages.items(), key=lambda kv: (-kv[1]["code"], kv[0])))
    return {"totals": totals, "languages": ordered, "repositories": repositories, "failed": failed,
            "index_max_bytes": INDEX_MAX_BYTES, "language_table": load_languages().source}
