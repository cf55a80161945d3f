"""A small OpenID Connect provider for tests: discovery, authorize (consents at once), token
(checks the client secret and the code), userinfo. Runs on loopback with uvicorn."""

from __future__ import annotations

import base64
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Header, HTTPException
from fastapi.responses import RedirectResponse


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@dataclass
class FakeOIDC:
    client_id: str = "implhub"
    client_secret: str = "s3cret"
    #: the person who "signs in" at the provider
    email: str = "ana@example.com"
    email_in_id_token: bool = True
    issuer: str = ""
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token", "userinfo_endpoint": f"{self.issuer}/userinfo",
                    "response_types_supported": ["code"], "id_token_signing_alg_values_supported": ["HS256"]}

        @app.get("/authorize")
        def authorize(response_type: str, client_id: str, redirect_uri: str, state: str, nonce: str, scope: str) -> RedirectResponse:
            if response_type != "code" or client_id != self.client_id or "openid" not in scope.split():
                raise HTTPException(400, "bad authorization request")
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": nonce, "redirect_uri": redirect_uri}
            return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302)

        @app.post("/token")
        def token(grant_type: str = Form(), code: str = Form(), redirect_uri: str = Form(), client_id: str = Form(),
                  client_secret: str = Form()) -> dict[str, Any]:
            grant = self.codes.pop(code, None)
            if grant is None or grant_type != "authorization_code" or client_secret != self.client_secret \
                    or client_id != self.client_id or redirect_uri != grant["redirect_uri"]:
                raise HTTPException(400, "invalid_grant")
            claims = {"iss": self.issuer, "aud": self.client_id, "sub": "u-1", "exp": time.time() + 300,
                      "iat": time.time(), "nonce": grant["nonce"]}
            if self.email_in_id_token:
                claims.update(email=self.email, email_verified=True)
            access = secrets.token_urlsafe(16)
            self.tokens[access] = self.email
            return {"access_token": access, "token_type": "Bearer", "expires_in": 300,
                    "id_token": f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}.c2ln"}

        @app.get("/userinfo")
        def userinfo(authorization: str = Header("")) -> dict[str, Any]:
            email = self.tokens.get(authorization.removeprefix("Bearer "))
            if email is None:
                raise HTTPException(401, "bad token")
            return {"sub": "u-1", "email": email}

        return app


@contextmanager
def running(provider: FakeOIDC) -> Iterator[FakeOIDC]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    provider.issuer = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(provider.app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
