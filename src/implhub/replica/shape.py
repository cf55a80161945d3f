"""Corpus shape: how many repositories, how big each one is.

Repository sizes follow a log-normal distribution (heavy-tailed, as repository sizes are on every
code host) fitted to three numbers of the design: the count, the total and the largest. The
largest repository gets exactly its size, monorepos are the next largest, and the rest share
what remains so the sizes add up to the total.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from implhub.errors import ValidationError
from implhub.replica.languages import LANGUAGES, resolve
from implhub.replica.names import HostSpec, assign

GB = 10**9
MB = 10**6
#: the smallest repository the generator writes: a README, a source file and a commit, packed
MIN_REPO_BYTES = 24_000
DEFAULT_LANGUAGES = {"go": 0.25, "java": 0.25, "ts": 0.2, "py": 0.15, "js": 0.05, "cpp": 0.05, "sh": 0.05}
#: bytes of the newest tree (a checkout) per byte of packed repository, when no scan measured it:
#: source text deflates 4-5x and a repository's history holds about twice its newest tree, so a
#: checkout is about 1.5 times its packed repository
DEFAULT_TREE_RATIO = 1.5
#: of a regular repository's content, the share in its main language (the rest: a second one)
PRIMARY_SHARE = 6 / 7
#: share of the other repositories with a commit in the last days before the end date (the rest
#: last changed weeks to a year before, as on real code hosts); monorepos and the repositories
#: the load profile queries always have recent commits
ACTIVE_SHARE = 0.3


@dataclass(frozen=True)
class CorpusSpec:
    """What to generate. Sizes in bytes of the bare git directory (GB = 10^9)."""

    repositories: int
    total_bytes: int
    largest_bytes: int
    monorepos: int = 0
    languages: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LANGUAGES))
    history: int = 20
    seed: int = 1
    #: the design's code hosts (empty: one generic host) and the names the load profile queries
    hosts: list[HostSpec] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    #: the newest commits are dated up to this day (YYYY-MM-DD); "" until the writer settles it
    end_date: str = ""
    #: newest-tree bytes per packed byte: history depth and tree content are calibrated apart
    tree_ratio: float = DEFAULT_TREE_RATIO
    #: the design's own numbers when this corpus is scaled down from them, and the factor
    scale: float = 1.0
    design: dict[str, int] | None = None

    @property
    def scaled(self) -> bool:
        d = self.design
        return d is not None and (d.get("repositories") != self.repositories or d.get("total_bytes") != self.total_bytes
                                  or d.get("largest_bytes") != self.largest_bytes)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["hosts"] = [h.to_dict() for h in self.hosts]
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CorpusSpec:
        design = d.get("design")
        return cls(repositories=int(d["repositories"]), total_bytes=int(d["total_bytes"]),
                   largest_bytes=int(d["largest_bytes"]), monorepos=int(d.get("monorepos", 0)),
                   languages={str(k): float(v) for k, v in dict(d.get("languages") or DEFAULT_LANGUAGES).items()},
                   history=int(d.get("history", 20)), seed=int(d.get("seed", 1)),
                   hosts=[HostSpec.from_dict(h) for h in d.get("hosts") or []], required=[str(r) for r in d.get("required") or []],
                   end_date=str(d.get("end_date") or ""), tree_ratio=float(d.get("tree_ratio", DEFAULT_TREE_RATIO)),
                   scale=float(d.get("scale", 1.0)), design={str(k): int(v) for k, v in design.items()} if design else None)


@dataclass(frozen=True)
class RepoShape:
    index: int
    name: str
    target_bytes: int
    monorepo: bool
    #: the language most of its files are in (a monorepo mixes the corpus' languages)
    primary: str
    exact: bool  # the largest repository: its size is matched to the byte
    #: the language of the rest of its files
    secondary: str = ""
    #: has commits in the last days before the end date
    active: bool = True


def parse_languages(text: str, *, field_name: str = "--languages") -> dict[str, float]:
    """'go:40,ts:30,java:30' -> weights that add up to 1."""
    out: dict[str, float] = {}
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        name, _, share = part.partition(":")
        key = resolve(name)
        if key is None:
            raise ValidationError(f"unknown language {name.strip()!r}; expected one of {', '.join(sorted(LANGUAGES))}",
                                  field=field_name)
        try:
            value = float(share) if share.strip() else 1.0
        except ValueError:
            raise ValidationError(f"expected LANGUAGE:SHARE like go:40, got {part!r}", field=field_name) from None
        if value < 0:
            raise ValidationError(f"share of {name.strip()} is negative", field=field_name)
        out[key] = out.get(key, 0.0) + value
    return normalise(out, field_name=field_name)


def normalise(weights: dict[str, float], *, field_name: str = "languages") -> dict[str, float]:
    total = sum(weights.values())
    if not weights or total <= 0:
        raise ValidationError("expected at least one language with a share above 0, e.g. go:40,ts:30,java:30", field=field_name)
    return {k: round(v / total, 4) for k, v in sorted(weights.items(), key=lambda kv: -kv[1]) if v > 0}


def validate(spec: CorpusSpec) -> None:
    """Refuse shapes no corpus can have, saying which numbers clash."""
    n, total, largest = spec.repositories, spec.total_bytes, spec.largest_bytes
    if n < 1:
        raise ValidationError("expected at least 1 repository", field="--repos")
    if largest < MIN_REPO_BYTES:
        raise ValidationError(f"the largest repository must be at least {MIN_REPO_BYTES:,} bytes (a packed repo with one commit)",
                              field="--largest-gb")
    if largest > total:
        raise ValidationError(f"the largest repository ({largest / GB:g} GB) is larger than the total ({total / GB:g} GB)",
                              field="--largest-gb")
    if total < n * MIN_REPO_BYTES or total - largest < (n - 1) * MIN_REPO_BYTES:
        need = largest + (n - 1) * MIN_REPO_BYTES
        raise ValidationError(f"{n:,} repositories need at least {max(need, n * MIN_REPO_BYTES) / GB:.6g} GB in total "
                              f"({MIN_REPO_BYTES:,} bytes each at least); got {total / GB:g} GB", field="--total-gb")
    if largest * n < total:
        raise ValidationError(f"{n:,} repositories of at most {largest / GB:g} GB hold at most {largest * n / GB:g} GB; "
                              f"got a total of {total / GB:g} GB: raise --largest-gb or --repos", field="--total-gb")
    if not 0 <= spec.monorepos <= n:
        raise ValidationError(f"monorepos must be between 0 and the number of repositories ({n})", field="--monorepos")
    if spec.history < 1:
        raise ValidationError("expected a history of at least 1 commit", field="--history")
    if not 0.05 <= spec.tree_ratio <= 20:
        raise ValidationError(f"expected newest-tree bytes per packed byte between 0.05 and 20, got {spec.tree_ratio:g}",
                              field="tree_ratio")
    for key in spec.languages:
        if key not in LANGUAGES:
            raise ValidationError(f"unknown language {key!r}; expected one of {', '.join(sorted(LANGUAGES))}", field="--languages")


def _fit_sigma(n: int, ratio: float) -> float:
    """Sigma of a log-normal whose expected largest of n draws is `ratio` times its mean."""
    if n < 2 or ratio <= 1.0:
        return 0.3
    z = statistics.NormalDist().inv_cdf(1 - 0.5 / n)  # the top quantile plan() draws
    disc = z * z - 2 * math.log(ratio)
    sigma = z if disc < 0 else z - math.sqrt(disc)
    return min(3.0, max(0.3, sigma))


def _fill(values: list[float], total: int, lo: int, hi: int) -> list[int]:
    """Scale values to add up to total, each within [lo, hi] (water-filling), as integers."""
    n = len(values)
    if n == 0:
        return []
    free = list(range(n))
    out = [0.0] * n
    remaining = float(total)
    fixed: set[int] = set()
    for _ in range(100):
        s = sum(values[i] for i in free)
        scale = remaining / s if s > 0 else 0.0
        changed = False
        for i in free:
            v = values[i] * scale
            if v < lo or v > hi:
                out[i] = lo if v < lo else hi
                fixed.add(i)
                changed = True
            else:
                out[i] = v
        if not changed:
            break
        free = [i for i in range(n) if i not in fixed]
        remaining = total - sum(out[i] for i in fixed)
        if not free:
            break
    ints = [int(v) for v in out]
    # hand the rounding remainder to the repositories that have room for it
    short = total - sum(ints)
    i = 0
    while short > 0 and i < 10 * n:
        j = i % n
        if ints[j] < hi:
            step = min(short, hi - ints[j])
            ints[j] += step
            short -= step
        i += 1
    return ints


def plan(spec: CorpusSpec) -> list[RepoShape]:
    """The repositories of the corpus, largest first. Deterministic for the spec."""
    validate(spec)
    rng = random.Random(f"replica-shape:{spec.seed}")
    n, total, largest = spec.repositories, spec.total_bytes, spec.largest_bytes
    k = spec.monorepos
    sizes: list[int] = [largest]
    rest_total = total - largest
    # other monorepos: between 40% and 90% of the largest, as much as the total allows
    extra_mono = max(0, k - 1)
    regular_n = n - 1 - extra_mono
    if extra_mono:
        room = rest_total - regular_n * MIN_REPO_BYTES
        wanted = [largest * rng.uniform(0.4, 0.9) for _ in range(extra_mono)]
        scale = min(1.0, room * 0.8 / sum(wanted)) if sum(wanted) > 0 else 0.0
        mono = [max(MIN_REPO_BYTES, min(largest, int(w * scale))) for w in sorted(wanted, reverse=True)]
        sizes += mono
        rest_total -= sum(mono)
    if regular_n:
        # the largest regular repository stays below the monorepos (or the largest), and the
        # typical one well below: fit the tail to a third of the cap, keep the median off the floor
        cap = int(min(sizes) * 0.9) if k else largest
        cap = max(cap, MIN_REPO_BYTES, -(-rest_total // regular_n))
        mean = rest_total / regular_n
        sigma = _fit_sigma(regular_n, min(cap / 3, rest_total) / mean)
        if mean > 2 * MIN_REPO_BYTES:
            sigma = min(sigma, math.sqrt(2 * math.log(mean / (2 * MIN_REPO_BYTES))))
        else:
            sigma = 0.3
        dist = statistics.NormalDist()
        draws = [math.exp(sigma * dist.inv_cdf((i + 0.5) / regular_n)) for i in range(regular_n)]
        # jitter so neighbours differ, keep the fitted shape
        draws = [d * rng.uniform(0.85, 1.15) for d in draws]
        sizes += sorted(_fill(draws, rest_total, MIN_REPO_BYTES, cap), reverse=True)
    names = assign(n, spec.hosts, spec.required, k, spec.seed)
    mains = assign_languages(sizes, k, spec.languages)
    activity = random.Random(f"replica-activity:{spec.seed}")
    required = set(spec.required)
    active = [i < k or names[i] in required or activity.random() < ACTIVE_SHARE for i in range(n)]
    return [RepoShape(index=i, name=names[i], target_bytes=size, monorepo=i < k, primary=mains[i][0], exact=(i == 0),
                      secondary=mains[i][1], active=active[i]) for i, size in enumerate(sizes)]


def assign_languages(sizes: list[int], monorepos: int, languages: dict[str, float]) -> list[tuple[str, str]]:
    """Each repository's main language, so that the corpus' bytes per language meet the mix: the
    largest first, each taking the language furthest below its share so far (a monorepo mixes
    every language in proportion; a regular repository is mostly its main language)."""
    langs = list(languages)
    have = dict.fromkeys(langs, 0.0)
    total = 0.0
    out: list[tuple[str, str]] = []

    def neediest() -> str:
        return max(langs, key=lambda x: (languages[x] * total - have[x], languages[x]))

    for i, size in enumerate(sizes):
        total += size
        if i < monorepos:
            for lang in langs:
                have[lang] += size * languages[lang]
            out.append((langs[0], langs[0]))
            continue
        main = neediest()
        have[main] += size * PRIMARY_SHARE
        second = neediest()
        have[second] += size * (1 - PRIMARY_SHARE)
        out.append((main, second))
    return out
