"""Serve a corpus over git's smart HTTP protocol: `git http-backend` behind a small HTTP server.

Each request runs `git http-backend` as CGI (the way git documents it for Apache or nginx), with
GIT_PROJECT_ROOT set to the corpus and GIT_HTTP_EXPORT_ALL so every repository is readable.
Pushes are refused (receive-pack stays off): the replica is read-only.
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
from urllib.parse import urlsplit

from implhub.errors import ValidationError
from implhub.replica.gitops import GIT_ENV, git_binary


class _Handler(BaseHTTPRequestHandler):
    server: ReplicaServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log is not None:
            self.server.log(format % args)

    def do_GET(self) -> None:
        self._cgi()

    def do_POST(self) -> None:
        self._cgi()

    def _cgi(self) -> None:
        url = urlsplit(self.path)
        env = {**os.environ, **GIT_ENV,
               "GIT_PROJECT_ROOT": str(self.server.root), "GIT_HTTP_EXPORT_ALL": "1",
               "REQUEST_METHOD": self.command, "PATH_INFO": url.path, "QUERY_STRING": url.query,
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
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def repositories(root: Path) -> list[str]:
    """The bare repositories under root, as paths relative to it (name.git)."""
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.endswith(".git") and (p / "HEAD").is_file())


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
    """Sourcegraph's code host connection for generic git hosts (kind OTHER): clone URL = url/repo."""
    return {"url": url, "repos": repos}
