"""Dependencies every route uses: the unit of work (Ctx) and who is asking (Principal).

Authentication (web/routes/accounts.py) sets `request.state.principal` on every request from a
session cookie, an API token (`Authorization: Bearer ...`) or a share-link cookie. Routes must
always call one of the `require_*` helpers for the project they show, so the customer portal can
never reach internal data:

- admin: reads and changes everything;
- internal: reads every implementation (the process wants direct access for every internal
  stakeholder); changes the projects where the design names them as an internal stakeholder;
- customer: reads the external part of the projects they were given;
- share: an anonymous visitor of a share link: the external part of that one project.
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
    #: project slug -> role code (internal users: their stakeholder role; customers: "CUSTOMER";
    #: share visitors: "SHARE"). Customers and share visitors see only these projects' external parts.
    projects: dict[str, str] = field(default_factory=dict)
    #: web (session or share link) | api (API token): recorded in the activity log
    via: str = "web"
    #: set while the account still has its one-time password
    must_change_password: bool = False

    @property
    def is_internal(self) -> bool:
        return self.kind in ("admin", "internal")

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"

    def role_on(self, slug: str) -> str | None:
        """The role code on a project (stakeholder role, CUSTOMER, SHARE), None when none."""
        return self.projects.get(slug)


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
    shared = getattr(request.state, "request_session", None)
    if shared is None:  # an app without the authentication middleware (never implhub's own)
        with store(request).session() as session:
            request.state.db_session = session
            yield Ctx(session=session, settings=s, actor=actor, via=via, clock=request.app.state.clock)
        return
    # the request's unit of work, opened by the authentication middleware for the sign-in check:
    # it commits it as the response starts (so a redirect never reaches the browser before its
    # change is stored) and closes it when the request ends
    request.state.db_session = shared
    try:
        yield Ctx(session=shared, settings=s, actor=actor, via=via, clock=request.app.state.clock)
    except BaseException:
        shared.rollback()
        raise


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


def can_edit(p: Principal | None, project: Project) -> bool:
    if p is None:
        return False
    if p.kind == "admin":
        return True
    return p.kind == "internal" and project.slug in p.projects


def require_editor(p: Principal | None, project: Project) -> Principal:
    """Admins change everything; internal users change the projects whose design names them as a
    stakeholder; customers and share visitors only read."""
    require_internal(p, project)
    if not can_edit(p, project):
        raise PermissionDenied(
            f"only an admin or an internal stakeholder of {project.slug} may change it; "
            "add your email to the design's stakeholders or ask an admin")
    assert p is not None
    return p


def require_admin(p: Principal | None) -> Principal:
    if p is None or p.kind != "admin":
        raise PermissionDenied("this is for admins")
    return p


def csrf_token(request: Request) -> str:
    """The CSRF token forms must send (hidden field `csrf_token`) and scripts with a session cookie
    must send as the `X-CSRF-Token` header on POST/PUT/PATCH/DELETE. Empty outside a request the
    authentication middleware saw."""
    return str(getattr(request.state, "csrf_token", ""))
