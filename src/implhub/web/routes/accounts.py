"""Sign-in, sign-out, password change, API tokens, share links, calendar feeds, user admin and
optional single sign-on (OIDC)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from implhub.app import accounts as svc
from implhub.app import projects
from implhub.app.context import Ctx
from implhub.errors import ImplhubError, NotFound, PermissionDenied, ValidationError
from implhub.store.models.accounts import User
from implhub.web import auth, oidc
from implhub.web.app import render
from implhub.web.deps import (
    principal,
    require_admin,
    require_editor,
    require_external,
    require_internal,
    web_ctx,
)

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(web_ctx)]


def install(app: FastAPI) -> None:
    """Every request passes the authentication and CSRF middleware (web/auth.py)."""
    app.add_middleware(auth.AuthMiddleware, fastapi_app=app)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _safe_next(next_url: str | None) -> str:
    # only local paths: never an open redirect
    if next_url and next_url.startswith("/") and not next_url.startswith("//"):
        return next_url
    return "/"


# --- sign-in -------------------------------------------------------------------------------------

@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, ctx: CtxDep, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next), "errors": {}, "email": "",
                                          "sso": oidc.enabled(request.app.state.settings), "fresh": _fresh(ctx)})


def _fresh(ctx: Ctx) -> bool:
    """A store without any account yet: the sign-in page says how to get a first one."""
    return not svc.list_users(ctx)


@router.post("/login", response_model=None)
def login(request: Request, ctx: CtxDep, email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/") -> Response:
    try:
        user = svc.authenticate(ctx, email=email, password=password, ip=_client_ip(request))
    except ImplhubError as exc:
        # the failed attempt must be kept for throttling even though this request fails
        ctx.session.commit()
        return render(request, "login.html", {"next": _safe_next(next), "email": email, "errors": {"password": exc.message},
                                              "sso": oidc.enabled(request.app.state.settings), "fresh": _fresh(ctx)}, status_code=exc.http_status)
    target = "/account/password" if user.must_change_password else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    auth.set_session(response, request.app, user)
    return response


@router.post("/logout")
def logout(request: Request, ctx: CtxDep) -> RedirectResponse:
    p = principal(request)
    if p is not None and p.user_id is not None and p.via == "web":
        # a copy of the cookie (another tab, another server behind the balancer, a replay) must
        # not outlive the sign-out: the account's session version moves on
        svc.sign_out(ctx, user_id=p.user_id)
    response = RedirectResponse("/login", status_code=303)
    auth.clear_session(response)
    return response


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request) -> Response:
    p = principal(request)
    if p is None or p.user_id is None:
        return RedirectResponse("/login?next=/account/password", status_code=303)
    return render(request, "password.html", {"errors": {}, "first": p.must_change_password})


@router.post("/account/password", response_model=None)
def change_password(request: Request, ctx: CtxDep, current: Annotated[str, Form()] = "", new: Annotated[str, Form()] = "",
                    confirm: Annotated[str, Form()] = "") -> Response:
    p = principal(request)
    if p is None or p.user_id is None:
        return RedirectResponse("/login", status_code=303)
    user = ctx.session.get(User, p.user_id)
    assert user is not None
    try:
        svc.change_password(ctx, user=user, current=current, new=new, confirm=confirm)
    except ImplhubError as exc:
        return render(request, "password.html", {"errors": {exc.field or "new": exc.message}, "first": p.must_change_password},
                      status_code=exc.http_status)
    ctx.session.flush()
    response = RedirectResponse("/", status_code=303)
    auth.set_session(response, request.app, user)  # the old session version ended with the change
    return response


# --- the account page: API tokens ------------------------------------------------------------------

def _account(request: Request, ctx: Ctx, *, new_token: str | None = None, errors: dict[str, str] | None = None,
             status_code: int = 200) -> HTMLResponse:
    p = principal(request)
    if p is None or p.email is None:
        raise PermissionDenied("sign in to see your account")
    tokens = [svc.token_dict(t, e) for t, e in svc.list_tokens(ctx, email=p.email)]
    return render(request, "account.html", {"tokens": tokens, "new_token": new_token, "errors": errors or {}},
                  status_code=status_code)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, ctx: CtxDep) -> HTMLResponse:
    return _account(request, ctx)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(request: Request, ctx: CtxDep, name: Annotated[str, Form()] = "",
                 expires_days: Annotated[str, Form()] = "") -> HTMLResponse:
    p = principal(request)
    if p is None or p.email is None:
        raise PermissionDenied("sign in to create an API token")
    try:
        days = int(expires_days) if expires_days.strip() else None
        if not name.strip():
            raise ValidationError("give the token a name, e.g. the script that uses it", field="name")
        new = svc.create_token(ctx, email=p.email, name=name, expires_days=days)
    except ValueError:
        return _account(request, ctx, errors={"expires_days": "expected a whole number of days"}, status_code=422)
    except ImplhubError as exc:
        return _account(request, ctx, errors={"name" if exc.field == "name" else "expires_days": exc.message}, status_code=422)
    # rendered directly (no redirect): the secret is in this one response and nowhere else
    return _account(request, ctx, new_token=new.secret)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, ctx: CtxDep, token_id: int) -> RedirectResponse:
    p = principal(request)
    if p is None or p.email is None:
        raise PermissionDenied("sign in to manage API tokens")
    svc.revoke_token(ctx, token_id=token_id, email=p.email)
    return RedirectResponse("/account", status_code=303)


# --- share links ---------------------------------------------------------------------------------

@router.get("/share/{token}")
def open_share(request: Request, ctx: CtxDep, token: str) -> RedirectResponse:
    found = svc.resolve_share(ctx, raw=token)
    if found is None:
        raise NotFound("this share link is unknown, expired or was revoked; ask the implementation team for a new one")
    share, project = found
    response = RedirectResponse(f"/projects/{project.slug}", status_code=303)
    p = principal(request)
    if p is None or not p.is_internal:
        auth.set_share(response, request.app, share.id, token)
    return response


def _ics(ctx: Ctx, project: Any) -> Response:
    from implhub.app import plan as plan_app

    if not plan_app.has_plan(ctx, project=project):
        raise NotFound(f"{project.slug} has no plan yet, so there is no calendar")
    body = plan_app.ics_feed(ctx, project=project)  # the external view's milestones and deadlines
    return Response(body, media_type="text/calendar",
                    headers={"Content-Disposition": f'inline; filename="{project.slug}.ics"'})


@router.get("/share/{token}/calendar.ics")
def share_calendar(ctx: CtxDep, token: str) -> Response:
    """The customer's calendar feed: milestones and deadlines of the external plan."""
    found = svc.resolve_share(ctx, raw=token)
    if found is None:
        raise NotFound("this calendar feed's share link is unknown, expired or was revoked")
    return _ics(ctx, found[1])


