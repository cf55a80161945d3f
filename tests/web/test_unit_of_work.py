"""One unit of work per request: the sign-in check and the route share one session, so a request
checks out one store connection (and, on PostgreSQL, pays one liveness check and one commit), not
two. What a route changes is stored when it answers below 400 and rolled back otherwise; the API
token's last use is stored either way. Runs on SQLite and, with IMPLHUB_TEST_DATABASE_URL, on
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from implhub.app import accounts
from implhub.app.context import Ctx
from implhub.store import Store
from implhub.store.models.accounts import ApiToken
from tests.web.test_portfolio_fast import add_projects


def _token(ctx: Ctx) -> str:
    accounts.create_user(ctx, email="root@example.com", role="admin").user.must_change_password = False
    return accounts.create_token(ctx, email="root@example.com", name="t").secret


def test_a_signed_in_page_checks_out_one_connection(store: Store, seed: Any, app: Any) -> None:
    slugs = add_projects(seed, 0, 2)
    token = seed(_token)
    checkouts: list[int] = []

    def count(*_: Any) -> None:
        checkouts.append(1)

    event.listen(store.engine, "checkout", count)
    try:
        with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
            for path in ("/", f"/projects/{slugs[0]}", "/api/projects", "/projects/no-such-project"):
                checkouts.clear()
                client.get(path)
                assert len(checkouts) == 1, (path, len(checkouts))
    finally:
        event.remove(store.engine, "checkout", count)


def test_a_failed_change_is_rolled_back_and_a_token_use_is_kept(store: Store, seed: Any, app: Any,
                                                                 clock: dict[str, Any]) -> None:
    [slug] = add_projects(seed, 0, 1)
    token = seed(_token)
    clock["now"] = clock["now"] + dt.timedelta(hours=1)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}, follow_redirects=False) as client:
        bad = client.post(f"/api/projects/{slug}/logs/risk", json={"title": "", "probability": "sometimes"})
        assert bad.status_code in (400, 422), bad.text
        good = client.post(f"/api/projects/{slug}/logs/risk", json={"title": "kept", "probability": "low", "impact": "low"})
        assert good.status_code == 201, good.text
        risks = client.get(f"/api/projects/{slug}/logs", params={"kind": "risk"}).json()
    titles = [r["title"] for r in risks]
    assert "kept" in titles and "" not in titles
    with store.session() as session:
        used = session.scalar(select(ApiToken.last_used_at))
    assert used is not None
