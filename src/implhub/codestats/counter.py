"""Counting code, comment and blank lines the way scc does.

A line is *blank* when it holds only whitespace, *comment* when everything on it is comment (a
line comment, a block comment, a doc string that opens the line, or whitespace inside a block
comment), and *code* otherwise: code followed by a comment is code, and so is every line of a
string that spans lines. Block comments nest where the language allows it.

The counter takes bytes (no decoding, so odd encodings never fail) and walks only the tokens that
can change state (comment markers, quotes, escapes, newlines), which keeps it fast in Python.
"""

from __future__ import annotations

import re
from collections import namedtuple

from implhub.codestats.languages import Language

_WS = b" \t\r\n\x0b\x0c"


class LineCounts:
    """Code, comment and blank lines of one file. (No dataclasses or typing here: this module is
    imported by a scan that meets a file scc does not count, and importing them cost it 10 ms.)"""

    __slots__ = ("blank", "code", "comment")

    def __init__(self, code: int = 0, comment: int = 0, blank: int = 0) -> None:
        self.code = code
        self.comment = comment
        self.blank = blank

    @property
    def lines(self) -> int:
        return self.code + self.comment + self.blank

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LineCounts):
            return NotImplemented
        return (self.code, self.comment, self.blank) == (other.code, other.comment, other.blank)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it replaces

    def __repr__(self) -> str:
        return f"LineCounts(code={self.code}, comment={self.comment}, blank={self.blank})"


TYPE_CHECKING = False  # (typing is not imported at run time: see LineCounts)
if TYPE_CHECKING:
    from typing import NamedTuple

    class _Machine(NamedTuple):
        #: what can open something in code: newline, comment markers, doc strings, quotes
        opening: re.Pattern[bytes]
        line: frozenset[bytes]
        block: dict[bytes, bytes]
        doc: dict[bytes, bytes]
        #: opener -> (closer, backslash escapes, ends at the newline)
        quotes: dict[bytes, tuple[bytes, bool, bool]]
else:
    _Machine = namedtuple("_Machine", "opening line block doc quotes")


_machines: dict[str, _Machine] = {}
_closers: dict[tuple[bytes, bool, bytes], re.Pattern[bytes]] = {}


def _machine(lang: Language) -> _Machine:
    m = _machines.get(lang.name)
    if m is None:
        line = frozenset(c.encode() for c in lang.line_comment)
        block = {s.encode(): e.encode() for s, e in lang.multi_line}
        doc = {s.encode(): e.encode() for s, e in lang.docstrings}
        quotes = {q.encode(): (q.encode(), q not in lang.raw_quotes, q in lang.single_line_quotes) for q in lang.quotes}
        for q in lang.raw_quotes:
            if len(q) > 1:
                quotes[q.encode()] = (q[-1].encode(), False, q[-1] in lang.single_line_quotes)
        tokens = set(line) | set(block) | set(doc) | set(quotes)
        alts = [re.escape(t) for t in sorted(tokens, key=len, reverse=True)]
        m = _Machine(re.compile(b"|".join([rb"\n", *alts])), line, block, doc, quotes)
        _machines[lang.name] = m
    return m


def _closer(end: bytes, escapes: bool, opener: bytes = b"") -> re.Pattern[bytes]:
    """What can end (or nest) the string or comment we are in: its closer, a newline, escapes."""
    key = (end, escapes, opener)
    rx = _closers.get(key)
    if rx is None:
        # as scc does: a closer right behind a backslash does not close, whatever came before
        # the backslash (so "\\" followed by a quote stays open)
        closing = (rb"(?<!\\)" if escapes else b"") + re.escape(end)
        alts = [rb"\n", closing] + ([re.escape(opener)] if opener else [])
        rx = re.compile(b"|".join(alts))
        _closers[key] = rx
    return rx


