"""The docs stay honest: every setting and every command is documented, every command has help."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.main import get_command

from implhub.cli.main import app
from implhub.settings import SETTINGS_HELP

ROOT = Path(__file__).resolve().parents[1]


def _docs_text() -> str:
    parts = [(ROOT / "README.md").read_text()]
    parts += [p.read_text() for p in sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(parts)


def _commands(group, prefix=()):
    import click

    for name, cmd in group.commands.items():
        path = (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, path)
        else:
            yield path, cmd


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in SETTINGS_HELP if f"`{name}`" not in readme]
    assert missing == []


def test_every_command_has_help_and_a_docs_entry() -> None:
    root = get_command(app)
    docs = _docs_text()
    no_help, undocumented = [], []
    for path, cmd in _commands(root):
        if not (cmd.help or "").strip():
            no_help.append(" ".join(path))
        if f"implhub {' '.join(path)}" not in docs:
            undocumented.append(" ".join(path))
    assert no_help == []
    assert undocumented == []


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0]
    assert "./dev demo" in first_block and "./dev test" in first_block
    assert "./dev test" in (ROOT / ".ci" / "run").read_text()


def test_typer_app_is_a_typer() -> None:
    assert isinstance(app, typer.Typer)
