"""Single sign-on through OpenID Connect against a local fake provider."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.oidc import FakeOIDC, running
from tests.web.conftest import Browser, make_user


@pytest.fixture
def provider(env, monkeypatch) -> Iterator[FakeOIDC]:
    from implhub.web import oidc

    oidc._discovery.clear()
    with running(FakeOIDC()) as p:
        monkeypatch.setenv("IMPLHUB_OIDC_ISSUER", p.issuer)
        monkeypatch.setenv("IMPLHUB_OIDC_CLIENT_ID", p.client_id)
        monkeypatch.setenv("IMPLHUB_OIDC_CLIENT_SECRET", p.client_secret)
        monkeypatch.setenv("IMPLHUB_BASE_URL", "http://testserver")
        yield p
    oidc._discovery.clear()


def _sign_in(b: Browser, next_url: str = "/"):
    start = b.get(f"/auth/oidc/login?next={next_url}")
    assert start.status_code == 303
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302
    callback = at_provider.headers["location"].removeprefix("http://testserver")
    return b.get(callback)


def test_it_signs_in_an_existing_account_through_the_provider(provider, app, seed) -> None:
    make_user(seed, "ana@example.com", "internal")
    b = Browser(app)
    assert "Sign in with single sign-on" in b.get("/login").text
    done = _sign_in(b, "/account")
    assert done.status_code == 303 and done.headers["location"] == "/account", done.text[-800:]
    me = b.get("/api/me").json()
    assert me["email"] == "ana@example.com" and me["kind"] == "internal"


def test_it_asks_userinfo_when_the_id_token_has_no_email(provider, app, seed) -> None:
    provider.email_in_id_token = False
    make_user(seed, "ana@example.com", "internal")
    b = Browser(app)
    assert _sign_in(b).status_code == 303
    assert b.get("/api/me").json()["email"] == "ana@example.com"


def test_it_refuses_a_person_without_an_account(provider, app) -> None:
    b = Browser(app)
    refused = _sign_in(b)
    assert refused.status_code == 403 and "has no active implhub account" in refused.text
    assert b.get("/api/me").status_code == 401


def test_it_refuses_a_callback_whose_state_does_not_match(provider, app, seed) -> None:
    make_user(seed, "ana@example.com", "internal")
    b = Browser(app)
    start = b.get("/auth/oidc/login")
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    forged = at_provider.headers["location"].removeprefix("http://testserver").replace("state=", "state=x")
    resp = b.get(forged)
    assert resp.status_code == 403 and "state" in resp.text
    assert b.get("/api/me").status_code == 401
