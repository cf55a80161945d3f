"""The portfolio for a whole team: a cold portfolio costs the same few SQL statements whatever the
number of implementations, cached rows and portals never cross from one viewer to another, a
change shows at once, and `serve --workers 2` serves one store from several processes.

Runs on SQLite and, with IMPLHUB_TEST_DATABASE_URL, on PostgreSQL; the workers test starts real
`implhub serve` processes and talks real HTTP on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from implhub.app import accounts, portfolio, projects, reporting
from implhub.app import plan as plan_app
from implhub.app.context import Ctx
from implhub.store import Store
from tests.plan.conftest import SMALL_TDD
from tests.web.conftest import Browser, make_user
from tests.web.servers import Servers

PASSWORD = "correct horse battery"


def add_projects(seed: Any, first: int, count: int) -> list[str]:
    """Implementations with plans and a risk each (every table the rows read has data)."""

    def fn(ctx: Ctx) -> list[str]:
        slugs = []
        for i in range(first, first + count):
            text = SMALL_TDD.replace("name: Tiny Widgets", f"name: Customer {i:03d}")
            slug = projects.create(ctx, text=text, filename="t.yaml").project.slug
            plan_app.generate(ctx, project=slug)
            reporting.add_entry(ctx, slug=slug, kind="risk", values={"title": f"risk of {i}", "probability": "low", "impact": "low"})
            slugs.append(slug)
        return slugs

    return seed(fn)  # type: ignore[no-any-return]


@pytest.fixture
def admin(app: Any, seed: Any) -> Iterator[TestClient]:
    token = seed(lambda ctx: _admin_token(ctx))
    client = TestClient(app, headers={"Authorization": f"Bearer {token}"}, follow_redirects=False)
    yield client


def _admin_token(ctx: Ctx) -> str:
    accounts.create_user(ctx, email="root@example.com", role="admin").user.must_change_password = False
    return accounts.create_token(ctx, email="root@example.com", name="t").secret


def cold_statements(store: Store, client: TestClient) -> int:
    """SQL statements of one portfolio request with no row computed yet."""
    portfolio._cache.clear()
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        resp = client.get("/")
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert resp.status_code == 200, resp.text
    return len(seen)


def test_cold_portfolio_statements_do_not_grow_with_the_number_of_projects(store: Store, seed: Any, admin: TestClient) -> None:
    slugs = add_projects(seed, 0, 20)
    at_20 = cold_statements(store, admin)
    slugs += add_projects(seed, 20, 40)
    at_60 = cold_statements(store, admin)
    page = admin.get("/").text
    assert all(f'data-slug="{s}"' in page for s in slugs)
    # one statement per table over all stale projects: before, every project cost about twelve
    # (the sign-in's own bookkeeping, a token's last use and a first look at roles, may differ by one)
    assert abs(at_60 - at_20) <= 2, (at_20, at_60)
    assert at_60 <= 30, at_60


def row(page: str, slug: str) -> str:
    found = re.search(rf'<tr data-slug="{re.escape(slug)}">.*?</tr>', page, re.S)
    assert found, f"no row of {slug}"
    return found.group(0)


def test_a_change_invalidates_the_cached_row(seed: Any, admin: TestClient) -> None:
    slug = add_projects(seed, 0, 2)[0]
    before = row(admin.get("/").text, slug)
    assert '<td class="num">1</td>' in before  # the one open risk
    assert row(admin.get("/").text, slug) == before  # served from the cache
    seed(lambda ctx: reporting.add_entry(ctx, slug=slug, kind="risk", values={"title": "a second risk"}))
    after = row(admin.get("/").text, slug)
    assert '<td class="num">2</td>' in after, after
    assert {r["slug"]: r["open_risks"] for r in admin.get("/api/portfolio").json()}[slug] == 2


def test_cached_portfolio_never_shows_one_customer_another_customers_project(seed: Any, browser: Any, admin: TestClient) -> None:
    slugs = add_projects(seed, 0, 4)
    names = {s: f"Customer {i:03d}" for i, s in enumerate(slugs)}
    make_user(seed, "ann@one.example", "customer", project=slugs[0])
    make_user(seed, "bob@two.example", "customer", project=slugs[2])
    seed(lambda ctx: accounts.grant(ctx, email="ann@one.example", project=slugs[1]))
    seed(lambda ctx: accounts.grant(ctx, email="bob@two.example", project=slugs[3]))
    assert "Ada Engineer" in admin.get("/").text  # the internal rows are cached now
    ann, bob = browser(), browser()
    assert ann.login("ann@one.example", PASSWORD).status_code == 303
    assert bob.login("bob@two.example", PASSWORD).status_code == 303
    for _ in range(2):  # the second round is answered from the caches
        seen_by_ann, seen_by_bob = ann.get("/").text, bob.get("/").text
        for s in slugs[:2]:
            assert names[s] in seen_by_ann and names[s] not in seen_by_bob
        for s in slugs[2:]:
            assert names[s] in seen_by_bob and names[s] not in seen_by_ann
        for page in (seen_by_ann, seen_by_bob):
            assert "Ada Engineer" not in page and "ada@sourcegraph.example" not in page
            assert 'id="portfolio"' not in page  # the customer's list, never the internal table


def children(pid: int) -> list[int]:
    return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_serve_with_two_workers_serves_one_store(servers: Servers, seed: Any) -> None:
    slugs = add_projects(seed, 0, 3)
    make_user(seed, "ana@sourcegraph.example", "internal")
    [url] = servers.start(1, "--workers", "2")
    assert len(children(servers.procs[0].pid)) >= 2, servers.logs()
    with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as client:
        page = client.get("/login")
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert csrf
        resp = client.post("/login", data={"email": "ana@sourcegraph.example", "password": PASSWORD, "csrf_token": csrf.group(1)})
        assert resp.status_code == 303, resp.text
        # new connections each time, so both workers answer; the session is checked by each
        for _ in range(12):
            with httpx.Client(base_url=url, cookies=client.cookies, follow_redirects=False, timeout=30) as fresh:
                page = fresh.get("/")
                assert page.status_code == 200, (page.status_code, page.headers.get("location"))
                assert all(f'data-slug="{s}"' in page.text for s in slugs)
        client.post("/logout", data={"csrf_token": csrf.group(1)})
        # signing out on one worker ends the session on every worker
        for _ in range(6):
            with httpx.Client(base_url=url, cookies=client.cookies, follow_redirects=False, timeout=30) as fresh:
                assert fresh.get("/").status_code == 303


def test_rows_computed_ahead_of_midnight_serve_the_new_day(store: Store, seed: Any, admin: TestClient,
                                                           clock: dict[str, Any]) -> None:
    import datetime as dt

    from implhub.settings import load_settings
    from implhub.web import warm

    add_projects(seed, 0, 3)
    portfolio._cache.clear()
    midnight = warm.next_midnight(clock["now"])
    assert midnight == dt.datetime.combine(clock["now"].date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    assert warm.warm(store, load_settings(), lambda: midnight) == 3
    clock["now"] = midnight + dt.timedelta(hours=1)
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        assert admin.get("/").status_code == 200
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    # the new day's rows were ready: no plan, task or evidence was read for them
    assert not [s for s in seen if "plan_tasks" in s or "evidence" in s], seen


def test_a_warmed_start_renders_every_row_and_template_before_the_first_viewer(store: Store, seed: Any, app: Any) -> None:
    """What a server does at start (warm with templates) leaves the first viewers nothing to
    render: measured on 200 implementations, a worker's first portfolio request otherwise compiled
    the templates (150 ms), rendered 200 rows (140 ms) and read every design for the viewer's
    roles (50 ms) while the next users queued. A viewer with a stakeholder role on a project sees
    that role in its row, and a revised design that adds them shows it on the next request."""
    from implhub.settings import load_settings
    from implhub.web import warm
    from implhub.web.app import templates
    from implhub.web.routes import projects as pages

    slugs = add_projects(seed, 0, 3)
    make_user(seed, "ada@sourcegraph.example", "internal", password=PASSWORD)
    make_user(seed, "kim@sourcegraph.example", "internal", password=PASSWORD)
    portfolio._cache.clear()
    pages._row_html.clear()
    templates.env.cache.clear()  # type: ignore[union-attr]
    assert warm.warm(store, load_settings(), app.state.clock, templates=True) == 3
    # every listed row for a viewer without a role and for the IE and IPM roles the designs name
    rendered = {(key[2], key[5]) for key in pages._row_html}
    assert rendered == {(s, r) for s in slugs for r in ("", "IE", "IPM")}

    loaded: list[str] = []
    loader = templates.env.loader
    assert loader is not None
    original = loader.get_source

    def counting(env: Any, name: str) -> Any:
        loaded.append(name)
        return original(env, name)

    loader.get_source = counting  # type: ignore[method-assign]
    try:
        before = len(pages._row_html)
        for email in ("ada@sourcegraph.example", "kim@sourcegraph.example"):
            viewer = Browser(app)
            viewer.post("/login", data={"email": email, "password": PASSWORD})
            page = viewer.get("/")
            assert page.status_code == 200, page.text
            assert ('<span class="badge">IE</span>' in page.text) == email.startswith("ada"), email
        assert len(pages._row_html) == before, "a row was rendered on request although the start rendered it"
        assert loaded == [], f"templates compiled on request: {loaded}"
    finally:
        loader.get_source = original  # type: ignore[method-assign]

    # kim becomes the TAM of the first project: the next request shows it
    def add_kim(ctx: Ctx) -> None:
        text = SMALL_TDD.replace("name: Tiny Widgets", "name: Customer 000").replace(
            "  - {side: internal, role: IPM,", "  - {side: internal, role: TAM, name: Kim, email: kim@sourcegraph.example}\n"
            "  - {side: internal, role: IPM,", 1)
        projects.update(ctx, slug=slugs[0], text=text, filename="t.yaml")

    seed(add_kim)
    assert seed(lambda ctx: accounts.stakeholder_roles(ctx, email="KIM@sourcegraph.example")) == {slugs[0]: "TAM"}

