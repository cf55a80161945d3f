"""A fake Sourcegraph instance answering POST /.api/graphql.

It imitates the real GraphQL API of a self-hosted Sourcegraph (schema
cmd/frontend/graphqlbackend/schema.graphql): `site.productVersion`, `repositoryStats` (BigInt
fields as decimal strings, site admins only), `externalServices` (a connection with totalCount,
pageInfo and nodes; `kind` as the ExternalServiceKind enum, e.g. GITHUB, GITLAB) and
`users.totalCount`. Authentication is the `Authorization: token <TOKEN>` header; a wrong token
gets HTTP 401. A field the imitated version lacks (`corrupted` before it existed) gets the
validation error graphql-go returns: `Cannot query field "corrupted" on type "RepositoryStats".`
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from graphql import FieldNode, OperationDefinitionNode, parse


@dataclass
class FakeSourcegraph:
    token: str = "sgp_fake_token_0123456789"
    version: str = "6.4.0"
    site_admin: bool = True
    has_corrupted: bool = True
    users: int = 4312
    #: successive repositoryStats answers (the last one repeats), for --watch
    stats: list[dict[str, int]] = field(default_factory=lambda: [
        {"gitDirBytes": 2_791_728_742_400, "indexedLinesCount": 1_824_551_203, "total": 38000, "cloned": 38000,
         "cloning": 0, "notCloned": 0, "failedFetch": 0, "indexed": 38000, "corrupted": 0}])
    services: list[dict[str, Any]] = field(default_factory=lambda: [
        {"id": "RXh0ZXJuYWxTZXJ2aWNlOjE=", "kind": "GITLAB", "displayName": "GitLab (Northwind)", "repoCount": 30500,
         "lastSyncError": None, "lastSyncAt": "2026-11-29T08:00:00Z", "nextSyncAt": "2026-11-29T08:30:00Z"},
        {"id": "RXh0ZXJuYWxTZXJ2aWNlOjI=", "kind": "GITHUB", "displayName": "GitHub Enterprise", "repoCount": 7500,
         "lastSyncError": "rate limit exceeded", "lastSyncAt": "2026-11-29T08:05:00Z", "nextSyncAt": None}])
    page_size: int = 1
    requests: list[dict[str, Any]] = field(default_factory=list)
    stats_calls: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/.api/graphql" or request.method != "POST":
            return httpx.Response(404, text="404 page not found\n")
        if request.headers.get("authorization") != f"token {self.token}":
            return httpx.Response(401, text="Invalid access token.\n")
        body = json.loads(request.content)
        self.requests.append(body)
        doc = parse(body["query"])
        op = next(d for d in doc.definitions if isinstance(d, OperationDefinitionNode))
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for sel in op.selection_set.selections:
            assert isinstance(sel, FieldNode)
            name = sel.name.value
            sub = [s.name.value for s in sel.selection_set.selections if isinstance(s, FieldNode)] if sel.selection_set else []
            if name == "site":
                data["site"] = {"productVersion": self.version}
            elif name == "repositoryStats":
                if "corrupted" in sub and not self.has_corrupted:
                    return httpx.Response(200, json={"errors": [{
                        "message": 'Cannot query field "corrupted" on type "RepositoryStats".',
                        "locations": [{"line": 1, "column": 1}]}]})
                if not self.site_admin:
                    errors.append({"message": "must be site admin", "path": ["repositoryStats"]})
                    data["repositoryStats"] = None
                    continue
                current = self.stats[min(self.stats_calls, len(self.stats) - 1)]
                self.stats_calls += 1
                big = ("gitDirBytes", "indexedLinesCount")
                data["repositoryStats"] = {k: (str(current[k]) if k in big else current[k]) for k in sub}
            elif name == "externalServices":
                if not self.site_admin:
                    errors.append({"message": "must be site admin", "path": ["externalServices"]})
                    data["externalServices"] = None
                    continue
                after = (body.get("variables") or {}).get("after")
                start = int(after) if after else 0
                chunk = self.services[start:start + self.page_size]
                nxt = start + self.page_size
                data["externalServices"] = {
                    "totalCount": len(self.services),
                    "pageInfo": {"hasNextPage": nxt < len(self.services), "endCursor": str(nxt) if nxt < len(self.services) else None},
                    "nodes": chunk,
                }
            elif name == "users":
                data["users"] = {"totalCount": self.users}
        out: dict[str, Any] = {"data": data}
        if errors:
            out["errors"] = errors
        return httpx.Response(200, json=out)
