"""`implhub team load`: who works on what each week across the active implementations."""

from __future__ import annotations

import typer
from rich.table import Table

from implhub.app import team as svc
from implhub.cli.common import console, context, handle_errors, print_json

team_app = typer.Typer(help="The team's load across implementations: over-committed people per ISO week.",
                       no_args_is_help=True)


@team_app.command("load")
@handle_errors
def load_cmd(
    weeks: int | None = typer.Option(None, "--weeks", min=1, help="Only this many weeks ahead (default: every planned week)"),
    person: str | None = typer.Option(None, "--person", help="Only this person"),
    overcommitted: bool = typer.Option(False, "--overcommitted", help="Only the weeks where someone is over-committed"),
    as_json: bool = typer.Option(False, "--json", help='A list of {"person", "week", "tasks", "projects", "overcommitted", ...}'),
) -> None:
    """Each internal person's tasks per ISO week across active implementations; over-committed when task days exceed the week's working days."""
    with context() as ctx:
        rows = [r for r in svc.load(ctx, weeks=weeks, person=person) if r.overcommitted or not overcommitted]
    if as_json:
        print_json([r.model_dump() for r in rows])
        return
    table = Table("person", "week", "tasks", "days", "projects", "", box=None, header_style="bold")
    for r in rows:
        table.add_row(r.person, r.week, str(r.tasks), f"{r.days}/{r.working_days}", ", ".join(r.projects),
                      "[red]over-committed[/]" if r.overcommitted else "")
    console.print(table if rows else "no planned work for the team")


def register(app: typer.Typer) -> None:
    app.add_typer(team_app, name="team")
