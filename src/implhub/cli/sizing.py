"""`implhub size estimate|nodes|export`: sizing from a project's design or from explicit inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from implhub.app import sizing as app_sizing
from implhub.cli.common import console, context, handle_errors, print_json, read_file_arg
from implhub.errors import ValidationError
from implhub.sizing.data import parse_catalog
from implhub.sizing.inputs import SizingInputs

size_app = typer.Typer(help="Sizing: official estimator vs recommended, node pools and cost, Helm/Compose overrides.",
                       no_args_is_help=True)

SLUG = typer.Argument(None, metavar="[SLUG]", help="Project slug (same as --project).")
PROJECT = typer.Option(None, "--project", help="Size this project from its design (and code statistics).")
USERS = typer.Option(None, "--users", help="Users the instance must support.")
REPOS = typer.Option(None, "--repos", help="Number of repositories.")
TOTAL = typer.Option(None, "--total-gb", help="Total size of all repositories, GB.")
LARGEST = typer.Option(None, "--largest-gb", help="Size of the largest repository, GB.")
INDEX = typer.Option(0.0, "--largest-index-gb", help="Largest precise (SCIP) index, GB; 0 = precise code intel off.")
INSIGHTS = typer.Option(False, "--code-insights", help="Code Insights is on.")
MONOREPOS = typer.Option(0, "--monorepos", help="Number of monorepos.")
CONCURRENT = typer.Option(None, "--concurrent-users", help="Peak concurrent users (default: a fifth of the users).")
ENV = typer.Option(None, "--env", help="Environment of the project (default: the production one; a name, or a kind: prod, staging, dev, ...).")
CHART = typer.Option(None, "--chart-version", help="Target chart version (default: the design's version, else the newest).")
JSON = typer.Option(False, "--json", help="Print the result as JSON.")
ONE_FAMILY = typer.Option(False, "--one-family", help="Every node group of the plan from one instance family.")
SPARE = typer.Option(None, "--spare/--no-spare",
                     help="Survive the loss of any one node (default: for production and environments with parity).")


def _inputs(project: str | None, slug: str | None, users: int | None, repos: int | None, total: float | None,
            largest: float | None, index: float, insights: bool, monorepos: int, concurrent: int | None,
            ) -> tuple[str | None, SizingInputs | None]:
    proj = project or slug
    explicit = [users, repos, total, largest]
    if proj is not None:
        if any(v is not None for v in explicit) or index or insights or monorepos or concurrent is not None:
            raise ValidationError("give either --project SLUG or explicit inputs, not both", field="--project")
        return proj, None
    missing = [name for name, v in zip(("--users", "--repos", "--total-gb", "--largest-gb"), explicit, strict=True) if v is None]
    if missing:
        raise ValidationError(f"missing {', '.join(missing)}; give them or --project SLUG", field=missing[0])
    assert users is not None and repos is not None and total is not None and largest is not None
    return None, SizingInputs(users=users, repositories=repos, total_repo_size_gb=total, largest_repo_size_gb=largest,
                              largest_index_size_gb=index, code_insights=insights, monorepos=monorepos,
                              concurrent_users=concurrent)


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


def _short(x: Any) -> str:
    """A number in at most four characters' worth of precision (0.25, 1.1, 38, 929)."""
    if x is None:
        return "-"
    v = float(x)
    if v >= 10 or v.is_integer():
        return f"{v:.0f}"
    return f"{v:.2f}".rstrip("0").rstrip(".") if v < 1 else f"{v:.1f}".rstrip("0").rstrip(".")


def _pair(pair: dict[str, Any]) -> str:
    """request-limit, or the request alone when both are the same."""
    req, lim = _short(pair.get("request")), _short(pair.get("limit"))
    return req if req == lim else f"{req}-{lim}"


