"""Dependencies every route uses: the unit of work (Ctx) and who is asking (Principal).

The accounts capability owns authentication: it replaces `current_principal` behaviour (sessions,
API tokens, share links) without changing these signatures. Routes must always call one of the
`require_*` helpers for the project they show, so the customer portal can never reach internal
data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from fastapi import Request

from implhub.app.context import Ctx
from implhub.errors import PermissionDenied
from implhub.settings import Settings
from implhub.store import Store
from implhub.store.models import Project


@dataclass
class Principal:
    """Who is asking. kind: admin | internal | customer | share (an anonymous share-link visitor)."""

    name: str
    kind: str
    email: str | None = None
    user_id: int | None = None
    #: project slug -> role code (internal users: their stakeholder role; customers: "CUSTOMER")
    projects: dict[str, str] = field(default_factory=dict)
    #: share links and customer accounts see only these projects' external parts
    via: str = "web"

    @property
    def is_internal(self) -> bool:
        return self.kind in ("admin", "internal")


def store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def principal(request: Request) -> Principal | None:
    """Set by the authentication middleware; None when nobody is signed in."""
    return getattr(request.state, "principal", None)


def web_ctx(request: Request) -> Iterator[Ctx]:
    """One unit of work per request: committed when the route returns, rolled back on error."""
    s = settings(request)
    p = principal(request)
    actor = (p.email or p.name) if p else "anonymous"
    via = p.via if p else "web"
    with store(request).session() as session:
        yield Ctx(session=session, settings=s, actor=actor, via=via, clock=request.app.state.clock)


def can_see_internal(p: Principal | None, project: Project) -> bool:
    if p is None:
        return False
    if p.kind == "admin":
        return True
    if p.kind == "internal":
        return True  # every internal user may read every implementation (the process wants direct access)
    return False


def can_see_external(p: Principal | None, project: Project) -> bool:
    if p is None:
        return False
    if p.is_internal:
        return True
    return project.slug in p.projects


def require_internal(p: Principal | None, project: Project) -> Principal:
    if p is None or not can_see_internal(p, project):
        raise PermissionDenied("this page is for the implementation team")
    return p


def require_external(p: Principal | None, project: Project) -> Principal:
    if p is None or not can_see_external(p, project):
        raise PermissionDenied("you do not have access to this project")
    return p


def require_editor(p: Principal | None, project: Project) -> Principal:
    """Internal users change things; customers only read."""
    return require_internal(p, project)
