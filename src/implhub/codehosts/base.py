"""What every code host client shares: an httpx client, back-off on rate limits and server
errors, errors in plain words, and a token that never leaves the Authorization header."""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


class HostError(Exception):
    """The host refused or failed; the message is for the user and never holds the token."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RepoInfo:
    name: str
    #: bytes as the host reports them; None where the host reports no size
    size_bytes: int | None
    fork: bool = False
    archived: bool = False


@dataclass
class Inventory:
    kind: str
    url: str
    scopes: list[str]
    repos: list[RepoInfo] = field(default_factory=list)
    requests: int = 0
    waited_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_dict(self, *, top: int = 20) -> dict[str, Any]:
        sized = [r for r in self.repos if r.size_bytes is not None]
        largest = max(sized, key=lambda r: r.size_bytes or 0, default=None)
        return {
            "kind": self.kind,
            "url": self.url,
            "scopes": self.scopes,
            "repositories": len(self.repos),
            "total_bytes": sum(r.size_bytes or 0 for r in sized) if sized else None,
            "sizes_reported": len(sized),
            "largest": {"name": largest.name, "bytes": largest.size_bytes} if largest else None,
            "forks": sum(1 for r in self.repos if r.fork),
            "archived": sum(1 for r in self.repos if r.archived),
            "top": [{"name": r.name, "bytes": r.size_bytes, "fork": r.fork, "archived": r.archived}
                    for r in sorted(sized, key=lambda r: -(r.size_bytes or 0))[:top]],
            "requests": self.requests,
            "waited_seconds": round(self.waited_seconds, 1),
            "notes": self.notes,
        }


Sleep = Callable[[float], None]
Clock = Callable[[], float]


class HostClient:
    """GET with retries: 429, 403 with an exhausted rate limit, and 5xx wait and try again."""

    max_attempts = 6
    max_wait = 900.0

    def __init__(self, *, base_url: str, headers: dict[str, str], token: str, transport: httpx.BaseTransport | None = None,
                 sleep: Sleep = time.sleep, clock: Clock = time.time, timeout: float = 30.0) -> None:
        self._token = token
        self._client = httpx.Client(base_url=base_url, headers=headers, transport=transport, timeout=timeout,
                                    follow_redirects=True)
        self._sleep = sleep
        self._clock = clock
        self.requests = 0
        self.waited = 0.0

    def close(self) -> None:
        self._client.close()

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def wait_for(self, resp: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when this answer is final."""
        h = resp.headers
        status = resp.status_code
        retry_after = h.get("retry-after")
        if status == 429 or (status == 403 and (h.get("x-ratelimit-remaining") == "0" or retry_after)):
            if retry_after:
                try:
                    return float(retry_after)
                except ValueError:
                    when = email.utils.parsedate_to_datetime(retry_after)
                    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
            for reset_header in ("x-ratelimit-reset", "ratelimit-reset"):
                reset = h.get(reset_header)
                if reset and reset.isdigit():
                    value = int(reset)
                    # an epoch time (GitHub, GitLab) or seconds to wait (some proxies)
                    return float(max(1, value - int(self._clock()))) if value > 10**9 else float(value)
            return float(min(60, 2 ** attempt))
        if status >= 500:
            return float(min(60, 2 ** attempt))
        return None

    def get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        for attempt in range(self.max_attempts):
            try:
                resp = self._client.get(url, params=params)
            except httpx.HTTPError as exc:
                raise HostError(f"cannot reach {self._client.base_url}: {self._redact(str(exc)) or type(exc).__name__}") from None
            self.requests += 1
            delay = self.wait_for(resp, attempt)
            if delay is None:
                self._raise_for(resp)
                return resp
            if attempt == self.max_attempts - 1 or delay > self.max_wait:
                break
            self.waited += delay
            self._sleep(delay)
        raise HostError(f"{resp.request.url.host} kept answering {resp.status_code} after {self.max_attempts} attempts "
                        f"(rate limited or unavailable); try again later", status=resp.status_code)

    def _raise_for(self, resp: httpx.Response) -> None:
        status = resp.status_code
        if status < 400:
            return
        where = f"{resp.request.method} {resp.request.url.copy_with(query=None)}"
        if status == 401:
            raise HostError(f"the host refused the token (401 at {where}): check that it is valid and not expired", status=status)
        if status == 403:
            raise HostError(f"the token may not read this (403 at {where}): it needs read access to the repositories in scope", status=status)
        if status == 404:
            raise HostError(f"not found (404 at {where}): check the URL and the scope", status=status)
        raise HostError(f"the host answered {status} at {where}", status=status)

    def json(self, resp: httpx.Response) -> Any:
        text = resp.text
        if text.startswith(")]}'"):  # Gerrit's guard against JSON hijacking
            text = text[4:]
        try:
            import json

            return json.loads(text)
        except ValueError:
            raise HostError(f"{resp.request.url.copy_with(query=None)} did not answer JSON: is this the right kind of host?") from None
