"""`implhub rightsize` (usage -> recommendations and an override) and `implhub version`
(version currency)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from implhub.app import rightsize as svc
from implhub.cli.common import (
    console,
    context,
    err_console,
    handle_errors,
    print_json,
    read_file_arg,
)
from implhub.errors import ImplhubError, ValidationError
from implhub.rightsize import queries
from implhub.rightsize.quantity import human_cpu

version_app = typer.Typer(help="Version currency: the running Sourcegraph version against the newest release.",
                          no_args_is_help=True)


@handle_errors
def rightsize_cmd(
    slug: str = typer.Argument(..., help="project slug"),
    env: str | None = typer.Option(None, "--env", help="environment whose usage this is (e.g. prod)"),
    prometheus: str | None = typer.Option(None, "--prometheus", help="URL of the Prometheus that ships with Sourcegraph"),
    from_file: str | None = typer.Option(None, "--from-file", help="dump of the queries (directory or JSON file)"),
    window: str = typer.Option("14d", "--window", help="usage window: 14d, 36h, 90m, 2w"),
    namespace: str | None = typer.Option(None, "--namespace", help="only this Kubernetes namespace (one cluster, several environments)"),
    values: str | None = typer.Option(None, "--values", help="the Helm values file in use (current requests and limits)"),
    chart_version: str | None = typer.Option(None, "--chart-version", help="chart version the values and override are for"),
    out: str | None = typer.Option(None, "--out", help="write the Helm override (only the changes) to this file"),
    print_queries: bool = typer.Option(False, "--print-queries", help="print the PromQL queries and a script that dumps them"),
    strategy: str = typer.Option("krr-simple", "--strategy",
                                 help="krr-simple (CPU p95, memory max + 15%) or krr-simple-legacy (CPU p99, memory max + 5%)"),
    keep_cpu_limits: bool = typer.Option(False, "--keep-cpu-limits",
                                         help="keep CPU limits (a throttled one raised to 2 x the new request) instead of removing them"),
    allow_memory_cut: bool = typer.Option(False, "--allow-memory-cut",
                                          help="cut the memory of a throttled service in the same run"),
    as_json: bool = typer.Option(False, "--json", help="print the stored result as JSON"),
) -> None:
    """Recommend requests and limits from live usage, flag OOM-killed and throttled containers
    first, store the result as evidence and write a Helm override holding only the changes."""
    if print_queries:
        _print_queries(slug, window, namespace, as_json)
        return
    if env is None:
        raise ValidationError("expected the environment, e.g. --env prod", field="--env")
    values_text = read_file_arg(values) if values else None
    with context() as ctx:
        result = svc.run(ctx, slug=slug, environment=env, prometheus=prometheus, dump=from_file, window=window,
                         values_text=values_text, values_name=values, chart_version=chart_version, namespace=namespace,
                         strategy=strategy, keep_cpu_limits=keep_cpu_limits, allow_memory_cut=allow_memory_cut)
    if out:
        try:
            Path(out).write_text(result["override_yaml"], encoding="utf-8")
        except OSError as exc:
            raise ImplhubError(f"cannot write the override: {exc.strerror}", file=out) from None
    if as_json:
        print_json(result)
        return
    _show(result)
    if out:
        console.print(f"override with {len(result['changes'])} change(s) written to {out}", highlight=False)


def _print_queries(slug: str, window: str, namespace: str | None, as_json: bool) -> None:
    script = queries.dump_script(window, slug=slug, namespace=namespace)
    if as_json:
        print_json({"window": window, "queries": queries.plan(window, namespace=namespace), "script": script})
        return
    typer.echo(script, nl=False)


def _show(r: dict) -> None:  # type: ignore[type-arg]
    console.print(f"[bold]right-sizing of {r['environment']}[/] over {r['window']} "
                  f"({r['window_start'][:16]} .. {r['window_end'][:16]} UTC) from {r['source']}", highlight=False)
    console.print(f"strategy: {r['strategy']['name']}; current values: {r['current_basis']}", highlight=False)
    console.print(f"evidence: {r['window_days']:g} day(s) of samples, "
                  + ("full strength" if r["full_strength"] else "[yellow]partial (not full-strength for exit criterion 8)[/]"),
                  highlight=False)
    for w in r.get("warnings") or []:
        err_console.print(f"[yellow]warning:[/] {w}", highlight=False)
    table = Table("service", "flags", "CPU cores p50 p95 p99 max", "memory GiB p50 p95 p99 max", "now req / lim (source)",
                  "new req / lim")
    for s in r["services"]:
        if s["status"] != "ok":
            continue
        c, m = s["cpu"], s["memory"]
        cur, rec = s["current"], s["recommended"]
        table.add_row(
            s["service"], " ".join(s["flags"]) or "",
            " ".join(human_cpu(c[k]) for k in ("p50", "p95", "p99", "max")) if c else "-",
            " ".join(f"{m[k] / 2**30:.2f}" for k in ("p50", "p95", "p99", "max")) if m else "-",
            f"{cur['requests']['cpu'] or '-'} {cur['requests']['memory'] or '-'} / {cur['limits']['cpu'] or '-'} "
            f"{cur['limits']['memory'] or '-'} ({cur['source'] or '?'})",
            f"{rec['requests'].get('cpu') or '-'} {rec['requests'].get('memory') or '-'} / "
            f"{rec['limits'].get('cpu') or 'none'} {rec['limits'].get('memory') or '-'}",
        )
    console.print(table)
    for s in r["services"]:
        for note in (s.get("notes") or []) if s["status"] == "ok" else []:
            err_console.print(f"[yellow]{s['service']}:[/] {note}", highlight=False)
    if r["no_data"]:
        err_console.print(f"[yellow]no samples over {r['window']}, nothing recommended:[/] {', '.join(r['no_data'])} "
                          "(is each running, and does Prometheus scrape cAdvisor on its node?)", highlight=False)
    for ch in r["changes"]:
        console.print(f"  {ch['path']}: {ch['from'] or 'unset'} -> {ch['to'] if ch['to'] is not None else 'none'}  "
                      f"[{ch.get('strategy', '')}] ({ch['reason']})", highlight=False, markup=False)
    for d in r.get("current_disagreements") or []:
        err_console.print(f"[yellow]values file vs cluster:[/] {d}", highlight=False)
    cost = r["cost"]
    if "monthly_change" in cost:
        console.print(f"requested {cost['cpu_before']:g} -> {cost['cpu_after']:g} vCPU, {cost['memory_gib_before']:.1f} -> "
                      f"{cost['memory_gib_after']:.1f} GiB; monthly {cost['monthly_before']:,.0f} -> {cost['monthly_after']:,.0f} "
                      f"{cost['currency']} ({cost['monthly_change']:+,.0f}); {cost['method']}", highlight=False)
    comp = r["comparison"]
    if comp["services"]:
        console.print("against the original estimate:")
        for row in comp["services"]:
            parts = [f"{k} {row[k]['verdict']} ({row[k]['estimate']} vs {row[k]['recommended']}, {row[k]['difference_pct']:+.0f}%)"
                     + (f": {row[k]['note']}" if row[k].get("note") else "") for k in ("cpu", "memory") if k in row]
            console.print(f"  {row['service']}: " + "; ".join(parts), highlight=False)
    elif not comp["estimate_found"]:
        console.print("no stored size estimate for this environment to compare with", style="dim")
    unmatched = r.get("unmatched_containers") or []
    if unmatched:
        console.print(f"containers not matched to a Sourcegraph service: {len(unmatched)}", style="dim")
        for u in unmatched:
            console.print(f"  {u['namespace']}/{u['pod']}/{u['container']}: {u['reason']}", style="dim", highlight=False,
                          markup=False)
    elif r["ignored_containers"]:
        console.print(f"not Sourcegraph containers, ignored: {len(r['ignored_containers'])}", style="dim")


@version_app.command("check")
@handle_errors
def version_check_cmd(
    slug: str = typer.Argument(..., help="project slug"),
    env: str = typer.Option(..., "--env", help="environment (e.g. prod)"),
    version: str | None = typer.Option(None, "--version", help="the running version, when there is no instance snapshot"),
    as_json: bool = typer.Option(False, "--json", help="print the stored result as JSON"),
) -> None:
    """The running version against the newest known release: minors behind, whether a
    multi-version upgrade is needed. Stored as evidence for exit criterion 9."""
    with context() as ctx:
        data = svc.check_version(ctx, slug=slug, environment=env, version=version)
    if as_json:
        print_json(data)
        return
    console.print(f"{env}: Sourcegraph {data['running']} ({data['version_source']}); newest known {data['newest']}"
                  f" (release table of {data['table_as_of']})", highlight=False)
    console.print(f"{data['verdict']}; upgrade: {data['upgrade']}"
                  + (f"; missed: {', '.join(data['missed'])}" if data["missed"] else ""), highlight=False)


@version_app.command("refresh")
@handle_errors
def version_refresh_cmd(
    url: str = typer.Option(..., "--url", help="a release table (YAML/JSON, as shipped) or GitHub releases JSON"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Update the release table from a URL (kept in the data directory)."""
    with context() as ctx:
        out = svc.refresh_releases(ctx, url=url)
    if as_json:
        print_json(out)
    else:
        typer.echo(f"release table from {out['source']}: {out['releases']} releases, newest {out['newest']}, as of {out['as_of']}")


def register(app: typer.Typer) -> None:
    """Add this area's commands or command groups to the root app."""
    app.command("rightsize")(rightsize_cmd)
    app.add_typer(version_app, name="version")
