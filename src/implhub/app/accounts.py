"""Accounts: users and roles, passwords (argon2id), sign-in throttling, API tokens, share links.

Secrets (one-time passwords, API tokens, share URLs) are returned once, by the function that
creates them; the store keeps only a hash, so nothing can show them a second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel
from sqlalchemy import Engine, func, select

from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.bounds import check_text, in_db_range
from implhub.errors import ImplhubError, NotFound, PermissionDenied, ValidationError
from implhub.intake.schema import Stakeholder
from implhub.settings import Settings
from implhub.store import throttle
from implhub.store.models import DesignRevision, Project
from implhub.store.models.accounts import ApiToken, LoginAttempt, ShareLink, User, UserProject

ROLES = ("admin", "internal", "customer")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
#: sign-in throttling: this many failures in the window lock the email (or the address) for it
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 30
TOKEN_PREFIX = "ihp_"
SHARE_DEFAULT_DAYS = 30

_hasher = PasswordHasher()


class TooManyAttempts(ImplhubError):
    http_status = 429


class SignInRefused(ImplhubError):
    """A single sign-on answer we cannot accept (shown as it is, not as a request to sign in)."""

    http_status = 403


# --- secrets and hashing -------------------------------------------------------------------

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def one_time_password() -> str:
    # 16 characters from an unambiguous alphabet: easy to type once, ~95 bits
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def secret_key(settings: Settings) -> str:
    """IMPLHUB_SECRET_KEY, or a key generated once and kept in the data directory."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key)
    tmp.chmod(0o600)
    try:
        tmp.rename(path) if not path.exists() else tmp.unlink()
    except OSError:
        pass
    return path.read_text().strip()


# --- users -----------------------------------------------------------------------------------

def _norm_email(email: str, *, field_name: str = "EMAIL") -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise ValidationError(f"expected an email address like ana@example.com, got {email!r}", field=field_name)
    return email


def get_user(ctx: Ctx, *, email: str) -> User | None:
    return ctx.session.scalar(select(User).where(User.email == email.strip().lower()))


def get_user_or_raise(ctx: Ctx, *, email: str) -> User:
    user = get_user(ctx, email=email)
    if user is None:
        raise NotFound(f"no user {email!r}; create one with 'implhub user create EMAIL --role ...'", field="EMAIL")
    return user


def _project(ctx: Ctx, slug: str) -> Project:
    from implhub.app.projects import get_or_raise

    try:
        return get_or_raise(ctx, slug=slug)
    except NotFound as exc:
        raise NotFound(exc.message, field="--project") from None


def _stakeholder_name(ctx: Ctx, email: str) -> str:
    for people in _current_designs(ctx).values():
        for st in people.stakeholders:
            if st.email.lower() == email:
                return st.name
    return ""


@dataclass
class NewUser:
    user: User
    password: str  # the one-time password: shown once, never stored
    projects: list[str] = field(default_factory=list)


def create_user(ctx: Ctx, *, email: str, role: str, project: str | None = None, name: str = "") -> NewUser:
    """Create an account with a one-time password the user must change at first sign-in."""
    email = _norm_email(email)
    if role not in ROLES:
        raise ValidationError(f"expected one of {', '.join(ROLES)}, got {role!r}", field="--role")
    if role == "customer" and not project:
        raise ValidationError("a customer account sees one project: name it with --project SLUG", field="--project")
    if get_user(ctx, email=email) is not None:
        raise ValidationError(f"a user {email!r} exists already; 'implhub user reset-password {email}' gives a new one-time password", field="EMAIL")
    proj = _project(ctx, project) if project else None
    password = one_time_password()
    user = User(email=email, name=name or _stakeholder_name(ctx, email) or email.split("@")[0], role=role,
                password_hash=hash_password(password), must_change_password=True, created_at=ctx.now(),
                created_by=ctx.actor)
    ctx.session.add(user)
    ctx.session.flush()
    slugs: list[str] = []
    if proj is not None and role == "customer":
        ctx.session.add(UserProject(user_id=user.id, project_id=proj.id))
        slugs.append(proj.slug)
    ctx.session.flush()
    record(ctx, project=proj, action="user.create", entity="user", entity_id=email,
           summary=f"created {role} account {email}" + (f" for {proj.slug}" if proj and role == "customer" else ""))
    return NewUser(user, password, slugs)


