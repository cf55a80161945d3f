"""Source-like file contents: deterministic for a random generator, shaped like real code.

A repository gets its own vocabulary (function, type, variable and package names built from
common programming words plus a few invented ones), so files in one repository share names the
way real code does while different repositories differ. Functions reuse a handful of locals,
blocks nest up to three levels deep, and comments are sentences: a trigram index over the output
sees the mix of keywords, identifiers and punctuation of real code, not random bytes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from implhub.replica.languages import LANGUAGES, VERBS, WORDS, Language

SYLLABLES = ("ka", "lo", "mi", "ra", "ven", "tor", "zi", "qua", "del", "nor", "bex", "sul", "ta", "quin", "dor", "fel")

_NUMBERS = ("0", "1", "2", "8", "16", "64", "100", "1024", "3", "5", "10", "30", "255", "500", "4096", "60")
_PERMS = ((0, 1, 2), (1, 2, 0), (2, 0, 1), (0, 2, 1), (1, 0, 2), (2, 1, 0))


def _camel(parts: list[str]) -> str:
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def _pascal(parts: list[str]) -> str:
    return "".join(p.capitalize() for p in parts)


@dataclass
class Vocabulary:
    """The names one repository uses."""

    words: list[str]
    funcs: dict[str, list[str]]  # by case style
    types: list[str]
    vars: dict[str, list[str]]
    packages: list[str]

    @classmethod
    def build(cls, rng: random.Random) -> Vocabulary:
        invented = ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 3))) for _ in range(12)]
        words = rng.sample(WORDS, 70) + invented
        verbs = list(VERBS)

        def names(n: int, lo: int, hi: int, first: list[str]) -> list[list[str]]:
            return [[rng.choice(first)] + rng.sample(words, rng.randint(lo, hi)) for _ in range(n)]

        fparts = names(260, 1, 2, verbs)
        vparts = [rng.sample(words, rng.randint(1, 2)) for _ in range(160)]
        types = [_pascal(rng.sample(words, rng.randint(1, 2))) for _ in range(120)]
        funcs = {"camel": [_camel(p) for p in fparts], "snake": ["_".join(p) for p in fparts],
                 "pascal": [_pascal(p) for p in fparts]}
        vars_ = {"camel": [_camel(p) for p in vparts], "snake": ["_".join(p) for p in vparts],
                 "pascal": [_camel(p) for p in vparts]}
        return cls(words=words, funcs=funcs, types=types, vars=vars_, packages=rng.sample(words, 24))


class SourceWriter:
    """Writes files of one language with one repository's vocabulary."""

    def __init__(self, lang: Language, vocab: Vocabulary, rng: random.Random) -> None:
        self.lang = lang
        self.vocab = vocab
        self.rng = rng
        self.funcs = vocab.funcs[lang.case]
        self.vars = vocab.vars["snake" if lang.case == "snake" else "camel"]
        self.prose = vocab.words + list(VERBS)

    def _bind(self) -> dict[str, str]:
        rnd, v = self.rng.random, self.vocab
        return {"f": self.funcs[int(rnd() * len(self.funcs))], "t": v.types[int(rnd() * len(v.types))],
                "s": v.words[int(rnd() * len(v.words))], "p": v.packages[int(rnd() * len(v.packages))],
                "n": _NUMBERS[int(rnd() * len(_NUMBERS))]}

    def comment(self, indent: str) -> str:
        rnd, pool = self.rng.random, self.prose
        n = len(pool)
        words = [pool[int(rnd() * n)] for _ in range(4 + int(rnd() * 10))]
        return f"{indent}{self.lang.comment} {' '.join(words).capitalize()}."

    def function(self, out: list[str], level: int) -> None:
        r, lang = self.rng, self.lang
        rnd = r.random
        base = lang.indent * level
        b = self._bind()
        locals_ = r.sample(self.vars, 3)
        if rnd() < 0.6:
            out.append(self.comment(base))
        b.update(a=locals_[0], b=locals_[1], c=locals_[2])
        out.append(base + lang.func_open[int(rnd() * len(lang.func_open))].format_map(b))
        stmts, nstmts = lang.stmts, len(lang.stmts)
        blocks, nblocks = lang.blocks, len(lang.blocks)
        funcs, words = self.funcs, self.vocab.words
        depth = 1
        ind = base + lang.indent
        for _ in range(3 + int(rnd() * 20)):
            x = rnd()
            perm = _PERMS[int(rnd() * 6)]
            b["a"], b["b"], b["c"] = locals_[perm[0]], locals_[perm[1]], locals_[perm[2]]
            if x < 0.16 and depth < 4:
                out.append(ind + blocks[int(rnd() * nblocks)].format_map(b))
                depth += 1
                ind = base + lang.indent * depth
                continue
            if x < 0.30 and depth > 1:
                self._close(out, base, depth)
                depth -= 1
                ind = base + lang.indent * depth
                continue
            if x < 0.36:
                out.append(self.comment(ind))
            if x > 0.93:
                b["f"] = funcs[int(rnd() * len(funcs))]
                b["s"] = words[int(rnd() * len(words))]
            out.append(ind + stmts[int(rnd() * nstmts)].format_map(b))
            if x > 0.97:
                out.append("")
        while depth > 1:
            self._close(out, base, depth)
            depth -= 1
        end = lang.func_close if lang.func_close is not None else lang.close
        if end:
            out.append(base + end)
        out.append("")

    def _close(self, out: list[str], base: str, depth: int) -> None:
        if self.lang.close:
            out.append(base + self.lang.indent * (depth - 1) + self.lang.close)

    def file(self, size: int) -> str:
        """About `size` bytes of source in this language."""
        r, lang = self.rng, self.lang
        out: list[str] = [lang.comment + " Copyright " + str(r.randint(2012, 2026)) + " " + _pascal(r.sample(self.vocab.words, 2)) + " authors.", ""]
        b = self._bind()
        b.update(a="x", b="y", c="z")
        out += [h.format(**b) for h in lang.header]
        out.append("")
        total = sum(len(x) + 1 for x in out)
        while total < size:
            mark = len(out)
            if lang.type_open and r.random() < 0.18:
                b = self._bind()
                b.update(a=r.choice(self.vars), b="", c="")
                out.append(r.choice(lang.type_open).format(**b))
                for _ in range(r.randint(2, 8)):
                    b = self._bind()
                    b["a"] = r.choice(self.vars)
                    out.append(lang.indent + r.choice(lang.fields or lang.stmts).format(**b))
                if r.random() < 0.7:
                    self.function(out, 1)
                if lang.close:
                    out.append(lang.close)
                out.append("")
            else:
                self.function(out, 0)
            total += sum(len(x) + 1 for x in out[mark:])
        return "\n".join(out) + "\n"

    def appendix(self) -> str:
        """A new function, as a change to an existing file adds one."""
        out: list[str] = [""]
        self.function(out, 0)
        return "\n".join(out)


