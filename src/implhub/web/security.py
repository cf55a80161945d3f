"""Security headers on every response, and Swagger UI served from implhub itself.

The web app's pages load their script and styles from /static only (no inline <script>, event
handler or style attribute), so the Content-Security-Policy can forbid inline script outright: a
string that slipped past escaping still could not run. Rendered documents and reports are
standalone pages with one inline <style> block; their routes send `document_csp(html)`, which
allows exactly that block (by hash) and nothing else: no script, no network, no frames.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from implhub.markup import style_hash

#: the pages of the web app: everything from this origin, nothing inline, never framed
APP_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
           "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

#: an SVG picture (the Gantt chart) opened on its own: matplotlib styles it inline; it runs nothing
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

#: a PDF: the browser's viewer must be allowed to load it (an object-src of 'none', which
#: default-src 'none' implies, can leave it blank); a PDF runs no page script and cannot be framed
PDF_CSP = "frame-ancestors 'none'"

SWAGGER_PATH = "/docs"
SWAGGER_ASSETS = "/static/swagger-ui"

_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def document_csp(html: str) -> str:
    """The policy of a rendered document or report page: its own <style> blocks and data: pictures."""
    styles = " ".join(sorted({style_hash(css) for css in _STYLE_BLOCK.findall(html)})) or "'none'"
    return (f"default-src 'none'; style-src {styles}; img-src data:; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")


class SecurityHeadersMiddleware:
    """Adds the headers to every response; a response that brings its own CSP keeps it.

    `Cache-Control: no-store` goes on every answer to a signed-in person, share visitor or API
    token: those pages hold project data a shared browser or proxy must not keep."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                if "content-security-policy" not in h:
                    kind = h.get("content-type", "")
                    h["Content-Security-Policy"] = (SVG_CSP if kind.startswith("image/svg+xml")
                                                    else PDF_CSP if kind.startswith("application/pdf") else APP_CSP)
                h["X-Frame-Options"] = "DENY"
                h["X-Content-Type-Options"] = "nosniff"
                h["Referrer-Policy"] = "same-origin"
                h["Cross-Origin-Opener-Policy"] = "same-origin"
                if self.hsts:
                    h["Strict-Transport-Security"] = "max-age=31536000"
                if scope.get("state", {}).get("principal") is not None:
                    h["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


_SWAGGER_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - API</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


def install(app: FastAPI, *, hsts: bool) -> None:
    """Security headers on every response; /docs from the Swagger UI files the fastapi-offline
    package ships (Swagger UI 5, which reads the OpenAPI 3.1 FastAPI writes)."""
    from html import escape
    from importlib.resources import files

    assets = files("fastapi_offline") / "static"
    # mounted before /static so the more specific prefix answers first
    app.router.routes.insert(0, _mount(SWAGGER_ASSETS, StaticFiles(directory=str(assets))))

    @app.get(SWAGGER_PATH, include_in_schema=False)
    def _swagger() -> HTMLResponse:
        return HTMLResponse(_SWAGGER_PAGE.format(title=escape(app.title), assets=SWAGGER_ASSETS,
                                                 openapi=escape(app.openapi_url or "/openapi.json")))

    app.add_middleware(SecurityHeadersMiddleware, hsts=hsts)


def _mount(path: str, static: StaticFiles) -> Any:
    from starlette.routing import Mount

    return Mount(path, app=static, name="swagger-ui")
