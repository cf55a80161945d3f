"""A GitLab REST v4-compatible listing of a replica's projects, one per code host.

Sourcegraph syncs a GitLab code host by listing `GET /api/v4/projects` page by page and cloning
each project's `http_url_to_repo`. The replica answers the same way under `/<host>/api/v4/`, so
a GitLab code host connection with `url: http://REPLICA/<host>` lists thousands of projects the
way the customer's GitLab will be listed. Offset pagination as GitLab documents it: `page`,
`per_page` (default 20, at most 100), and the headers `Link` (rel="next", "prev", "first",
"last"), `X-Total`, `X-Total-Pages`, `X-Page`, `X-Per-Page`, `X-Next-Page`, `X-Prev-Page`.
Read-only; any token (or none) is accepted.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

from implhub.replica.corpus import finished

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
API = "api/v4"
#: what GET /version answers: a GitLab major version Sourcegraph supports, marked as the replica
VERSION = {"version": "17.0.0-replica", "revision": "implhub"}


@dataclass(frozen=True)
class Project:
    id: int
    host: str
    path_with_namespace: str
    default_branch: str
    created_at: str
    last_activity_at: str


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _default_branch(git_dir: Path) -> str:
    head = (git_dir / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    return head.removeprefix("ref: refs/heads/") if head.startswith("ref: ") else "main"


def catalogue(root: Path, names: list[str]) -> dict[str, list[Project]]:
    """Projects per code host; `names` are the repositories (host/org/repo.git) under root. Dates
    come from the corpus' markers (its commits), else from the repository's files."""
    done = {r.name: r for r in finished(root).values()} if root.is_dir() else {}
    out: dict[str, list[Project]] = {}
    for i, rel in enumerate(sorted(names), 1):
        name = rel.removesuffix(".git")
        host, _, pwn = name.partition("/")
        if not pwn:
            continue
        git_dir = root / rel
        marker = done.get(name)
        mtime = max((git_dir / f).stat().st_mtime for f in ("HEAD", "packed-refs") if (git_dir / f).exists())
        last = marker.last_commit_at if marker and marker.last_commit_at else mtime
        first = marker.first_commit_at if marker and marker.first_commit_at else last
        out.setdefault(host, []).append(Project(id=i, host=host, path_with_namespace=pwn, default_branch=_default_branch(git_dir),
                                                created_at=_iso(first), last_activity_at=_iso(last)))
    return out


def project_json(p: Project, base: str) -> dict[str, Any]:
    """A project as GitLab's API shows it (the fields a code host sync reads)."""
    namespace, _, path = p.path_with_namespace.rpartition("/")
    web = f"{base}/{p.host}/{p.path_with_namespace}"
    return {"id": p.id, "name": path, "path": path, "path_with_namespace": p.path_with_namespace,
            "name_with_namespace": p.path_with_namespace.replace("/", " / "), "description": None,
            "default_branch": p.default_branch, "visibility": "private", "archived": False, "empty_repo": False,
            "http_url_to_repo": f"{web}.git", "ssh_url_to_repo": f"git@{p.host}:{p.path_with_namespace}.git", "web_url": web,
            "created_at": p.created_at, "last_activity_at": p.last_activity_at, "star_count": 0, "forks_count": 0,
            "namespace": {"id": zlib.crc32(f"{p.host}/{namespace}".encode()) % 10**6 + 1, "name": namespace.rsplit("/", 1)[-1],
                          "path": namespace.rsplit("/", 1)[-1], "kind": "group", "full_path": namespace,
                          "web_url": f"{base}/{p.host}/{namespace}"}}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    def encode(self) -> bytes:
        return json.dumps(self.body).encode()


def _int(query: dict[str, list[str]], key: str, default: int) -> int | None:
    raw = (query.get(key) or [""])[-1]
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 1 else None


def answer(projects: dict[str, list[Project]], host: str, rest: str, query: dict[str, list[str]], base: str) -> Answer:
    """The answer to GET /<host>/api/v4/<rest>?<query>; `base` is the scheme and authority the
    client used (the links it follows point back at it)."""
    if host not in projects:
        return Answer(404, {}, {"message": "404 Not Found"})
    mine = projects[host]
    if rest in ("version", "metadata"):
        return Answer(200, {}, VERSION)
    if rest == "user":
        return Answer(200, {}, {"id": 1, "username": "replica", "name": "Replica reader", "state": "active",
                                "web_url": f"{base}/{host}/replica"})
    if rest.startswith("projects/"):
        key = unquote(rest.removeprefix("projects/"))
        found = next((p for p in mine if str(p.id) == key or p.path_with_namespace == key), None)
        return Answer(200, {}, project_json(found, base)) if found else Answer(404, {}, {"message": "404 Project Not Found"})
    if rest != "projects":
        return Answer(404, {}, {"error": "404 Not Found"})
    page, per_page = _int(query, "page", 1), _int(query, "per_page", DEFAULT_PER_PAGE)
    if page is None:
        return Answer(400, {}, {"error": "page is invalid"})
    if per_page is None:
        return Answer(400, {}, {"error": "per_page is invalid"})
    per_page = min(per_page, MAX_PER_PAGE)
    search = (query.get("search") or [""])[-1].lower()
    listed = [p for p in mine if search in p.path_with_namespace.lower()]
    if (query.get("sort") or ["asc"])[-1] == "desc":
        listed.reverse()
    total = len(listed)
    pages = max(1, math.ceil(total / per_page))
    chunk = listed[(page - 1) * per_page: page * per_page]

    def link(n: int) -> str:
        q = {k: v[-1] for k, v in query.items() if k not in ("page", "per_page")}
        return f"{base}/{host}/{API}/projects?{urlencode({**q, 'page': n, 'per_page': per_page})}"

    links = [(page + 1, "next")] if page < pages else []
    links += [(page - 1, "prev")] if 1 < page <= pages else []
    links += [(1, "first"), (pages, "last")]
    headers = {"X-Total": str(total), "X-Total-Pages": str(pages), "X-Page": str(page), "X-Per-Page": str(per_page),
               "X-Next-Page": str(page + 1) if page < pages else "", "X-Prev-Page": str(page - 1) if 1 < page <= pages else "",
               "Link": ", ".join(f'<{link(n)}>; rel="{rel}"' for n, rel in links)}
    return Answer(200, headers, [project_json(p, base) for p in chunk])