@router.get("/projects/{slug}/calendar.ics")
def project_calendar(request: Request, ctx: CtxDep, slug: str) -> Response:
    project = projects.get_or_raise(ctx, slug=slug)
    require_external(principal(request), project)
    return _ics(ctx, project)


@router.post("/projects/{slug}/shares", response_class=HTMLResponse)
def create_share(request: Request, ctx: CtxDep, slug: str, expires_days: Annotated[str, Form()] = "30") -> HTMLResponse:
    """The share button: the URL is shown on this response only."""
    project = projects.get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    try:
        days = int(expires_days)
    except ValueError:
        days = -1
    new = svc.create_share(ctx, slug=slug, expires_days=days)
    return render(request, "share_created.html", {"project": project, "url": new.url, "share": svc.share_dict(ctx, new.share),
                                                  "ics": new.url + "/calendar.ics"})


@router.post("/projects/{slug}/shares/{share_id}/revoke")
def revoke_share(request: Request, ctx: CtxDep, slug: str, share_id: int) -> RedirectResponse:
    project = projects.get_or_raise(ctx, slug=slug)
    require_editor(principal(request), project)
    svc.revoke_share(ctx, slug=slug, share_id=share_id)
    return RedirectResponse(f"/projects/{slug}?tab=portal", status_code=303)


# --- user admin ------------------------------------------------------------------------------------

@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, ctx: CtxDep) -> HTMLResponse:
    require_admin(principal(request))
    return _users(request, ctx)


def _users(request: Request, ctx: Ctx, **extra: Any) -> HTMLResponse:
    users = [svc.user_dict(ctx, u) for u in svc.list_users(ctx)]
    slugs = [p.slug for p in projects.list_projects(ctx)]
    return render(request, "users.html", {"users": users, "slugs": slugs, "errors": {}, "created": None, **extra},
                  status_code=extra.pop("status_code", 200) if "status_code" in extra else 200)


@router.post("/admin/users", response_class=HTMLResponse)
def create_user(request: Request, ctx: CtxDep, email: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "",
                project: Annotated[str, Form()] = "") -> HTMLResponse:
    require_admin(principal(request))
    try:
        new = svc.create_user(ctx, email=email, role=role, project=project or None)
    except ImplhubError as exc:
        field = {"EMAIL": "email", "--role": "role", "--project": "project"}.get(exc.field or "", "email")
        return _users(request, ctx, errors={field: exc.message}, form={"email": email, "role": role, "project": project})
    return _users(request, ctx, created={"email": new.user.email, "password": new.password})


@router.post("/admin/users/{email}/reset", response_class=HTMLResponse)
def reset_user(request: Request, ctx: CtxDep, email: str) -> HTMLResponse:
    require_admin(principal(request))
    password = svc.reset_password(ctx, email=email)
    return _users(request, ctx, created={"email": email, "password": password})


# --- single sign-on (OIDC) -----------------------------------------------------------------------------

@router.get("/auth/oidc/login")
def oidc_login(request: Request, next: str = "/") -> RedirectResponse:
    return oidc.start(request, next_url=_safe_next(next))


@router.get("/auth/oidc/callback")
def oidc_callback(request: Request, ctx: CtxDep, code: str = "", state: str = "", error: str = "") -> RedirectResponse:
    email, next_url = oidc.finish(request, code=code, state=state, error=error)
    user = svc.sign_in_external(ctx, email=email)
    if user.must_change_password:
        # the provider vouched for the person: the unused one-time password is not needed any more
        user.password_hash, user.must_change_password = "", False
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    auth.set_session(response, request.app, user)
    response.delete_cookie(oidc.STATE_COOKIE)
    return response


__all__ = ["router", "install", "require_internal"]
