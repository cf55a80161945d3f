"""`implhub --help` groups the commands in the implementation's order."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from implhub.cli.main import HELP_PANELS, app


def test_help_groups_the_commands_in_the_implementations_order() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120"}, terminal_width=120)
    assert result.exit_code == 0, result.output
    panels: list[str] = []
    commands: dict[str, str] = {}  # command -> its panel
    order: list[str] = []
    for line in result.output.splitlines():
        head = re.match(r"^╭─ (.+?) ─", line)
        if head:
            panels.append(head.group(1))
            continue
        row = re.match(r"^│ ([a-z][a-z-]+)\s{2,}", line)
        if row and panels:
            commands[row.group(1)] = panels[-1]
            order.append(row.group(1))
    assert [p for p in panels if p != "Options"] == [p for p, _ in HELP_PANELS]
    assert commands["tdd"] == commands["project"] == commands["plan"] == "Design and plan"
    assert commands["rightsize"] == "Sizing and evidence"
    assert commands["exit-criteria"] == "Exit and documents"
    assert commands["remind"] == commands["team"] == "Progress"
    assert commands["share"] == "Accounts and sharing" and commands["serve"] == "Running the app"
    # the complaint: exit-criteria, remind and rightsize listed before tdd and project
    assert order.index("tdd") < order.index("project") < order.index("rightsize") < order.index("exit-criteria") < order.index("remind")
