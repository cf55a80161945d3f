"""Serve a corpus over git's smart HTTP protocol: `git http-backend` behind a small HTTP server.

Each request runs `git http-backend` as CGI (the way git documents it for Apache or nginx), with
GIT_PROJECT_ROOT set to the corpus and GIT_HTTP_EXPORT_ALL so every repository is readable.
Pushes are refused (receive-pack stays off): the replica is read-only. Repositories live at
`/<host>/<org>/<repo>.git` and answer without the `.git` too, as code hosts do; each code host
also answers a GitLab REST v4 project listing at `/<host>/api/v4/projects` (`gitlab_api`).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from implhub.errors import ValidationError
from implhub.replica import gitlab_api
from implhub.replica.gitops import GIT_ENV, git_binary


class _Handler(BaseHTTPRequestHandler):
    server: ReplicaServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log is not None:
            self.server.log(format % args)

    def do_GET(self) -> None:
        parts = urlsplit(self.path).path.strip("/").split("/")
        if len(parts) >= 4 and parts[1:3] == ["api", "v4"]:
            self._api(parts[0], "/".join(parts[3:]))
            return
        self._cgi()

    def do_POST(self) -> None:
        self._cgi()

    def _api(self, host: str, rest: str) -> None:
        url = urlsplit(self.path)
        base = f"http://{self.headers.get('Host') or self.server.url.removeprefix('http://')}"
        ans = gitlab_api.answer(self.server.projects, host, rest, parse_qs(url.query, keep_blank_values=True), base)
        body = ans.encode()
        self.send_response(ans.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in ans.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _cgi(self) -> None:
        url = urlsplit(self.path)
        env = {**os.environ, **GIT_ENV,
               "GIT_PROJECT_ROOT": str(self.server.root), "GIT_HTTP_EXPORT_ALL": "1",
               "REQUEST_METHOD": self.command, "PATH_INFO": self.server.resolve(url.path), "QUERY_STRING": url.query,
               "CONTENT_TYPE": self.headers.get("Content-Type", ""), "REMOTE_ADDR": self.client_address[0],
               "SERVER_PROTOCOL": "HTTP/1.0", "GATEWAY_INTERFACE": "CGI/1.1"}
        length = self.headers.get("Content-Length")
        if length:
            env["CONTENT_LENGTH"] = length
        for header in ("Content-Encoding", "Git-Protocol"):
            if self.headers.get(header):
                env["HTTP_" + header.upper().replace("-", "_")] = self.headers[header]
        proc = subprocess.Popen([self.server.git, "http-backend"], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        err: list[bytes] = []
        drain = threading.Thread(target=lambda: err.append(proc.stderr.read()) if proc.stderr else None, daemon=True)
        drain.start()
        feeder = threading.Thread(target=self._feed, args=(proc.stdin, int(length) if length else None), daemon=True)
        feeder.start()
        status, headers = "200 OK", []
        while True:
            line = proc.stdout.readline()
            if not line or line in (b"\r\n", b"\n"):
                break
            key, _, value = line.decode("latin-1").rstrip("\r\n").partition(":")
            if key.lower() == "status":
                status = value.strip()
            else:
                headers.append((key, value.strip()))
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason or None)
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        try:
            shutil.copyfileobj(proc.stdout, self.wfile, 1 << 16)
        except (BrokenPipeError, ConnectionResetError):
            proc.kill()
        proc.wait()
        feeder.join()
        drain.join()

    def _feed(self, stdin: Any, length: int | None) -> None:
        try:
            remaining = length or 0
            while remaining > 0:
                chunk = self.rfile.read(min(1 << 16, remaining))
                if not chunk:
                    break
                stdin.write(chunk)
                remaining -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            try:
                stdin.close()
            except BrokenPipeError:
                pass


class ReplicaServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, host: str, port: int, log: Any = None) -> None:
        self.root = root.resolve()
        self.git = git_binary()
        self.log = log
        self.names = repositories(self.root)
        self.bare = {n.removesuffix(".git") for n in self.names}
        self.projects = gitlab_api.catalogue(self.root, self.names)
        super().__init__((host, port), _Handler)

    def resolve(self, path: str) -> str:
        """`/host/org/repo/info/refs` -> `/host/org/repo.git/info/refs`: clone URLs work with and
        without `.git`, as on GitHub and GitLab."""
        parts = path.strip("/").split("/")
        for i in range(len(parts), 0, -1):
            if "/".join(parts[:i]) in self.bare:
                return "/" + "/".join([f"{'/'.join(parts[:i])}.git", *parts[i:]])
        return path

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def repositories(root: Path) -> list[str]:
    """The bare repositories under root, as paths relative to it (host/org/repo.git; a corpus of
    an earlier format holds name.git at the top). The corpus' own state directory is skipped."""
    found: list[str] = []
    for dirpath, dirnames, _files in os.walk(root):
        here = Path(dirpath)
        keep = []
        for name in sorted(dirnames):
            d = here / name
            if name.endswith(".git") and (d / "HEAD").is_file():
                found.append(d.relative_to(root).as_posix())
            elif not name.startswith("."):
                keep.append(name)
        dirnames[:] = keep
    return sorted(found)


def make_server(root: Path, *, host: str = "127.0.0.1", port: int = 0, log: Any = None) -> ReplicaServer:
    """Bind (port 0 picks a free port); raises a clear error when the port is taken."""
    if not root.is_dir():
        raise ValidationError("no such directory", field="OUT_DIR", file=str(root))
    if not repositories(root):
        raise ValidationError("no bare repositories (NAME.git) here; write a corpus with 'implhub replica corpus'",
                              field="OUT_DIR", file=str(root))
    try:
        return ReplicaServer(root, host, port, log)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ValidationError(f"port {port} on {host} is in use; choose another with --port (or --port 0 for any free port)",
                                  field="--port") from None
        if exc.errno in (errno.EACCES, errno.EADDRNOTAVAIL):
            raise ValidationError(f"cannot listen on {host}:{port}: {exc.strerror}", field="--host") from None
        raise


def connection_config(url: str, repos: list[str]) -> dict[str, Any]:
    """Sourcegraph's code host connection for generic git hosts (kind OTHER): clone URL = url/repo.
    `repositoryPathPattern` "{repo}" names each repository by its path, host/org/repo, as the
    customer's code host names it (the default, "{base}/{repo}", would prefix the replica's
    address)."""
    return {"url": url, "repos": [r.removesuffix(".git") for r in repos], "repositoryPathPattern": "{repo}"}


def gitlab_connection(url: str, host: str) -> dict[str, Any]:
    """Sourcegraph's GitLab code host connection for one code host of the replica: it lists the
    projects through the host's GitLab API and names them host/group/project."""
    return {"url": f"{url}/{host}", "token": "replica-read-only", "projectQuery": ["projects?membership=true&archived=no"],
            "repositoryPathPattern": f"{host}/{{pathWithNamespace}}"}
