"""The replica's GitLab REST v4 listing, read by the real python-gitlab client over loopback HTTP,
and the projects it lists cloned by the URL it gives. (The replica is the server here: nothing is
faked; python-gitlab is the same client scripts use against a customer's GitLab.)"""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from implhub.replica.corpus import CorpusResult
from implhub.replica.server import ReplicaServer, connection_config, gitlab_connection
from tests.replica.conftest import DESIGNED

gitlab = pytest.importorskip("gitlab", reason="python-gitlab is a dev dependency (pip install -r requirements.lock)")

GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin:/usr/local/bin"}


def _served(corpus: CorpusResult, host: str) -> set[str]:
    return {r.name.split("/", 1)[1] for r in corpus.repos if r.name.startswith(host + "/")}


def _get(url: str) -> tuple[dict[str, str], object]:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return dict(resp.headers.items()), json.loads(resp.read())


def test_python_gitlab_lists_every_project_of_a_code_host(designed_server: ReplicaServer, designed_corpus: CorpusResult) -> None:
    host = "gitlab.northwind.example"
    gl = gitlab.Gitlab(url=f"{designed_server.url}/{host}", private_token="any-token")
    listing = gl.projects.list(iterator=True, per_page=10)
    names = [p.path_with_namespace for p in listing]
    expected = _served(designed_corpus, host)
    assert len(expected) > 10  # more than one page
    assert listing.total == len(expected) and listing.total_pages == -(-len(expected) // 10)
    assert sorted(names) == sorted(expected) and len(names) == len(set(names))
    everything = gl.projects.list(get_all=True, per_page=7)
    assert sorted(p.path_with_namespace for p in everything) == sorted(expected)
    assert "platform/shipment-router" in names


def test_a_project_is_cloned_by_the_url_the_api_gives(designed_server: ReplicaServer, designed_corpus: CorpusResult,
                                                      tmp_path: Path) -> None:
    gl = gitlab.Gitlab(url=f"{designed_server.url}/gitlab.northwind.example", private_token="any-token")
    project = gl.projects.get("platform/shipment-router")
    assert project.default_branch == "main" and project.http_url_to_repo.endswith("/gitlab.northwind.example/platform/shipment-router.git")
    assert project.last_activity_at.startswith("2026-11-")
    clone = tmp_path / "clone"
    proc = subprocess.run(["git", "clone", "-q", project.http_url_to_repo, str(clone)], capture_output=True, text=True, env=GIT_ENV)
    assert proc.returncode == 0, proc.stderr
    head = subprocess.run(["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    repo = next(r for r in designed_corpus.repos if r.name == "gitlab.northwind.example/platform/shipment-router")
    assert head == repo.head
    assert gl.projects.get(project.id).path_with_namespace == "platform/shipment-router"


def test_the_pagination_headers_follow_gitlab(designed_server: ReplicaServer, designed_corpus: CorpusResult) -> None:
    totals = 0
    for host in ("gitlab.northwind.example", "github.northwind.example"):
        headers, body = _get(f"{designed_server.url}/{host}/api/v4/projects?per_page=10&page=1")
        total = int(headers["X-Total"])
        totals += total
        assert total == len(_served(designed_corpus, host))
        assert headers["X-Page"] == "1" and headers["X-Per-Page"] == "10"
        assert headers["X-Total-Pages"] == str(max(1, -(-total // 10)))
        assert isinstance(body, list) and len(body) == min(10, total)
        first = body[0]
        assert isinstance(first, dict)
        assert set(first) >= {"id", "path_with_namespace", "http_url_to_repo", "default_branch", "last_activity_at"}
        if total > 10:
            assert headers["X-Next-Page"] == "2" and 'rel="next"' in headers["Link"]
            nxt = headers["Link"].split(">;")[0].lstrip("<")
            assert nxt == f"{designed_server.url}/{host}/api/v4/projects?page=2&per_page=10"
        else:
            assert headers["X-Next-Page"] == "" and 'rel="next"' not in headers["Link"]
    assert totals == DESIGNED.repositories


def test_an_unknown_host_or_a_bad_page_answers_like_gitlab(designed_server: ReplicaServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as missing:
        _get(f"{designed_server.url}/gitlab.other.example/api/v4/projects")
    assert missing.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as bad:
        _get(f"{designed_server.url}/gitlab.northwind.example/api/v4/projects?page=zero")
    assert bad.value.code == 400 and "page is invalid" in bad.value.read().decode()


def test_git_ls_remote_works_without_the_git_suffix(designed_server: ReplicaServer) -> None:
    url = f"{designed_server.url}/github.northwind.example/data/etl-pipelines"
    proc = subprocess.run(["git", "ls-remote", url], capture_output=True, text=True, env=GIT_ENV)
    assert proc.returncode == 0 and "refs/heads/main" in proc.stdout, proc.stderr


def test_the_connections_name_repositories_as_the_customer_does(designed_server: ReplicaServer) -> None:
    other = connection_config(designed_server.url, designed_server.names)
    assert other["repositoryPathPattern"] == "{repo}"
    assert "gitlab.northwind.example/platform/shipment-router" in other["repos"]
    # Sourcegraph clones url + "/" + repo; the name is the pattern with {repo} replaced
    probe = subprocess.run(["git", "ls-remote", f"{other['url']}/{other['repos'][0]}"], capture_output=True, env=GIT_ENV)
    assert probe.returncode == 0
    conn = gitlab_connection(designed_server.url, "gitlab.northwind.example")
    assert conn["url"] == f"{designed_server.url}/gitlab.northwind.example"
    assert conn["repositoryPathPattern"] == "gitlab.northwind.example/{pathWithNamespace}"
    headers, _ = _get(f"{conn['url']}/api/v4/{conn['projectQuery'][0]}")
    assert int(headers["X-Total"]) > 0


def test_serve_prints_the_gitlab_connection_of_each_gitlab_host(designed_corpus: CorpusResult, tmp_path: Path) -> None:
    """`replica serve --connection gitlab` as a user runs it (its own process, real port)."""
    import os
    import sys

    env = {**os.environ, "PYTHONUNBUFFERED": "1", "IMPLHUB_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-c", "from implhub.cli.main import main; main()", "replica", "serve",
                             designed_corpus.out_dir, "--port", "0", "--quiet", "--connection", "gitlab"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.rstrip() == "]":
                break
        connections = json.loads("".join(lines))
    finally:
        proc.kill()
        proc.wait()
    assert [c["repositoryPathPattern"] for c in connections] == ["gitlab.northwind.example/{pathWithNamespace}"]
    assert connections[0]["url"].endswith("/gitlab.northwind.example") and connections[0]["projectQuery"]
