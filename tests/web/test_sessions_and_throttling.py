"""Sessions that end and sign-in throttling that holds, through two real `implhub serve`
processes on one store (as behind a load balancer): a replayed cookie, X-Forwarded-For from an
untrusted client, concurrent guesses, and the same work for unknown e-mails."""

from __future__ import annotations

import re

import httpx

from implhub.app import accounts
from implhub.app.context import Ctx
from implhub.settings import load_settings
from implhub.store import Store
from tests.web.servers import Servers
from tests.web.test_two_servers import race

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
PASSWORD = "correct horse battery"


def unit(store: Store) -> Ctx:
    return Ctx(session=store.sessions(), settings=load_settings(), actor="tester@example.com")


def user(store: Store, email: str, role: str = "internal") -> None:
    ctx = unit(store)
    new = accounts.create_user(ctx, email=email, role=role)
    new.user.password_hash, new.user.must_change_password = accounts.hash_password(PASSWORD), False
    ctx.session.commit()
    ctx.session.close()


def sign_in(url: str, email: str, password: str = PASSWORD, headers: dict[str, str] | None = None) -> tuple[httpx.Client, httpx.Response]:
    client = httpx.Client(base_url=url, timeout=60, headers=headers or {})
    token = CSRF_RE.search(client.get("/login").text)
    assert token
    resp = client.post("/login", data={"email": email, "password": password, "csrf_token": token.group(1)})
    return client, resp


def csrf(client: httpx.Client) -> str:
    m = CSRF_RE.search(client.get("/login").text)
    assert m
    return m.group(1)


def me(url: str, cookie: str) -> int:
    return httpx.get(f"{url}/api/me", cookies={"implhub_session": cookie}, timeout=30).status_code


def test_a_signed_out_cookie_does_not_replay_on_the_other_server(servers: Servers, store: Store) -> None:
    user(store, "ana@example.com")
    a, b = servers.start(2)
    client, resp = sign_in(a, "ana@example.com")
    assert resp.status_code == 303
    cookie = client.cookies["implhub_session"]
    assert me(b, cookie) == 200  # one session, every server
    assert client.post("/logout", data={"csrf_token": csrf(client)}).status_code == 303
    assert me(b, cookie) == 401 and me(a, cookie) == 401

    # a password change on one server ends the sessions on the other; API tokens stay
    client, _ = sign_in(b, "ana@example.com")
    other, _ = sign_in(a, "ana@example.com")
    old_cookie = other.cookies["implhub_session"]
    bearer = {"Authorization": "Bearer " + client.post("/api/tokens", json={"name": "script"},
                                                       headers={"X-CSRF-Token": csrf(client)}).json()["token"]}
    assert httpx.get(f"{a}/api/me", headers=bearer).status_code == 200
    changed = client.post("/account/password", data={"current": PASSWORD, "new": "another long password",
                                                     "confirm": "another long password", "csrf_token": csrf(client)})
    assert changed.status_code == 303
    assert me(a, old_cookie) == 401 and me(b, old_cookie) == 401
    assert me(a, client.cookies["implhub_session"]) == 200  # the changer's own new session
    assert httpx.get(f"{b}/api/me", headers=bearer).status_code == 200  # a script's token survives a password change

    # a reset and a disable end every session, and the disable ends the token too
    client, _ = sign_in(a, "ana@example.com", "another long password")
    cookie = client.cookies["implhub_session"]
    ctx = unit(store)
    accounts.reset_password(ctx, email="ana@example.com")
    ctx.session.commit()
    assert me(b, cookie) == 401
    ctx = unit(store)
    accounts.set_active(ctx, email="ana@example.com", active=False)
    ctx.session.commit()
    assert httpx.get(f"{b}/api/me", headers=bearer).status_code == 401


def test_a_revoked_token_ends_on_every_server(servers: Servers, store: Store) -> None:
    user(store, "ana@example.com")
    ctx = unit(store)
    new = accounts.create_token(ctx, email="ana@example.com", name="script")
    ctx.session.commit()
    a, b = servers.start(2)
    bearer = {"Authorization": f"Bearer {new.secret}"}
    assert httpx.get(f"{b}/api/me", headers=bearer).status_code == 200
    assert httpx.delete(f"{a}/api/tokens/{new.token.id}", headers=bearer).status_code in (200, 204)
    assert httpx.get(f"{b}/api/me", headers=bearer).status_code == 401


def test_failures_lock_the_account_across_servers_and_forwarded_for_is_ignored_without_a_trusted_proxy(
        servers: Servers, store: Store) -> None:
    user(store, "ana@example.com")
    a, b = servers.start(2)
    codes = [sign_in((a, b)[i % 2], "ana@example.com", "wrong")[1].status_code for i in range(6)]
    assert codes == [403] * 5 + [429]
    # the right password is refused too while the account is locked, on either server
    assert sign_in(b, "ana@example.com")[1].status_code == 429
    # until an admin resets the password (as the message says)
    ctx = unit(store)
    one_time = accounts.reset_password(ctx, email="ana@example.com")
    ctx.session.commit()
    assert sign_in(a, "ana@example.com", one_time)[1].headers["location"] == "/account/password"
    # a rotating X-Forwarded-For from a client that is not a named proxy changes nothing: the
    # address limit (30) is met although every guess names another address and another account
    codes = [sign_in(a, f"nobody{i}@example.com", "wrong", headers={"X-Forwarded-For": f"203.0.113.{i}"})[1].status_code
             for i in range(32)]
    # 7 attempts from this address were counted above (locked ones too), the good one was given back
    assert 429 in codes and codes.index(429) == 30 - 7


def test_behind_a_named_proxy_one_client_address_is_locked_not_everyone(servers: Servers, store: Store) -> None:
    user(store, "ana@example.com")
    (a,) = servers.start(1, "--forwarded-allow-ips", "127.0.0.1")
    attacker = {"X-Forwarded-For": "198.51.100.7"}
    codes = [sign_in(a, f"guess{i}@example.com", "wrong", headers=attacker)[1].status_code for i in range(31)]
    assert codes[:30] == [403] * 30 and codes[30] == 429
    # another person behind the same balancer signs in
    assert sign_in(a, "ana@example.com", headers={"X-Forwarded-For": "198.51.100.8"})[1].status_code == 303


def test_concurrent_guesses_cannot_exceed_the_limit(servers: Servers, store: Store) -> None:
    user(store, "ana@example.com")
    a, b = servers.start(2)
    pages = []
    for i in range(20):
        client = httpx.Client(base_url=(a, b)[i % 2], timeout=120)
        pages.append((client, csrf(client)))
    answers = race([(lambda c=c, t=t: c.post("/login", data={"email": "ana@example.com", "password": "wrong", "csrf_token": t}))
                    for c, t in pages])
    codes = sorted(r.status_code for r in answers)
    assert codes == [403] * accounts.MAX_FAILURES_PER_EMAIL + [429] * (20 - accounts.MAX_FAILURES_PER_EMAIL), codes
    for c, _ in pages:
        c.close()
