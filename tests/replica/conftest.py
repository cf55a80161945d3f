"""Small corpora only: a few repositories of tens of kilobytes, written by the real engine."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from implhub.replica.corpus import CorpusResult, generate
from implhub.replica.names import HostSpec
from implhub.replica.server import ReplicaServer, make_server
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



#: a corpus named from a design: two code hosts (one a GitLab with its groups), a repository the
#: load profile queries, an end date pinned so the commits are the same on every run
DESIGNED = CorpusSpec(repositories=25, total_bytes=5_000_000, largest_bytes=600_000, monorepos=1,
                      languages={"go": 0.4, "ts": 0.4, "py": 0.2}, history=12, seed=11, end_date="2026-11-30",
                      hosts=[HostSpec("gitlab.northwind.example", "gitlab", 30500, ["platform", "billing", "web"]),
                             HostSpec("github.northwind.example", "github-enterprise", 7500)],
                      required=["gitlab.northwind.example/platform/shipment-router", "github.northwind.example/data/etl-pipelines"])


@pytest.fixture(scope="module")
def designed_corpus(tmp_path_factory: pytest.TempPathFactory) -> CorpusResult:
    needs_git()
    return generate(tmp_path_factory.mktemp("designed") / "replica", DESIGNED, jobs=2)


@pytest.fixture(scope="module")
def designed_server(designed_corpus: CorpusResult) -> Iterator[ReplicaServer]:
    srv = make_server(Path(designed_corpus.out_dir), host="127.0.0.1", port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


# the web tests' fixtures (the app on the test store, a signed-in browser, seeding)
from tests.web.conftest import app, browser, clock, seed  # noqa: E402, F401
