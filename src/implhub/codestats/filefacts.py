"""Per-file facts and their sums: what a scan records of each file (files, bytes, lines per
language, the search index's view, vendored, generated), whether implhub read the file itself or
scc counted it, and a working tree counted by scc with implhub's rules on top."""

from __future__ import annotations

import os
from itertools import compress, groupby, repeat
from operator import gt, itemgetter, mul, not_

from implhub.codestats import sccrun
from implhub.codestats.classify import (
    INDEX_MAX_BYTES,
    SCC_BINARY_PROBE,
    SCC_EXCLUDED_NAMES,
    generated_names_among,
    is_binary_for_index,
    is_binary_for_scc,
    is_generated,
    is_vendored,
    vendored_among,
)

TYPE_CHECKING = False  # (typing and dataclasses are not imported: a scan's start-up is part of its time)
if TYPE_CHECKING:
    from typing import Any

    from implhub.codestats.languages import LanguageTable

REPO_KEYS = ("files", "bytes", "code", "comment", "blank", "indexable_files", "indexable_bytes", "indexable_lines",
             "binary_files", "large_files", "vendored_files", "vendored_bytes", "generated_files", "generated_bytes")
LANG_KEYS = ("files", "bytes", "code", "comment", "blank")

class Acc:
    """Sums of a scan's per-file facts: counts per REPO_KEYS, and per language LANG_KEYS."""

    __slots__ = ("counts", "languages")

    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(REPO_KEYS, 0)
        self.languages: dict[str, dict[str, int]] = {}

    def add_lines(self, name: str, size: int, code: int, comment: int, blank: int) -> None:
        lang = self.languages.setdefault(name, dict.fromkeys(LANG_KEYS, 0))
        lang["files"] += 1
        lang["bytes"] += size
        lang["code"] += code
        lang["comment"] += comment
        lang["blank"] += blank
        self.counts["code"] += code
        self.counts["comment"] += comment
        self.counts["blank"] += blank

    def merge(self, other: dict[str, Any]) -> None:
        for k, v in other["counts"].items():
            self.counts[k] += v
        for name, lc in other["languages"].items():
            mine = self.languages.setdefault(name, dict.fromkeys(LANG_KEYS, 0))
            for k, v in lc.items():
                mine[k] += v


def count_file(acc: Acc, table: LanguageTable, path: str, data: bytes, index_max_bytes: int, *, lines: bool = True) -> bool:
    """Every fact about one file, read by implhub itself; with lines=False all but the line counts.
    True when the file is one scc would count lines of (not binary, not a lock file)."""
    c = acc.counts
    size = len(data)
    c["files"] += 1
    c["bytes"] += size
    scc_binary = is_binary_for_scc(data)
    index_binary = scc_binary or is_binary_for_index(data, head_checked=True)
    lines_in_file = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    if index_binary:
        c["binary_files"] += 1
    if size > index_max_bytes:
        c["large_files"] += 1
    if not index_binary and size <= index_max_bytes:
        c["indexable_files"] += 1
        c["indexable_bytes"] += size
        c["indexable_lines"] += lines_in_file
    if is_vendored(path):
        c["vendored_files"] += 1
        c["vendored_bytes"] += size
    if not scc_binary and is_generated(path, data, lines_in_file):
        c["generated_files"] += 1
        c["generated_bytes"] += size
    if scc_binary or path.rsplit("/", 1)[-1].lower() in SCC_EXCLUDED_NAMES:
        return False
    if lines:
        count_file_lines(acc, table, path, data)
    return True


def count_file_lines(acc: Acc, table: LanguageTable, path: str, data: bytes) -> None:
    from implhub.codestats.languages import detect_language

    name = detect_language(path, data[:20000], table)
    if name is not None:
        # (imported only where there is a language to count)
        from implhub.codestats.counter import count_lines

        counts = count_lines(data, table.languages[name])
        acc.add_lines(name, len(data), counts.code, counts.comment, counts.blank)


def count_binary(acc: Acc, path: str, size: int, index_max_bytes: int) -> None:
    """What count_file records for a file with a NUL byte in its first SCC_BINARY_PROBE bytes."""
    c = acc.counts
    c["files"] += 1
    c["bytes"] += size
    c["binary_files"] += 1
    if size > index_max_bytes:
        c["large_files"] += 1
    if is_vendored(path):
        c["vendored_files"] += 1
        c["vendored_bytes"] += size


