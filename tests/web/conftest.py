"""Fixtures of the web tests: the app on the test store with a pinned clock, a client per person,
and helpers to sign in and to seed accounts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from implhub.app.context import Ctx
from implhub.settings import load_settings
from implhub.store import Store
from tests.conftest import FROZEN_NOW
from tests.web.servers import Servers

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/web/" in str(item.fspath) and "browser" not in item.keywords:
            item.add_marker(pytest.mark.web)


@pytest.fixture
def clock() -> dict[str, Any]:
    return {"now": FROZEN_NOW}


@pytest.fixture
def app(store: Store, env: dict[str, str], clock: dict[str, Any]):
    from implhub.web.app import create_app

    return create_app(load_settings(), store=store, clock=lambda: clock["now"])


@pytest.fixture
def seed(store: Store, env: dict[str, str], clock: dict[str, Any]):
    """seed(fn): run fn(ctx) in its own committed unit of work and return its result."""

    def run(fn, actor: str = "tester@example.com"):
        with store.session() as session:
            return fn(Ctx(session=session, settings=load_settings(), actor=actor, clock=lambda: clock["now"]))

    return run


class Browser:
    """A TestClient that keeps its cookies and knows the page's CSRF token."""

    def __init__(self, app: Any) -> None:
        self.client = TestClient(app, base_url="http://testserver", follow_redirects=False)
        self.csrf = ""

    def get(self, url: str, **kw: Any):
        resp = self.client.get(url, **kw)
        m = CSRF_RE.search(resp.text) if "text/html" in resp.headers.get("content-type", "") else None
        if m:
            self.csrf = m.group(1)
        return resp

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any):
        if not self.csrf:
            self.get("/login")
        data = {"csrf_token": self.csrf, **(data or {})}
        return self.client.post(url, data=data, **kw)

    def login(self, email: str, password: str, *, new_password: str | None = None):
        self.get("/login")
        resp = self.post("/login", {"email": email, "password": password})
        if resp.status_code == 303 and resp.headers["location"] == "/account/password" and new_password:
            self.get("/account/password")
            resp = self.post("/account/password", {"current": password, "new": new_password, "confirm": new_password})
        return resp


@pytest.fixture
def browser(app) -> Iterator[Any]:
    def make() -> Browser:
        return Browser(app)

    yield make


def make_user(seed, email: str, role: str, project: str | None = None, password: str = "correct horse battery") -> str:
    """An account whose password is already chosen."""
    from implhub.app import accounts

    def fn(ctx: Ctx) -> str:
        new = accounts.create_user(ctx, email=email, role=role, project=project)
        new.user.password_hash = accounts.hash_password(password)
        new.user.must_change_password = False
        return password

    return seed(fn)  # type: ignore[no-any-return]


def make_project(seed, text: str, slug: str | None = None) -> str:
    from implhub.app import projects

    return seed(lambda ctx: projects.create(ctx, text=text, filename="t.yaml", slug=slug).project.slug)  # type: ignore[no-any-return]


@pytest.fixture
def servers(db_url: str, store: Store, env: dict[str, str], tmp_path: Path) -> Iterator[Servers]:
    """Real `implhub serve` processes on one store (two servers behind a load balancer, or
    `--workers N`), stopped after the test."""
    s = Servers(db_url, tmp_path)
    try:
        yield s
    finally:
        s.stop()
