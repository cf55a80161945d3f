"""The working tree's tracked files, read from git's index file in process, are exactly what `git
ls-files` lists: for versions 2, 3 (extended flags) and 4 (read through git), with conflicts,
symlinks, submodules, executable files, non-UTF-8 and long names, and for a split index (read
through git). Real git builds every index."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from implhub.codestats.gitrepo import _INDEX_ENTRY, Repo, read_index, tracked_files

ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.com", "LC_ALL": "C"}


def git(cwd: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-c", "protocol.file.allow=always", *args], cwd=cwd, env=ENV, check=True,
                          capture_output=True).stdout


def listed_by_git(wt: Path) -> list[tuple[str, int]]:
    out = git(wt, "ls-files", "-z", "-s", "--debug")
    seen: list[tuple[str, int]] = []
    for m in _INDEX_ENTRY.finditer(out):
        path = m.group(2).decode("utf-8", "surrogateescape")
        if m.group(1) in (b"100644", b"100755") and (not seen or seen[-1][0] != path):
            seen.append((path, int(m.group(3))))
    return seen


def one_commit_repo(d: Path, branch: str, name: str) -> Path:
    """A new repository at d whose branch holds one commit of one file."""
    d.mkdir()
    git(d, "init", "-q", "-b", branch)
    (d / name).write_text(name + "\n")
    git(d, "add", "-A")
    git(d, "commit", "-q", "-m", "one")
    return d


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    wt = tmp_path / "wt"
    wt.mkdir()
    git(wt, "init", "-q", "-b", "main")
    (wt / "src").mkdir()
    (wt / "src" / "app.py").write_text("print('hi')\n")
    (wt / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (wt / "run.sh").chmod(0o755)
    (wt / "link").symlink_to("run.sh")
    deep = wt / "/".join(["d" * 200] * 12)  # a long path (2,411 bytes)
    deep.mkdir(parents=True)
    (deep / "f.txt").write_text("deep\n")
    os.makedirs(os.fsencode(wt / "caf") + b"\xe9", exist_ok=True)  # a Latin-1 directory name
    (Path(os.fsdecode(os.fsencode(wt / "caf") + b"\xe9")) / "menu.txt").write_text("menu\n")
    sub = one_commit_repo(tmp_path / "sub", "main", "x.txt")
    git(wt, "submodule", "add", "-q", str(sub), "vendor/sub")
    git(wt, "add", "-A")
    git(wt, "commit", "-q", "-m", "one")
    return wt


def test_version_2_index_reads_as_git_lists_it(tree: Path) -> None:
    assert (tree / ".git" / "index").read_bytes()[4:8] == b"\0\0\0\2"
    got = read_index(str(tree / ".git"))
    assert got == listed_by_git(tree)
    paths = [p for p, _ in got or []]
    assert "run.sh" in paths and "src/app.py" in paths and ".gitmodules" in paths
    assert "link" not in paths and "vendor/sub" not in paths  # a symlink and a submodule
    assert any(len(p) > 2400 for p in paths)
    assert any(p.startswith("caf\udce9/") for p in paths)


def test_version_3_extended_flags_and_a_conflict(tree: Path) -> None:
    git(tree, "checkout", "-q", "-b", "other")
    (tree / "src" / "app.py").write_text("print('other')\n")
    git(tree, "commit", "-q", "-am", "other")
    git(tree, "checkout", "-q", "main")
    (tree / "src" / "app.py").write_text("print('main')\n")
    git(tree, "commit", "-q", "-am", "main")
    subprocess.run(["git", "merge", "-q", "other"], cwd=tree, env=ENV, capture_output=True)  # conflicts
    (tree / "new.txt").write_text("new\n")
    git(tree, "add", "-N", "new.txt")  # intent to add: an extended flag, so the index becomes version 3
    git(tree, "update-index", "--skip-worktree", "run.sh")
    index = (tree / ".git" / "index").read_bytes()
    assert index[4:8] == b"\0\0\0\3"
    got = read_index(str(tree / ".git"))
    assert got == listed_by_git(tree)
    assert [p for p, _ in got or []].count("src/app.py") == 1  # three stages, listed once


@pytest.mark.parametrize("setup", [("update-index", "--index-version", "4"), ("update-index", "--split-index")])
def test_other_forms_are_read_through_git(tree: Path, setup: tuple[str, ...]) -> None:
    git(tree, *setup)
    assert read_index(str(tree / ".git")) is None
    repo = Repo(str(tree), str(tree / ".git"), False)
    assert tracked_files(repo) == listed_by_git(tree) != []


def test_no_index_is_read_through_git(tmp_path: Path) -> None:
    wt = tmp_path / "empty"
    wt.mkdir()
    git(wt, "init", "-q")
    assert read_index(str(wt / ".git")) is None
    assert tracked_files(Repo(str(wt), str(wt / ".git"), False)) == []


def test_a_linked_worktree_reads_its_own_index(tree: Path, tmp_path: Path) -> None:
    git(tree, "worktree", "add", "-q", "-b", "side", str(tmp_path / "side"))
    side = tmp_path / "side"
    (side / "only-here.txt").write_text("side\n")
    git(side, "add", "only-here.txt")
    git_dir = git(side, "rev-parse", "--git-dir").decode().strip()
    got = read_index(git_dir)
    assert got is not None and got == listed_by_git(side)
    assert "only-here.txt" in [p for p, _ in got]
