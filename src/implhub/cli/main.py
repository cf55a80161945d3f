"""`implhub`: the command-line entry point. Each area registers its commands from its own module."""

from __future__ import annotations

from typing import Any

import typer
import typer.core

from implhub import __version__
from implhub.cli import common

#: `implhub --help` groups the commands in the order of an implementation (rich help panels);
#: within a panel, in this order. A command not listed here lands in the last panel.
HELP_PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Design and plan", ("tdd", "project", "plan")),
    ("Sizing and evidence", ("size", "codestats", "instance", "replica", "loadtest", "rightsize", "version")),
    ("Exit and documents", ("exit-criteria", "criterion", "doc")),
    ("Progress", ("report", "team", "remind", "risk", "issue", "decision", "expansion")),
    ("Accounts and sharing", ("user", "token", "share")),
    ("Running the app", ("demo", "serve")),
)
OTHER_PANEL = "More commands"
_PANEL_OF = {name: (i, j, panel) for i, (panel, names) in enumerate(HELP_PANELS) for j, name in enumerate(names)}


class _ImplementationOrder(typer.core.TyperGroup):
    """Lists the commands in the implementation's order (panels appear in the order of their
    first command), not in the order the modules happened to register them."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: (*_PANEL_OF.get(n, (len(HELP_PANELS), 0, ""))[:2], names.index(n)))


app = typer.Typer(
    cls=_ImplementationOrder,
    name="implhub",
    help="implhub: intake, plan, sizing, evidence and documents for Sourcegraph implementations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"implhub {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    db: str | None = typer.Option(None, "--db", help="Store URL (overrides IMPLHUB_DATABASE_URL)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    common.set_db(db)


# Each area module defines register(app). Order here is the order of `implhub --help`.
from implhub.cli import (  # noqa: E402
    accounts,
    codestats,
    demo,
    documents,
    exit_criteria,
    loadtest,
    plan,
    projects,
    replica,
    reporting,
    rightsize,
    serve,
    sizing,
    tdd,
    team,
)

for _module in (tdd, projects, plan, sizing, codestats, replica, loadtest, documents, exit_criteria,
                reporting, team, rightsize, accounts, demo, serve):
    _module.register(app)


def _set_panels(root: typer.Typer) -> None:
    for group in root.registered_groups:
        group.rich_help_panel = _PANEL_OF.get(group.name or "", (0, 0, OTHER_PANEL))[2]
    for command in root.registered_commands:
        name = command.name or getattr(command.callback, "__name__", "").replace("_", "-")
        command.rich_help_panel = _PANEL_OF.get(name, (0, 0, OTHER_PANEL))[2]


_set_panels(app)


def main() -> None:
    app()
