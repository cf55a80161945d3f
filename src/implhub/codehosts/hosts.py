"""One lister per host kind. Each follows its host's published REST API:

* github: GET /orgs/{org}/repos or /user/repos (REST v3; `size` in KB, `fork`, `archived`; pages
  by the Link header; rate limit in x-ratelimit-remaining / x-ratelimit-reset / retry-after)
* gitlab: GET /api/v4/groups/{id}/projects?include_subgroups=true&statistics=true or
  /api/v4/projects (statistics.repository_size in bytes, forked_from_project, archived; pages by
  x-next-page; RateLimit-* headers)
* bitbucket-server: GET /rest/api/1.0/projects/{key}/repos or /rest/api/1.0/repos (paged by
  start/nextPageStart/isLastPage; `origin` marks a fork, `archived` since 8.0; sizes from
  /projects/{key}/repos/{slug}/sizes)
* bitbucket-cloud: GET /2.0/repositories/{workspace} (size in bytes, `parent` marks a fork; pages by `next`)
* azure-devops: GET /{org}/{project}/_apis/git/repositories?api-version=7.1 (size in bytes,
  isFork, isDisabled)
* gerrit: GET /a/projects/?d&n=..&S=.. (state READ_ONLY counts as archived; no sizes; pages by
  _more_projects; answers start with )]}')
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from implhub.codehosts.base import Clock, HostClient, HostError, Inventory, RepoInfo, Sleep
from implhub.vocab import CodeHostKind

#: the kinds of `implhub.vocab.CodeHostKind` whose REST API lists repositories (perforce, gitolite
#: and other have none: their inventory comes from the instance or a scan)
KINDS: tuple[CodeHostKind, ...] = (
    CodeHostKind.github, CodeHostKind.github_enterprise, CodeHostKind.gitlab, CodeHostKind.bitbucket_server,
    CodeHostKind.bitbucket_cloud, CodeHostKind.azure_devops, CodeHostKind.gerrit,
)
PAGE = 100

_LINK_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def _github(c: HostClient, scopes: list[str]) -> Iterator[RepoInfo]:
    targets = [f"/orgs/{quote(s)}/repos" for s in scopes] or ["/user/repos"]
    for path in targets:
        url: str | None = path
        params: dict[str, Any] | None = {"per_page": PAGE, "type": "all"}
        while url:
            resp = c.get(url, params=params)
            for r in c.json(resp):
                yield RepoInfo(r["full_name"], int(r.get("size") or 0) * 1024, bool(r.get("fork")), bool(r.get("archived")))
            m = _LINK_NEXT.search(resp.headers.get("link", ""))
            url, params = (m.group(1), None) if m else (None, None)


def _gitlab(c: HostClient, scopes: list[str]) -> Iterator[RepoInfo]:
    targets = [f"/api/v4/groups/{quote(s, safe='')}/projects" for s in scopes] or ["/api/v4/projects"]
    for path in targets:
        page = "1"
        while page:
            params: dict[str, Any] = {"per_page": PAGE, "page": page, "statistics": "true", "simple": "false"}
            if scopes:
                params["include_subgroups"] = "true"
            else:
                params["membership"] = "true"
            resp = c.get(path, params=params)
            for r in c.json(resp):
                stats = r.get("statistics") or {}
                size = stats.get("repository_size")
                yield RepoInfo(r["path_with_namespace"], int(size) if size is not None else None,
                               r.get("forked_from_project") is not None, bool(r.get("archived")))
            page = resp.headers.get("x-next-page", "")


def _bitbucket_server(c: HostClient, scopes: list[str]) -> Iterator[RepoInfo]:
    targets = [f"/rest/api/1.0/projects/{quote(s)}/repos" for s in scopes] or ["/rest/api/1.0/repos"]
    for path in targets:
        start: int | None = 0
        while start is not None:
            body = c.json(c.get(path, params={"limit": PAGE, "start": start}))
            for r in body.get("values", []):
                key, slug = r["project"]["key"], r["slug"]
                size: int | None = None
                try:
                    sizes = c.json(c.get(f"/projects/{quote(key)}/repos/{quote(slug)}/sizes"))
                    size = int(sizes.get("repository", 0))
                except HostError as exc:
                    if exc.status not in (404, 403):
                        raise
                yield RepoInfo(f"{key}/{slug}", size, "origin" in r, bool(r.get("archived")))
            start = None if body.get("isLastPage", True) else int(body["nextPageStart"])


def _bitbucket_cloud(c: HostClient, scopes: list[str]) -> Iterator[RepoInfo]:
    if not scopes:
        raise HostError("bitbucket-cloud needs --scope WORKSPACE (the API lists repositories per workspace)")
    for ws in scopes:
        url: str | None = f"/2.0/repositories/{quote(ws)}"
        params: dict[str, Any] | None = {"pagelen": PAGE}
        while url:
            body = c.json(c.get(url, params=params))
            for r in body.get("values", []):
                yield RepoInfo(r["full_name"], int(r["size"]) if r.get("size") is not None else None, "parent" in r, False)
            url, params = body.get("next"), None


def _azure_devops(c: HostClient, scopes: list[str]) -> Iterator[RepoInfo]:
    if not scopes:
        raise HostError("azure-devops needs --scope ORGANIZATION or ORGANIZATION/PROJECT")
    for scope in scopes:
        path = "/" + "/".join(quote(p) for p in scope.strip("/").split("/")) + "/_apis/git/repositories"
        token: str | None = None
        while True:
            params: dict[str, Any] = {"api-version": "7.1"}
            if token:
                params["continuationToken"] = token
            resp = c.get(path, params=params)
            for r in c.json(resp).get("value", []):
                name = f"{r.get('project', {}).get('name', '')}/{r['name']}".lstrip("/")
                yield RepoInfo(name, int(r["size"]) if r.get("size") is not None else None, bool(r.get("isFork")),
                               bool(r.get("isDisabled")))
            token = resp.headers.get("x-ms-continuationtoken")
            if not token:
                break


def _gerrit(c: HostClient, scopes: list[str]) -> Iterator[RepoInfo]:
    for prefix in scopes or [""]:
        skip = 0
        while True:
            params: dict[str, Any] = {"d": "", "n": PAGE, "S": skip, "all": ""}
            if prefix:
                params["p"] = prefix
            body = c.json(c.get("/a/projects/", params=params))
            more = False
            for name, r in body.items():
                more = more or bool(r.get("_more_projects"))
                if r.get("state") == "HIDDEN":
                    continue
                yield RepoInfo(name, None, False, r.get("state") == "READ_ONLY")
            skip += len(body)
            if not more or not body:
                break


_LISTERS: dict[str, Callable[[HostClient, list[str]], Iterator[RepoInfo]]] = {
    "github": _github, "github-enterprise": _github, "gitlab": _gitlab, "bitbucket-server": _bitbucket_server, "bitbucket-cloud": _bitbucket_cloud,
    "azure-devops": _azure_devops, "gerrit": _gerrit,
}


def _api_base(kind: str, url: str) -> str:
    url = url.rstrip("/")
    host = urlsplit(url).hostname or ""
    if kind in ("github", "github-enterprise"):
        if host in ("github.com", "www.github.com"):
            return "https://api.github.com"
        return url if url.endswith("/api/v3") or host.startswith("api.") else url + "/api/v3"
    if kind == "bitbucket-cloud" and host in ("bitbucket.org", "www.bitbucket.org"):
        return "https://api.bitbucket.org"
    return url


def _headers(kind: str, token: str) -> dict[str, str]:
    h = {"Accept": "application/json", "User-Agent": "implhub-codestats"}
    if kind in ("github", "github-enterprise"):
        h.update({"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                  "X-GitHub-Api-Version": "2022-11-28"})
    elif kind == "gitlab":
        h["PRIVATE-TOKEN"] = token
    elif kind == "azure-devops":
        h["Authorization"] = "Basic " + base64.b64encode(f":{token}".encode()).decode()
    elif kind == "gerrit":
        # Gerrit authenticates /a/ with HTTP basic: the variable holds USER:HTTP_PASSWORD
        h["Authorization"] = "Basic " + base64.b64encode(token.encode()).decode()
    else:
        h["Authorization"] = f"Bearer {token}"
    return h


def inventory(kind: str, url: str, token: str, scopes: list[str] | None = None, *,
              transport: httpx.BaseTransport | None = None, sleep: Sleep | None = None,
              clock: Clock | None = None, on_repo: Callable[[int], None] | None = None) -> Inventory:
    """List every repository in scope on the host."""
    if kind not in _LISTERS:
        raise HostError(f"unknown code host kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not url.startswith(("http://", "https://")):
        raise HostError(f"expected an http(s) URL for the code host, got {url!r}")
    if not token:
        raise HostError("the token is empty")
    scopes = list(scopes or [])
    kwargs: dict[str, Any] = {}
    if sleep is not None:
        kwargs["sleep"] = sleep
    if clock is not None:
        kwargs["clock"] = clock
    client = HostClient(base_url=_api_base(kind, url), headers=_headers(kind, token), token=token, transport=transport, **kwargs)
    inv = Inventory(kind=kind, url=url.rstrip("/"), scopes=scopes)
    try:
        for repo in _LISTERS[kind](client, scopes):
            inv.repos.append(repo)
            if on_repo:
                on_repo(len(inv.repos))
    finally:
        inv.requests, inv.waited_seconds = client.requests, client.waited
        client.close()
    if kind in ("gerrit",):
        inv.notes.append("Gerrit reports no repository sizes")
    elif not any(r.size_bytes is not None for r in inv.repos) and inv.repos:
        inv.notes.append("the host reported no repository sizes")
    return inv
