"""The corpus shape: sizes fitted to count, total and largest; impossible shapes refused."""

from __future__ import annotations

import statistics

import pytest

from implhub.errors import ValidationError
from implhub.replica.shape import GB, MB, MIN_REPO_BYTES, CorpusSpec, parse_languages, plan


def test_it_matches_count_total_and_largest_exactly() -> None:
    spec = CorpusSpec(repositories=2000, total_bytes=2 * GB, largest_bytes=300 * MB, monorepos=1)
    shapes = plan(spec)
    sizes = [s.target_bytes for s in shapes]
    assert len(shapes) == 2000
    assert sum(sizes) == 2 * GB
    assert max(sizes) == sizes[0] == 300 * MB and shapes[0].exact and shapes[0].monorepo
    assert min(sizes) >= MIN_REPO_BYTES
    assert len({s.name for s in shapes}) == 2000


def test_sizes_are_heavy_tailed() -> None:
    sizes = [s.target_bytes for s in plan(CorpusSpec(repositories=2000, total_bytes=2 * GB, largest_bytes=300 * MB, monorepos=1))]
    regular = sizes[1:]
    # a few large repositories hold much of the code; the typical one is small
    assert statistics.median(regular) < statistics.mean(regular) / 3
    assert sum(sorted(regular, reverse=True)[:100]) > 0.5 * sum(regular)
    assert max(regular) < 300 * MB


def test_monorepos_are_the_largest_repositories() -> None:
    shapes = plan(CorpusSpec(repositories=50, total_bytes=200 * MB, largest_bytes=40 * MB, monorepos=3))
    monos = [s for s in shapes if s.monorepo]
    assert [s.index for s in monos] == [0, 1, 2]
    assert min(s.target_bytes for s in monos) > max(s.target_bytes for s in shapes if not s.monorepo)


def test_it_is_deterministic_for_a_seed() -> None:
    spec = CorpusSpec(repositories=300, total_bytes=50 * MB, largest_bytes=5 * MB, seed=4)
    assert plan(spec) == plan(spec)
    assert plan(spec) != plan(CorpusSpec(repositories=300, total_bytes=50 * MB, largest_bytes=5 * MB, seed=5))


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"repositories": 10, "total_bytes": 1 * MB, "largest_bytes": 2 * MB}, "--largest-gb", "larger than the total"),
    ({"repositories": 1000, "total_bytes": 1 * MB, "largest_bytes": 100_000}, "--total-gb", "need at least"),
    ({"repositories": 10, "total_bytes": 10 * MB, "largest_bytes": 100_000}, "--total-gb", "hold at most"),
    ({"repositories": 0, "total_bytes": 1 * MB, "largest_bytes": 100_000}, "--repos", "at least 1"),
    ({"repositories": 3, "total_bytes": 1 * MB, "largest_bytes": 500_000, "monorepos": 4}, "--monorepos", "between 0"),
    ({"repositories": 3, "total_bytes": 1 * MB, "largest_bytes": 500_000, "history": 0}, "--history", "at least 1"),
])
def test_it_rejects_impossible_shapes(kwargs: dict[str, int], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        plan(CorpusSpec(**kwargs))  # type: ignore[arg-type]
    assert info.value.field == field and words in info.value.message


def test_it_parses_a_language_mix() -> None:
    assert parse_languages("go:40,TypeScript:30,java:30") == {"go": 0.4, "ts": 0.3, "java": 0.3}
    with pytest.raises(ValidationError) as info:
        parse_languages("go:40,cobolish:60")
    assert "cobolish" in info.value.message and info.value.field == "--languages"
    with pytest.raises(ValidationError):
        parse_languages("go:lots")