def grant(ctx: Ctx, *, email: str, project: str) -> None:
    """Give a customer account access to another project's external part."""
    user = get_user_or_raise(ctx, email=email)
    if user.role != "customer":
        raise ValidationError(f"{email} is {user.role}: only customer accounts are limited to projects", field="EMAIL")
    proj = _project(ctx, project)
    exists = ctx.session.scalar(select(UserProject.id).where(UserProject.user_id == user.id, UserProject.project_id == proj.id))
    if exists is None:
        ctx.session.add(UserProject(user_id=user.id, project_id=proj.id))
        record(ctx, project=proj, action="user.grant", entity="user", entity_id=email, summary=f"{email} may see {proj.slug}")


def reset_password(ctx: Ctx, *, email: str) -> str:
    user = get_user_or_raise(ctx, email=email)
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_version += 1
    # the lockout message says to ask an admin for a reset: the reset lifts the account's lock
    throttle.forgive(ctx.session, reset=[f"email:{user.email}"], decrement=[])
    record(ctx, project=None, action="user.reset_password", entity="user", entity_id=user.email,
           summary=f"new one-time password for {user.email}")
    return password


def set_active(ctx: Ctx, *, email: str, active: bool) -> User:
    user = get_user_or_raise(ctx, email=email)
    user.active = active
    user.session_version += 1
    record(ctx, project=None, action="user.enable" if active else "user.disable", entity="user", entity_id=user.email,
           summary=f"{'enabled' if active else 'disabled'} {user.email}")
    return user


def sign_out(ctx: Ctx, *, user_id: int) -> None:
    """End every web session of the account, on every server: the session cookie carries the
    session version, checked against the store on every request. API tokens are not sessions:
    they end on revoke and disable only."""
    user = ctx.session.get(User, user_id)
    if user is not None:
        user.session_version += 1
        record(ctx, project=None, action="user.sign_out", entity="user", entity_id=user.email, summary=f"{user.email} signed out")


def list_users(ctx: Ctx) -> list[User]:
    return list(ctx.session.scalars(select(User).order_by(User.email)))


def customer_projects(ctx: Ctx, user: User) -> list[str]:
    q = select(Project.slug).join(UserProject, UserProject.project_id == Project.id).where(UserProject.user_id == user.id)
    return list(ctx.session.scalars(q.order_by(Project.slug)))


def user_dict(ctx: Ctx, user: User) -> dict[str, object]:
    return {"email": user.email, "name": user.name, "role": user.role, "active": user.active,
            "must_change_password": user.must_change_password,
            "projects": customer_projects(ctx, user) if user.role == "customer" else None,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at)}


def change_password(ctx: Ctx, *, user: User, current: str, new: str, confirm: str | None = None) -> None:
    if not verify_password(user.password_hash, current):
        raise ValidationError("the current password is not right", field="current")
    if len(new) < MIN_PASSWORD:
        raise ValidationError(f"choose at least {MIN_PASSWORD} characters", field="new")
    if confirm is not None and confirm != new:
        raise ValidationError("the two new passwords differ", field="confirm")
    if new == current:
        raise ValidationError("choose a password different from the one-time password", field="new")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    record(ctx, project=None, action="user.change_password", entity="user", entity_id=user.email,
           summary=f"{user.email} changed their password")


# --- sign-in and throttling ---------------------------------------------------------------------

