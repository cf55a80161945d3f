"""/api: who am I, API tokens, share links, users (admins)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from implhub.app import accounts as svc
from implhub.app import projects
from implhub.app.context import Ctx
from implhub.errors import PermissionDenied
from implhub.web.deps import principal, require_admin, require_editor, web_ctx
from implhub.web.schemas.accounts import (
    Me,
    NewShareRead,
    NewTokenRead,
    NewUserRead,
    ShareRead,
    TokenRead,
    UserRead,
)

router = APIRouter(tags=["accounts"])
CtxDep = Annotated[Ctx, Depends(web_ctx)]


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="what the token is for, e.g. the script's name")
    expires_days: int | None = Field(None, ge=1, description="days until it stops working; none: until revoked")


class ShareIn(BaseModel):
    expires_days: int = Field(svc.SHARE_DEFAULT_DAYS, ge=1, le=366)


class UserIn(BaseModel):
    email: str
    role: Literal["admin", "internal", "customer"]
    project: str | None = Field(None, description="the project slug a customer account sees")


def _me(request: Request) -> Any:
    p = principal(request)
    if p is None or p.email is None:
        raise PermissionDenied("sign in or send an API token")
    return p


@router.get("/me", response_model=Me, response_model_exclude_unset=True)
def me(request: Request) -> dict[str, Any]:
    """Who the request is authenticated as, and the role on each project."""
    p = principal(request)
    if p is None:
        raise PermissionDenied("sign in or send an API token")
    return {"name": p.name, "kind": p.kind, "email": p.email, "projects": p.projects, "via": p.via}


@router.get("/tokens", response_model=list[TokenRead], response_model_exclude_unset=True)
def list_tokens(request: Request, ctx: CtxDep) -> list[dict[str, Any]]:
    """Your API tokens (never the secrets)."""
    p = _me(request)
    return [svc.token_dict(t, e) for t, e in svc.list_tokens(ctx, email=p.email)]


@router.post("/tokens", status_code=201, response_model=NewTokenRead, response_model_exclude_unset=True)
def create_token(request: Request, ctx: CtxDep, body: TokenIn) -> dict[str, Any]:
    """Create an API token; `token` is in this response only."""
    p = _me(request)
    new = svc.create_token(ctx, email=p.email, name=body.name, expires_days=body.expires_days)
    return {**svc.token_dict(new.token, p.email), "token": new.secret}


@router.delete("/tokens/{token_id}", response_model=TokenRead, response_model_exclude_unset=True)
def revoke_token(request: Request, ctx: CtxDep, token_id: int) -> dict[str, Any]:
    p = _me(request)
    tok = svc.revoke_token(ctx, token_id=token_id, email=p.email)
    return svc.token_dict(tok, p.email)


@router.get("/projects/{slug}/shares", response_model=list[ShareRead], response_model_exclude_unset=True)
def list_shares(request: Request, ctx: CtxDep, slug: str) -> list[dict[str, Any]]:
    """The project's share links (never the URLs: they are shown once)."""
    require_editor(principal(request), projects.get_or_raise(ctx, slug=slug))
    return [svc.share_dict(ctx, s) for s in svc.list_shares(ctx, slug=slug)]


@router.post("/projects/{slug}/shares", status_code=201, response_model=NewShareRead, response_model_exclude_unset=True)
def create_share(request: Request, ctx: CtxDep, slug: str, body: ShareIn) -> dict[str, Any]:
    """Create a share link; `url` (and the calendar feed `ics_url`) are in this response only."""
    require_editor(principal(request), projects.get_or_raise(ctx, slug=slug))
    new = svc.create_share(ctx, slug=slug, expires_days=body.expires_days)
    return {**svc.share_dict(ctx, new.share), "url": new.url, "ics_url": new.url + "/calendar.ics"}


@router.post("/projects/{slug}/shares/{share_id}/revoke", response_model=ShareRead, response_model_exclude_unset=True)
def revoke_share(request: Request, ctx: CtxDep, slug: str, share_id: int) -> dict[str, Any]:
    require_editor(principal(request), projects.get_or_raise(ctx, slug=slug))
    return svc.share_dict(ctx, svc.revoke_share(ctx, slug=slug, share_id=share_id))


@router.get("/users", response_model=list[UserRead], response_model_exclude_unset=True)
def list_users(request: Request, ctx: CtxDep) -> list[dict[str, Any]]:
    require_admin(principal(request))
    return [svc.user_dict(ctx, u) for u in svc.list_users(ctx)]


@router.post("/users", status_code=201, response_model=NewUserRead, response_model_exclude_unset=True)
def create_user(request: Request, ctx: CtxDep, body: UserIn) -> dict[str, Any]:
    """Create an account; `password` (one-time) is in this response only."""
    require_admin(principal(request))
    new = svc.create_user(ctx, email=body.email, role=body.role, project=body.project)
    return {**svc.user_dict(ctx, new.user), "password": new.password}
