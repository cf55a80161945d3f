"""`implhub`: the command-line entry point. Each area registers its commands from its own module."""

from __future__ import annotations

import typer

from implhub import __version__
from implhub.cli import common

app = typer.Typer(
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
)

for _module in (tdd, projects, plan, sizing, codestats, replica, loadtest, documents, exit_criteria,
                reporting, rightsize, accounts, demo, serve):
    _module.register(app)


def main() -> None:
    app()
