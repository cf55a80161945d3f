"""Per-file facts and their sums: what a scan records of each file (files, bytes, lines per
language, the search index's view, vendored, generated), whether implhub read the file itself or
scc counted it, and a working tree counted by scc with implhub's rules on top."""

from __future__ import annotations

import os

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
    """implhub's rules over one working tree's files as scc counts them. `rows` takes scc's rows
    (sccrun.count_trees, locations relative to the root); finish() keeps the files
    git tracks (scc also counts untracked files it finds), and reads and counts the tracked files
    scc did not count (binary files, unknown extensions, lock files, tracked files a .gitignore
    hides from scc). For a file scc counted, scc's binary test (no NUL byte in its first 10,000
    bytes) stands for the index's (no NUL anywhere, valid UTF-8): reading every file again only
    for that would cost more than scc's whole run."""

    __slots__ = ("index_max_bytes", "root", "rows", "tracked")

    def __init__(self, root: str, tracked: list[tuple[str, int]], index_max_bytes: int = INDEX_MAX_BYTES) -> None:
        self.root = root
        self.tracked = tracked
        self.index_max_bytes = index_max_bytes
        self.rows: list[sccrun.Row] = []

    def finish(self) -> dict[str, Any]:
        """The tree's facts; raises sccrun.SccUnavailable on a row whose figures are not numbers."""
        acc = Acc()
        c = acc.counts
        index_max_bytes = self.index_max_bytes
        pending = dict(self.tracked)  # the tracked files scc has not been seen to count
        paths = list(pending)
        vendored = vendored_among(paths)
        generated_names = generated_names_among(paths)
        languages = acc.languages
        pop = pending.pop
        # the ten thousands of files scc counted add up in locals; acc.counts takes the sums at the end
        files = nbytes = large = ix_files = ix_bytes = ix_lines = v_files = v_bytes = g_files = g_bytes = 0
        code = comment = blank = 0
        try:
            # (sccrun.COLUMNS: language, location, file name, lines, code, comments, blanks, complexity, bytes, ULOC)
            for language, path, _, lines_, code_, comment_, blank_, _, size_, _ in self.rows:
                if pop(path, None) is None:
                    continue  # not tracked (or reported twice)
                size = int(size_)
                lines = int(lines_)
                f_code = int(code_)
                f_comment = int(comment_)
                f_blank = int(blank_)
                files += 1
                nbytes += size
                if size > index_max_bytes:
                    large += 1
                else:
                    ix_files += 1
                    ix_bytes += size
                    ix_lines += lines
                if path in vendored:
                    v_files += 1
                    v_bytes += size
                # is_generated without content: scc's --gen (implhub's markers), the name rule, the minified rule
                if language[-1] == ")" and language.endswith((" (gen)", " (min)")):
                    generated = language.endswith(" (gen)")
                    language = language[:-6]
                    if language.endswith(" (min)"):
                        language = language[:-6]
                else:
                    generated = False
                if generated or path in generated_names or (lines > 0 and size / lines > 255):
                    g_files += 1
                    g_bytes += size
                lang = languages.get(language)
                if lang is None:
                    lang = languages[language] = dict.fromkeys(LANG_KEYS, 0)
                lang["files"] += 1
                lang["bytes"] += size
                lang["code"] += f_code
                lang["comment"] += f_comment
                lang["blank"] += f_blank
                code += f_code
                comment += f_comment
                blank += f_blank
        except (ValueError, IndexError):
            raise sccrun.SccUnavailable(f"scc's CSV has a row implhub cannot read in {self.root}") from None
        for key, value in (("files", files), ("bytes", nbytes), ("large_files", large), ("indexable_files", ix_files),
                           ("indexable_bytes", ix_bytes), ("indexable_lines", ix_lines), ("vendored_files", v_files),
                           ("vendored_bytes", v_bytes), ("generated_files", g_files), ("generated_bytes", g_bytes),
                           ("code", code), ("comment", comment), ("blank", blank)):
            c[key] += value
        root = self.root
        for path in pending:
            count_skipped(acc, os.path.join(root, path), path, index_max_bytes)
        return {"counts": acc.counts, "languages": acc.languages}


def count_skipped(acc: Acc, full: str, path: str, index_max_bytes: int) -> None:
    """A tracked file scc did not count: a binary one (a NUL in the first SCC_BINARY_PROBE bytes,
    scc's rule) is known from its head and its size, without reading the rest; any other is read
    in full, as its facts (UTF-8 for the index, lines, generated) need all of it."""
    try:  # os-level reads: no buffered file object for the hundreds of fonts and images a tree holds
        fd = os.open(full, os.O_RDONLY)
        try:
            data = _read_up_to(fd, SCC_BINARY_PROBE)
            if b"\0" in data:  # binary: no lines, not indexable, its size is all that counts
                count_binary(acc, path, os.fstat(fd).st_size, index_max_bytes)
                return
            if len(data) == SCC_BINARY_PROBE:
                data += _read_up_to(fd, -1)
        finally:
            os.close(fd)
    except OSError:
        return  # deleted or unreadable in the working tree: not there to count
    from implhub.codestats.languages import load_languages

    count_file(acc, load_languages(), path, data, index_max_bytes)


def _read_up_to(fd: int, limit: int) -> bytes:
    """limit bytes (all to the end with -1), or fewer at the end of the file."""
    parts: list[bytes] = []
    left = limit
    while left != 0:
        chunk = os.read(fd, left if left > 0 else 1 << 20)
        if not chunk:
            break
        parts.append(chunk)
        if left > 0:
            left -= len(chunk)
    return b"".join(parts)
