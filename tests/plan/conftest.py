from __future__ import annotations

from pathlib import Path

import pytest

SMALL_TDD = """\
schema_version: 1
customer: {name: Tiny Widgets, country: GB, package: standard, timezone: Europe/London}
scale: {users: 300, repositories: 900, total_repo_size_gb: 40, largest_repo_size_gb: 2}
code_hosts: [{kind: github, url: https://github.com, repositories: 900}]
environments: [{name: prod, kind: prod}]
stakeholders:
  - {side: internal, role: IE, name: Ada Engineer, email: ada@sourcegraph.example}
  - {side: internal, role: IPM, name: Pat Manager, email: pat@sourcegraph.example}
  - {side: customer, role: ADMIN, name: Cory Admin, email: cory@tiny.example}
"""

LARGE_TDD = """\
schema_version: 1
customer: {name: Mega Bank, country: DE, package: standard, timezone: Europe/Berlin}
scale: {users: 60000, repositories: 400000, total_repo_size_gb: 90000, largest_repo_size_gb: 900, monorepos: 12}
code_hosts: [{kind: gitlab, url: https://gitlab.megabank.example, repositories: 400000}]
environments: [{name: dev, kind: dev}, {name: test, kind: staging}, {name: uat, kind: staging}, {name: prod, kind: prod}]
change_management: {image_scanning: {required: true, timeline_days: 10}}
stakeholders:
  - {side: internal, role: IE, name: Ada Engineer, email: ada@sourcegraph.example}
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


@pytest.fixture
def demo_project(cli, tmp_path, demo_tdd_text):
    result = cli("project", "create", "--tdd", write(tmp_path, "demo.yaml", demo_tdd_text))
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


class Clock:
    """The time every unit of work sees during a test (CLI, web and direct calls alike)."""

    def __init__(self) -> None:
        from tests.conftest import FROZEN_NOW

        self.now = FROZEN_NOW

    def set(self, iso: str) -> None:
        import datetime as dt

        self.now = dt.datetime.fromisoformat(iso).replace(tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from implhub.app.context import Ctx

    c = Clock()
    monkeypatch.setattr(Ctx, "now", lambda self: c.now)
    monkeypatch.setattr(Ctx, "today", lambda self: c.now.date())
    return c
