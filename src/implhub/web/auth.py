"""Authentication and CSRF protection for every request (one ASGI middleware).

Who is asking, in this order:
1. `Authorization: Bearer <API token>`: the token's user (via "api"); cookies are ignored, so
   no CSRF check is needed for such requests.
2. the signed session cookie: the signed-in user (via "web"), while the account is active and
   its session version matches (a password change or a disable ends older sessions);
3. the signed share cookie set by opening a share link: an anonymous "share" visitor who sees
   the external part of that one project, while the link is active.

CSRF: every browser gets a random nonce cookie; the token is an HMAC of it. A POST, PUT, PATCH or
DELETE that is not authenticated by a Bearer token must carry the token as the `X-CSRF-Token`
header or the `csrf_token` form field, or it is refused with 403.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from implhub.app import accounts
from implhub.app.context import Ctx
from implhub.settings import Settings
from implhub.store import Store
from implhub.store.models.accounts import User
from implhub.web.deps import Principal

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

SESSION_COOKIE = "implhub_session"
SHARE_COOKIE = "implhub_share"
CSRF_COOKIE = "implhub_csrf"
SESSION_MAX_AGE = 7 * 24 * 3600
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
#: the largest request body the CSRF check buffers to find the form field (uploads are smaller)
MAX_FORM_BODY = 50 * 1024 * 1024
#: paths an account with a one-time password may still reach
PASSWORD_CHANGE_PATHS = ("/account/password", "/logout", "/static/", "/healthz")


class Signer:
    def __init__(self, settings: Settings) -> None:
        self.key = accounts.secret_key(settings)
        self.session = URLSafeTimedSerializer(self.key, salt="implhub.session")
        self.share = URLSafeTimedSerializer(self.key, salt="implhub.share")
        self.oidc = URLSafeTimedSerializer(self.key, salt="implhub.oidc")

    def csrf(self, nonce: str) -> str:
        return hmac.new(self.key.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def signer(app: Any) -> Signer:
    if getattr(app.state, "signer", None) is None:
        app.state.signer = Signer(app.state.settings)
    return app.state.signer  # type: ignore[no-any-return]


def secure_cookies(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


def principal_for_user(ctx: Ctx, user: User, *, via: str) -> Principal:
    if user.role == "customer":
        projects = {slug: "CUSTOMER" for slug in accounts.customer_projects(ctx, user)}
    else:
        projects = accounts.stakeholder_roles(ctx, email=user.email)
    return Principal(name=user.name or user.email, kind=user.role, email=user.email, user_id=user.id,
                     projects=projects, via=via, must_change_password=user.must_change_password)


def _resolve(app: Any, headers: dict[str, str], cookies: dict[str, str], session: Session) -> Principal | None:
    """Who is asking (runs in a worker thread: it reads the store), in the request's own unit of
    work, which the route then goes on in."""
    sign = signer(app)
    auth = headers.get("authorization", "")
    ctx = Ctx(session=session, settings=app.state.settings, actor="system", via="system", clock=app.state.clock)
    if auth.lower().startswith("bearer "):
        user = accounts.user_for_token(ctx, raw=auth[7:].strip())
        who = principal_for_user(ctx, user, via="api") if user is not None else None
        if session.dirty:  # the token's last use (once a minute): stored whatever the route does
            session.commit()
        return who
    raw = cookies.get(SESSION_COOKIE)
    if raw:
        try:
            data = sign.session.loads(raw, max_age=SESSION_MAX_AGE)
            user = session.get(User, int(data["u"]))
            if user is not None and user.active and user.session_version == int(data["v"]):
                return principal_for_user(ctx, user, via="web")
        except (BadSignature, KeyError, ValueError, TypeError):
            pass
    raw = cookies.get(SHARE_COOKIE)
    if raw:
        try:
            data = sign.share.loads(raw, max_age=SESSION_MAX_AGE)
            found = accounts.active_share(ctx, share_id=int(data["s"]))
            if found is not None:
                share, project = found
                p = Principal(name="shared link", kind="share", projects={project.slug: "SHARE"}, via="web")
                p.share_token = str(data.get("t", ""))  # type: ignore[attr-defined]
                return p
        except (BadSignature, KeyError, ValueError, TypeError):
            pass
    return None


def _wants_json(scope: Scope, headers: dict[str, str]) -> bool:
    return str(scope["path"]).startswith("/api") or "application/json" in headers.get("accept", "")


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        body = message.get("body", b"")
        size += len(body)
        if size > MAX_FORM_BODY:
            return b"", False
        chunks.append(body)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), True


async def _form_token(scope: Scope, body: bytes, content_type: str) -> str:
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1")).get("csrf_token", [""])
        return values[0]
    if content_type.startswith("multipart/form-data"):
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        request = Request(scope, replay)
        try:
            form = await request.form(max_part_size=MAX_FORM_BODY)
        except Exception:  # an unparsable body: the route will say what is wrong with it
            return ""
        value = form.get("csrf_token")
        await form.close()
        return value if isinstance(value, str) else ""
    return ""


class AuthMiddleware:
    def __init__(self, app: Any, *, fastapi_app: Any) -> None:
        self.app = app
        self.fastapi_app = fastapi_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope["path"])
        state = scope.setdefault("state", {})
        if path.startswith("/static/") or path == "/healthz":
            state["principal"] = None
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        headers = {k.lower(): v for k, v in request.headers.items()}
        cookies = request.cookies
        fa = self.fastapi_app
        sign = signer(fa)
        nonce = cookies.get(CSRF_COOKIE) or ""
        new_nonce = ""
        if len(nonce) < 16:
            nonce = new_nonce = secrets.token_urlsafe(24)
        state["csrf_token"] = sign.csrf(nonce)
        # one unit of work for the whole request: the sign-in check opens it, the route goes on in it
        # (web_ctx), the response's start commits it (below), the end of the request closes it
        # (one connection checkout, liveness check and commit per request, not two)
        store: Store = fa.state.store
        session = store.sessions()
        state["request_session"] = session
        try:
            await self._serve(scope, receive, send, state, path, fa, headers, cookies, nonce, new_nonce, session)
        except BaseException:
            await run_in_threadpool(_end, session, False)
            raise
        await run_in_threadpool(_end, session, True)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, state: dict[str, Any], path: str, fa: Any,
                     headers: dict[str, str], cookies: dict[str, str], nonce: str, new_nonce: str, session: Session) -> None:
        principal = await run_in_threadpool(_resolve, fa, headers, cookies, session)
        state["principal"] = principal
        state["share_token"] = getattr(principal, "share_token", None)
        bearer = headers.get("authorization", "").lower().startswith("bearer ")

        if principal is not None and principal.must_change_password and not path.startswith(PASSWORD_CHANGE_PATHS):
            if _wants_json(scope, headers):
                resp: Response = JSONResponse({"error": "change the one-time password first at /account/password"}, status_code=403)
            else:
                resp = RedirectResponse("/account/password", status_code=303)
            await resp(scope, receive, send)
            return

        if scope["method"] in UNSAFE and not bearer:
            provided = headers.get("x-csrf-token", "")
            body = b""
            if not provided:
                body, ok = await _read_body(receive)
                if not ok:
                    await PlainTextResponse("request body too large", status_code=413)(scope, receive, send)
                    return
                provided = await _form_token(scope, body, headers.get("content-type", ""))
                receive = _replay(body)
            if new_nonce or not hmac.compare_digest(provided, state["csrf_token"]):
                msg = "the form expired or did not come from this site (CSRF check failed); reload the page and try again"
                if _wants_json(scope, headers):
                    resp = JSONResponse({"error": msg, "field": "csrf_token"}, status_code=403)
                else:
                    resp = PlainTextResponse(msg, status_code=403)
                await resp(scope, receive, send)
                return

        secure = secure_cookies(fa.state.settings)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                # commit the request's unit of work before the browser can act on the answer
                session = state.pop("db_session", None)
                if session is not None and int(message.get("status", 500)) < 400:
                    await run_in_threadpool(session.commit)
                if new_nonce:
                    h = MutableHeaders(scope=message)
                    h.append("set-cookie", f"{CSRF_COOKIE}={new_nonce}; Path=/; SameSite=Lax; HttpOnly"
                             + ("; Secure" if secure else ""))
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _end(session: Session, ok: bool) -> None:
    """Close the request's unit of work: what the route left uncommitted (a response that never
    started, an error) is rolled back; the commit happened as the response started."""
    try:
        if not ok or session.in_transaction():
            session.rollback()
    finally:
        session.close()


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def set_session(response: Response, app: Any, user: User) -> None:
    value = signer(app).session.dumps({"u": user.id, "v": user.session_version})
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_MAX_AGE, httponly=True, samesite="lax",
                        secure=secure_cookies(app.state.settings))
    response.delete_cookie(SHARE_COOKIE)


def set_share(response: Response, app: Any, share_id: int, raw: str) -> None:
    value = signer(app).share.dumps({"s": share_id, "t": raw})
    response.set_cookie(SHARE_COOKIE, value, max_age=SESSION_MAX_AGE, httponly=True, samesite="lax",
                        secure=secure_cookies(app.state.settings))


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(SHARE_COOKIE)


def dumps(obj: Any) -> str:
    return json.dumps(obj, default=str)
