"""`implhub project`: create, list, show, update, revisions, diff."""

from __future__ import annotations

import typer
from rich.table import Table

from implhub.app import projects as svc
from implhub.cli.common import (
    console,
    context,
    err_console,
    handle_errors,
    print_json,
    read_file_arg,
)

project_app = typer.Typer(help="Implementation projects: created from the TDD, kept up to date.", no_args_is_help=True)


@project_app.command("create")
@handle_errors
def create_cmd(
    tdd: str = typer.Option(..., "--tdd", help="TDD file (.yaml or .md), or - for stdin"),
    slug: str | None = typer.Option(None, "--slug", help="Slug to use instead of one from the customer name"),
    new: bool = typer.Option(False, "--new", help="Create it even though the customer has an active project"),
    as_json: bool = typer.Option(False, "--json", help="Print the stored project"),
) -> None:
    """Validate the TDD and create the project; prints its slug. A customer with an active project is refused unless --new (or an own --slug)."""
    text = read_file_arg(tdd)
    with context() as ctx:
        result = svc.create(ctx, text=text, filename=tdd, slug=slug, new=new or None)
        out = svc.project_dict(ctx, result.project)
    if as_json:
        print_json(out)
    else:
        typer.echo(out["slug"])
    for w in result.warnings:
        err_console.print(f"[yellow]warning:[/] {w}", highlight=False)


@project_app.command("list")
@handle_errors
def list_cmd(as_json: bool = typer.Option(False, "--json"),
             all_: bool = typer.Option(False, "--all", help="Include archived projects")) -> None:
    """List the implementation projects (archived ones with --all)."""
    with context() as ctx:
        rows = [svc.project_dict(ctx, p, full=False) for p in svc.list_projects(ctx, include_archived=all_)]
    if as_json:
        print_json(rows)
        return
    table = Table("slug", "name", "state", "users", "repos", "cloud", "rev")
    for r in rows:
        table.add_row(r["slug"], r["name"], r["state"], f"{r['users'] or 0:,}", f"{r['repositories'] or 0:,}", str(r["cloud"]), str(r["revision"]))
    console.print(table)


@project_app.command("show")
@handle_errors
def show_cmd(slug: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show a project: design summary, environments, warnings."""
    with context() as ctx:
        out = svc.project_dict(ctx, svc.get_or_raise(ctx, slug=slug))
    if as_json:
        print_json(out)
        return
    d = out["design"]
    console.print(f"[bold]{out['name']}[/] ({out['slug']}), revision {out['revision']}, {out['state']}")
    c, s, dep = d["customer"], d["scale"], d["deployment"]
    console.print(f"package {c['package']}, {c['country']} {c['timezone']}; {dep['method']} on {dep['cloud']} {dep.get('region') or ''}")
    console.print(f"scale: {s['users']:,} users, {s['repositories']:,} repos, {s['total_repo_size_gb']:,g} GB total, largest {s['largest_repo_size_gb']:,g} GB, {s['monorepos']} monorepo(s)")
    ex = out["exceptional_scale"]
    if ex["exceptional"]:
        console.print("[magenta]exceptional scale:[/] " + "; ".join(ex["reasons"]))
    console.print("environments: " + ", ".join(f"{e['name']} ({e['kind']}{'' if e['origin'] == 'design' else ', ' + e['origin']})" for e in out["environments"]))
    console.print("code hosts: " + ", ".join(f"{h['kind']} {h['url']} ({h['repositories']:,})" for h in d["code_hosts"]))
    table = Table("side", "role", "name", "email")
    for st in d["stakeholders"]:
        table.add_row(st["side"], st["role"], st["name"], st["email"])
    console.print(table)
    for w in out["warnings"]:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)


@project_app.command("update")
@handle_errors
def update_cmd(slug: str, tdd: str = typer.Option(..., "--tdd"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Store a new revision of the design and show what changed."""
    text = read_file_arg(tdd)
    with context() as ctx:
        result = svc.update(ctx, slug=slug, text=text, filename=tdd)
        out = {"slug": slug, "revision": result.revision.number, "changes": [
            {"path": c.path, "kind": c.kind, "before": c.before, "after": c.after} for c in result.changes],
            "conflicts": result.conflicts, "warnings": result.warnings}
    if as_json:
        print_json(out)
        return
    if not result.changes:
        typer.echo(f"{slug}: no change; still revision {result.revision.number}")
        return
    typer.echo(f"{slug}: revision {result.revision.number}, {len(result.changes)} change(s)")
    for c in result.changes:
        typer.echo("  " + c.render())
    for conflict in result.conflicts:
        err_console.print(f"[yellow]conflict:[/] {conflict}", highlight=False)


@project_app.command("revisions")
@handle_errors
def revisions_cmd(slug: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """List every revision of the design."""
    with context() as ctx:
        rows = [svc.revision_dict(r) for r in svc.revisions(ctx, slug=slug)]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['number']:>3}  {r['created_at'][:19]}  {r['created_by']:<16} {r['source_name']}")


@project_app.command("diff")
@handle_errors
def diff_cmd(slug: str, old: int = typer.Argument(..., help="older revision"),
             new: int | None = typer.Argument(None, help="newer revision (default: current)"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """What changed between two revisions of the design."""
    with context() as ctx:
        changes = svc.diff_revisions(ctx, slug=slug, old=old, new=new)
    if as_json:
        print_json([{"path": c.path, "kind": c.kind, "before": c.before, "after": c.after} for c in changes])
        return
    for c in changes:
        typer.echo(c.render())


@project_app.command("reopen")
@handle_errors
def reopen_cmd(slug: str, reason: str = typer.Option(..., "--reason", help="Why the project is reopened (logged)"),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Reopen a complete, closed or archived project (an admin's decision): its plan, design and criteria can change again."""
    with context() as ctx:
        before = svc.get_or_raise(ctx, slug=slug).state
        out = svc.project_dict(ctx, svc.reopen(ctx, slug=slug, reason=reason), full=False)
        actor = ctx.actor
    if as_json:
        print_json(out)
    else:
        typer.echo(f"{slug}: reopened by {actor} (was {before}): {reason}")


@project_app.command("archive")
@handle_errors
def archive_cmd(slug: str, reason: str = typer.Option("", "--reason", help="Why, e.g. 'duplicate of acme-2'"),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Archive a project (a duplicate, a lost deal): hidden from the portfolio and reminders, its history kept."""
    with context() as ctx:
        out = svc.project_dict(ctx, svc.archive(ctx, slug=slug, reason=reason), full=False)
    if as_json:
        print_json(out)
    else:
        typer.echo(f"{slug}: archived; 'implhub project list --all' still lists it, 'implhub project reopen {slug} --reason TEXT' restores it")


def register(app: typer.Typer) -> None:
    app.add_typer(project_app, name="project")
