"""`implhub`: the command-line entry point. Each area registers its commands from its own module."""

from __future__ import annotations

import importlib
import sys
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


def _new_app() -> typer.Typer:
    root = typer.Typer(
        cls=_ImplementationOrder,
        name="implhub",
        help="implhub: intake, plan, sizing, evidence and documents for Sourcegraph implementations.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    root.callback()(_root)
    return root


def _version(value: bool) -> None:
    if value:
        typer.echo(f"implhub {__version__}")
        raise typer.Exit()


def _root(
    db: str | None = typer.Option(None, "--db", help="Store URL (overrides IMPLHUB_DATABASE_URL)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    common.set_db(db)


#: the modules under implhub.cli that register commands (each defines register(app)), in the
#: order of `implhub --help`
AREAS = ("tdd", "projects", "plan", "sizing", "codestats", "replica", "loadtest", "documents", "exit_criteria",
         "reporting", "team", "rightsize", "accounts", "demo", "serve")
#: top-level command -> the module registering it: a command imports its own area only (importing
#: every area, the store and the web app's models cost each command about a second of CPU).
#: tests/cli/test_lazy_commands.py holds this equal to what the modules register.
AREA_OF = {
    "tdd": "tdd", "project": "projects", "plan": "plan", "size": "sizing", "version": "rightsize",
    "codestats": "codestats", "instance": "codestats", "replica": "replica", "loadtest": "loadtest",
    "doc": "documents", "exit-criteria": "exit_criteria", "criterion": "exit_criteria",
    "report": "reporting", "remind": "reporting", "risk": "reporting", "issue": "reporting", "decision": "reporting",
    "expansion": "reporting", "team": "team", "rightsize": "rightsize", "user": "accounts", "token": "accounts",
    "share": "accounts", "demo": "demo", "serve": "serve",
}


def build(areas: tuple[str, ...] = AREAS) -> typer.Typer:
    """The `implhub` app with the commands of these areas."""
    root = _new_app()
    for name in areas:
        importlib.import_module(f"implhub.cli.{name}").register(root)
    _set_panels(root)
    return root


def _set_panels(root: typer.Typer) -> None:
    for group in root.registered_groups:
        group.rich_help_panel = _PANEL_OF.get(group.name or "", (0, 0, OTHER_PANEL))[2]
    for command in root.registered_commands:
        name = command.name or getattr(command.callback, "__name__", "").replace("_", "-")
        command.rich_help_panel = _PANEL_OF.get(name, (0, 0, OTHER_PANEL))[2]


def requested(argv: list[str]) -> str | None:
    """The top-level command an argument list asks for (after the root's own options), or None
    (no command, --help, --version)."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--db":
            i += 2
            continue
        if arg.startswith("-"):
            if arg.startswith("--db="):
                i += 1
                continue
            return None
        return arg
    return None


_full: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    """`app`: every command (what `--help` lists and the tests invoke), built on first use."""
    global _full
    if name == "app":
        if _full is None:
            _full = build()
        return _full
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    argv = sys.argv[1:]
    command = requested(argv)
    area = AREA_OF.get(command or "")
    if area:
        build((area,))()
    elif command is None and "--version" in argv and "--help" not in argv:
        build(())()  # the version needs no command
    else:
        build()()  # the help lists every command; an unknown one is refused among all
