"""Reading an instance: product version, repository statistics, code host connections, users.

Errors come back in plain words: a refused token, a token without site-admin rights (the
repository statistics and code host connections need one), a URL that is not Sourcegraph. An
instance older than a field we ask for (`corrupted`) gets the query again without that field.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from implhub.sourcegraph import queries


class InstanceError(Exception):
    """The instance refused or failed; the message is for the user and never holds the token."""


_MISSING_FIELD = re.compile(r'Cannot query field "(\w+)" on type "(\w+)"')
_ADMIN = re.compile(r"must be site admin|site admin|not authorized|unauthorized", re.I)


class SourcegraphClient:
    def __init__(self, url: str, token: str, *, transport: httpx.BaseTransport | None = None, timeout: float = 30.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise InstanceError(f"expected the instance URL (https://sourcegraph.example.com), got {url!r}")
        self.url = url.rstrip("/")
        self._token = token
        self._client = httpx.Client(base_url=self.url, transport=transport, timeout=timeout, follow_redirects=False,
                                    headers={"Authorization": f"token {token}", "User-Agent": "implhub",
                                             "Content-Type": "application/json"})
        #: fields dropped because the instance's schema lacks them
        self.missing_fields: list[str] = []

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SourcegraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST the query; return `data` or raise InstanceError. GraphQL errors are raised with
        their messages so callers can react to a missing field."""
        try:
            resp = self._client.post("/.api/graphql", json={"query": query, "variables": variables or {}})
        except httpx.HTTPError as exc:
            raise InstanceError(f"cannot reach {self.url}: {self._redact(str(exc)) or type(exc).__name__}") from None
        status = resp.status_code
        if status == 401:
            raise InstanceError(f"{self.url} refused the access token (401): create a token under your user settings "
                                "> Access tokens and pass its variable with --token-env")
        if status == 403:
            raise InstanceError(f"{self.url} answered 403: the token's user may not use the API; a site admin's token is needed")
        if status in (301, 302, 303, 307, 308):
            raise InstanceError(f"{self.url}/.api/graphql redirects to {resp.headers.get('location', '?')}: "
                                "is the URL the instance's external URL (and not a sign-in proxy)?")
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            raise InstanceError(f"{self.url} does not look like Sourcegraph: /.api/graphql answered {status} "
                                f"without a GraphQL response")
        errors = body.get("errors") or []
        if errors:
            messages = [str(e.get("message", e)) for e in errors]
            raise _GraphQLErrors(messages, body.get("data"))
        if status >= 400:
            raise InstanceError(f"{self.url} answered {status}")
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    def version(self) -> str:
        return str(self._run(queries.SITE_VERSION)["site"]["productVersion"])

    def repository_stats(self) -> dict[str, int]:
        fields = list(queries.REPOSITORY_STATS_FIELDS)
        while True:
            try:
                data = self.execute(queries.repository_stats(tuple(fields)))
            except _GraphQLErrors as exc:
                missing = [m.group(1) for m in map(_MISSING_FIELD.search, exc.messages) if m and m.group(1) in fields]
                if missing and len(fields) > len(missing):
                    for f in missing:
                        fields.remove(f)
                        self.missing_fields.append(f)
                    continue
                raise self._explain(exc, "repositoryStats") from None
            stats = data["repositoryStats"]
            return {k: int(v) for k, v in stats.items() if v is not None}

    def external_services(self) -> list[dict[str, Any]]:
        nodes: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            conn = self._run(queries.EXTERNAL_SERVICES, {"after": after}, what="externalServices")["externalServices"]
            nodes += conn["nodes"]
            page = conn.get("pageInfo") or {}
            if not page.get("hasNextPage") or not page.get("endCursor"):
                return nodes
            after = page["endCursor"]

    def user_count(self) -> int:
        return int(self._run(queries.USER_COUNT, what="users")["users"]["totalCount"])

    def snapshot(self) -> dict[str, Any]:
        """Everything `implhub instance stats` stores."""
        version = self.version()
        stats = self.repository_stats()
        hosts = [{"kind": n["kind"], "name": n["displayName"], "repositories": n["repoCount"],
                  "last_sync_error": n.get("lastSyncError"), "last_sync_at": n.get("lastSyncAt"), "id": n["id"]}
                 for n in self.external_services()]
        return {"url": self.url, "version": version, "repository_stats": stats, "code_hosts": hosts,
                "users": self.user_count(), "missing_fields": list(self.missing_fields)}

    def _run(self, query: str, variables: dict[str, Any] | None = None, *, what: str = "site") -> dict[str, Any]:
        try:
            return self.execute(query, variables)
        except _GraphQLErrors as exc:
            raise self._explain(exc, what) from None

    def _explain(self, exc: _GraphQLErrors, what: str) -> InstanceError:
        text = "; ".join(exc.messages)
        if _ADMIN.search(text):
            return InstanceError(f"{self.url} says the token's user is not a site admin ({what} needs one): "
                                 f"use a site admin's access token. The instance said: {self._redact(text)}")
        return InstanceError(f"{self.url} could not answer {what}: {self._redact(text)}")


class _GraphQLErrors(InstanceError):
    def __init__(self, messages: list[str], data: Any) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.data = data