def _dummy_hash() -> str:
    """A hash checked for unknown, disabled and password-less accounts: every sign-in costs one
    argon2 verification, so the answer's timing does not tell which e-mails have an account."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(24))
    return _DUMMY_HASH


_DUMMY_HASH: str | None = None


def authenticate(ctx: Ctx, *, email: str, password: str, ip: str = "") -> User:
    """Check a password sign-in. Raises TooManyAttempts while the account or the address is over
    its limit in the window, PermissionDenied (one message for every failure: it never says which
    part was wrong). The attempt is counted in the store before the password is checked, in its
    own transaction (call this before the unit of work writes anything)."""
    check_text(email, field="email", single_line=True)
    check_text(password, field="password", single_line=True)
    email = email.strip().lower()[:320]
    minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
    engine = ctx.session.get_bind()
    assert isinstance(engine, Engine)
    limits = {f"email:{email}": MAX_FAILURES_PER_EMAIL}
    if ip:
        limits[f"ip:{ip[:64]}"] = MAX_FAILURES_PER_IP
    counts = throttle.count_attempt(engine, list(limits), now=ctx.now(), window=THROTTLE_WINDOW)
    if any(counts[k] > limit for k, limit in limits.items()):
        raise TooManyAttempts(f"too many failed sign-ins; wait {minutes} minutes and try again, or ask an admin to reset the password")
    user = get_user(ctx, email=email)
    usable = user is not None and user.active and bool(user.password_hash)
    ok = verify_password(user.password_hash if usable and user is not None else _dummy_hash(), password) and usable
    ctx.session.add(LoginAttempt(email=email, ip=ip[:64], at=ctx.now(), success=ok))
    ctx.session.flush()
    if not ok or user is None:
        raise PermissionDenied("wrong email or password", field="password")
    throttle.forgive(ctx.session, reset=[f"email:{email}"], decrement=[k for k in limits if k.startswith("ip:")])
    user.last_login_at = ctx.now()
    return user


def sign_in_external(ctx: Ctx, *, email: str) -> User:
    """Single sign-on: the provider vouched for the email; the account must exist and be active."""
    user = get_user(ctx, email=email)
    if user is None or not user.active:
        raise SignInRefused(f"{email} has no active implhub account; ask an admin to run 'implhub user create {email} --role ...'")
    user.last_login_at = ctx.now()
    record(ctx, project=None, action="user.sso_login", entity="user", entity_id=user.email, summary=f"{user.email} signed in through single sign-on")
    return user


# --- per-project roles -----------------------------------------------------------------------------

class _People(BaseModel):
    """The stakeholders section of a stored design (the rest is not read here)."""

    stakeholders: list[Stakeholder] = []


def _current_designs(ctx: Ctx) -> dict[str, _People]:
    """slug -> the current design's stakeholders, in one query."""
    latest = select(DesignRevision.project_id, func.max(DesignRevision.number).label("n")).group_by(DesignRevision.project_id).subquery()
    q = (select(Project.slug, DesignRevision.design)
         .join(DesignRevision, DesignRevision.project_id == Project.id)
         .join(latest, (latest.c.project_id == DesignRevision.project_id) & (latest.c.n == DesignRevision.number)))
    return {slug: _People.model_validate(design) for slug, design in ctx.session.execute(q)}


#: (store, newest revision id, revision count) -> email -> slug -> role code: one index for every
#: viewer, rebuilt when any design changes (a design's stakeholders are read once, not per viewer)
_role_index: dict[tuple[str, int, int], dict[str, dict[str, str]]] = {}


