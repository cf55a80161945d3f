"""`implhub replica`: write a customer-shaped corpus, serve it over git smart HTTP, plan the
replica environment of a project."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from implhub.app import replica as svc
from implhub.cli.common import console, context, err_console, handle_errors, print_json
from implhub.errors import ValidationError
from implhub.replica import corpus as engine
from implhub.replica.server import connection_config, gitlab_connection, make_server
from implhub.replica.shape import GB, MB, CorpusSpec, parse_languages

replica_app = typer.Typer(help="Replica environment: customer-shaped synthetic repositories, served to Sourcegraph.",
                          no_args_is_help=True)


def _spec(project: str | None, repos: int | None, total_gb: float | None, largest_gb: float | None, monorepos: int,
          languages: str | None, history: int, seed: int, scale: float | None = None, end_date: str | None = None) -> CorpusSpec:
    if end_date:
        try:
            dt.date.fromisoformat(end_date)
        except ValueError:
            raise ValidationError(f"expected a date like 2026-11-30, got {end_date!r}", field="--end-date") from None
    if project is not None:
        with context() as ctx:
            spec, _ = svc.spec_for(ctx, project=project, history=history, seed=seed, scale=scale, repos=repos,
                                   total_gb=total_gb, largest_gb=largest_gb, end_date=end_date or "")
        if languages:
            spec = dataclasses.replace(spec, languages=parse_languages(languages))
        return spec
    if scale is not None:
        raise ValidationError("--scale scales a project's design: give --project SLUG with it", field="--scale")
    missing = [name for name, v in (("--repos", repos), ("--total-gb", total_gb), ("--largest-gb", largest_gb)) if v is None]
    if missing:
        raise ValidationError(f"missing {', '.join(missing)}: give --project SLUG or all of --repos, --total-gb, --largest-gb",
                              field=missing[0])
    assert repos is not None and total_gb is not None and largest_gb is not None
    if total_gb <= 0 or largest_gb <= 0:
        raise ValidationError("sizes must be above 0 GB", field="--total-gb" if total_gb <= 0 else "--largest-gb")
    spec = CorpusSpec(repositories=repos, total_bytes=int(round(total_gb * GB)), largest_bytes=int(round(largest_gb * GB)),
                      monorepos=monorepos, history=history, seed=seed, end_date=end_date or "")
    return dataclasses.replace(spec, languages=parse_languages(languages)) if languages else spec


@replica_app.command("corpus")
@handle_errors
def corpus_cmd(
    out_dir: Path = typer.Argument(..., help="Directory for the bare repositories (new, empty, or a corpus to resume)"),
    project: str | None = typer.Option(None, "--project", help="Take names, hosts, languages and shape from this project's design"),
    scale: float | None = typer.Option(None, "--scale", help="With --project: scale the design down by this factor, e.g. 0.01"),
    repos: int | None = typer.Option(None, "--repos", help="Number of repositories (with --project: instead of the design's)"),
    total_gb: float | None = typer.Option(None, "--total-gb", help="Total size of all bare repositories, GB = 10^9 bytes"),
    largest_gb: float | None = typer.Option(None, "--largest-gb", help="Size of the largest repository (matched exactly)"),
    monorepos: int = typer.Option(0, "--monorepos", help="How many of the largest repositories are monorepos"),
    languages: str | None = typer.Option(None, "--languages", help="Language mix, e.g. go:40,ts:30,java:30"),
    history: int = typer.Option(20, "--history", help="Commits per repository (small repositories get fewer)"),
    seed: int = typer.Option(1, "--seed", help="Same seed, same corpus"),
    end_date: str | None = typer.Option(None, "--end-date", help="Newest commits dated up to this day, YYYY-MM-DD (default: today, or the date a resumed corpus started with)"),
    jobs: int = typer.Option(1, "--jobs", help="Repositories written at once"),
    as_json: bool = typer.Option(False, "--json", help="Print the shape report as JSON"),
) -> None:
    """Write bare git repositories shaped like the customer's code (resumable; one fast-import per repo)."""
    spec = _spec(project, repos, total_gb, largest_gb, monorepos, languages, history, seed, scale, end_date)
    spec = engine.settle_end_date(out_dir, spec)
    engine.prepare(out_dir, spec, jobs=jobs)  # refuses before the progress bar starts
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                  TextColumn("{task.fields[size]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=err_console, transient=as_json) as bar:
        task = bar.add_task("replica corpus", total=spec.total_bytes, size="")

        def started(done: int, bytes_done: int) -> None:
            bar.update(task, completed=bytes_done, description=f"replica corpus ({done:,} of {spec.repositories:,} repos done before)"
                       if done else "replica corpus")

        def step(p: engine.Progress) -> None:
            bar.update(task, completed=p.bytes_done, size=f"{p.done:,}/{p.total:,} repos, {p.bytes_done / MB:,.0f} MB, last {p.repo.name}")

        result = engine.generate(out_dir, spec, jobs=jobs, on_progress=step, started=started)
    report = result.to_dict()
    if project is not None:
        with context() as ctx:
            svc.record_corpus(ctx, project=project, report=report)
    if as_json:
        print_json(report)
        return
    _print_report(report)


def _print_report(report: dict[str, object]) -> None:
    t, a = report["target"], report["achieved"]
    assert isinstance(t, dict) and isinstance(a, dict)
    table = Table("", "target", "achieved", title=f"replica corpus in {report['out_dir']}")
    table.add_row("repositories", f"{t['repositories']:,}", f"{a['repositories']:,}")
    table.add_row("total bytes", f"{t['total_bytes']:,}", f"{a['total_bytes']:,} ({a['deviation']['total_bytes']:+.2%})")
    table.add_row("largest bytes", f"{t['largest_bytes']:,}", f"{a['largest_bytes']:,}")
    table.add_row("monorepos", str(t["monorepos"]), str(a["monorepos"]))
    hosts = report.get("hosts")
    assert isinstance(hosts, dict)
    table.add_row("code hosts", "", ", ".join(f"{h} {n:,}" for h, n in hosts.items()))
    table.add_row("newest tree / packed", f"{t['tree_ratio']:g}", f"{a['tree_ratio']:g}")
    table.add_row("newest commit", str(report.get("end_date")), str(a.get("newest_commit")))
    table.add_row("languages", ", ".join(f"{k} {v:.0%}" for k, v in t["languages"].items()),
                  ", ".join(f"{k} {v:.0%}" for k, v in a["languages"].items()))
    table.add_row("commits / files", "", f"{a['commits']:,} / {a['files']:,} ({a['binary_files']:,} binary, {a['files_over_1mb']:,} over 1 MB)")
    console.print(table)
    if report.get("scaled"):
        d = report["design"]
        assert isinstance(d, dict)
        console.print(f"[yellow]scaled down[/] from the design's {d['repositories']:,} repositories, {d['total_bytes'] / GB:g} GB, "
                      f"largest {d['largest_bytes'] / GB:g} GB (factor {report['scale']:g})")
    verdict = "[green]within tolerance[/]" if a["within_tolerance"] else "[red]outside tolerance[/]"
    console.print(f"{verdict} (count and total within 5%, largest exact); {a['resumed']:,} repositories kept from an earlier run")


@replica_app.command("serve")
@handle_errors
def serve_cmd(
    out_dir: Path = typer.Argument(..., help="The corpus directory"),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = typer.Option(8900, "--port", help="Port (0 picks a free one)"),
    quiet: bool = typer.Option(False, "--quiet", help="Do not log requests"),
    kind: str = typer.Option("other", "--connection", help="Which connection to print on stdout: other (generic git, every repository) or gitlab (one per GitLab code host)"),
) -> None:
    """Serve the corpus over git smart HTTP (and a GitLab API per code host); print Sourcegraph's code host connection."""
    if kind not in ("other", "gitlab"):
        raise ValidationError(f"expected other or gitlab, got {kind!r}", field="--connection")
    server = make_server(out_dir, host=host, port=port, log=None if quiet else (lambda m: err_console.print(m, highlight=False)))
    config = connection_config(server.url, server.names)
    gitlab_hosts = svc.gitlab_hosts(out_dir, list(server.projects))
    err_console.print(f"serving {len(config['repos']):,} repositories of {len(server.projects)} code host(s) on {server.url} (Ctrl-C stops)")
    for h, items in server.projects.items():
        err_console.print(f"  {h}: {len(items):,} repositories, GitLab API {server.url}/{h}/api/v4/projects", highlight=False)
    if kind == "gitlab":
        if not gitlab_hosts:
            raise ValidationError("no code host of this corpus is a GitLab in the design; use --connection other", field="--connection")
        err_console.print("Sourcegraph: Site admin > Code host connections > GitLab, one connection per host:")
        typer.echo(json.dumps([gitlab_connection(server.url, h) for h in gitlab_hosts], indent=2))
    else:
        err_console.print('Sourcegraph: Site admin > Code host connections > Generic Git host ("other"), with:')
        typer.echo(json.dumps(config, indent=2))
        if gitlab_hosts:
            err_console.print(f"(GitLab hosts {', '.join(gitlab_hosts)}: --connection gitlab prints their GitLab connections)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@replica_app.command("plan")
@handle_errors
def plan_cmd(
    slug: str = typer.Argument(..., help="Project slug"),
    history: int = typer.Option(20, "--history", help="Commits per repository in the corpus"),
    seed: int = typer.Option(1, "--seed", help="Seed of the corpus"),
    as_json: bool = typer.Option(False, "--json", help="Print the recorded environment as JSON"),
) -> None:
    """Record the replica environment of a project: corpus, sizing, load-test profile, plan tasks."""
    with context() as ctx:
        out = svc.plan(ctx, project=slug, history=history, seed=seed)
    if as_json:
        print_json(out)
        return
    c = out["corpus"]
    console.print(f"[bold]replica[/] environment of {slug} recorded")
    console.print(f"corpus: {c['repositories']:,} repos, {c['total_gb']:g} GB, largest {c['largest_gb']:g} GB, "
                  f"{c['monorepos']} monorepo(s); languages {', '.join(f'{k} {v:.0%}' for k, v in c['languages'].items())} "
                  f"({c['languages_source']})")
    s = out["sizing"]
    console.print(f"sizing: {s['status']}" + (f" - {s['note']}" if s.get("note") else ""))
    lp = out["load_profile"]
    console.print(f"load test: {lp['kind']} with {lp['vus']:,} virtual users, then {', '.join(lp['then'])}")
    tasks = out["plan"]["tasks"]
    console.print(f"plan: {out['plan']['status']}" + "".join(f"\n  {t['id']}: {t.get('title', '')}" for t in tasks))
    console.print(f"next: {c['command']}")


def register(app: typer.Typer) -> None:
    app.add_typer(replica_app, name="replica")
