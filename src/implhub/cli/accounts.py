"""`implhub user`, `implhub token`, `implhub share`: accounts, API tokens and share links."""

from __future__ import annotations

import typer
from rich.table import Table

from implhub.app import accounts as svc
from implhub.cli.common import console, context, handle_errors, print_json

user_app = typer.Typer(help="Accounts of the web app: admin, internal, customer.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts (sent as 'Authorization: Bearer TOKEN').", no_args_is_help=True)
share_app = typer.Typer(help="Share links: the external plan for a customer, expiring and revocable.", no_args_is_help=True)


@user_app.command("create")
@handle_errors
def user_create(
    email: str = typer.Argument(..., help="the person's email (an internal user's role comes from the design's stakeholder with it)"),
    role: str = typer.Option(..., "--role", help="admin | internal | customer"),
    project: str | None = typer.Option(None, "--project", help="the project a customer account sees (required for customers)"),
    name: str = typer.Option("", "--name", help="display name (default: the stakeholder's name or the email)"),
    as_json: bool = typer.Option(False, "--json", help="print the account and its one-time password as JSON"),
) -> None:
    """Create an account and print its one-time password (shown once; changed at first sign-in)."""
    with context() as ctx:
        new = svc.create_user(ctx, email=email, role=role, project=project, name=name)
        out = {**svc.user_dict(ctx, new.user), "password": new.password}
    if as_json:
        print_json(out)
        return
    typer.echo(f"created {out['role']} account {out['email']}" + (f" for {project}" if project and role == "customer" else ""))
    typer.echo(f"one-time password (shown once, must be changed at first sign-in): {new.password}")


@user_app.command("list")
@handle_errors
def user_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the accounts."""
    with context() as ctx:
        rows = [svc.user_dict(ctx, u) for u in svc.list_users(ctx)]
    if as_json:
        print_json(rows)
        return
    table = Table("email", "name", "role", "projects", "active", "last sign-in")
    for r in rows:
        projects = r["projects"]
        table.add_row(str(r["email"]), str(r["name"]), str(r["role"]),
                      ", ".join(str(x) for x in projects) if isinstance(projects, list) else "",
                      "yes" if r["active"] else "no", str(r["last_login_at"] or "")[:16])
    console.print(table)


@user_app.command("reset-password")
@handle_errors
def user_reset(email: str = typer.Argument(..., help="the account's email")) -> None:
    """Give an account a new one-time password (ends its sessions); prints it once."""
    with context() as ctx:
        password = svc.reset_password(ctx, email=email)
    typer.echo(f"one-time password for {email.strip().lower()} (shown once): {password}")


@user_app.command("grant")
@handle_errors
def user_grant(email: str = typer.Argument(...), project: str = typer.Option(..., "--project", help="project slug")) -> None:
    """Let a customer account see another project's external part."""
    with context() as ctx:
        svc.grant(ctx, email=email, project=project)
    typer.echo(f"{email} may see {project}")


@user_app.command("disable")
@handle_errors
def user_disable(email: str = typer.Argument(...)) -> None:
    """Disable an account: its sessions and API tokens stop working at once."""
    with context() as ctx:
        svc.set_active(ctx, email=email, active=False)
    typer.echo(f"disabled {email}")


@user_app.command("enable")
@handle_errors
def user_enable(email: str = typer.Argument(...)) -> None:
    """Enable a disabled account again."""
    with context() as ctx:
        svc.set_active(ctx, email=email, active=True)
    typer.echo(f"enabled {email}")


@token_app.command("create")
@handle_errors
def token_create(
    email: str = typer.Argument(..., help="the account the token acts as"),
    name: str = typer.Option(..., "--name", help="what the token is for"),
    expires_days: int | None = typer.Option(None, "--expires-days", help="days until it stops working (default: until revoked)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create an API token for scripts; prints it once (only its hash is stored)."""
    with context() as ctx:
        new = svc.create_token(ctx, email=email, name=name, expires_days=expires_days)
        out = {**svc.token_dict(new.token, email.strip().lower()), "token": new.secret}
    if as_json:
        print_json(out)
        return
    typer.echo(new.secret)


@token_app.command("list")
@handle_errors
def token_list(email: str | None = typer.Option(None, "--user", help="only this account's tokens"),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """List API tokens (never the secrets)."""
    with context() as ctx:
        rows = [svc.token_dict(t, e) for t, e in svc.list_tokens(ctx, email=email)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "user", "name", "starts with", "expires", "last used", "state")
    for r in rows:
        table.add_row(str(r["id"]), str(r["user"]), str(r["name"]), f"{r['prefix']}...", str(r["expires_at"] or "never")[:10],
                      str(r["last_used_at"] or "")[:16], "revoked" if r["revoked"] else "active")
    console.print(table)


@token_app.command("revoke")
@handle_errors
def token_revoke(token_id: int = typer.Argument(..., help="the id from 'implhub token list'")) -> None:
    """Revoke an API token: it stops working at once."""
    with context() as ctx:
        svc.revoke_token(ctx, token_id=token_id)
    typer.echo(f"revoked token {token_id}")


@share_app.command("create")
@handle_errors
def share_create(
    slug: str = typer.Argument(..., help="project slug"),
    expires_days: int = typer.Option(svc.SHARE_DEFAULT_DAYS, "--expires-days", help="days until the link stops working"),
    as_json: bool = typer.Option(False, "--json", help="print id, url, ics_url and expiry as JSON"),
) -> None:
    """Create a share link to the external plan and print its URL (shown once; uses IMPLHUB_BASE_URL)."""
    with context() as ctx:
        new = svc.create_share(ctx, slug=slug, expires_days=expires_days)
        out = {**svc.share_dict(ctx, new.share), "project": new.slug, "url": new.url, "ics_url": new.url + "/calendar.ics"}
    if as_json:
        print_json(out)
        return
    typer.echo(new.url)


@share_app.command("list")
@handle_errors
def share_list(slug: str = typer.Argument(..., help="project slug"), as_json: bool = typer.Option(False, "--json")) -> None:
    """List a project's share links (never their URLs)."""
    with context() as ctx:
        rows = [svc.share_dict(ctx, s) for s in svc.list_shares(ctx, slug=slug)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "starts with", "created", "by", "expires", "state")
    for r in rows:
        table.add_row(str(r["id"]), f"{r['prefix']}...", str(r["created_at"])[:16], str(r["created_by"]),
                      str(r["expires_at"])[:10], str(r["state"]))
    console.print(table)


@share_app.command("revoke")
@handle_errors
def share_revoke(slug: str = typer.Argument(..., help="project slug"),
                 share_id: int = typer.Argument(..., help="the id from 'implhub share list SLUG'")) -> None:
    """Revoke a share link: it stops working at once."""
    with context() as ctx:
        svc.revoke_share(ctx, slug=slug, share_id=share_id)
    typer.echo(f"revoked share link {share_id} of {slug}")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(share_app, name="share")