def _print_estimate(result: dict[str, Any]) -> None:
    """The estimate as a table that reads at 80 columns: numbers in narrow columns, the reasons
    under the table, one service a line."""
    off, rec = result["official"], result["recommended"]
    from rich import box

    from implhub.sizing.recommended import CHART_KEY

    by_chart = {CHART_KEY[k]: v for k, v in off["services"].items()}
    table = Table(title=f"Sizing ({result.get('environment') or 'explicit inputs'}, chart {result['chart_version']}): "
                        "official r/cpu/GB | recommended r/cpu/GB/disk Gi",
                  box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, title_justify="left")
    table.add_column("service", no_wrap=True)
    for col in ("r", "cpu", "GB", "| r", "cpu", "GB", "Gi"):
        table.add_column(col, justify="right", no_wrap=True)
    notes: list[str] = []
    for key, s in rec["services"].items():
        o = by_chart.get(key)
        off_cells = [str(o["replicas"]), _pair(o["cpu"]), _pair(o["memory_gb"])] if o else ["-", "-", "-"]
        if s.get("external"):
            rec_cells = ["ext", "-", "-", "-"]
        else:
            rec_cells = [str(s["replicas"]), _pair(s["cpu"]), _pair(s["memory_gb"]), _short(s["storage_gb"])]
        table.add_row(key + (" *" if s["extrapolated"] else ""), *off_cells, *rec_cells)
        why = s["why"].get("memory_gb") or s["why"].get("replicas") or ""
        if why and why != "chart default":
            notes.append(f"{key}: {why}")
    console.print(table)
    for line in notes:
        console.print(f"- {line}", highlight=False)
    ot, rt = off["totals"], rec["totals"]
    console.print(f"official totals: {ot['vcpu']:g} vCPU, {ot['memory_gb']:g} GB, {ot['storage_gb']:g} GB storage, "
                  f"size {ot['instance_size']}" + (" - contact support" if ot["contact_support"] else ""))
    console.print(f"recommended totals: {rt['vcpu']:g} vCPU, {rt['memory_gb']:g} GB, {rt['storage_gb']:g} Gi volumes, "
                  f"{rt['nodes']} node(s) " + ", ".join(f"{p['count']} x {p['instance_type']}" for p in rt["node_pools"])
                  + f" on {rt['cloud']}, ${rt['monthly_usd']:,.0f}/month, size {rt['instance_size']}")
    cost = result.get("cost")
    if cost:
        console.print(f"monthly cost: compute ${cost['compute_usd']:,.0f} + storage ${cost['storage_usd']:,.0f} "
                      f"+ other ${cost['other_usd']:,.0f} = ${cost['total_usd']:,.0f}")
    for x in result.get("externalized") or []:
        console.print(f"externalized {x['kind']} ({x.get('provider') or 'customer'}): {x['version']}", highlight=False)
    for m in result.get("missing") or []:
        console.print(f"missing: {m}", highlight=False)
    if rt["extrapolated"]:
        console.print("* extrapolated beyond the official reference points (see why)")
    console.print(f"{len(result['deviations'])} value(s) deviate from the chart default or the standard size.")


def _catalog(path: str | None) -> list[Any] | None:
    if path is None:
        return None
    return parse_catalog(read_file_arg(path), filename=path)


@size_app.command("estimate")
@handle_errors
def estimate_cmd(slug: str | None = SLUG, project: str | None = PROJECT, users: int | None = USERS,
                 repos: int | None = REPOS, total_gb: float | None = TOTAL, largest_gb: float | None = LARGEST,
                 largest_index_gb: float = INDEX, code_insights: bool = INSIGHTS, monorepos: int = MONOREPOS,
                 concurrent_users: int | None = CONCURRENT, env: str | None = ENV, chart_version: str | None = CHART,
                 one_family: bool = ONE_FAMILY, spare: bool | None = SPARE, as_json: bool = JSON) -> None:
    """Official estimator and recommended sizing side by side; stored on the project per environment."""
    proj, inp = _inputs(project, slug, users, repos, total_gb, largest_gb, largest_index_gb, code_insights,
                        monorepos, concurrent_users)
    with context() as ctx:
        result = app_sizing.estimate(ctx, project=proj, environment=env, inputs=inp, chart_version=chart_version,
                                     one_family=one_family, spare_node=spare)
    if as_json:
        print_json(result)
    else:
        _print_estimate(result)