def role_index(ctx: Ctx) -> dict[str, dict[str, str]]:
    """email (lower case) -> slug -> the role code of the current design's internal stakeholder
    with that email, for every project. Cached until any design changes (keyed by the newest
    revision id and the revision count): one statement per call while nothing changed."""
    stamp = ctx.session.execute(select(func.max(DesignRevision.id), func.count(DesignRevision.id))).one()
    key = (str(ctx.session.get_bind().engine.url), int(stamp[0] or 0), int(stamp[1] or 0))
    index = _role_index.get(key)
    if index is None:
        index = {}
        for slug, people in _current_designs(ctx).items():
            for st in people.stakeholders:
                if st.side == "internal" and st.email:
                    index.setdefault(st.email.lower(), {}).setdefault(slug, st.role)
        if len(_role_index) > 100:
            _role_index.clear()
        _role_index[key] = index
    return index


def stakeholder_roles(ctx: Ctx, *, email: str) -> dict[str, str]:
    """slug -> the role code of the design's internal stakeholder with this email (the first one
    listed, where a design names the email twice)."""
    return dict(role_index(ctx).get(email.lower(), {}))


# --- API tokens -----------------------------------------------------------------------------------

@dataclass
class NewToken:
    token: ApiToken
    secret: str  # shown once


def create_token(ctx: Ctx, *, email: str, name: str, expires_days: int | None = None) -> NewToken:
    user = get_user_or_raise(ctx, email=email)
    if expires_days is not None and expires_days < 1:
        raise ValidationError("expected a number of days of at least 1", field="--expires-days")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tok = ApiToken(user_id=user.id, name=name.strip()[:200] or "token", token_hash=sha256(raw), prefix=raw[:10],
                   created_at=ctx.now(),
                   expires_at=ctx.now() + dt.timedelta(days=expires_days) if expires_days else None)
    ctx.session.add(tok)
    ctx.session.flush()
    record(ctx, project=None, action="token.create", entity="api_token", entity_id=str(tok.id),
           summary=f"API token {tok.name!r} ({tok.prefix}...) for {user.email}")
    return NewToken(tok, raw)


def list_tokens(ctx: Ctx, *, email: str | None = None) -> list[tuple[ApiToken, str]]:
    q = select(ApiToken, User.email).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if email:
        q = q.where(User.email == email.strip().lower())
    return [(t, e) for t, e in ctx.session.execute(q)]


def revoke_token(ctx: Ctx, *, token_id: int, email: str | None = None) -> ApiToken:
    tok = ctx.session.get(ApiToken, token_id) if in_db_range(token_id) else None
    owner = ctx.session.get(User, tok.user_id) if tok is not None else None
    if tok is None or (email is not None and (owner is None or owner.email != email)):
        raise NotFound(f"no API token {token_id}; 'implhub token list' shows them", field="TOKEN_ID")
    if tok.revoked_at is None:
        tok.revoked_at = ctx.now()
        record(ctx, project=None, action="token.revoke", entity="api_token", entity_id=str(tok.id), summary=f"revoked API token {tok.prefix}...")
    return tok


def token_dict(tok: ApiToken, email: str) -> dict[str, object]:
    return {"id": tok.id, "user": email, "name": tok.name, "prefix": tok.prefix,
            "created_at": _iso(tok.created_at),
            "expires_at": _iso(tok.expires_at),
            "last_used_at": _iso(tok.last_used_at),
            "revoked": tok.revoked_at is not None}


def _iso(t: dt.datetime | None) -> str | None:
    """UTC with its offset, whether the store kept the zone (PostgreSQL) or not (SQLite)."""
    aware = _aware(t)
    return aware.isoformat() if aware is not None else None


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes: they were stored in UTC
    return t.replace(tzinfo=dt.UTC) if t is not None and t.tzinfo is None else t


def user_for_token(ctx: Ctx, *, raw: str) -> User | None:
    tok = ctx.session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256(raw)))
    if tok is None or tok.revoked_at is not None:
        return None
    exp = _aware(tok.expires_at)
    if exp is not None and exp <= ctx.now():
        return None
    user = ctx.session.get(User, tok.user_id)
    if user is None or not user.active:
        return None
    last = _aware(tok.last_used_at)
    if last is None or ctx.now() - last > dt.timedelta(minutes=1):
        tok.last_used_at = ctx.now()
    return user


