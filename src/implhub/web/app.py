"""create_app: the FastAPI application (pages + JSON API + OpenAPI at /openapi.json)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from implhub import __version__
from implhub.errors import ImplhubError, NotFound, PermissionDenied
from implhub.settings import Settings
from implhub.store import Store, open_store
from implhub.web import security

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_app(settings: Settings, *, store: Store | None = None, clock: Callable[[], dt.datetime] = _utcnow,
               warm: bool = False) -> FastAPI:
    """`warm`: compute the portfolio rows when the server starts (before it accepts requests) and
    the next day's shortly before midnight (`implhub serve` does; tests need not)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = None
        if warm:
            from starlette.concurrency import run_in_threadpool

            from implhub.web import warm as warming

            try:
                await run_in_threadpool(lambda: warming.warm(app.state.store, settings, clock, templates=True))
            except Exception:  # the first request then computes the rows; the server still starts
                warming.log.exception("computing the portfolio rows at start failed")
            stop = warming.start_day_warmer(app.state.store, settings, clock)
        yield
        if stop is not None:
            stop.set()

    # /docs is served by implhub.web.security from a packaged copy of Swagger UI (no CDN); ReDoc
    # only exists as a CDN script, so it is off
    app = FastAPI(title="implhub", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="HTTP API of implhub: projects, plan, sizing, evidence, exit criteria.")
    app.state.settings = settings
    app.state.store = store or open_store(settings.database_url)
    app.state.clock = clock
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    from implhub.web import api as _api  # noqa: F401
    from implhub.web.api import (
        accounts as api_accounts,
    )
    from implhub.web.api import (
        codestats as api_codestats,
    )
    from implhub.web.api import (
        documents as api_documents,
    )
    from implhub.web.api import (
        exit as api_exit,
    )
    from implhub.web.api import (
        loadtest as api_loadtest,
    )
    from implhub.web.api import (
        plan as api_plan,
    )
    from implhub.web.api import (
        projects as api_projects,
    )
    from implhub.web.api import (
        replica as api_replica,
    )
    from implhub.web.api import (
        reporting as api_reporting,
    )
    from implhub.web.api import (
        rightsize as api_rightsize,
    )
    from implhub.web.api import (
        sizing as api_sizing,
    )
    from implhub.web.routes import (
        accounts,
        codestats,
        documents,
        exit,
        loadtest,
        plan,
        projects,
        replica,
        reporting,
        rightsize,
        sizing,
    )

    accounts.install(app)
    # added after the authentication middleware, so it wraps it and sees who is signed in
    security.install(app, hsts=settings.base_url.lower().startswith("https://"))
    for module in (accounts, projects, plan, sizing, codestats, replica, loadtest, documents, exit, reporting, rightsize):
        app.include_router(module.router)
    for module in (api_accounts, api_projects, api_plan, api_sizing, api_codestats, api_replica, api_loadtest,
                   api_documents, api_exit, api_reporting, api_rightsize):
        app.include_router(module.router, prefix="/api")

    @app.exception_handler(ImplhubError)
    async def _user_error(request: Request, exc: ImplhubError) -> Response:
        who = getattr(request.state, "principal", None)
        wants_json = request.url.path.startswith("/api") or "application/json" in request.headers.get("accept", "")
        if isinstance(exc, PermissionDenied) and who is None:
            # nobody signed in: ask for credentials instead of refusing
            if wants_json:
                return JSONResponse({**exc.to_dict(), "error": "sign in first: send 'Authorization: Bearer <API token>' (implhub token create)"},
                                    status_code=401, headers={"WWW-Authenticate": "Bearer"})
            return RedirectResponse(f"/login?next={quote(str(request.url.path) + ('?' + request.url.query if request.url.query else ''))}",
                                    status_code=303)
        if wants_json:
            return JSONResponse(exc.to_dict(), status_code=exc.http_status)
        return render(request, "error.html", {"error": exc}, status_code=exc.http_status)

    @app.exception_handler(StarletteHTTPException)
    async def _no_such_page(request: Request, exc: StarletteHTTPException) -> Response:
        """A mistyped or stale link in the browser gets the app's error page, not a bare JSON body."""
        wants_json = request.url.path.startswith("/api") or "application/json" in request.headers.get("accept", "")
        if exc.status_code != 404 or wants_json:
            return await http_exception_handler(request, exc)
        return render(request, "error.html", {"error": NotFound(f"there is no page at {request.url.path}")}, status_code=404)

    def _openapi() -> dict[str, Any]:
        """The generated description plus how to authenticate: an API token as Bearer (scripts) or
        the session cookie with the X-CSRF-Token header (the web app's own pages)."""
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An API token from 'implhub token create' or the account page."},
                "session": {"type": "apiKey", "in": "cookie", "name": "implhub_session",
                            "description": "The web app's session; changes also need the X-CSRF-Token header."},
            }
            schema["security"] = [{"bearer": []}, {"session": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = _openapi  # type: ignore[method-assign]

    @app.get("/healthz", include_in_schema=False)
    def _healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def app_from_environment() -> FastAPI:
    """The app of one worker process of `implhub serve --workers N`: settings from the environment
    the server prepared (store, secret key, base URL)."""
    from implhub.settings import load_settings

    return create_app(load_settings(), warm=True)


def render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render a page. Every template gets `principal`, `version` and `csrf_token` (forms send it
    as the hidden field `csrf_token`; static/app.js also adds it to every POST form and fetch)."""
    base = {"principal": getattr(request.state, "principal", None), "version": __version__,
            "csrf_token": getattr(request.state, "csrf_token", "")}
    return templates.TemplateResponse(request, template, {**base, **context}, status_code=status_code)
