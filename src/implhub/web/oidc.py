"""Optional single sign-on: the OpenID Connect authorization code flow.

Enabled when IMPLHUB_OIDC_ISSUER, IMPLHUB_OIDC_CLIENT_ID and IMPLHUB_OIDC_CLIENT_SECRET are set.
The provider is found through its discovery document; state and nonce travel in a signed,
short-lived cookie. The code is exchanged for tokens directly with the provider's token endpoint
over the back channel (client_secret_post); the ID token's issuer, audience, expiry and nonce are
checked, and the email is taken from the ID token or, when absent, from the userinfo endpoint.
The account must already exist: an admin creates it with `implhub user create`.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature

from implhub.app.accounts import SignInRefused
from implhub.errors import ExternalServiceError, ValidationError
from implhub.settings import Settings
from implhub.web import auth

STATE_COOKIE = "implhub_oidc"
STATE_MAX_AGE = 600
_discovery: dict[str, dict[str, Any]] = {}


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret)


def redirect_uri(settings: Settings) -> str:
    return f"{settings.base_url}/auth/oidc/callback"


def discover(settings: Settings) -> dict[str, Any]:
    issuer = str(settings.oidc_issuer)
    if issuer not in _discovery:
        url = f"{issuer}/.well-known/openid-configuration"
        try:
            resp = httpx.get(url, timeout=10)
            resp.raise_for_status()
            doc = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ExternalServiceError(f"cannot read the single sign-on provider's discovery document at {url}: {exc}",
                                       field="IMPLHUB_OIDC_ISSUER") from None
        if doc.get("issuer", "").rstrip("/") != issuer:
            raise ExternalServiceError(f"the provider says its issuer is {doc.get('issuer')!r}, expected {issuer!r}",
                                       field="IMPLHUB_OIDC_ISSUER")
        _discovery[issuer] = doc
    return _discovery[issuer]


def start(request: Request, *, next_url: str) -> RedirectResponse:
    settings: Settings = request.app.state.settings
    if not enabled(settings):
        raise ValidationError("single sign-on is not configured; set IMPLHUB_OIDC_ISSUER, IMPLHUB_OIDC_CLIENT_ID and IMPLHUB_OIDC_CLIENT_SECRET")
    doc = discover(settings)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    params = {"response_type": "code", "client_id": settings.oidc_client_id, "redirect_uri": redirect_uri(settings),
              "scope": "openid email profile", "state": state, "nonce": nonce}
    response = RedirectResponse(f"{doc['authorization_endpoint']}?{urlencode(params)}", status_code=303)
    cookie = auth.signer(request.app).oidc.dumps({"state": state, "nonce": nonce, "next": next_url})
    response.set_cookie(STATE_COOKIE, cookie, max_age=STATE_MAX_AGE, httponly=True, samesite="lax",
                        secure=auth.secure_cookies(settings))
    return response


def _claims(id_token: str) -> dict[str, Any]:
    try:
        payload = id_token.split(".")[1]
        return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
    except (IndexError, ValueError) as exc:
        raise ExternalServiceError(f"the provider's ID token is not a JWT: {exc}") from None


def finish(request: Request, *, code: str, state: str, error: str) -> tuple[str, str]:
    """Check the callback and return (email, next URL)."""
    settings: Settings = request.app.state.settings
    if error:
        raise SignInRefused(f"the single sign-on provider refused: {error}")
    raw = request.cookies.get(STATE_COOKIE, "")
    try:
        saved = auth.signer(request.app).oidc.loads(raw, max_age=STATE_MAX_AGE)
    except BadSignature:
        raise SignInRefused("the sign-in took too long or started elsewhere; start again from the sign-in page") from None
    if not code or not secrets.compare_digest(str(saved.get("state", "")), state):
        raise SignInRefused("the single sign-on answer does not match this sign-in (state); start again")
    doc = discover(settings)
    try:
        resp = httpx.post(doc["token_endpoint"], data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri(settings),
            "client_id": settings.oidc_client_id, "client_secret": settings.oidc_client_secret}, timeout=10)
        resp.raise_for_status()
        tokens = resp.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ExternalServiceError(f"the provider did not exchange the code: {exc}") from None
    claims = _claims(str(tokens.get("id_token", "")))
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if str(claims.get("iss", "")).rstrip("/") != settings.oidc_issuer:
        raise SignInRefused("the ID token comes from another issuer")
    if settings.oidc_client_id not in auds:
        raise SignInRefused("the ID token was issued for another client")
    if float(claims.get("exp", 0)) < time.time():
        raise SignInRefused("the ID token has expired; sign in again")
    if claims.get("nonce") != saved.get("nonce"):
        raise SignInRefused("the ID token does not belong to this sign-in (nonce)")
    email = claims.get("email")
    if not email and doc.get("userinfo_endpoint") and tokens.get("access_token"):
        try:
            info = httpx.get(doc["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10)
            info.raise_for_status()
            email = info.json().get("email")
        except (httpx.HTTPError, ValueError) as exc:
            raise ExternalServiceError(f"the provider's userinfo endpoint failed: {exc}") from None
    if not email:
        raise SignInRefused("the provider did not share an email address; allow the 'email' scope")
    if claims.get("email_verified") is False:
        raise SignInRefused(f"the provider has not verified {email}")
    return str(email).lower(), str(saved.get("next") or "/")
