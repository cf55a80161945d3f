"""One repository as one `git fast-import` stream: files, history, and an exact-size pad.

Nothing here runs git: the stream is written to a binary file object, so it can go to a
fast-import process, to a file, or to a benchmark. Sizes are steered by an estimate of what each
object costs once packed (`PackEstimate`); the caller measures the result.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from implhub.replica.content import (
    SourceWriter,
    Vocabulary,
    binary_file,
    data_file,
    readme,
    text_size,
)
from implhub.replica.languages import LANGUAGES, WORDS
from implhub.replica.shape import DEFAULT_TREE_RATIO, RepoShape

FIRST_NAMES = ("Ana", "Ben", "Chen", "Dara", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kofi", "Lena", "Mateo",
               "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Yara", "Zoe")
LAST_NAMES = ("Alvarez", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Gupta", "Hansen", "Ito", "Jansen", "Kowalski",
              "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Rossi", "Silva", "Tanaka", "Novak", "Weber", "Yilmaz")
MESSAGES = ("Add {s} {s} handling", "Fix {s} when {s} is empty", "Refactor {s} {s}", "Update {s} tests",
            "Handle {s} errors in {s}", "Remove unused {s} code", "Bump {s} version", "Document {s} {s}",
            "Speed up {s} lookup", "Rename {s} to {s}")
START = 1_420_070_400  # 2015-01-01: the end of history when no end date is given
SPAN = 5 * 365 * 86400
DAY = 86400
#: the newest commit of an active repository lies within this many days before the end date, so a
#: `type:diff after:"1 week ago"` search finds commits in each repository the load test scopes
RECENT_DAYS = 5
#: a packed text file costs about this much per byte of the newest tree (content + object overhead
#: at the typical 5 KB file): what turns a newest-tree ratio into a share of the packed budget
TREE_COST_PER_BYTE = 0.36
#: a rewritten file also writes the trees along its path anew (measured: about this many packed bytes)
REWRITE_TREE_COST = 150

#: share of files that are binary assets, and of files above 1 MB (fixtures, bundles, media), as
#: in open-source repositories: a few percent binary, about one file in a thousand above 1 MB
BINARY_SHARE = 0.02
LARGE_SHARE = 0.001


@dataclass(frozen=True)
class PackEstimate:
    """What an object costs in the packed repository, in bytes (calibrated against git 2.3x)."""

    fixed: int = 1_500  # HEAD, config, packed-refs, pack and index headers, fan-out table
    per_object: int = 700  # index entry, pack entry header, tree entry
    per_commit: int = 640  # commit object and the trees it rewrites
    text_ratio: float = 0.214  # deflated source text, after git's delta search

    def budget(self, target: int) -> int:
        """What to aim the estimate at for a repository of `target` bytes: the estimate's measured
        bias by size (tiny repositories pack smaller than estimated, mid-sized ones larger)."""
        points = ((24_000, 0.035), (100_000, 0.0), (200_000, -0.025), (1_500_000, -0.015), (10_000_000, 0.0))
        x = math.log(max(target, 1))
        if x <= math.log(points[0][0]):
            return int(target * (1 + points[0][1]))
        for (s0, c0), (s1, c1) in zip(points, points[1:], strict=False):
            if x <= math.log(s1):
                t = (x - math.log(s0)) / (math.log(s1) - math.log(s0))
                return int(target * (1 + c0 + (c1 - c0) * t))
        return target

    def text(self, n: int) -> int:
        return int(n * self.text_ratio) + self.per_object

    def binary(self, n: int) -> int:
        return n + n // 3000 + self.per_object


ESTIMATE = PackEstimate()


@dataclass
class RepoStats:
    files: int = 0
    commits: int = 0
    text_bytes: int = 0
    binary_files: int = 0
    binary_bytes: int = 0
    large_files: int = 0
    estimate: int = 0
    #: bytes per language in the newest tree (text files only)
    languages: dict[str, int] = field(default_factory=dict)
    #: bytes of every file in the newest tree: what a checkout holds (history is the rest)
    tree_bytes: int = 0
    rewrites: int = 0
    first_commit_at: int = 0
    last_commit_at: int = 0


def repo_rng(seed: int, shape: RepoShape, purpose: str = "content") -> random.Random:
    return random.Random(f"replica:{seed}:{shape.index}:{shape.name}:{purpose}")


def end_timestamp(end_date: str) -> int:
    """Noon UTC of the end date (YYYY-MM-DD): the newest commit is no later."""
    if not end_date:
        return START + SPAN
    day = dt.date.fromisoformat(end_date)
    return int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp())


def _data(out: BinaryIO, payload: bytes) -> None:
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


class RepoWriter:
    """Writes one repository's history to a fast-import stream."""

    def __init__(self, shape: RepoShape, *, languages: dict[str, float], history: int, seed: int,
                 estimate: PackEstimate = ESTIMATE, end_date: str = "", tree_ratio: float = DEFAULT_TREE_RATIO) -> None:
        self.shape = shape
        self.seed = seed
        self.est = estimate
        self.rng = repo_rng(seed, shape)
        self.vocab = Vocabulary.build(self.rng)
        self.history = history
        self.writers: dict[str, SourceWriter] = {}
        self.paths: set[str] = set()
        self.last_text: tuple[str, str, str] | None = None  # (path, language, content): what the next commit changes
        self.stats = RepoStats()
        self.authors = [f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}" for _ in range(12)]
        langs = list(languages)
        weights = [languages[k] for k in langs]
        if shape.monorepo:
            # a monorepo: components under services/, libs/, tools/, each in one language, as many
            # per language as the mix asks (so the monorepo alone keeps the corpus' mix)
            raw = [24 * w / sum(weights) for w in weights]
            counts = [int(x) for x in raw]
            for i in sorted(range(len(raw)), key=lambda i: counts[i] - raw[i])[: 24 - sum(counts)]:
                counts[i] += 1
            mix = [lang for lang, c in zip(langs, counts, strict=True) for _ in range(c)]
            self.rng.shuffle(mix)
            self.components = [(f"{self.rng.choice(('services', 'libs', 'tools', 'apps'))}/{self.rng.choice(self.vocab.words)}-{i}",
                                lang) for i, lang in enumerate(mix)]
        else:
            self.components = [("", shape.primary)] * 6 + [("", shape.secondary or shape.primary)]
        self.end_ts = end_timestamp(end_date)
        self.tree_ratio = tree_ratio
        self.clock = self.end_ts
        self.times: list[int] = []
        self.pending_text: tuple[str, str, str] | None = None
        #: text files of the newest tree a later commit may rewrite: path -> language, and every
        #: file's size (the newest tree's bytes and languages come from it)
        self.rewritable: dict[str, str] = {}
        self.sizes: dict[str, tuple[str, int]] = {}

    # -- files ------------------------------------------------------------------------------
    def _writer(self, lang: str) -> SourceWriter:
        if lang not in self.writers:
            self.writers[lang] = SourceWriter(LANGUAGES[lang], self.vocab, self.rng)
        return self.writers[lang]

    def _path(self, prefix: str, lang: str, name: str, ext: str) -> str:
        spec = LANGUAGES[lang]
        r = self.rng
        top = r.choice(spec.dirs).replace("{p}", self.vocab.packages[0])
        sub = r.choice(self.vocab.packages)
        base = f"{prefix}/{top}/{sub}/{name}" if prefix else f"{top}/{sub}/{name}"
        path, n = base + ext, 2
        while path in self.paths:
            path, n = f"{base}{n}{ext}", n + 1
        self.paths.add(path)
        return path

    def _file_name(self, lang: str) -> str:
        spec = LANGUAGES[lang]
        words = self.rng.sample(self.vocab.words, 2)
        if spec.case == "pascal" and lang in ("java", "cs", "kt", "cpp"):
            return "".join(w.capitalize() for w in words)
        if lang in ("java", "cs", "kt"):
            return "".join(w.capitalize() for w in words)
        if lang in ("ts", "js"):
            return "-".join(words)
        return "_".join(words)

    def _new_file(self, budget: int) -> tuple[str, bytes, int]:
        """A new file costing at most about `budget` packed bytes: (path, content, cost)."""
        r = self.rng
        prefix, lang = r.choice(self.components)
        u = r.random()
        if u < LARGE_SHARE and budget > 3_000_000:
            size = r.randint(1_050_000, min(4_000_000, budget))
            self.stats.large_files += 1
            if r.random() < 0.5:
                ext, blob = binary_file(r, size)
                self.stats.binary_files += 1
                self.stats.binary_bytes += len(blob)
                return self._path(prefix, lang, "bundle-" + r.choice(self.vocab.words), "." + ext), blob, self.est.binary(len(blob))
            text = data_file(r, self.vocab, int(size / 0.6))
            blob = text.encode()
            self.stats.text_bytes += len(blob)
            return self._path(prefix, lang, "testdata-" + r.choice(self.vocab.words), ".json"), blob, self.est.text(len(blob) // 2)
        if u < LARGE_SHARE + BINARY_SHARE and budget > 2_000:
            size = int(min(budget, 600_000, max(200, math.exp(r.gauss(math.log(14_000), 1.1)))))
            ext, blob = binary_file(r, size)
            self.stats.binary_files += 1
            self.stats.binary_bytes += len(blob)
            return self._path(prefix, lang, r.choice(self.vocab.words), "." + ext), blob, self.est.binary(len(blob))
        want = min(text_size(r), int(max(200, budget - self.est.per_object) / self.est.text_ratio))
        content = self._writer(lang).file(want)
        blob = content.encode()
        self.stats.text_bytes += len(blob)
        path = self._path(prefix, lang, self._file_name(lang), LANGUAGES[lang].ext)
        self.pending_text = (path, lang, content)
        return path, blob, self.est.text(len(blob))

    def _change(self) -> tuple[str, bytes, int, str] | None:
        """The last text file written, with a function added. It goes first in the next commit,
        right after its old version in the stream, so fast-import stores it as a small delta."""
        if self.last_text is None:
            return None
        path, lang, content = self.last_text
        extra = self._writer(lang).appendix()
        content = content + extra
        self.last_text = (path, lang, content)
        n = len(extra.encode())
        self.stats.text_bytes += n
        return path, content.encode(), int(n * self.est.text_ratio * 1.2) + 150, lang

    # -- commits ----------------------------------------------------------------------------
    def _schedule(self, commits: int) -> list[int]:
        """Commit times, oldest first: the newest within RECENT_DAYS before the end date for an
        active repository (else a week to a year before), the others spread over the repository's
        lifetime (a few months to three years)."""
        r = self.rng
        quiet = 0 if self.shape.active else int(math.exp(r.uniform(math.log(7), math.log(365))) * DAY)
        newest = self.end_ts - 3600 - quiet - int(r.random() * RECENT_DAYS * DAY)
        span = int(r.uniform(0.25, 3.0) * 365 * DAY)
        older = sorted(newest - 600 - int(r.random() * span) for _ in range(commits - 1))
        return [*older, newest]

    def _commit_header(self, out: BinaryIO, message: str) -> None:
        r = self.rng
        self.clock = self.times[self.stats.commits] if self.stats.commits < len(self.times) else self.clock + 600
        author = r.choice(self.authors)
        email = author.lower().replace(" ", ".") + "@example.com"
        ident = f"{author} <{email}> {self.clock} +0000".encode()
        out.write(b"commit refs/heads/main\nauthor " + ident + b"\ncommitter " + ident + b"\n")
        _data(out, message.encode() + b"\n")
        self.stats.commits += 1

    def _file(self, out: BinaryIO, path: str, blob: bytes, mode: str = "100644", lang: str = "") -> None:
        out.write(f"M {mode} inline {path}\n".encode())
        _data(out, blob)
        self.sizes[path] = (lang, len(blob))

    def _message(self) -> str:
        words = self.vocab.words
        return self.rng.choice(MESSAGES).replace("{s}", "{}").format(self.rng.choice(words), self.rng.choice(words))

    def _rewrite(self, out: BinaryIO, budget: int, skip: set[str]) -> int:
        """Files of the tree written anew (a rewrite, a generated file regenerated): their old
        versions stay in history only. Returns the estimated packed bytes spent."""
        spent = 0
        candidates = [p for p in self.rewritable if p not in skip]
        r = self.rng
        while spent < budget and candidates:
            path = candidates.pop(int(r.random() * len(candidates)))
            lang = self.rewritable[path]
            old = self.sizes[path][1]
            content = self._writer(lang).file(max(200, int(old * r.uniform(0.8, 1.2))))
            blob = content.encode()
            self._file(out, path, blob, "100755" if path.endswith(".sh") else "100644", lang)
            skip.add(path)
            spent += self.est.text(len(blob)) + REWRITE_TREE_COST
            self.stats.rewrites += 1
            self.stats.text_bytes += len(blob)
        return spent

    def write(self, out: BinaryIO, budget: int, progress: Callable[[int], None] | None = None) -> RepoStats:
        """Write commits until the estimated packed size reaches `budget` bytes: the newest tree
        gets the share `tree_ratio` asks for, history (files rewritten by later commits) the
        rest. Files go to the stream as they are made (a monorepo's first commit never sits in
        memory)."""
        est = self.est
        spent = est.fixed
        commits = max(1, min(self.history, int(budget * 0.25) // (est.per_commit + 2 * est.per_object + 400)))
        self.times = self._schedule(commits)
        tree_budget = budget if commits == 1 else min(budget, int(budget * self.tree_ratio * TREE_COST_PER_BYTE))
        history_budget = budget - tree_budget
        first = tree_budget if commits == 1 else int(est.fixed + (tree_budget - est.fixed) * 0.6)
        goals = [first] + [int(first + (tree_budget - first) * (c + 1) / (commits - 1)) for c in range(commits - 1)]
        history_spent = 0
        for c, goal in enumerate(goals):
            spent += est.per_commit
            self._commit_header(out, "Initial import" if c == 0 else self._message())
            added = 0
            touched: set[str] = set()
            if c == 0:
                for path, text in (("README.md", readme(self.rng, self.vocab, self.shape.name)),
                                   (".gitignore", "*.log\n/build/\n/dist/\nnode_modules/\n.idea/\n")):
                    blob = text.encode()
                    self._file(out, path, blob)
                    self.paths.add(path)
                    self.stats.text_bytes += len(blob)
                    spent += est.text(len(blob))
            else:
                # first in the commit, right after its old version: fast-import stores a delta
                change = self._change()
                if change is not None:
                    self._file(out, change[0], change[1], lang=change[3])
                    touched.add(change[0])
                    spent += change[2]
                # history: this commit's share of the files rewritten
                history_goal = history_budget * c // (commits - 1)
                used = self._rewrite(out, history_goal - history_spent, touched)
                history_spent += used
                spent += used
            held: tuple[str, bytes, str, str] | None = None  # the newest text file goes last
            while spent - history_spent < goal or (c == 0 and added < 1):
                self.pending_text = None
                path, blob, cost = self._new_file(goal - (spent - history_spent))
                mode = "100755" if path.endswith(".sh") else "100644"
                if self.pending_text is not None:
                    if held is not None:
                        self._file(out, *held)
                    held = (path, blob, mode, self.pending_text[1])
                    self.last_text = self.pending_text
                    self.rewritable[path] = self.pending_text[1]
                else:
                    self._file(out, path, blob, mode)
                spent += cost
                added += 1
                self.stats.files += 1
                if progress is not None:
                    progress(len(blob))
            if held is not None:
                self._file(out, *held)
        self.stats.estimate = spent
        self._tally()
        return self.stats

    def _tally(self) -> None:
        st = self.stats
        st.tree_bytes = sum(size for _lang, size in self.sizes.values())
        langs: dict[str, int] = {}
        for lang, size in self.sizes.values():
            if lang:
                langs[lang] = langs.get(lang, 0) + size
        st.languages = langs
        st.first_commit_at = self.times[0] if self.times else self.clock
        st.last_commit_at = self.clock

    def pad(self, out: BinaryIO, size: int, parent: str | None = None) -> None:
        """One more commit adding a binary asset of `size` bytes: what brings the largest
        repository to its exact size."""
        # the same bytes for every size (a prefix of one random stream), so the packed size grows
        # with `size` one byte per byte
        chunks = [repo_rng(self.seed, self.shape, f"pad:{i}").randbytes(1 << 16) for i in range(size // (1 << 16) + 1)]
        ext, head = "zip", b"PK\x03\x04\x14\x00\x08\x08\x08\x00"
        blob = (head + b"".join(chunks))[:size]
        # half an hour after the newest commit, whichever round of sizing this is
        self.clock = (self.times[-1] if self.times else self.clock) + 1800
        self.stats.last_commit_at = self.clock
        ident = f"{self.authors[0]} <{self.authors[0].lower().replace(' ', '.')}@example.com> {self.clock} +0000".encode()
        out.write(b"commit refs/heads/main\nauthor " + ident + b"\ncommitter " + ident + b"\n")
        _data(out, b"Add release assets\n")
        if parent is not None:
            out.write(f"from {parent}\n".encode())
        out.write(f"M 100644 inline assets/{WORDS[self.shape.index % len(WORDS)]}-media.{ext}\n".encode())
        _data(out, blob)
