"""`implhub demo`: load the demo implementation (and optionally serve it)."""

from __future__ import annotations

import typer

from implhub.app import demo as svc
from implhub.cli.common import console, context, handle_errors, settings


@handle_errors
def demo_cmd(
    reset: bool = typer.Option(False, "--reset", help="Rebuild the demo project from scratch"),
    serve: bool = typer.Option(False, "--serve", help="Start the web app afterwards"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Load a realistic demo implementation: plan, sizing, code statistics, load test, documents."""
    s = settings()
    workdir = s.data_dir / "demo"
    workdir.mkdir(parents=True, exist_ok=True)
    with console.status("building the demo implementation..."):
        with context() as ctx:
            project, lines = svc.load(ctx, workdir=workdir, reset=reset)
            slug = project.slug
    for line in lines:
        console.print(line, highlight=False)
    console.print(f"[bold green]demo ready:[/] {slug}")
    if serve:
        from implhub.cli.serve import run_server

        run_server(host=host, port=port)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)
