"""`implhub plan`: generate, baseline, set (and re-forecast), show, export, blackout; add, edit, remove."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from implhub.app import plan as svc
from implhub.app import plan_edit as edits
from implhub.cli.common import console, context, err_console, handle_errors, print_json
from implhub.errors import ImplhubError, ValidationError

plan_app = typer.Typer(help="The project plan: generated from the design, scheduled on working days, kept up to date.",
                       no_args_is_help=True)

HEALTH_STYLE = {"on_track": "green", "at_risk": "yellow", "late": "red", "done": "dim green"}


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"expected a date YYYY-MM-DD, got {value!r}", field=option) from None


def _dates(values: list[str] | None, option: str) -> list[dt.date]:
    """Dates and ranges (2026-12-24..2027-01-01)."""
    out: list[dt.date] = []
    for value in values or []:
        for part in value.split(","):
            part = part.strip()
            if ".." in part:
                first, last = (_date(x, option) for x in part.split("..", 1))
                assert first and last
                if last < first:
                    raise ValidationError(f"range {part} ends before it starts", field=option)
                out += [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
            elif part:
                d = _date(part, option)
                assert d
                out.append(d)
    return out


@plan_app.command("generate")
@handle_errors
def generate_cmd(
    slug: str,
    start: str | None = typer.Option(None, "--start", help="First day of the plan, YYYY-MM-DD (default: today, or the plan's start when regenerating)"),
    blackout: list[str] | None = typer.Option(None, "--blackout", help="Project blackout date or range (YYYY-MM-DD or A..B); repeatable"),
    force: bool = typer.Option(False, "--force", help="Regenerate even over entered actuals, assignees and notes"),
    as_json: bool = typer.Option(False, "--json", help="Print the changes and the internal plan as JSON"),
) -> None:
    """Build the plan from the template and the project's design (or rebuild it after the design changed)."""
    with context() as ctx:
        result = svc.generate(ctx, project=slug, start=_date(start, "--start"),
                              blackout=_dates(blackout, "--blackout") if blackout else None, force=force)
    if as_json:
        print_json({"created": result.created, "changes": result.changes, "warnings": result.warnings, "kept": result.kept,
                    "plan": result.plan})
        return
    plan = result.plan
    verb = "generated" if result.created else ("regenerated" if result.changes else "unchanged")
    typer.echo(f"{slug}: plan {verb}: {len(plan['tasks'])} tasks, {plan['start']} -> {plan['forecast_finish']} "
               f"(timebox ends {plan['timebox_end']}), health {plan['health']}")
    if not result.created:
        for c in result.changes:
            typer.echo("  " + c)
    for k in result.kept:
        typer.echo("  = " + k)
    for w in result.warnings:
        err_console.print(f"[yellow]warning:[/] {w}", highlight=False)


