"""`replica serve`: a plain git clone over smart HTTP works; a port in use is a clear error."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from implhub.errors import ValidationError
from implhub.replica.corpus import CorpusResult
from implhub.replica.server import ReplicaServer, connection_config, make_server, repositories


@pytest.fixture
def server(corpus_dir: Path) -> Iterator[ReplicaServer]:
    srv = make_server(corpus_dir, host="127.0.0.1", port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


def test_a_plain_git_clone_works(server: ReplicaServer, small_corpus: CorpusResult, tmp_path: Path) -> None:
    repo = small_corpus.repos[0]
    proc = subprocess.run(["git", "clone", "-q", f"{server.url}/{repo.name}.git", str(tmp_path / "clone")],
                          capture_output=True, text=True, env={"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin:/usr/local/bin"})
    assert proc.returncode == 0, proc.stderr
    head = subprocess.run(["git", "-C", str(tmp_path / "clone"), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert head == repo.head
    fsck = subprocess.run(["git", "-C", str(tmp_path / "clone"), "fsck", "--strict"], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stderr


def test_the_connection_config_lists_every_repository(server: ReplicaServer, corpus_dir: Path) -> None:
    config = connection_config(server.url, repositories(corpus_dir))
    assert config["url"] == server.url
    assert len(config["repos"]) == len(list(corpus_dir.glob("*/*/*.git")))
    listed = subprocess.run(["git", "ls-remote", f"{config['url']}/{config['repos'][-1]}"], capture_output=True, text=True)
    assert listed.returncode == 0 and "refs/heads/main" in listed.stdout
    json.dumps(config)


def test_a_port_in_use_is_a_clear_error(corpus_dir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ValidationError) as info:
            make_server(corpus_dir, host="127.0.0.1", port=port)
    assert info.value.field == "--port" and f"port {port}" in info.value.message and "in use" in info.value.message


def test_it_refuses_a_directory_without_repositories(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        make_server(tmp_path, port=0)
    assert "no bare repositories" in info.value.message
