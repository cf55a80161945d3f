"""A local fake of a self-hosted Sourcegraph instance's search surface, for real k6 runs.

What it imitates (from Sourcegraph's public API documentation and its web client's stream
interface):
- `GET /.api/search/stream?q=...` answering `text/event-stream`: events separated by a blank
  line, each with one `event:` and one `data:` line whose data is JSON; `progress`, `matches`
  (content matches with `path`, `repository`, `commit`, `branches`, `lineMatches`,
  `chunkMatches`, `language`), `filters`, an `error` event (`{"message": ...}`) when a search
  fails, and always `done` with `{}` last.
- `POST /.api/graphql` with `{"query", "variables"}`: `SiteVersion` (`site.productVersion`),
  `Search` (`search.results.{matchCount, limitHit, elapsedMilliseconds, results[FileMatch]}`)
  and `Highlight` (`repository.commit.file.highlight.{aborted, html}`).
- `Authorization: token <TOKEN>`; a missing or wrong token gets 401 like the real instance.

The search type is read from the query the way the product reads it: `patternType:regexp`,
`patternType:structural`, `type:diff` (unindexed), else literal. Per type, a test can make it
slow (seconds of delay before the first byte), failing (an `error` event), or empty (no matches).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

VERSION = "6.4.1234_2026-11-01_6.4-abcdef012345"


def search_type(query: str) -> str:
    q = query.lower()
    if "patterntype:structural" in q:
        return "structural"
    if "patterntype:regexp" in q:
        return "regexp"
    if "type:diff" in q or "type:commit" in q:
        return "unindexed"
    return "literal"


def content_match(i: int) -> dict[str, Any]:
    return {
        "type": "content", "path": f"cmd/server/handler_{i}.go", "repositoryID": 100 + i,
        "repository": "gitlab.example.com/platform/api", "repoStars": 12, "branches": [""],
        "commit": "0123456789abcdef0123456789abcdef01234567", "language": "Go",
        "lineMatches": [{"line": "func handle(ctx context.Context) error {", "lineNumber": 10 + i, "offsetAndLengths": [[12, 7]]}],
        "chunkMatches": [{"content": "func handle(ctx context.Context) error {", "contentStart": {"offset": 200, "line": 10 + i, "column": 0},
                          "ranges": [{"start": {"offset": 212, "line": 10 + i, "column": 12}, "end": {"offset": 219, "line": 10 + i, "column": 19}}]}],
    }


class FakeSourcegraph:
    """Run with `with FakeSourcegraph(...) as sg:`; `sg.url` is its endpoint."""

    def __init__(self, *, token: str = "secret-token", slow: dict[str, float] | None = None,
                 failing: set[str] | None = None, empty: set[str] | None = None, matches: int = 3,
                 highlight_delay: float = 0.0) -> None:
        self.token = token
        self.slow = slow or {}
        self.failing = failing or set()
        self.empty = empty or set()
        self.matches = matches
        self.highlight_delay = highlight_delay
        self.requests: Counter[str] = Counter()
        self.unauthorized = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeSourcegraph:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def count(self, key: str) -> None:
        with self._lock:
            self.requests[key] += 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") == f"token {fake.token}":
                    return True
                with fake._lock:
                    fake.unauthorized += 1
                self._send(401, "text/plain", b"Invalid access token.\n")
                return False

            def _send(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                if url.path != "/.api/search/stream":
                    self._send(404, "text/plain", b"not found\n")
                    return
                if not self._authorized():
                    return
                query = parse_qs(url.query).get("q", [""])[0]
                kind = search_type(query)
                fake.count(kind)
                time.sleep(fake.slow.get(kind, 0.0))
                events: list[tuple[str, Any]] = [("progress", {"matchCount": 0, "durationMs": 1, "skipped": []})]
                if kind in fake.failing:
                    events.append(("error", {"message": f"{kind} search failed: backend unavailable"}))
                else:
                    n = 0 if kind in fake.empty else fake.matches
                    if n:
                        events.append(("matches", [content_match(i) for i in range(n)]))
                    events.append(("filters", [{"value": "lang:go", "label": "Go", "count": n, "exhaustive": True, "kind": "lang"}]))
                    events.append(("progress", {"done": True, "repositoriesCount": 1, "matchCount": n, "durationMs": 5, "skipped": []}))
                events.append(("done", {}))
                body = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()
                self._send(200, "text/event-stream", body)

            def do_POST(self) -> None:  # noqa: N802
                if urlparse(self.path).path != "/.api/graphql":
                    self._send(404, "text/plain", b"not found\n")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                if not self._authorized():
                    return
                text = payload.get("query", "")
                variables = payload.get("variables") or {}
                if "SiteVersion" in text:
                    fake.count("version")
                    data: Any = {"site": {"productVersion": VERSION}}
                elif "Highlight" in text:
                    fake.count("highlight")
                    time.sleep(fake.highlight_delay)
                    data = {"repository": {"commit": {"file": {"highlight": {"aborted": False,
                            "html": f"<table><tr><td class=\"line\" data-line=\"1\"></td><td class=\"code\">{variables.get('path', '')}</td></tr></table>"}}}}}
                elif "Search" in text:
                    kind = search_type(variables.get("q", ""))
                    fake.count(kind)
                    time.sleep(fake.slow.get(kind, 0.0))
                    if kind in fake.failing:
                        self._send(200, "application/json", json.dumps({"data": {"search": None}, "errors": [{"message": f"{kind} search failed"}]}).encode())
                        return
                    n = 0 if kind in fake.empty else fake.matches
                    results = [{"__typename": "FileMatch", "file": {"path": f"cmd/server/handler_{i}.go"},
                                "repository": {"name": "gitlab.example.com/platform/api"}, "lineMatches": [{"lineNumber": 10 + i}]} for i in range(n)]
                    data = {"search": {"results": {"matchCount": n, "limitHit": False, "elapsedMilliseconds": 5, "results": results}}}
                else:
                    self._send(200, "application/json", json.dumps({"errors": [{"message": "unknown operation"}]}).encode())
                    return
                self._send(200, "application/json", json.dumps({"data": data}).encode())

        return Handler


if __name__ == "__main__":  # a quick manual check: python tests/fakes/fake_sourcegraph_search.py
    with FakeSourcegraph(slow={"structural": 0.5}) as sg:
        print(sg.url, "token: secret-token (Ctrl-C stops)")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