def text_size(rng: random.Random) -> int:
    """Size of a source file: log-normal around 5 KB, as measured over open-source code."""
    return int(min(180_000, max(300, math.exp(rng.gauss(math.log(5000), 0.95)))))


def binary_file(rng: random.Random, size: int) -> tuple[str, bytes]:
    """An asset: an image, font or archive header followed by bytes that do not compress."""
    kind = rng.choice((("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ("jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
                       ("woff2", b"wOF2\x00\x01\x00\x00"), ("jar", b"PK\x03\x04\x14\x00\x08\x08\x08\x00"),
                       ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")))
    head = kind[1]
    return kind[0], head + rng.randbytes(max(0, size - len(head)))


def data_file(rng: random.Random, vocab: Vocabulary, size: int) -> str:
    """A large generated text file (fixtures, a lock file or exported data), as repos check in."""
    out: list[str] = ["["]
    total = 2
    words = vocab.words
    while total < size:
        line = (f'  {{"id": {rng.randint(1, 10**9)}, "name": "{rng.choice(words)}-{rng.choice(words)}", '
                f'"kind": "{rng.choice(words)}", "count": {rng.randint(0, 5000)}, "ok": {"true" if rng.random() < 0.5 else "false"}}},')
        out.append(line)
        total += len(line) + 1
    out.append("]")
    return "\n".join(out) + "\n"


def readme(rng: random.Random, vocab: Vocabulary, name: str) -> str:
    paras = []
    for _ in range(rng.randint(2, 6)):
        words = rng.choices(vocab.words + list(VERBS), k=rng.randint(20, 70))
        paras.append(" ".join(words).capitalize() + ".")
    return f"# {name}\n\n" + "\n\n".join(paras) + "\n\n## Build\n\n```sh\nmake build\nmake test\n```\n"


def language(key: str) -> Language:
    return LANGUAGES[key]