def _count_simple(data: bytes, lang: Language) -> LineCounts:
    """Languages with only line comments: each line on its own."""
    out = LineCounts()
    starts = tuple(c.encode() for c in lang.line_comment)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for raw in lines:
        s = raw.strip(_WS)
        if not s:
            out.blank += 1
        elif starts and s.startswith(starts):
            out.comment += 1
        else:
            out.code += 1
    return out


# states
_NORMAL, _LINE_COMMENT, _BLOCK, _DOC, _STRING = 0, 1, 2, 3, 4


def _count_full(data: bytes, lang: Language) -> LineCounts:
    mc = _machine(lang)
    code = comment = blank = 0
    state = _NORMAL
    start_state = _NORMAL
    has_code = has_comment = False
    closer: re.Pattern[bytes] = mc.opening
    end = opener = b""
    single = False
    doc_closed = False  # scc: anything after a closing doc string, even a comment, is code
    depth = 0
    pos = 0
    n = len(data)
    nested = lang.nested
    while pos < n:
        if state == _NORMAL:
            m = mc.opening.search(data, pos)
        elif state == _LINE_COMMENT:
            at = data.find(b"\n", pos)
            pos = n if at < 0 else at
            if at < 0:
                break
            m = None
        else:
            m = closer.search(data, pos)
        if state != _LINE_COMMENT:
            if m is None:
                if state == _NORMAL and not has_code and data[pos:].strip(_WS):
                    has_code = True
                pos = n
                break
            at = m.start()
            if state == _NORMAL and not has_code and at > pos and data[pos:at].strip(_WS):
                has_code = True
            tok = m.group()
            pos = m.end()
        else:
            tok = b"\n"
            pos += 1
        if tok == b"\n":
            if has_code:
                code += 1
            elif has_comment or start_state in (_BLOCK, _DOC, _LINE_COMMENT):
                comment += 1
            elif start_state == _STRING:
                code += 1
            else:
                blank += 1
            if state == _LINE_COMMENT or (state == _STRING and single):
                state = _NORMAL
            start_state = state
            has_code = has_comment = doc_closed = False
            continue
        if state == _NORMAL:
            if doc_closed:
                has_code = True
            if tok in mc.line:
                state = _LINE_COMMENT
                has_comment = True
            elif tok in mc.block:
                state, opener, end, depth = _BLOCK, tok, mc.block[tok], 1
                closer = _closer(end, False, opener if nested else b"")
                has_comment = True
            elif tok in mc.doc:
                end = mc.doc[tok]
                closer = _closer(end, True)
                if has_code:
                    state, single = _STRING, False
                else:
                    state = _DOC
                    has_comment = True
            else:
                end, escapes, single = mc.quotes[tok]
                closer = _closer(end, escapes)
                state = _STRING
                has_code = True
        elif state == _BLOCK:
            if tok == end:
                depth -= 1
                if depth == 0:
                    state = _NORMAL
            elif tok == opener:
                depth += 1
        elif tok == end:  # _STRING or _DOC
            doc_closed = state == _DOC
            state = _NORMAL
    if data and not data.endswith(b"\n"):
        if has_code:
            code += 1
        elif has_comment or start_state in (_BLOCK, _DOC, _LINE_COMMENT):
            comment += 1
        elif start_state == _STRING:
            code += 1
        else:
            blank += 1
    return LineCounts(code, comment, blank)


# The fast path: one pattern that matches a whole comment or string at once (in C), so the
# Python loop sees one match per construct and per newline. Used where block comments do not
# nest; the token machine above handles the rest.
_fast: dict[str, dict[bytes, tuple[str, re.Pattern[bytes]]]] = {}
_NL, _LC, _BC, _DS, _STR = "nl", "lc", "bc", "ds", "st"


