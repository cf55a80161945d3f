"""Writing a corpus: shape within tolerance, fsck clean, source-like content, deterministic,
resumable, refusing foreign directories and full disks."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest

from implhub.errors import ValidationError
from implhub.replica import gitops
from implhub.replica.corpus import STATE_DIR, CorpusResult, Progress, generate
from tests.replica.conftest import SMALL, needs_git


def test_the_shape_is_within_tolerance_and_the_largest_exact(small_corpus: CorpusResult) -> None:
    report = small_corpus.to_dict()
    achieved = report["achieved"]
    assert achieved["repositories"] == SMALL.repositories
    assert abs(achieved["total_bytes"] - SMALL.total_bytes) <= 0.05 * SMALL.total_bytes
    assert achieved["largest_bytes"] == SMALL.largest_bytes
    assert achieved["within_tolerance"] is True
    for repo in report["repositories"]:
        assert repo["bytes"] == gitops.git_dir_bytes(Path(repo["path"]))
        assert set(repo) >= {"name", "path", "bytes"}


def test_every_repository_is_bare_and_fsck_clean(corpus_dir: Path) -> None:
    repos = sorted(corpus_dir.glob("*/*/*.git"))
    assert len(repos) == SMALL.repositories
    for repo in repos:
        ok, output = gitops.fsck(repo)
        assert ok, output
        assert (repo / "HEAD").is_file() and not (repo / "hooks").exists()
        assert list((repo / "objects" / "pack").glob("*.pack")) and (repo / "packed-refs").is_file()
        assert gitops.run(["rev-parse", "--is-bare-repository"], git_dir=repo).strip() == "true"


def test_the_content_looks_like_source_code(corpus_dir: Path, small_corpus: CorpusResult) -> None:
    repo = corpus_dir / f"{small_corpus.repos[0].name}.git"
    files = gitops.run(["ls-tree", "-r", "--name-only", "HEAD"], git_dir=repo).split()
    go = [f for f in files if f.endswith(".go")]
    assert go and "README.md" in files
    text = gitops.run(["show", f"HEAD:{go[0]}"], git_dir=repo)
    assert text.count("\n") > 5 and "func " in text and "package " in text and "//" in text
    lengths = [len(line) for line in text.splitlines() if line.strip()]
    assert 10 < sum(lengths) / len(lengths) < 90
    commits = int(gitops.run(["rev-list", "--count", "HEAD"], git_dir=repo))
    assert commits == small_corpus.repos[0].commits > 1


def test_it_is_deterministic_for_a_seed(tmp_path: Path, small_corpus: CorpusResult) -> None:
    again = generate(tmp_path / "again", SMALL, jobs=1)
    assert [(r.name, r.head, r.bytes) for r in again.repos] == [(r.name, r.head, r.bytes) for r in small_corpus.repos]


def test_it_resumes_after_an_interruption(tmp_path: Path, small_corpus: CorpusResult) -> None:
    out = tmp_path / "resumed"

    def stop_after_two(p: Progress) -> None:
        if p.done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate(out, SMALL, jobs=1, on_progress=stop_after_two)
    markers = sorted((out / STATE_DIR / "done").rglob("*.json"))
    assert len(markers) == 2
    kept = {m.name: m.stat().st_mtime_ns for m in markers}
    # a half-written repository: its directory exists, its marker does not
    half = small_corpus.repos[3].name
    gitops.init_bare(out / f"{half}.git")
    (out / f"{half}.git" / "objects" / "junk").write_bytes(b"x" * 1000)
    result = generate(out, SMALL, jobs=1)
    assert result.to_dict()["achieved"]["resumed"] == 2
    assert {m.name: m.stat().st_mtime_ns for m in (out / STATE_DIR / "done").rglob("*.json") if m.name in kept} == kept
    assert [(r.name, r.head, r.bytes) for r in result.repos] == [(r.name, r.head, r.bytes) for r in small_corpus.repos]
    assert not (out / f"{half}.git" / "objects" / "junk").exists()


def test_it_refuses_a_directory_holding_something_else(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValidationError) as info:
        generate(tmp_path, SMALL)
    assert info.value.field == "OUT_DIR" and "notes.txt" in info.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_it_refuses_a_corpus_of_another_shape(corpus_dir: Path) -> None:
    other = dataclasses.replace(SMALL, seed=8)
    with pytest.raises(ValidationError) as info:
        generate(corpus_dir, other)
    assert "another specification" in info.value.message


def test_it_refuses_when_the_disk_would_run_out(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        generate(tmp_path / "full", SMALL, free_bytes=lambda _p: 10_000_000)
    assert "needs" in info.value.message and "GB free" in info.value.message and "0.01 GB are available" in info.value.message
    assert not (tmp_path / "full").exists()


def test_the_manifest_names_every_repository(corpus_dir: Path) -> None:
    manifest = json.loads((corpus_dir / STATE_DIR / "manifest.json").read_text())
    assert manifest["spec"] == SMALL.to_dict()
    assert sorted(manifest["repositories"]) == sorted(p.relative_to(corpus_dir).as_posix().removesuffix(".git")
                                                      for p in corpus_dir.glob("*/*/*.git"))


def test_fast_import_errors_are_reported(tmp_path: Path) -> None:
    needs_git()
    repo = tmp_path / "bad.git"
    gitops.init_bare(repo)
    from implhub.errors import ExternalServiceError

    with pytest.raises(ExternalServiceError) as info:
        gitops.fast_import(repo, lambda out: out.write(b"this is not a stream\n"))
    assert "fast-import" in info.value.message
    assert subprocess.run(["git", "--git-dir", str(repo), "rev-parse", "--verify", "-q", "HEAD"], capture_output=True).returncode != 0