@plan_app.command("baseline")
@handle_errors
def baseline_cmd(
    slug: str,
    label: str = typer.Option("", "--label", help="A word on why (e.g. 'after design change')"),
    list_only: bool = typer.Option(False, "--list", help="List the baselines instead of taking one"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Take a baseline of the current forecast (several are kept), or list them."""
    with context() as ctx:
        if not list_only:
            svc.take_baseline(ctx, project=slug, label=label)
        rows = [svc.baseline_dict(b) for b in svc.baselines(ctx, project=slug)]
    if as_json:
        print_json(rows if list_only else rows[-1])
        return
    if not list_only:
        typer.echo(f"{slug}: baseline {rows[-1]['number']} taken, finish {rows[-1]['finish']}")
        return
    for r in rows:
        typer.echo(f"{r['number']:>3}  {r['taken_at'][:16]}  finish {r['finish']}  {r['taken_by']}  {r['label']}")


@plan_app.command("set")
@handle_errors
def set_cmd(
    slug: str,
    task: str = typer.Argument(..., help="Task id, e.g. install-dev"),
    status: str | None = typer.Option(None, "--status", help="not_started, in_progress, blocked or done"),
    actual_start: str | None = typer.Option(None, "--actual-start", help="YYYY-MM-DD the work started"),
    actual_end: str | None = typer.Option(None, "--actual-end", help="YYYY-MM-DD the work finished (marks it done)"),
    assignee: str | None = typer.Option(None, "--assignee", help="Who does it (empty string clears it)"),
    note: str | None = typer.Option(None, "--note", help="Add a note to the task"),
    note_visibility: str = typer.Option("internal", "--note-visibility", help="internal (default) or external: whether the customer sees the note"),
    expected_version: int | None = typer.Option(None, "--expected-version", help="Refuse if the task changed since this version"),
    expected_end: str | None = typer.Option(None, "--expected-end", help="Re-forecast: YYYY-MM-DD this unfinished task will finish (earlier or later)"),
    remaining_days: int | None = typer.Option(None, "--remaining-days", help="Re-forecast: working days left, counting today"),
    clear_forecast: bool = typer.Option(False, "--clear-forecast", help="Drop the re-forecast: back to the computed finish"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Update a task: status, actual dates, assignee, a note, a re-forecast finish. Every change lands in the activity log."""
    reforecast = expected_end is not None or remaining_days is not None or clear_forecast
    if all(v is None for v in (status, actual_start, actual_end, assignee, note)) and not reforecast:
        raise typer.BadParameter("give at least one of --status, --actual-start, --actual-end, --assignee, --note, "
                                 "--expected-end, --remaining-days, --clear-forecast")
    with context() as ctx:
        out: dict[str, Any] = {}
        if any(v is not None for v in (status, actual_start, actual_end, assignee, note)):
            kwargs = {} if assignee is None else {"assignee": assignee}
            out = svc.set_task(ctx, project=slug, task_id=task, status=status, actual_start=_date(actual_start, "--actual-start"),
                               actual_end=_date(actual_end, "--actual-end"), note=note, note_visibility=note_visibility,
                               expected_version=expected_version, **kwargs)
            expected_version = None if expected_version is None else out["version"]
        if reforecast:
            out = edits.reforecast(ctx, project=slug, task_id=task, expected_end=_date(expected_end, "--expected-end"),
                                   remaining_days=remaining_days, clear=clear_forecast, expected_version=expected_version)
    if as_json:
        print_json(out)
        return
    typer.echo(f"{task}: {out['status']}, {out['start']} -> {out['finish']}, {out['health']} ({out['health_reason']}), version {out['version']}")


@plan_app.command("show")
@handle_errors
def show_cmd(
    slug: str,
    view: str = typer.Option("internal", "--view", help="internal (everything) or external (what the customer sees)"),
    baseline: int | None = typer.Option(None, "--baseline", help="Compare with this baseline (default: the newest)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show the plan: tasks with forecast and baseline dates, status, health, critical path."""
    with context() as ctx:
        plan = svc.get_plan(ctx, project=slug, view=view, baseline=baseline)
    if as_json:
        print_json(plan)
        return
    style = HEALTH_STYLE.get(plan["health"], "")
    console.print(f"[bold]{plan['name']}[/] plan ({view}): [{style}]{plan['health']}[/] - {plan['health_reasons'][0]}", highlight=False)
    console.print(f"start {plan['start']}, timebox ends {plan['timebox_end']}", highlight=False)
    console.print(f"forecast finish {plan['forecast_finish']}"
                  + (f", baseline {plan['baseline_finish']}" if plan.get("baseline_finish") else ""), highlight=False)
    console.print(plan_table(plan))
    for t in plan["tasks"]:  # the customer's answers (given in the portal) and re-forecasts, in words
        c = t.get("confirmation")
        if c:
            console.print(f"{t['id']}: {c['decision']} by {c['by']} on {c['at'][:10]}" + (f": {c['comment']}" if c.get("comment") else ""),
                          highlight=False, markup=False)
        elif t.get("confirmable") and t["status"] != "done":
            console.print(f"{t['id']}: awaiting the customer's confirmation", highlight=False, markup=False)
        if t.get("expected_end"):
            console.print(f"{t['id']}: re-forecast to finish {t['expected_end']}", highlight=False, markup=False)
    for w in plan.get("warnings", []):
        console.print(f"[yellow]warning:[/] {w}", highlight=False)


STATUS_SHORT = {"not_started": "todo", "in_progress": "doing", "blocked": "blocked", "done": "done"}


def plan_table(plan: dict[str, Any]) -> Table:
    """The task table, readable at 80 columns: dates as MM-DD (the years are in the lines above
    it), the title wraps under the id, the owner role over the assignee's first name, the
    critical path as `!`. Wider terminals get the same columns with room to spare."""
    table = Table(box=None, pad_edge=False, padding=(0, 1), header_style="bold",
                  caption="dates MM-DD; base = baseline finish; ! = critical path", caption_justify="left")
    table.add_column("task", ratio=1, overflow="fold", min_width=24)
    table.add_column("owner", overflow="fold", max_width=9)
    for name in ("start", "end", "base"):
        table.add_column(name, no_wrap=True, width=5)
    table.add_column("status", no_wrap=True, max_width=7)
    table.add_column("health", no_wrap=True, max_width=8)
    table.add_column("!", no_wrap=True, width=1)
    for t in plan["tasks"]:
        owner = t["owner_role"] + (f" {t['assignee'].split()[0]}" if t.get("assignee") else "")
        style = HEALTH_STYLE.get(t["health"], "")
        title = ("◆ " if t["milestone"] else "") + t["title"]
        table.add_row(f"[bold]{t['id']}[/] {title}", owner, t["start"][5:], t["finish"][5:], (t["baseline_finish"] or "")[5:],
                      STATUS_SHORT.get(t["status"], t["status"]), f"[{style}]{t['health']}[/]",
                      "!" if t["critical"] and t["status"] != "done" else "")
    return table


@plan_app.command("export")
@handle_errors
def export_cmd(
    slug: str,
    view: str = typer.Option(..., "--view", help="external (for the customer) or internal"),
    fmt: str = typer.Option(..., "--format", help="md, csv, xlsx, ics, svg or png"),
    out: Path = typer.Option(..., "--out", help="File to write"),
) -> None:
    """Export the plan: a table (md, csv, xlsx), the milestones and deadlines (ics), or the Gantt picture (svg, png)."""
    with context() as ctx:
        data = svc.export(ctx, project=slug, view=view, fmt=fmt)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise ImplhubError(f"cannot write: {exc.strerror}", file=str(out)) from None
    typer.echo(f"wrote {out} ({len(data):,} bytes, {view} view)")


@plan_app.command("blackout")
@handle_errors
def blackout_cmd(
    slug: str,
    add: list[str] | None = typer.Option(None, "--add", help="Date or range A..B nobody works on the project; repeatable"),
    remove: list[str] | None = typer.Option(None, "--remove", help="Date or range to remove; repeatable"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List, add or remove the project's blackout dates (besides weekends and public holidays)."""
    with context() as ctx:
        dates = svc.set_blackout(ctx, project=slug, add=_dates(add, "--add"), remove=_dates(remove, "--remove"))
    if as_json:
        print_json(dates)
    else:
        typer.echo(", ".join(dates) if dates else "no blackout dates")


def _task_line(t: dict[str, Any]) -> str:
    deps = ", ".join(t["depends_on"]) or "nothing"
    return (f"{t['id']}: {t['title']} ({t['duration']} working days, owner {t['owner_role']}, after {deps}), "
            f"{t['start']} -> {t['finish']}, version {t['version']}")


@plan_app.command("add")
@handle_errors
def add_cmd(
    slug: str,
    task: str = typer.Argument(..., help="New task id, e.g. security-review"),
    title: str = typer.Option(..., "--title", help="What the task is"),
    days: int = typer.Option(..., "--days", help="Working days (0 makes a milestone)"),
    owner: str = typer.Option(..., "--owner", help="Owner role: IE, IPM, TAM, ADMIN, SECURITY, ..."),
    after: list[str] | None = typer.Option(None, "--after", help="Task it waits for ('id' or 'id+LAG'); repeatable"),
    before: list[str] | None = typer.Option(None, "--before", help="Task that now waits for it; repeatable"),
    visibility: str = typer.Option("external", "--visibility", help="external (the customer sees it) or internal"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add a task or milestone to this project's plan (kept when the plan is regenerated)."""
    with context() as ctx:
        out = edits.add_task(ctx, project=slug, task_id=task, title=title, days=days, owner_role=owner,
                             depends_on=after or [], before=before or [], visibility=visibility)
    print_json(out) if as_json else typer.echo("added " + _task_line(out))


@plan_app.command("remove")
@handle_errors
def remove_cmd(
    slug: str,
    task: str = typer.Argument(..., help="Task id"),
    force: bool = typer.Option(False, "--force", help="Remove it even though it has actuals, an assignee or notes"),
    expected_version: int | None = typer.Option(None, "--expected-version", help="Refuse if the task changed since this version"),
) -> None:
    """Remove a task from this project's plan; what waited for it waits for its dependencies."""
    with context() as ctx:
        moved = edits.remove_task(ctx, project=slug, task_id=task, force=force, expected_version=expected_version)
    typer.echo(f"removed {task}" + (f"; {', '.join(moved)} now wait for its dependencies" if moved else ""))


@plan_app.command("edit")
@handle_errors
def edit_cmd(
    slug: str,
    task: str = typer.Argument(..., help="Task id"),
    title: str | None = typer.Option(None, "--title"),
    days: int | None = typer.Option(None, "--days", help="Working days"),
    owner: str | None = typer.Option(None, "--owner", help="New owner role"),
    depends_on: list[str] | None = typer.Option(None, "--depends-on", help="Replace the dependencies ('id' or 'id+LAG'); repeatable"),
    add_dep: list[str] | None = typer.Option(None, "--add-dep", help="Also wait for this task; repeatable"),
    drop_dep: list[str] | None = typer.Option(None, "--drop-dep", help="No longer wait for this task; repeatable"),
    no_deps: bool = typer.Option(False, "--no-deps", help="Wait for nothing"),
    visibility: str | None = typer.Option(None, "--visibility", help="external or internal"),
    expected_version: int | None = typer.Option(None, "--expected-version", help="Refuse if the task changed since this version"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Re-link, re-own, rename or re-size a task of this project's plan (kept when the plan is regenerated)."""
    with context() as ctx:
        out = edits.edit_task(ctx, project=slug, task_id=task, title=title, days=days, owner_role=owner,
                              depends_on=[] if no_deps else depends_on, add_depends=add_dep or [], drop_depends=drop_dep or [],
                              visibility=visibility, expected_version=expected_version)
    print_json(out) if as_json else typer.echo(_task_line(out))


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
