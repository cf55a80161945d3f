"""Web pages (and the project tab) of the accounts capability."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()


def install(app) -> None:  # type: ignore[no-untyped-def]
    """Install authentication on the app. Placeholder until the accounts capability lands:
    everyone is a local admin. The accounts capability replaces this with sessions, API tokens,
    share links and CSRF protection."""
    from fastapi import Request

    from implhub.web.deps import Principal

    @app.middleware("http")
    async def _everyone_is_admin(request: Request, call_next):  # type: ignore[no-untyped-def]
        request.state.principal = Principal(name="local", kind="admin", email="local@localhost")
        return await call_next(request)
