"""`implhub doc internal|plan|handoff`: the documents rendered from the store."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from implhub.app import documents as svc
from implhub.cli.common import context, err_console, handle_errors
from implhub.errors import ExitCode, ValidationError

doc_app = typer.Typer(help="Documents rendered from the store: internal design, external plan, handoff.", no_args_is_help=True)


def _emit(slug: str, doc: str, fmt: str, out: str | None, *, strict: bool = False) -> None:
    with context() as ctx:
        document, content = svc.render_doc(ctx, slug=slug, doc=doc, fmt=fmt)
    if strict and document.missing:
        err_console.print(f"[bold red]{len(document.missing)} item(s) missing[/] (--strict: nothing written):", highlight=False)
        for m in document.missing:
            err_console.print(f"  - {m}", highlight=False, soft_wrap=True)
        raise typer.Exit(int(ExitCode.FAILED))
    if out is None:
        if fmt == "pdf":
            raise ValidationError("a PDF needs a file: add --out FILE.pdf", field="--out")
        sys.stdout.write(content.decode("utf-8"))
    else:
        written = svc.write(document, content, fmt, Path(out))
        err_console.print("wrote " + ", ".join(str(p) for p in written), highlight=False)
    if document.missing:
        err_console.print(f"[yellow]{len(document.missing)} item(s) missing[/] (listed at the top of the document)", highlight=False)


@doc_app.command("internal")
@handle_errors
def internal_cmd(
    slug: str,
    fmt: str = typer.Option("md", "--format", help="md, html or pdf"),
    out: str | None = typer.Option(None, "--out", help="File to write (default: stdout for md and html)"),
    strict: bool = typer.Option(False, "--strict", help="Fail (exit 1) and write nothing while anything is missing"),
) -> None:
    """The internal production design document: design, deviations, resourcing, code statistics, environments, change management."""
    _emit(slug, "internal", fmt, out, strict=strict)


@doc_app.command("plan")
@handle_errors
def plan_cmd(
    slug: str,
    fmt: str = typer.Option("md", "--format", help="md, html or pdf"),
    out: str | None = typer.Option(None, "--out", help="File to write (default: stdout for md and html)"),
) -> None:
    """The external project plan for the customer: timeline, deadlines, task status, milestones, next steps, risks. Nothing internal."""
    _emit(slug, "plan", fmt, out)


@doc_app.command("handoff")
@handle_errors
def handoff_cmd(
    slug: str,
    fmt: str = typer.Option("md", "--format", help="md or json (html and pdf too)"),
    out: str | None = typer.Option(None, "--out", help="File to write (default: stdout)"),
) -> None:
    """The handoff record for the long-term owner: deployment, instance types, totals, code hosts, limits, logs."""
    _emit(slug, "handoff", fmt, out)


def register(app: typer.Typer) -> None:
    app.add_typer(doc_app, name="doc")
