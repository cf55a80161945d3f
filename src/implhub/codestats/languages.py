"""The language table (names as scc spells them) and detection by file name, extension, `#!` line
and, for extensions several languages share, a look at the content."""

from __future__ import annotations

import functools
import json
import os
import re
from collections import namedtuple

#: (typing is not imported at run time: a scan that meets a file scc does not count loads this
#: module, and importing typing cost it 3 ms; the classes below are namedtuples to type checkers too)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NamedTuple

    class _LanguageFields(NamedTuple):
        name: str
        extensions: tuple[str, ...] = ()
        filenames: tuple[str, ...] = ()
        line_comment: tuple[str, ...] = ()
        multi_line: tuple[tuple[str, str], ...] = ()
        #: string delimiters that count as comment when they open a line (Python docstrings)
        docstrings: tuple[tuple[str, str], ...] = ()
        nested: bool = False
        quotes: tuple[str, ...] = ()
        #: quotes inside which a backslash escapes nothing (raw strings: r"...", @"...", `...`)
        raw_quotes: tuple[str, ...] = ()
        #: quotes whose strings end at the end of the line
        single_line_quotes: tuple[str, ...] = ()

    class LanguageTable(NamedTuple):
        languages: dict[str, Language]
        by_filename: dict[str, str]
        by_extension: dict[str, list[str]]
        shebangs: dict[str, str]
        source: str
else:
    _LanguageFields = namedtuple(
        "_LanguageFields",
        "name extensions filenames line_comment multi_line docstrings nested quotes raw_quotes single_line_quotes",
        defaults=((), (), (), (), (), False, (), (), ()))
    LanguageTable = namedtuple("LanguageTable", "languages by_filename by_extension shebangs source")


class Language(_LanguageFields):
    """One language of the table: its name as scc spells it, how files are recognised, its comment
    and string syntax."""

    __slots__ = ()

    @property
    def simple(self) -> bool:
        """Only line comments (or none) and no string that spans lines: a line's class never
        depends on the lines before it."""
        return not self.multi_line and not self.docstrings and all(q in self.single_line_quotes for q in self.quotes)


#: the table's file, packaged with implhub (bench/codestats_language_table.py writes it)
TABLE_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "data", "codestats", "languages.json")


@functools.cache
def table_source() -> str:
    """Where the table comes from (its `_source`, the file's first key), without loading the
    table: a scan whose files scc counted reports it and needs nothing else of the table."""
    with open(TABLE_FILE, "rb") as fh:
        head = fh.read(4096)
    m = re.match(rb'\{\s*"_source":\s*("(?:[^"\\]|\\.)*")', head)
    return str(json.loads(m.group(1))) if m else load_languages().source


@functools.cache
def load_languages() -> LanguageTable:
    with open(TABLE_FILE, "rb") as fh:
        raw: dict[str, Any] = json.loads(fh.read())
    langs: dict[str, Language] = {}
    by_filename: dict[str, str] = {}
    by_extension: dict[str, list[str]] = {}
    for name, spec in raw["languages"].items():
        lang = Language(
            name=name,
            extensions=tuple(spec["extensions"]),
            filenames=tuple(spec["filenames"]),
            line_comment=tuple(spec["line_comment"]),
            multi_line=tuple((s, e) for s, e in spec["multi_line"]),
            docstrings=tuple((s, e) for s, e in spec["docstrings"]),
            nested=bool(spec["nested"]),
            quotes=tuple(spec["quotes"]),
            raw_quotes=tuple(spec.get("raw_quotes", ())),
            single_line_quotes=tuple(spec.get("single_line_quotes", ())),
        )
        langs[name] = lang
        for fn in lang.filenames:
            by_filename.setdefault(fn.lower(), name)
        for ext in lang.extensions:
            owners = by_extension.setdefault(ext.lower(), [])
            if name not in owners:
                owners.append(name)
    return LanguageTable(langs, by_filename, by_extension, dict(raw["shebangs"]), str(raw["_source"]))


# Extensions several languages claim: decided by content, as scc does, with the first language
# as the default when nothing in the first bytes points elsewhere.
_AMBIGUOUS_SOURCE: dict[str, list[tuple[str, bytes]]] = {
    "h": [("Objective C", rb"(?m)^\s*(@interface|@implementation|@protocol|#import)\b"),
          ("C++ Header", rb"(?m)^\s*(namespace\s+\w+|template\s*<|class\s+\w+[^;]*\{|public:|private:|#include\s*<(iostream|string|vector|memory|map)>)"),
          ("C Header", rb"")],
    "m": [("Objective C", rb"(?m)^\s*(@interface|@implementation|@protocol|#import|#include)\b"),
          ("MATLAB", rb"")],
    "ts": [("Qt Translation Source", rb"(?m)^\s*(<\?xml|<!DOCTYPE TS|<TS\b)"),
           ("TypeScript", rb"")],
    "v": [("Coq", rb"(?m)^\s*(Theorem|Lemma|Proof\.|Require Import|Inductive|Definition)\b"),
          ("V", rb"(?m)^\s*(fn main\(\)|module main|import os)\b"),
          ("Verilog", rb"")],
    "tex": [("LaTeX", rb"\\(documentclass|begin\{document\}|usepackage)"), ("TeX", rb"")],
    "json": [("CloudFormation (JSON)", rb"AWSTemplateFormatVersion"), ("JSON", rb"")],
    "yaml": [("CloudFormation (YAML)", rb"AWSTemplateFormatVersion"), ("YAML", rb"")],
    "yml": [("CloudFormation (YAML)", rb"AWSTemplateFormatVersion"), ("YAML", rb"")],
}


@functools.cache
def _ambiguous(extension: str) -> list[tuple[str, re.Pattern[bytes]]] | None:
    """The content rules of an extension several languages claim, compiled on first use (compiling
    them all cost every scan's start-up more than most scans ever use)."""
    rules = _AMBIGUOUS_SOURCE.get(extension)
    return [(name, re.compile(rx)) for name, rx in rules] if rules is not None else None


_SHEBANG = re.compile(rb"^#!\s*(\S+)(?:[ \t]+(-\S+[ \t]+)*(\S+))?")


def _from_shebang(head: bytes, table: LanguageTable) -> str | None:
    if not head.startswith(b"#!"):
        return None
    m = _SHEBANG.match(head.split(b"\n", 1)[0])
    if not m:
        return None
    prog = m.group(1).rsplit(b"/", 1)[-1]
    if prog == b"env" and m.group(3):
        prog = m.group(3).rsplit(b"/", 1)[-1]
    name = prog.decode("utf-8", "replace")
    return table.shebangs.get(name) or table.shebangs.get(name.rstrip("0123456789.")) or None


def detect_language(path: str, head: bytes = b"", table: LanguageTable | None = None) -> str | None:
    """The language of a file from its path and first bytes, or None when scc would not count it."""
    table = table or load_languages()
    base = path.rsplit("/", 1)[-1]
    lower = base.lower()
    if lower in table.by_filename:
        return table.by_filename[lower]
    candidates = [lower] + [lower[i + 1:] for i, ch in enumerate(lower) if ch == "."]
    for cand in candidates:
        owners = table.by_extension.get(cand)
        if not owners:
            continue
        if len(owners) == 1:
            return owners[0]
        rules = _ambiguous(cand)
        if rules:
            sample = head[:20000]
            for name, rx in rules:
                if name in table.languages and rx.search(sample):
                    return name
        return owners[0]
    if "." not in lower.lstrip("."):
        return _from_shebang(head, table)
    return None
