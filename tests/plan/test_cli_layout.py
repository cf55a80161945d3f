"""`plan show` stays readable at 80 columns; `plan export` creates the directory it writes into."""

from __future__ import annotations

import io
import json

from rich.console import Console

from implhub.cli.plan import plan_table


def test_plan_show_fits_80_columns_without_cutting_ids_or_dates(cli, demo_project) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-30")
    cli("plan", "set", demo_project, "infra-dev", "--assignee", "Luis Ortega")
    plan = json.loads(cli("plan", "show", demo_project, "--json").stdout)
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(plan_table(plan))
    text = out.getvalue()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in text  # nothing is cut off
    for t in plan["tasks"]:
        row = next(line for line in lines if line.startswith(t["id"] + " "))  # the id starts its row, whole
        assert t["start"][5:] in row and t["finish"][5:] in row


def test_plan_export_creates_missing_directories(cli, demo_project, tmp_path) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-30")
    target = tmp_path / "reports" / "week-49" / "plan.md"
    result = cli("plan", "export", demo_project, "--view", "external", "--format", "md", "--out", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text().startswith("#")
    blocked = tmp_path / "file"
    blocked.write_text("x")
    bad = cli("plan", "export", demo_project, "--view", "external", "--format", "md", "--out", str(blocked / "plan.md"))
    assert bad.exit_code == 2 and "cannot write" in bad.output
