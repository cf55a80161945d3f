"""What `replica plan` shows is what it saved: read back from a new unit of work."""

from __future__ import annotations

from implhub.app import replica as svc
from implhub.app import sizing
from implhub.app.context import Ctx
from implhub.app.projects import create
from implhub.settings import load_settings
from implhub.store import Store
from tests.conftest import FROZEN_NOW


def _ctx(session) -> Ctx:
    return Ctx(session=session, settings=load_settings(), actor="tester@example.com", clock=lambda: FROZEN_NOW)


def test_the_replica_estimate_is_saved_not_only_shown(store: Store, env: dict[str, str], tdd_text: str) -> None:
    with store.session() as session:
        ctx = _ctx(session)
        create(ctx, text=tdd_text, filename="t.yaml", slug="acme")
        sizing.estimate(ctx, project="acme", chart_version="6.4.0")
        shown = svc.plan(ctx, project="acme")
    assert shown["sizing"]["replica_estimate"].startswith("stored: sized as prod")
    with store.session() as session:
        saved = svc.get(_ctx(session), project="acme")
    assert saved is not None
    assert saved["sizing"]["replica_estimate"] == shown["sizing"]["replica_estimate"]
    assert saved["sizing"]["status"] == "same as prod"