@size_app.command("nodes")
@handle_errors
def nodes_cmd(slug: str | None = SLUG, project: str | None = PROJECT, users: int | None = USERS,
              repos: int | None = REPOS, total_gb: float | None = TOTAL, largest_gb: float | None = LARGEST,
              largest_index_gb: float = INDEX, code_insights: bool = INSIGHTS, monorepos: int = MONOREPOS,
              concurrent_users: int | None = CONCURRENT, env: str | None = ENV, chart_version: str | None = CHART,
              cloud: str | None = typer.Option(None, "--cloud", help="aws, gcp or azure (default: the design's cloud, else aws)."),
              headroom: float = typer.Option(0.2, "--headroom", help="Share of each node's allocatable kept free."),
              catalog: str | None = typer.Option(None, "--catalog", help="Instance catalog CSV to use instead of the shipped one."),
              one_family: bool = ONE_FAMILY, spare: bool | None = SPARE, as_json: bool = JSON) -> None:
    """Pack the recommended pods onto node pools at the lowest monthly cost."""
    proj, inp = _inputs(project, slug, users, repos, total_gb, largest_gb, largest_index_gb, code_insights,
                        monorepos, concurrent_users)
    cat = _catalog(catalog)
    with context() as ctx:
        plan = app_sizing.nodes(ctx, project=proj, environment=env, inputs=inp, chart_version=chart_version,
                                cloud=cloud, headroom=headroom, catalog=cat, one_family=one_family, spare_node=spare)
    if as_json:
        print_json(plan)
        return
    table = Table(title=f"Node plan on {plan['cloud']} (headroom {plan['headroom']:.0%})")
    for col in ("node", "CPU used / allocatable", "memory GiB used / allocatable", "pods"):
        table.add_column(col)
    for n in plan["nodes"]:
        table.add_row(n["name"], f"{n['requested']['cpu']:g} / {n['allocatable']['cpu']:g}",
                      f"{n['requested']['memory_gib']:g} / {n['allocatable']['memory_gib']:g}", ", ".join(n["pods"]))
    console.print(table)
    console.print("pools: " + ", ".join(f"{p['count']} x {p['instance_type']} (${p['hourly_usd']}/h, autoscaler "
                                        f"{p.get('min_nodes', p['count'])}-{p.get('max_nodes', p['count'])})"
                                        for p in plan["pools"]))
    cost = plan.get("cost") or {}
    if cost:
        console.print(f"monthly cost: compute ${cost['compute_usd']:,.2f} + storage ${cost['storage_usd']:,.2f} + "
                      f"load balancer and control plane ${cost['other_usd']:,.2f} = ${cost['total_usd']:,.2f} "
                      f"({(plan.get('cost_detail') or {}).get('price_note', '')})", highlight=False)
    else:
        console.print(f"${plan['monthly_usd']:,.2f} a month")
    res = plan.get("resilience") or {}
    if res.get("spare_node"):
        console.print(f"survives the loss of any one node: {'yes' if res.get('survives_one_node_loss') else 'no'}; "
                      f"the spare capacity costs ${res.get('spare_monthly_usd', 0):,.2f} a month")
    std = plan.get("standard")
    if std:
        console.print(f"standard size {std['size']}: one {std['instance_type']}"
                      + (f", ${std['monthly_usd']:,.2f} a month" if std.get("monthly_usd") else ""))
    else:
        console.print("standard size: beyond XL, no single-machine comparison")


@size_app.command("export")
@handle_errors
def export_cmd(slug: str | None = SLUG, project: str | None = PROJECT, users: int | None = USERS,
               repos: int | None = REPOS, total_gb: float | None = TOTAL, largest_gb: float | None = LARGEST,
               largest_index_gb: float = INDEX, code_insights: bool = INSIGHTS, monorepos: int = MONOREPOS,
               concurrent_users: int | None = CONCURRENT, env: str | None = ENV, chart_version: str | None = CHART,
               fmt: str = typer.Option("helm", "--format", help="helm, compose, md or json."),
               out: str | None = typer.Option(None, "--out", help="File to write (default: standard output).")) -> None:
    """Helm values override (commented), Docker Compose override, Markdown table or JSON."""
    proj, inp = _inputs(project, slug, users, repos, total_gb, largest_gb, largest_index_gb, code_insights,
                        monorepos, concurrent_users)
    with context() as ctx:
        text = app_sizing.export(ctx, fmt=fmt, project=proj, environment=env, inputs=inp, chart_version=chart_version)
    if out is None or out == "-":
        typer.echo(text, nl=False)
    else:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ValidationError(f"cannot write: {exc.strerror}", file=out) from None
        console.print(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add `implhub size ...`."""
    app.add_typer(size_app, name="size")
