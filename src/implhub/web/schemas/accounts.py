"""Answers of /api/me, /api/tokens, /api/projects/{slug}/shares, /api/users."""

from __future__ import annotations

from implhub.web.schemas import Read


class Me(Read):
    name: str | None = None
    kind: str
    email: str | None = None
    #: project slug -> the role on it
    projects: dict[str, str] = {}
    via: str | None = None


class TokenRead(Read):
    id: int
    user: str
    name: str
    prefix: str
    created_at: str | None = None
    expires_at: str | None = None
    last_used_at: str | None = None
    revoked: bool


class NewTokenRead(TokenRead):
    #: the secret, in this answer only
    token: str


class ShareRead(Read):
    id: int
    prefix: str
    state: str
    created_at: str | None = None
    created_by: str | None = None
    expires_at: str | None = None
    revoked_at: str | None = None
    last_used_at: str | None = None


class NewShareRead(ShareRead):
    url: str
    ics_url: str | None = None


class UserRead(Read):
    email: str
    name: str
    role: str
    active: bool
    must_change_password: bool
    projects: list[str] | None = None
    created_at: str | None = None
    last_login_at: str | None = None


class NewUserRead(UserRead):
    #: the one-time password, in this answer only
    password: str