# --- share links -------------------------------------------------------------------------------------

@dataclass
class NewShare:
    share: ShareLink
    url: str  # shown once
    slug: str


def share_url(settings: Settings, raw: str) -> str:
    return f"{settings.base_url}/share/{raw}"


def create_share(ctx: Ctx, *, slug: str, expires_days: int = SHARE_DEFAULT_DAYS) -> NewShare:
    from implhub.app.projects import get_or_raise

    project = get_or_raise(ctx, slug=slug)
    if expires_days < 1 or expires_days > 366:
        raise ValidationError(f"expected 1 to 366 days, got {expires_days}", field="--expires-days")
    raw = secrets.token_urlsafe(24)
    share = ShareLink(project_id=project.id, token_hash=sha256(raw), prefix=raw[:6], created_at=ctx.now(),
                      created_by=ctx.actor, expires_at=ctx.now() + dt.timedelta(days=expires_days))
    ctx.session.add(share)
    ctx.session.flush()
    record(ctx, project=project, action="share.create", entity="share_link", entity_id=str(share.id),
           summary=f"shared the external plan ({share.prefix}..., expires {share.expires_at.date().isoformat()})")
    return NewShare(share, share_url(ctx.settings, raw), project.slug)


def list_shares(ctx: Ctx, *, slug: str) -> list[ShareLink]:
    from implhub.app.projects import get_or_raise

    project = get_or_raise(ctx, slug=slug)
    return list(ctx.session.scalars(select(ShareLink).where(ShareLink.project_id == project.id).order_by(ShareLink.id)))


def share_state(ctx: Ctx, share: ShareLink) -> str:
    if share.revoked_at is not None:
        return "revoked"
    exp = _aware(share.expires_at)
    return "expired" if exp is not None and exp <= ctx.now() else "active"


def share_dict(ctx: Ctx, share: ShareLink) -> dict[str, object]:
    return {"id": share.id, "prefix": share.prefix, "state": share_state(ctx, share),
            "created_at": _iso(share.created_at), "created_by": share.created_by,
            "expires_at": _iso(share.expires_at),
            "revoked_at": _iso(share.revoked_at),
            "last_used_at": _iso(share.last_used_at)}


def revoke_share(ctx: Ctx, *, slug: str, share_id: int) -> ShareLink:
    from implhub.app.projects import get_or_raise

    project = get_or_raise(ctx, slug=slug)
    share = ctx.session.get(ShareLink, share_id) if in_db_range(share_id) else None
    if share is None or share.project_id != project.id:
        raise NotFound(f"no share link {share_id} on {slug}; 'implhub share list {slug}' shows them", field="SHARE_ID")
    if share.revoked_at is None:
        share.revoked_at = ctx.now()
        record(ctx, project=project, action="share.revoke", entity="share_link", entity_id=str(share.id),
               summary=f"revoked share link {share.prefix}...")
    return share


def resolve_share(ctx: Ctx, *, raw: str) -> tuple[ShareLink, Project] | None:
    """The active share link with this token and its project, or None (unknown, expired, revoked)."""
    share = ctx.session.scalar(select(ShareLink).where(ShareLink.token_hash == sha256(raw)))
    if share is None or share_state(ctx, share) != "active":
        return None
    project = ctx.session.get(Project, share.project_id)
    if project is None:
        return None
    last = _aware(share.last_used_at)
    if last is None or ctx.now() - last > dt.timedelta(minutes=1):
        share.last_used_at = ctx.now()
    return share, project


def active_share(ctx: Ctx, *, share_id: int) -> tuple[ShareLink, Project] | None:
    share = ctx.session.get(ShareLink, share_id)
    if share is None or share_state(ctx, share) != "active":
        return None
    project = ctx.session.get(Project, share.project_id)
    return (share, project) if project is not None else None
