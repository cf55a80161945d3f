"""Sign-in, one-time passwords, throttling, CSRF, API tokens, share links, roles."""

from __future__ import annotations

import datetime as dt

from tests.web.conftest import Browser, make_project, make_user


def test_it_sends_anonymous_visitors_to_sign_in_and_api_callers_get_401(browser) -> None:
    b = browser()
    resp = b.get("/")
    assert resp.status_code == 303 and resp.headers["location"].startswith("/login")
    api = b.get("/api/projects")
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"


def test_it_makes_a_one_time_password_be_changed_at_first_sign_in(browser, seed) -> None:
    from implhub.app import accounts

    otp = seed(lambda ctx: accounts.create_user(ctx, email="ana@example.com", role="internal").password)
    b = browser()
    resp = b.login("ana@example.com", otp)
    assert resp.status_code == 303 and resp.headers["location"] == "/account/password"
    assert b.get("/").headers["location"] == "/account/password"  # nothing else until it is changed
    b.get("/account/password")
    same = b.post("/account/password", {"current": otp, "new": otp, "confirm": otp})
    assert same.status_code == 422 and "different from the one-time password" in same.text
    short = b.post("/account/password", {"current": otp, "new": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    ok = b.post("/account/password", {"current": otp, "new": "a much better one", "confirm": "a much better one"})
    assert ok.status_code == 303
    assert b.get("/").status_code == 200
    # the one-time password no longer works
    assert browser().login("ana@example.com", otp).status_code == 403


def test_it_throttles_repeated_failed_sign_ins(browser, seed, clock) -> None:
    make_user(seed, "bo@example.com", "internal")
    b = browser()
    for _ in range(5):
        assert b.login("bo@example.com", "wrong password").status_code == 403
    locked = b.login("bo@example.com", "correct horse battery")
    assert locked.status_code == 429 and "too many failed sign-ins" in locked.text
    clock["now"] = clock["now"] + dt.timedelta(minutes=16)
    assert b.login("bo@example.com", "correct horse battery").status_code == 303


def test_it_refuses_a_change_without_the_csrf_token(browser, seed) -> None:
    make_user(seed, "cy@example.com", "admin")
    b = browser()
    b.login("cy@example.com", "correct horse battery")
    no_token = b.client.post("/account/tokens", data={"name": "x"})
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    wrong = b.client.post("/account/tokens", data={"name": "x", "csrf_token": "0" * 64})
    assert wrong.status_code == 403
    header = b.client.post("/api/tokens", json={"name": "via header"}, headers={"X-CSRF-Token": b.csrf})
    assert header.status_code == 201
    # a sign-in form posted from elsewhere (no CSRF cookie) is refused too
    other = Browser(b.client.app)
    assert other.client.post("/login", data={"email": "cy@example.com", "password": "correct horse battery"}).status_code == 403


def test_an_api_token_is_shown_once_and_works_as_bearer_until_revoked(browser, seed) -> None:
    make_user(seed, "dee@example.com", "internal")
    b = browser()
    b.login("dee@example.com", "correct horse battery")
    b.get("/account")
    created = b.post("/account/tokens", {"name": "nightly export", "expires_days": "30"})
    assert created.status_code == 200
    secret = created.text.split('<pre id="new-token">', 1)[1].split("<", 1)[0]
    assert secret.startswith("ihp_")
    assert secret not in b.get("/account").text  # never shown again
    api = Browser(b.client.app).client
    me = api.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["email"] == "dee@example.com" and me.json()["via"] == "api"
    # a Bearer request needs no CSRF token: it carries no cookie
    assert api.post("/api/tokens", json={"name": "second"}, headers={"Authorization": f"Bearer {secret}"}).status_code == 201
    token_id = b.get("/api/tokens").json()[0]["id"]
    b.post(f"/account/tokens/{token_id}/revoke")
    assert api.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_a_share_link_expires_and_can_be_revoked(browser, seed, clock, tdd_text) -> None:
    from implhub.app import accounts

    slug = make_project(seed, tdd_text)
    new = seed(lambda ctx: accounts.create_share(ctx, slug=slug, expires_days=2))
    token = new.url.rsplit("/", 1)[-1]
    b = browser()
    assert b.get(f"/share/{token}").headers["location"] == f"/projects/{slug}"
    page = b.get(f"/projects/{slug}")
    assert page.status_code == 200 and "shared view" in page.text
    assert b.get(f"/projects/{slug}?tab=overview").status_code == 200  # falls back to the customer view
    assert "Stakeholders" not in b.get(f"/projects/{slug}?tab=overview").text
    assert b.get("/api/projects").json() == [{"slug": slug, "name": "Example Corp"}]
    clock["now"] = clock["now"] + dt.timedelta(days=3)
    assert b.get(f"/projects/{slug}").status_code == 303  # the cookie no longer opens anything
    assert b.get(f"/share/{token}").status_code == 404
    clock["now"] = clock["now"] - dt.timedelta(days=3)
    seed(lambda ctx: accounts.revoke_share(ctx, slug=slug, share_id=new.share.id))
    assert browser().get(f"/share/{token}").status_code == 404


def test_the_share_button_shows_the_url_once(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    make_user(seed, "admin@example.com", "admin")
    b = browser()
    b.login("admin@example.com", "correct horse battery")
    b.get(f"/projects/{slug}?tab=portal")
    resp = b.post(f"/projects/{slug}/shares", {"expires_days": "7"})
    assert resp.status_code == 200
    url = resp.text.split('<pre id="share-url">', 1)[1].split("<", 1)[0]
    assert url.startswith("http://127.0.0.1:8000/share/")
    listing = b.get(f"/projects/{slug}?tab=portal").text
    assert url not in listing and url.rsplit("/", 1)[-1][:6] in listing
    assert [s["state"] for s in b.get(f"/api/projects/{slug}/shares").json()] == ["active"]


def test_a_customer_sees_only_their_own_projects_and_cannot_change_them(browser, seed, tdd_text) -> None:
    mine = make_project(seed, tdd_text, slug="mine")
    other = make_project(seed, tdd_text, slug="other")
    make_user(seed, "cust@example.com", "customer", project=mine)
    b = browser()
    b.login("cust@example.com", "correct horse battery")
    assert b.get("/").headers["location"] == f"/projects/{mine}"
    assert b.get(f"/projects/{other}").status_code == 403
    assert b.get(f"/api/projects/{mine}").status_code == 403  # the full design is internal
    assert b.get(f"/api/projects/{mine}/portal").status_code == 200
    assert b.post(f"/projects/{mine}/shares", {"expires_days": "3"}).status_code == 403
    assert b.get("/api/portfolio").status_code == 403


def test_an_internal_user_edits_the_projects_whose_design_names_them(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    from implhub.intake.loader import load_tdd_text

    ie = next(s for s in load_tdd_text(tdd_text, filename="t.yaml").design["stakeholders"] if s["role"] == "IE")
    make_user(seed, ie["email"], "internal")
    make_user(seed, "outsider@example.com", "internal")
    b = browser()
    b.login(ie["email"], "correct horse battery")
    assert b.get("/api/me").json()["projects"] == {slug: "IE"}
    assert b.post(f"/projects/{slug}/shares", {"expires_days": "3"}).status_code == 200
    o = browser()
    o.login("outsider@example.com", "correct horse battery")
    assert o.get(f"/projects/{slug}?tab=overview").status_code == 200  # reads every implementation
    assert o.post(f"/projects/{slug}/shares", {"expires_days": "3"}).status_code == 403


def test_openapi_describes_the_api_and_its_bearer_tokens(browser) -> None:
    spec = browser().get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    paths = spec["paths"]
    for p in ("/api/projects", "/api/portfolio", "/api/projects/{slug}/portal", "/api/tokens", "/api/me",
              "/api/projects/{slug}/shares"):
        assert p in paths, p
    assert not any(p.startswith(("/login", "/share/", "/account")) for p in paths)  # pages are not API


def test_the_sign_in_page_gives_setup_hints_only_before_the_first_account(browser, seed) -> None:
    b = browser()
    fresh = b.get("/login").text
    assert "implhub demo" in fresh and "./dev" not in fresh
    make_user(seed, "cust@example.com", "admin")
    page = b.get("/login").text
    assert "Sign in" in page and "implhub demo" not in page and "one-time password" not in page
    failed = b.post("/login", {"email": "cust@example.com", "password": "wrong one"})
    assert "wrong email or password" in failed.text and "implhub demo" not in failed.text


def test_unknown_and_known_emails_cost_the_same_password_check(browser, seed, monkeypatch) -> None:
    """Timing parity, counted rather than timed: every sign-in runs exactly one argon2 check."""
    from argon2 import PasswordHasher

    from implhub.app import accounts

    make_user(seed, "ana@example.com", "internal")
    seed(lambda ctx: accounts.create_user(ctx, email="off@example.com", role="internal"))
    seed(lambda ctx: accounts.set_active(ctx, email="off@example.com", active=False))
    calls: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            calls.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(accounts, "_hasher", Counting())
    b = browser()
    for email in ("ana@example.com", "nobody@example.com", "off@example.com"):
        calls.clear()
        assert b.login(email, "wrong password").status_code == 403
        assert len(calls) == 1, email


def test_control_characters_at_sign_in_are_refused_not_a_server_error(browser, seed) -> None:
    make_user(seed, "ana@example.com", "internal")
    b = browser()
    for email, password in (("ana\x00@example.com", "x"), ("ana@example.com", "pass\x00word"), ("ana@exa\r\nmple.com", "x")):
        resp = b.login(email, password)
        assert resp.status_code == 422, (email, password, resp.status_code)
        assert "control character" in resp.text or "line break" in resp.text
