"""`implhub <command>` imports its own area only: AREA_OF names, for every top-level command, the
module that registers it (held equal to what the modules register), and a command run through
main() leaves the other areas unimported. Before, every command imported all of them (the store,
the web app's models, every engine) first."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from implhub.cli import main as cli_main


def _names(area: str) -> set[str]:
    app = cli_main.build((area,))
    names = {g.name for g in app.registered_groups if g.name}
    names |= {c.name or getattr(c.callback, "__name__", "").replace("_", "-") for c in app.registered_commands}
    return names


def test_every_command_is_mapped_to_the_area_registering_it() -> None:
    registered = {name: area for area in cli_main.AREAS for name in _names(area)}
    assert registered == cli_main.AREA_OF


@pytest.mark.parametrize(("argv", "expected"), [
    (["codestats", "scan", "."], "codestats"),
    (["--db", "sqlite:///x.db", "plan", "show"], "plan"),
    (["--db=sqlite:///x.db", "serve"], "serve"),
    (["--help"], None),
    (["--version"], None),
    ([], None),
])
def test_the_requested_command_is_found_after_the_root_options(argv: list[str], expected: str | None) -> None:
    assert cli_main.requested(argv) == expected


def _run_main(*argv: str) -> tuple[str, list[str]]:
    """What `implhub ARGV` prints first, and the implhub.cli modules it imported."""
    code = (f"import sys; sys.argv = ['implhub', *{list(argv)!r}]\n"
            "from implhub.cli.main import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('implhub.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120).stdout
    lines = out.strip().splitlines()
    return lines[0], ast.literal_eval(lines[-1])


def test_a_command_imports_only_its_own_area() -> None:
    _, loaded = _run_main("codestats", "--help")
    assert "implhub.cli.codestats" in loaded
    others = {f"implhub.cli.{a}" for a in cli_main.AREAS} - {"implhub.cli.codestats"}
    assert not others & set(loaded), loaded


def test_the_version_imports_no_area() -> None:
    first, loaded = _run_main("--version")
    assert first.startswith("implhub ")
    assert not {f"implhub.cli.{a}" for a in cli_main.AREAS} & set(loaded)