def _string_rx(start: bytes, end: bytes, escapes: bool, single: bool) -> bytes:
    """A whole string: up to a closer not right behind a backslash (scc's rule), or up to the
    newline for strings that end with the line, or to the end of the file."""
    s, e = re.escape(start), re.escape(end)
    tail = rb"(?=\n)|\Z" if single else rb"\Z"
    if len(end) == 1:
        # unrolled: runs of anything but the closer, then a closer behind a backslash (escapes)
        other = rb"[^" + e + (rb"\n" if single else b"") + rb"]*"
        if escapes:
            return s + other + rb"(?:(?<=\\)" + e + other + rb")*(?:(?<!\\)" + e + rb"|" + tail + rb")"
        return s + other + rb"(?:" + e + rb"|" + tail + rb")"
    body = rb"(?:(?!" + e + rb")" + (rb"[^\n]" if single else rb"[\s\S]") + rb")"
    if escapes:
        closing = rb"(?<!\\)" + e
        body = rb"(?:(?<=\\)" + e + rb"|" + body + rb")"
    else:
        closing = e
    return s + body + rb"*?(?:" + closing + rb"|" + tail + rb")"


def _constructs(lang: Language) -> dict[bytes, tuple[str, re.Pattern[bytes]]]:
    """opener -> (kind, the pattern of the whole construct starting at it)."""
    cached = _fast.get(lang.name)
    if cached is None:
        mc = _machine(lang)
        cached = {}
        for s, e in mc.block.items():
            cached[s] = (_BC, re.compile(re.escape(s) + rb"[\s\S]*?(?:" + re.escape(e) + rb"|\Z)"))
        for s, e in mc.doc.items():
            cached[s] = (_DS, re.compile(_string_rx(s, e, True, False)))
        for q, (e, escapes, single) in mc.quotes.items():
            cached[q] = (_STR, re.compile(_string_rx(q, e, escapes, single)))
        _fast[lang.name] = cached
    return cached


def _count_fast(data: bytes, lang: Language) -> LineCounts:
    mc = _machine(lang)
    opening = mc.opening
    constructs = _constructs(lang)
    line = mc.line
    code = comment = blank = 0
    has_code = has_comment = False
    #: the line began inside a block comment or doc string (comment), or a string (code)
    carried = ""
    doc_closed = False
    pos = 0
    n = len(data)
    while True:
        m = opening.search(data, pos)
        if m is None:
            break
        at = m.start()
        if not has_code and at > pos and data[pos:at].strip(_WS):
            has_code = True
        tok = m.group()
        if tok == b"\n":
            pos = at + 1
            if has_code:
                code += 1
            elif has_comment or carried == "comment":
                comment += 1
            elif carried == "code":
                code += 1
            else:
                blank += 1
            has_code = has_comment = doc_closed = False
            carried = ""
            continue
        if doc_closed:
            has_code = True
        if tok in line:
            has_comment = True
            nl = data.find(b"\n", at)
            pos = n if nl < 0 else nl
            continue
        kind, rx = constructs[tok]
        whole = rx.match(data, at)
        pos = whole.end() if whole is not None else n
        inner = data.count(b"\n", at, pos)
        if kind == _BC or (kind == _DS and not has_code):
            # the opening line has comment; full lines inside are comment; the closing line
            # starts inside the comment
            has_comment = True
            if inner:
                if has_code:
                    code += 1
                else:
                    comment += 1
                comment += inner - 1
                has_code = False
                carried = "comment"
            doc_closed = kind == _DS
            continue
        # a string (or a doc string after code): code on every line it touches
        has_code = True
        if inner:
            code += inner  # the opening line and the full lines inside
            carried = "code"
            has_comment = False
    if data and not data.endswith(b"\n"):
        if not has_code and data[pos:].strip(_WS):
            has_code = True
        if has_code:
            code += 1
        elif has_comment or carried == "comment":
            comment += 1
        elif carried == "code":
            code += 1
        else:
            blank += 1
    return LineCounts(code, comment, blank)


def count_lines(data: bytes, lang: Language) -> LineCounts:
    """Code, comment and blank lines of a file's content in the given language."""
    if not data:
        return LineCounts()
    if lang.simple:
        return _count_simple(data, lang)
    if not lang.nested:
        return _count_fast(data, lang)
    return _count_full(data, lang)
