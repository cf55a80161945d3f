"""Small corpora only: a few repositories of tens of kilobytes, written by the real engine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from implhub.replica.corpus import CorpusResult, generate
from implhub.replica.shape import CorpusSpec

SMALL = CorpusSpec(repositories=6, total_bytes=600_000, largest_bytes=160_000, monorepos=1,
                   languages={"go": 0.5, "java": 0.3, "py": 0.2}, history=4, seed=7, end_date="2026-11-30")


def needs_git() -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> CorpusResult:
    needs_git()
    out = tmp_path_factory.mktemp("corpus") / "replica"
    return generate(out, SMALL, jobs=2)


@pytest.fixture
def corpus_dir(small_corpus: CorpusResult) -> Path:
    return Path(small_corpus.out_dir)


# the web tests' fixtures (the app on the test store, a signed-in browser, seeding)
from tests.web.conftest import app, browser, clock, seed  # noqa: E402, F401
