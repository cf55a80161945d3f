"""`implhub tdd`: the design document's template and schema."""

from __future__ import annotations

import json

import typer

from implhub.cli.common import handle_errors, print_json, read_file_arg
from implhub.intake.loader import load_tdd_text
from implhub.intake.schema import TDD
from implhub.intake.template import template

tdd_app = typer.Typer(help="The technical design document (TDD): template, schema, validation.", no_args_is_help=True)


@tdd_app.command("template")
def template_cmd(fmt: str = typer.Option("yaml", "--format", help="yaml (machine form) or md (front matter + prose)")) -> None:
    """Print an annotated, fill-in TDD template."""
    if fmt not in ("yaml", "md"):
        raise typer.BadParameter("expected yaml or md", param_hint="--format")
    typer.echo(template(fmt), nl=False)


@tdd_app.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the whole TDD."""
    typer.echo(json.dumps(TDD.model_json_schema(), indent=2))


@tdd_app.command("validate")
@handle_errors
def validate_cmd(path: str = typer.Argument(..., help="TDD file (.yaml or .md), or - for stdin"),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Validate a TDD without storing anything."""
    loaded = load_tdd_text(read_file_arg(path), filename=path)
    if as_json:
        print_json({"valid": True, "warnings": loaded.warnings, "design": loaded.design})
        return
    typer.echo(f"{path}: valid ({loaded.source_format})")
    for w in loaded.warnings:
        typer.echo(f"warning: {w}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(tdd_app, name="tdd")
