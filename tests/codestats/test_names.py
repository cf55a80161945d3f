"""Scanned repositories are named as their code host names them, never by where they sit on disk."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from implhub.app import codestats, loadtest, projects
from implhub.app.demo_parts.codestats import REPOS, build_corpus
from implhub.codestats.gitrepo import name_from_url


def needs_git() -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")


@pytest.mark.parametrize(("url", "name"), [
    ("https://gitlab.example.com/platform/router.git", "gitlab.example.com/platform/router"),
    ("https://ci:token@GitLab.Example.com/group/sub/repo", "gitlab.example.com/group/sub/repo"),
    ("http://git.local.example:8080/a/b.git", "git.local.example:8080/a/b"),
    ("git@github.example.com:data/etl.git", "github.example.com/data/etl"),
    ("ssh://git@github.example.com:22/data/etl.git", "github.example.com/data/etl"),
    ("/srv/mirrors/etl.git", None),
    ("file:///srv/mirrors/etl.git", None),
])
def test_it_names_a_repository_from_its_remote_url(url: str, name: str | None) -> None:
    assert name_from_url(url) == name


def test_a_gitserver_layout_in_a_hidden_data_directory_names_repositories_by_code_host(ctx, demo_tdd_text, tmp_path: Path) -> None:
    """The demo keeps its corpus under ~/.local/share/implhub/...: the load profile's filters used
    to read repo:^\\.local/share/implhub/demo/codestats/gitserver/gitlab\\.northwind\\.example/..."""
    needs_git()
    root = tmp_path / ".local" / "share" / "implhub" / "demo" / "codestats" / "gitserver"
    build_corpus(root, seed=1)
    project = projects.create(ctx, text=demo_tdd_text, filename="demo-tdd.yaml", slug="northwind-logistics").project
    result = codestats.scan(ctx, paths=[str(root)], project=project.slug, jobs=1)
    assert sorted(r["name"] for r in result["repositories"]) == sorted(REPOS)
    assert all(r["git_dir_bytes"] > 0 for r in result["repositories"])
    queries = loadtest.default_profile(ctx, project=project, kind="load")["queries"]["regular"]["literal"]
    assert queries and all(".local" not in q and "share" not in q for q in queries)
    assert any(q.startswith(r"repo:^gitlab\.northwind\.example/platform/shipment\-router$") or
               q.startswith(r"repo:^gitlab\.northwind\.example/platform/shipment-router$") for q in queries)


def test_a_clone_is_named_by_its_origin_remote(ctx, tmp_path: Path) -> None:
    needs_git()
    work = tmp_path / "src" / "router"
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    (work / "main.go").write_text("package main\n\nfunc main() {}\n")
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@example.com", "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path)}
    subprocess.run(["git", "-C", str(work), "add", "."], check=True, env=env)
    subprocess.run(["git", "-C", str(work), "commit", "-qm", "init"], check=True, env=env)
    subprocess.run(["git", "-C", str(work), "remote", "add", "origin", "git@gitlab.example.com:platform/router.git"], check=True)
    result = codestats.scan(ctx, paths=[str(tmp_path / "src")], jobs=1)
    assert [r["name"] for r in result["repositories"]] == ["gitlab.example.com/platform/router"]
