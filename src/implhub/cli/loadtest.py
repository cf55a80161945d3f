"""CLI commands of the loadtest capability."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands or command groups to the root app."""