class TreeTally:
    """implhub's rules over one working tree's files as scc counts them (count_trees gives it the
    columns of its tracked files); finish() sums them, and reads and counts the tracked files scc
    did not count (binary files, unknown extensions, lock files, tracked files a .gitignore hides
    from scc). For a file scc counted, scc's binary test (no NUL byte in its first 10,000 bytes)
    stands for the index's (no NUL anywhere, valid UTF-8): reading every file again only for that
    would cost more than scc's whole run."""

    __slots__ = ("base", "counted", "index_max_bytes", "keys", "paths", "root")

    def __init__(self, root: str, tracked: list[tuple[str, int]], index_max_bytes: int = INDEX_MAX_BYTES) -> None:
        self.root = root
        self.index_max_bytes = index_max_bytes
        #: the tree's absolute path and separator: scc names a file by the path it was given
        self.base = os.path.abspath(root).rstrip(os.sep) + os.sep
        #: the tracked files, "/" separated and relative to the root, and as scc names them
        self.paths = list(map(itemgetter(0), tracked))
        self.keys = list(map(self.base.__add__, self.paths if os.sep == "/" else (p.replace("/", os.sep) for p in self.paths)))
        #: scc's counts of the tracked files it counted
        self.counted = sccrun.Counted([], [], [], [], [], [], [])

    def finish(self) -> dict[str, Any]:
        """The tree's facts. The sums run in compiled code (map, compress, sum over columns): ten
        thousands of files per scan."""
        acc = Acc()
        c = acc.counts
        langs, locations, lines, codes, comments, blanks, sizes = self.counted
        n = len(locations)
        small = list(map(self.index_max_bytes.__ge__, sizes))  # within the index's limit
        c["files"] += n
        c["bytes"] += sum(sizes)
        c["indexable_files"] += sum(small)
        c["large_files"] += n - sum(small)
        c["indexable_bytes"] += sum(compress(sizes, small))
        c["indexable_lines"] += sum(compress(lines, small))
        vendored = set(map(self._key, vendored_among(self.paths)))
        flags = list(map(vendored.__contains__, locations))
        c["vendored_files"] += sum(flags)
        c["vendored_bytes"] += sum(compress(sizes, flags))
        c["code"] += sum(codes)
        c["comment"] += sum(comments)
        c["blank"] += sum(blanks)
        # is_generated without content, as positions: the name rule; the minified rule (lines, and
        # an average line over 255 bytes: more bytes than 255 per line); scc's --gen with implhub's
        # markers (its language reads "X (gen)"), added run by run below
        named = set(map(self._key, generated_names_among(self.paths)))
        generated = set(compress(range(n), map(named.__contains__, locations)))
        generated.update(i for i in compress(range(n), map(gt, sizes, map(mul, lines, repeat(255)))) if lines[i])
        # per language: scc writes a language's files together, so the sums go run by run
        languages = acc.languages
        start = 0
        for scc_name, run in groupby(langs):
            end = start + sum(1 for _ in run)
            name, by_marker = sccrun.language_of(scc_name)
            if by_marker:
                generated.update(range(start, end))
            lang = languages.get(name)
            if lang is None:
                lang = languages[name] = dict.fromkeys(LANG_KEYS, 0)
            lang["files"] += end - start
            lang["bytes"] += sum(sizes[start:end])
            lang["code"] += sum(codes[start:end])
            lang["comment"] += sum(comments[start:end])
            lang["blank"] += sum(blanks[start:end])
            start = end
        c["generated_files"] += len(generated)
        c["generated_bytes"] += sum(map(sizes.__getitem__, generated))
        seen = set(locations)
        root, index_max_bytes = self.root, self.index_max_bytes
        for path in compress(self.paths, map(not_, map(seen.__contains__, self.keys))):
            count_skipped(acc, os.path.join(root, path), path, index_max_bytes)
        return {"counts": acc.counts, "languages": acc.languages}

    def _key(self, path: str) -> str:
        return self.base + (path if os.sep == "/" else path.replace("/", os.sep))


def count_trees(binary: str, tallies: list[TreeTally]) -> None:
    """One scc run over several working trees: each file a tree tracks goes to that tree's tally
    (a file inside two trees, one within the other, to the nearest), once; files no tree tracks
    are dropped. Raises sccrun.SccUnavailable when scc fails, and the tallies are left as they were."""
    owner: dict[str, int] = {}  # a tracked file as scc names it -> its tally's position + 1
    for k, t in sorted(enumerate(tallies, 1), key=lambda kt: len(kt[1].base)):  # the innermost last: its files are its own
        owner.update(zip(t.keys, repeat(k)))
    counted = sccrun.count(binary, [t.base[:-1] or os.sep for t in tallies])
    locations = counted.locations
    who = list(map(owner.get, locations, repeat(0)))  # 0: no tree tracks it
    if len(set(locations)) < len(locations):  # a file reported twice (roots one within another) counts once
        seen: set[str] = set()
        for i, location in enumerate(locations):
            if location in seen:
                who[i] = 0
            seen.add(location)
    # each tally's files in scc's order (a stable sort by tally keeps a language's files together)
    order = sorted(range(len(who)), key=who.__getitem__)
    start = 0
    for k, run in groupby(map(who.__getitem__, order)):
        end = start + sum(1 for _ in run)
        if k:
            picked = order[start:end]
            tallies[k - 1].counted = sccrun.Counted._make(list(map(column.__getitem__, picked)) for column in counted)
        start = end


def count_skipped(acc: Acc, full: str, path: str, index_max_bytes: int) -> None:
    """A tracked file scc did not count: a binary one (a NUL in the first SCC_BINARY_PROBE bytes,
    scc's rule) is known from its head and its size, without reading the rest; any other is read
    in full, as its facts (UTF-8 for the index, lines, generated) need all of it."""
    try:  # os-level reads: no buffered file object for the hundreds of fonts and images a tree holds
        fd = os.open(full, os.O_RDONLY)
        try:
            # the size first: each read then asks for what is there (a larger buffer would only be
            # allocated and given back), and the file is read as it was at that moment
            size = os.fstat(fd).st_size
            data = _read_up_to(fd, min(size, SCC_BINARY_PROBE))
            if b"\0" in data:  # binary: no lines, not indexable, its size is all that counts
                count_binary(acc, path, size, index_max_bytes)
                return
            if size > len(data):
                data += _read_up_to(fd, size - len(data))
        finally:
            os.close(fd)
    except OSError:
        return  # deleted or unreadable in the working tree: not there to count
    from implhub.codestats.languages import load_languages

    count_file(acc, load_languages(), path, data, index_max_bytes)


def _read_up_to(fd: int, limit: int) -> bytes:
    """limit bytes, or fewer where the file ends first."""
    parts: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)
