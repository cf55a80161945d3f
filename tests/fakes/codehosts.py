"""Fakes of the code hosts' REST APIs, one per kind, answering httpx requests.

What each imitates (response shapes from the published descriptions):

* GitHub REST v3, from the OpenAPI description in the npm package @octokit/openapi (23.0.2,
  api.github.com.json): GET /orgs/{org}/repos and /user/repos return arrays of
  `minimal-repository` (every required property present, `size` in kilobytes, `fork`,
  `archived`, `owner` a `simple-user`); paging by the `Link` header (rel="next"); errors as
  `basic-error` {message, documentation_url}; the primary rate limit answers 403 with
  x-ratelimit-remaining: 0 and x-ratelimit-reset (epoch seconds).
* GitLab REST v4 (docs.gitlab.com/api/groups "List a group's projects", /api/projects):
  `path_with_namespace`, `archived`, `forked_from_project`, `statistics.repository_size` (bytes)
  with statistics=true; paging by x-next-page / x-total; 429 with Retry-After and RateLimit-* headers.
* Bitbucket Server / Data Center REST 1.0 (developer.atlassian.com, "Get repositories"): a page
  {size, limit, isLastPage, start, nextPageStart, values}; repositories with slug, project.key,
  `origin` on forks, `archived` (8.0+); sizes from /projects/{key}/repos/{slug}/sizes
  {"repository": bytes, "attachments": bytes}.
* Bitbucket Cloud REST 2.0 (developer.atlassian.com, "List repositories in a workspace"): a page
  {pagelen, page, size, values, next}; repositories with full_name, size (bytes), `parent` on forks.
* Azure DevOps REST 7.1 (learn.microsoft.com, Git "Repositories - List"): {count, value}; each
  with name, project.name, size (bytes), isFork, isDisabled; 429/503 with Retry-After.
* Gerrit REST (gerrit-review.googlesource.com/Documentation/rest-api-projects.html, "List
  Projects"): a map name -> ProjectInfo {id, state}; `_more_projects` on the last entry; the body
  starts with the XSSI guard )]}'; authenticated under /a/ with HTTP basic.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx

TOKEN = "tok_fake_SECRET_value_42"


@dataclass(frozen=True)
class Repo:
    owner: str
    name: str
    size_bytes: int
    fork: bool
    archived: bool


def make_repos(n: int, owner: str = "northwind") -> list[Repo]:
    """Deterministic repositories: sizes spread over three orders of magnitude, every 7th a fork,
    every 11th archived, the 5th the largest."""
    out = []
    for i in range(n):
        size = 1024 * ((i * 7919) % 5000 + 10) + (50_000_000 if i == 4 else 0)
        out.append(Repo(owner, f"service-{i:03d}", size, i % 7 == 3, i % 11 == 5))
    return out


@dataclass
class FakeHost:
    repos: list[Repo]
    token: str = TOKEN
    page_size: int = 30
    #: answer the request with this index (0-based count of authorised requests) with a rate limit
    rate_limit_at: set[int] = field(default_factory=set)
    #: answer every request with this status (500, 403, ...)
    fail_with: int | None = None
    now: int = 1_790_000_000
    seen: list[str] = field(default_factory=list)
    calls: int = 0

    def authorised(self, request: httpx.Request) -> bool:
        raise NotImplementedError

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not self.authorised(request):
            return self.unauthorised()
        self.seen.append(str(request.url))
        index = self.calls
        self.calls += 1
        if self.fail_with:
            return httpx.Response(self.fail_with, json={"message": "failure"})
        if index in self.rate_limit_at:
            return self.rate_limited()
        return self.answer(request, parse_qs(request.url.query.decode()))

    def unauthorised(self) -> httpx.Response:
        return httpx.Response(401, json={"message": "Bad credentials"})

    def rate_limited(self) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": "7"}, json={"message": "Too Many Requests"})

    def answer(self, request: httpx.Request, q: dict[str, list[str]]) -> httpx.Response:
        raise NotImplementedError

    def page(self, q: dict[str, list[str]], key: str, default: int = 0) -> int:
        return int(q.get(key, [str(default)])[0])


def _gh_user(login: str) -> dict[str, Any]:
    base = f"https://api.github.com/users/{login}"
    return {"login": login, "id": 1, "node_id": "MDQ6VXNlcjE=", "avatar_url": "https://github.com/images/error/octocat_happy.gif",
            "gravatar_id": "", "url": base, "html_url": f"https://github.com/{login}", "followers_url": f"{base}/followers",
            "following_url": f"{base}/following{{/other_user}}", "gists_url": f"{base}/gists{{/gist_id}}",
            "starred_url": f"{base}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{base}/subscriptions",
            "organizations_url": f"{base}/orgs", "repos_url": f"{base}/repos", "events_url": f"{base}/events{{/privacy}}",
            "received_events_url": f"{base}/received_events", "type": "Organization", "site_admin": False}


#: the required properties of components.schemas.minimal-repository in @octokit/openapi 23.0.2
GITHUB_MINIMAL_REPOSITORY_REQUIRED = (
    "archive_url", "assignees_url", "blobs_url", "branches_url", "collaborators_url", "comments_url", "commits_url",
    "compare_url", "contents_url", "contributors_url", "deployments_url", "description", "downloads_url", "events_url",
    "fork", "forks_url", "full_name", "git_commits_url", "git_refs_url", "git_tags_url", "hooks_url", "html_url", "id",
    "node_id", "issue_comment_url", "issue_events_url", "issues_url", "keys_url", "labels_url", "languages_url",
    "merges_url", "milestones_url", "name", "notifications_url", "owner", "private", "pulls_url", "releases_url",
    "stargazers_url", "statuses_url", "subscribers_url", "subscription_url", "tags_url", "teams_url", "trees_url", "url")


def github_repo(i: int, r: Repo) -> dict[str, Any]:
    api = f"https://api.github.com/repos/{r.owner}/{r.name}"
    out: dict[str, Any] = {k: f"{api}/{k.removesuffix('_url')}" for k in GITHUB_MINIMAL_REPOSITORY_REQUIRED if k.endswith("_url")}
    out.update({"id": 1000 + i, "node_id": f"R_{i}", "name": r.name, "full_name": f"{r.owner}/{r.name}",
                "owner": _gh_user(r.owner), "private": True, "html_url": f"https://github.com/{r.owner}/{r.name}",
                "description": None, "fork": r.fork, "url": api, "archived": r.archived, "disabled": False,
                "size": r.size_bytes // 1024, "default_branch": "main", "visibility": "private"})
    return out


class FakeGitHub(FakeHost):
    def authorised(self, request: httpx.Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    def unauthorised(self) -> httpx.Response:
        return httpx.Response(401, json={"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})

    def rate_limited(self) -> httpx.Response:
        return httpx.Response(403, headers={"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0",
                                            "x-ratelimit-reset": str(self.now + 42), "x-ratelimit-resource": "core"},
                              json={"message": "API rate limit exceeded for user ID 1.",
                                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"})

    def answer(self, request: httpx.Request, q: dict[str, list[str]]) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v3")
        if not (path.startswith("/orgs/") and path.endswith("/repos")) and path != "/user/repos":
            return httpx.Response(404, json={"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
        per = self.page(q, "per_page", 30)
        page = self.page(q, "page", 1)
        chunk = self.repos[(page - 1) * per: page * per]
        headers = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999"}
        links = []
        base = str(request.url.copy_with(query=None))
        if page * per < len(self.repos):
            links.append(f'<{base}?per_page={per}&page={page + 1}>; rel="next"')
            last = (len(self.repos) + per - 1) // per
            links.append(f'<{base}?per_page={per}&page={last}>; rel="last"')
        if links:
            headers["link"] = ", ".join(links)
        body = [github_repo((page - 1) * per + i, r) for i, r in enumerate(chunk)]
        return httpx.Response(200, headers=headers, json=body)


class FakeGitLab(FakeHost):
    def authorised(self, request: httpx.Request) -> bool:
        return request.headers.get("private-token") == self.token

    def unauthorised(self) -> httpx.Response:
        return httpx.Response(401, json={"message": "401 Unauthorized"})

    def rate_limited(self) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": "5", "ratelimit-limit": "600", "ratelimit-remaining": "0",
                                            "ratelimit-reset": str(self.now + 5)}, text="Retry later")

    def answer(self, request: httpx.Request, q: dict[str, list[str]]) -> httpx.Response:
        per = self.page(q, "per_page", 20)
        page = self.page(q, "page", 1)
        chunk = self.repos[(page - 1) * per: page * per]
        body = []
        for i, r in enumerate(chunk):
            p: dict[str, Any] = {"id": (page - 1) * per + i + 1, "name": r.name, "path": r.name,
                                 "path_with_namespace": f"{r.owner}/{r.name}", "archived": r.archived,
                                 "default_branch": "main", "web_url": f"https://gitlab.example/{r.owner}/{r.name}"}
            if r.fork:
                p["forked_from_project"] = {"id": 1, "path_with_namespace": "upstream/base"}
            if q.get("statistics") == ["true"]:
                p["statistics"] = {"commit_count": 10, "storage_size": r.size_bytes + 1000, "repository_size": r.size_bytes,
                                   "wiki_size": 0, "lfs_objects_size": 0, "job_artifacts_size": 0}
            body.append(p)
        more = page * per < len(self.repos)
        headers = {"x-page": str(page), "x-per-page": str(per), "x-total": str(len(self.repos)),
                   "x-next-page": str(page + 1) if more else "", "ratelimit-remaining": "599"}
        return httpx.Response(200, headers=headers, json=body)


class FakeBitbucketServer(FakeHost):
    def authorised(self, request: httpx.Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    def unauthorised(self) -> httpx.Response:
        return httpx.Response(401, json={"errors": [{"context": None, "message": "Authentication failed. Please check your credentials and try again.",
                                                     "exceptionName": "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException"}]})

    def answer(self, request: httpx.Request, q: dict[str, list[str]]) -> httpx.Response:
        path = request.url.path
        if path.endswith("/sizes"):
            slug = path.split("/repos/")[1].split("/")[0]
            r = next(r for r in self.repos if r.name == slug)
            return httpx.Response(200, json={"repository": r.size_bytes, "attachments": 0})
        limit = self.page(q, "limit", 25)
        start = self.page(q, "start", 0)
        chunk = self.repos[start:start + limit]
        values = []
        for i, r in enumerate(chunk):
            v: dict[str, Any] = {"slug": r.name, "id": start + i + 1, "name": r.name, "scmId": "git", "state": "AVAILABLE",
                                 "forkable": True, "public": False, "archived": r.archived,
                                 "project": {"key": r.owner.upper(), "id": 1, "name": r.owner, "type": "NORMAL"}}
            if r.fork:
                v["origin"] = {"slug": "base", "project": {"key": "UP"}}
            values.append(v)
        last = start + limit >= len(self.repos)
        body: dict[str, Any] = {"size": len(values), "limit": limit, "isLastPage": last, "start": start, "values": values}
        if not last:
            body["nextPageStart"] = start + limit
        return httpx.Response(200, json=body)


class FakeBitbucketCloud(FakeHost):
    def authorised(self, request: httpx.Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    def answer(self, request: httpx.Request, q: dict[str, list[str]]) -> httpx.Response:
        per = self.page(q, "pagelen", 10)
        page = self.page(q, "page", 1)
        chunk = self.repos[(page - 1) * per: page * per]
        values = []
        for r in chunk:
            v: dict[str, Any] = {"type": "repository", "full_name": f"{r.owner}/{r.name}", "name": r.name, "slug": r.name,
                                 "size": r.size_bytes, "is_private": True, "scm": "git", "mainbranch": {"name": "main", "type": "branch"}}
            if r.fork:
                v["parent"] = {"type": "repository", "full_name": "upstream/base"}
            values.append(v)
        body: dict[str, Any] = {"pagelen": per, "page": page, "size": len(self.repos), "values": values}
        if page * per < len(self.repos):
            body["next"] = str(request.url.copy_with(query=f"pagelen={per}&page={page + 1}".encode()))
        return httpx.Response(200, json=body)


class FakeAzureDevOps(FakeHost):
    def authorised(self, request: httpx.Request) -> bool:
        return request.headers.get("authorization") == "Basic " + base64.b64encode(f":{self.token}".encode()).decode()

    def unauthorised(self) -> httpx.Response:
        return httpx.Response(401, text="")

    def answer(self, request: httpx.Request, q: dict[str, list[str]]) -> httpx.Response:
        if q.get("api-version") != ["7.1"]:
            return httpx.Response(400, json={"message": "api-version missing"})
        token = int(q.get("continuationToken", ["0"])[0])
        chunk = self.repos[token:token + self.page_size]
        value = [{"id": f"0000-{i}", "name": r.name, "url": f"https://dev.azure.com/{r.owner}/_apis/git/repositories/{r.name}",
                  "project": {"id": "p1", "name": "Platform", "state": "wellFormed"}, "defaultBranch": "refs/heads/main",
                  "size": r.size_bytes, "isFork": r.fork, "isDisabled": r.archived,
                  "remoteUrl": f"https://dev.azure.com/{r.owner}/Platform/_git/{r.name}"} for i, r in enumerate(chunk)]
        headers = {}
        if token + self.page_size < len(self.repos):
            headers["x-ms-continuationtoken"] = str(token + self.page_size)
        return httpx.Response(200, headers=headers, json={"count": len(value), "value": value})


class FakeGerrit(FakeHost):
    user: str = "svc-sourcegraph"

    def authorised(self, request: httpx.Request) -> bool:
        return request.headers.get("authorization") == "Basic " + base64.b64encode(self.token.encode()).decode()

    def unauthorised(self) -> httpx.Response:
        return httpx.Response(401, text="Unauthorized")

    def answer(self, request: httpx.Request, q: dict[str, list[str]]) -> httpx.Response:
        if not request.url.path.startswith("/a/projects/"):
            return httpx.Response(404, text="Not found")
        n = self.page(q, "n", 25)
        skip = self.page(q, "S", 0)
        chunk = self.repos[skip:skip + n]
        body: dict[str, Any] = {}
        for r in chunk:
            name = f"{r.owner}/{r.name}"
            body[name] = {"id": name.replace("/", "%2F"), "state": "READ_ONLY" if r.archived else "ACTIVE"}
        if skip + n < len(self.repos) and chunk:
            body[list(body)[-1]]["_more_projects"] = True
        return httpx.Response(200, headers={"content-type": "application/json; charset=UTF-8"},
                              content=(")]}'\n" + json.dumps(body)).encode())
