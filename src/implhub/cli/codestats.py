"""`implhub codestats scan|hosts` and `implhub instance stats`."""

from __future__ import annotations

import csv
import os
import sys
import time
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from implhub.app import codestats as svc
from implhub.app.projects import get_or_raise, resolve_environment
from implhub.cli.common import console, context, err_console, handle_errors, print_json
from implhub.codehosts import KINDS as HOST_KINDS
from implhub.errors import ExitCode, ValidationError

codestats_app = typer.Typer(help="Code statistics: scan repositories, inventory code hosts.", no_args_is_help=True)
instance_app = typer.Typer(help="The live Sourcegraph instance: version, repositories, code hosts, users.",
                           no_args_is_help=True)


def _token(var: str) -> str:
    if not var or not var.replace("_", "").isalnum():
        raise ValidationError("expected the NAME of an environment variable holding the token (not the token itself)",
                              field="--token-env")
    value = os.environ.get(var, "")
    if not value:
        raise ValidationError(f"the environment variable {var} is not set or empty; export it with the token first",
                              field="--token-env")
    return value


@codestats_app.command("scan")
@handle_errors
def scan_cmd(
    paths: list[str] = typer.Argument(..., help="Directories holding git repositories (working trees or bare)"),
    project: str | None = typer.Option(None, "--project", help="Store the result as evidence on this project"),
    jobs: int = typer.Option(0, "--jobs", help="Worker processes (0: one per core)"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
    as_csv: bool = typer.Option(False, "--csv", help="Print one CSV row per repository"),
) -> None:
    """Count files, bytes and lines per language in every repository's default branch, and what
    Sourcegraph's search index would hold. Exit code 1 when some repository could not be read."""
    if as_json and as_csv:
        raise ValidationError("choose one of --json and --csv", field="--json")
    with Progress(TextColumn("[bold]scan[/]"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err_console, transient=True,
                  disable=not err_console.is_terminal) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total or None, description=os.path.basename(label))

        with context() as ctx:
            result = svc.scan(ctx, paths=paths, project=project, jobs=jobs, on_progress=progress)
    if as_json:
        print_json(result)
    elif as_csv:
        keys = ["path", "bare", "branch", "files", "bytes", "code", "comment", "blank", "indexable_files",
                "indexable_bytes", "indexable_lines", "binary_files", "large_files", "vendored_files", "generated_files"]
        w = csv.writer(sys.stdout)
        w.writerow(keys)
        for r in result["repositories"]:
            w.writerow([r[k] for k in keys])
    else:
        _print_scan(result)
    for warning in result.get("warnings", []):
        err_console.print("[yellow]warning:[/] " + escape(warning), highlight=False, soft_wrap=True)
    for f in result["failed"]:
        err_console.print(f"[red]failed:[/] {f['path']}: {f['error']}", highlight=False, soft_wrap=True)
    if result["failed"]:
        raise typer.Exit(int(ExitCode.FAILED))


def _print_scan(result: dict[str, Any]) -> None:
    t = result["totals"]
    table = Table("language", "files", "code", "comment", "blank")
    for name, lc in list(result["languages"].items())[:25]:
        table.add_row(name, f"{lc['files']:,}", f"{lc['code']:,}", f"{lc['comment']:,}", f"{lc['blank']:,}")
    console.print(table)
    console.print(f"{t['repositories']} repositories, {t['files']:,} files, {t['bytes'] / 1e6:,.1f} MB; "
                  f"{t['code']:,} code, {t['comment']:,} comment, {t['blank']:,} blank lines")
    console.print(f"search index: {t['indexable_files']:,} files, {t['indexable_bytes'] / 1e6:,.1f} MB, "
                  f"{t['indexable_lines']:,} lines ({t['binary_files']:,} binary, {t['large_files']:,} over 1 MiB skipped)")
    console.print(f"vendored: {t['vendored_files']:,} files; generated: {t['generated_files']:,} files")
    if t.get("largest"):
        console.print(f"largest repository: {t['largest']['path']} ({t['largest']['bytes'] / 1e6:,.1f} MB)")
    if "evidence_id" in result:
        console.print(f"stored as evidence #{result['evidence_id']}")


@codestats_app.command("hosts")
@handle_errors
def hosts_cmd(
    kind: str = typer.Option(..., "--kind", help=", ".join(HOST_KINDS)),
    url: str = typer.Option(..., "--url", help="Base URL of the code host"),
    token_env: str = typer.Option(..., "--token-env", help="Name of the environment variable holding the token"),
    scope: list[str] = typer.Option([], "--scope", help="Organization, group, project or workspace (repeatable)"),
    project: str | None = typer.Option(None, "--project", help="Store the inventory as evidence on this project"),
    as_json: bool = typer.Option(False, "--json", help="Print the inventory as JSON"),
) -> None:
    """Count the host's repositories, sum their sizes as the host reports them, find the largest,
    and count forks and archived repositories."""
    token = _token(token_env)
    with Progress(TextColumn("[bold]{task.description}[/]"), TextColumn("{task.completed:,} repositories"),
                  TimeElapsedColumn(), console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task(kind, total=None)
        with context() as ctx:
            data = svc.hosts(ctx, kind=kind, url=url, token=token, scopes=scope, project=project,
                             on_repo=lambda n: bar.update(task, completed=n))
    if as_json:
        print_json(data)
        return
    size = f"{data['total_bytes'] / 1e9:,.2f} GB" if data["total_bytes"] is not None else "sizes not reported"
    console.print(f"{data['kind']} {data['url']}: {data['repositories']:,} repositories, {size}; "
                  f"{data['forks']:,} forks, {data['archived']:,} archived")
    if data["largest"]:
        console.print(f"largest: {data['largest']['name']} ({data['largest']['bytes'] / 1e6:,.1f} MB)")
    for n in data["notes"]:
        console.print(f"[yellow]note:[/] {n}", highlight=False)
    if data.get("waited_seconds"):
        console.print(f"waited {data['waited_seconds']} s for the host's rate limit")


@instance_app.command("stats")
@handle_errors
def stats_cmd(
    url: str = typer.Option(..., "--url", help="The instance's URL, e.g. https://sourcegraph.example.com"),
    token_env: str = typer.Option(..., "--token-env", help="Name of the environment variable holding a site admin's access token"),
    project: str | None = typer.Option(None, "--project", help="Store the snapshot on this project"),
    env: str | None = typer.Option(None, "--env", help="The project's environment this instance is (default: the production one)"),
    watch: bool = typer.Option(False, "--watch", help="Poll until cloning and indexing reach the totals or stall"),
    interval: float = typer.Option(30.0, "--interval", help="Seconds between polls with --watch"),
    stall_minutes: float = typer.Option(30.0, "--stall-minutes", help="With --watch: stop when nothing moved this long"),
    as_json: bool = typer.Option(False, "--json", help="Print the snapshot as JSON"),
) -> None:
    """Product version, repository statistics, code host connections and user count of a live
    instance; stored on the project's environment. Exit code 1 when --watch stops on a stall."""
    token = _token(token_env)
    if not watch:
        with context() as ctx:
            snap = svc.instance_stats(ctx, url=url, token=token, project=project, environment=env)
        _print_snapshot(snap, as_json)
        return
    from implhub.sourcegraph import assess_progress

    history: list[tuple[float, dict[str, Any]]] = []
    start = time.monotonic()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
                  TimeElapsedColumn(), console=err_console, transient=False, disable=not err_console.is_terminal) as bar:
        cloned = bar.add_task("cloned ", total=None)
        indexed = bar.add_task("indexed", total=None)
        while True:
            with context() as ctx:
                snap = svc.instance_stats(ctx, url=url, token=token, project=project, environment=env, store=False)
            stats = snap["repository_stats"]
            history.append((time.monotonic() - start, stats))
            bar.update(cloned, completed=stats.get("cloned", 0), total=stats.get("total") or None)
            bar.update(indexed, completed=stats.get("indexed", 0), total=stats.get("total") or None)
            verdict = assess_progress(history, stall_after=stall_minutes * 60)
            if verdict.done or verdict.stalled:
                break
            time.sleep(interval)
    snap["watch"] = {"done": verdict.done, "stalled": verdict.stalled, "still_seconds": round(verdict.still_for),
                     "polls": len(history), "message": verdict.message}
    if project:
        with context() as ctx:
            target = get_or_raise(ctx, slug=project)
            svc.record_snapshot(ctx, project=target, environment=resolve_environment(target, env).name, snapshot=snap)
    _print_snapshot(snap, as_json)
    err_console.print(verdict.message, highlight=False)
    if verdict.stalled:
        raise typer.Exit(int(ExitCode.FAILED))


def _print_snapshot(snap: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(snap)
        return
    s = snap["repository_stats"]
    console.print(f"Sourcegraph {snap['version']} at {snap['url']}: {snap['users']:,} users")
    console.print(f"repositories: {s.get('total', 0):,} total, {s.get('cloned', 0):,} cloned, {s.get('cloning', 0):,} cloning, "
                  f"{s.get('notCloned', 0):,} not cloned, {s.get('failedFetch', 0):,} failed, {s.get('indexed', 0):,} indexed"
                  + (f", {s['corrupted']:,} corrupted" if "corrupted" in s else ""))
    console.print(f"{s.get('gitDirBytes', 0) / 1e9:,.2f} GB on gitserver, {s.get('indexedLinesCount', 0):,} lines indexed")
    table = Table("kind", "name", "repositories", "last sync error")
    for h in snap["code_hosts"]:
        table.add_row(h["kind"], h["name"], f"{h['repositories']:,}", h.get("last_sync_error") or "")
    console.print(table)
    if snap.get("missing_fields"):
        console.print(f"[yellow]note:[/] this instance has no {', '.join(snap['missing_fields'])} field (older version)",
                      highlight=False)


def register(app: typer.Typer) -> None:
    """Add `codestats` and `instance` to the root app."""
    app.add_typer(codestats_app, name="codestats")
    app.add_typer(instance_app, name="instance")

