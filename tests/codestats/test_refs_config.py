"""A working tree's branch, commit and origin are read from its git directory without starting git,
and agree with what git says: loose and packed refs, a linked worktree, a detached HEAD (read
through git), and config files plain or not (includes, quoted values, old-style sections: read
through git). Real git builds every repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from implhub.codestats.gitrepo import Repo, default_branch, head, origin_url
from tests.codestats.test_index import git, one_commit_repo


@pytest.fixture
def wt(tmp_path: Path) -> Path:
    return one_commit_repo(tmp_path / "wt", "trunk", "a.txt")


def repo_of(d: Path) -> Repo:
    return Repo(str(d), str(d / ".git"), False)


def test_loose_and_packed_refs(wt: Path) -> None:
    expected = git(wt, "rev-parse", "HEAD").decode().strip()
    assert head(repo_of(wt)) == default_branch(repo_of(wt)) == ("trunk", expected)
    git(wt, "pack-refs", "--all")
    assert not (wt / ".git" / "refs" / "heads" / "trunk").exists()
    assert head(repo_of(wt)) == ("trunk", expected)
    (wt / "b.txt").write_text("b\n")
    git(wt, "add", "-A")
    git(wt, "commit", "-q", "-m", "two")  # a loose ref now shadows the packed one
    assert head(repo_of(wt)) == ("trunk", git(wt, "rev-parse", "HEAD").decode().strip())


def test_linked_worktree_reads_the_common_refs(wt: Path, tmp_path: Path) -> None:
    git(wt, "worktree", "add", "-q", "-b", "side", str(tmp_path / "side"))
    side = tmp_path / "side"
    git_dir = git(side, "rev-parse", "--git-dir").decode().strip()
    repo = Repo(str(side), git_dir, False)
    assert head(repo) == default_branch(repo) == ("side", git(side, "rev-parse", "HEAD").decode().strip())


def test_detached_head_is_read_through_git(wt: Path) -> None:
    oid = git(wt, "rev-parse", "HEAD").decode().strip()
    git(wt, "checkout", "-q", "--detach")
    assert head(repo_of(wt)) == (None, oid)


@pytest.mark.parametrize("config", [
    '[remote "origin"]\n\turl = https://github.example.com/acme/app.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n',
    '[remote "upstream"]\n\turl = https://other.example.com/x/y\n[remote "origin"]\n\turl = git@gitlab.example.com:acme/app.git\n',
    '[remote "origin"]\n\turl = https://a.example.com/one\n\turl = https://b.example.com/two\n',
    '[remote "origin"]\n\turl = "https://quoted.example.com/acme/app"\n',
    '[remote "origin"]\n\turl = https://c.example.com/acme/app ; a comment\n',
    '[remote.origin]\n\turl = https://old.example.com/acme/app\n',
    '[core]\n\tbare = false\n',
])
def test_origin_url_agrees_with_git_config(wt: Path, config: str) -> None:
    with open(wt / ".git" / "config", "a", encoding="utf-8") as fh:
        fh.write(config)
    said = git(wt, "config", "--get", "remote.origin.url").decode().strip() if "url" in config else None
    assert origin_url(str(wt / ".git")) == said


def test_an_included_config_is_read_through_git(wt: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.config"
    extra.write_text('[remote "origin"]\n\turl = https://included.example.com/acme/app\n')
    with open(wt / ".git" / "config", "a", encoding="utf-8") as fh:
        fh.write(f"[include]\n\tpath = {extra}\n")
    assert origin_url(str(wt / ".git")) == "https://included.example.com/acme/app"
