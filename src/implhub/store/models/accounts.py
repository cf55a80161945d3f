"""Tables of the accounts capability: users, their customer projects, API tokens, share links,
login attempts (for throttling)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from implhub.store.models.base import Base, utcnow


class User(Base):
    """A local (or single-sign-on) account. role: admin | internal | customer. An internal user's
    role on a project comes from the design's stakeholder with the same email; a customer sees
    only the projects listed in user_projects, and only their external part."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    #: argon2id hash; empty for accounts that only sign in through single sign-on
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    #: set for one-time passwords: the user must choose a new one at first sign-in
    must_change_password: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    #: bumped on password change and sign-out everywhere: older session cookies stop working
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    last_login_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class UserProject(Base):
    """A customer account's access to a project (its external part only)."""

    __tablename__ = "user_projects"
    __table_args__ = (UniqueConstraint("user_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))


class ApiToken(Base):
    """A token for scripts, sent as `Authorization: Bearer ...`. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters, to recognise a token in a list without revealing it
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class ShareLink(Base):
    """An expiring, revocable link that shows a project's external part. Only its SHA-256 is
    stored: the URL is shown once, when it is created."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    expires_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class LoginAttempt(Base):
    """Sign-in attempts, for throttling: too many failures for an email or an address in a
    window locks further attempts for that window."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"), Index("ix_login_attempts_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    success: Mapped[bool] = mapped_column(default=False)
