"""`implhub serve`: the web app."""

from __future__ import annotations

import dataclasses
import os

import typer

from implhub.cli.common import console, handle_errors, settings


def run_server(*, host: str, port: int) -> None:
    import uvicorn

    from implhub.web.app import create_app

    s = settings()
    if not os.environ.get("IMPLHUB_BASE_URL"):
        # links the app hands out (share links, calendar feeds) point at the server actually started
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        s = dataclasses.replace(s, base_url=f"http://{shown}:{port}")
    app = create_app(s)
    console.print(f"implhub web app on http://{host}:{port}  (store: {s.database_url.split('@')[-1]})", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@handle_errors
def serve_cmd(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port")) -> None:
    """Start the web app (default http://127.0.0.1:8000)."""
    run_server(host=host, port=port)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
