"""`implhub team load`: each internal person's tasks per ISO week across active implementations."""

from __future__ import annotations

import datetime as dt
import json

from tests.plan.conftest import SMALL_TDD, write
from tests.plan.test_cli import show

OTHER_TDD = SMALL_TDD.replace("Tiny Widgets", "Other Gadgets").replace("cory@tiny.example", "dana@gadgets.example") \
    .replace("Cory Admin", "Dana Admin")


def _week(day: str) -> str:
    y, w, _ = dt.date.fromisoformat(day).isocalendar()
    return f"{y}-W{w:02d}"


def _load(cli, *args):
    result = cli("team", "load", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_engineer_on_two_implementations_in_one_week_is_over_committed(cli, tmp_path) -> None:
    for name, text in (("tiny.yaml", SMALL_TDD), ("other.yaml", OTHER_TDD)):
        assert cli("project", "create", "--tdd", write(tmp_path, name, text)).exit_code == 0
    for slug in ("tiny-widgets", "other-gadgets"):
        assert cli("plan", "generate", slug, "--start", "2026-11-30").exit_code == 0
    rows = _load(cli)
    for r in rows:
        assert set(r) >= {"person", "week", "tasks", "projects", "overcommitted"}
        assert isinstance(r["tasks"], int) and isinstance(r["overcommitted"], bool)
        assert r["week"][4:6] == "-W" and all(isinstance(s, str) for s in r["projects"])
    ada = {r["week"]: r for r in rows if r["person"] == "Ada Engineer"}
    over = [r for r in ada.values() if r["overcommitted"]]
    assert over, ada
    assert all(r["projects"] == ["other-gadgets", "tiny-widgets"] and r["days"] > r["working_days"] for r in over)

    # counted from the plans themselves: Ada's tasks are the IE tasks (no assignee) of both plans
    week = over[0]["week"]
    expected = 0
    for slug in ("tiny-widgets", "other-gadgets"):
        for t in show(cli, slug)["tasks"]:
            if t["owner_role"] == "IE" and t["duration"] and t["status"] != "done":
                days = {_week((dt.date.fromisoformat(t["start"]) + dt.timedelta(days=i)).isoformat())
                        for i in range((dt.date.fromisoformat(t["finish"]) - dt.date.fromisoformat(t["start"])).days + 1)}
                expected += week in days
    assert over[0]["tasks"] == expected

    # the customer's own work (owner ADMIN, a customer role) is nobody's load on the team
    assert {r["person"] for r in rows} <= {"Ada Engineer", "Pat Manager"}

    # an assignee takes the task over; a customer-side assignee does not make it the customer's
    cli("plan", "set", "tiny-widgets", "design-confirm", "--assignee", "Bo Builder")
    cli("plan", "set", "other-gadgets", "design-confirm", "--assignee", "Dana Admin")
    rows = _load(cli, "--person", "Bo Builder")
    assert rows and all(r["projects"] == ["tiny-widgets"] for r in rows)
    assert all(r["person"] != "Dana Admin" for r in _load(cli))
    assert all(r["overcommitted"] for r in _load(cli, "--overcommitted"))


def test_no_plan_means_no_load(cli, tmp_path) -> None:
    cli("project", "create", "--tdd", write(tmp_path, "tiny.yaml", SMALL_TDD))
    assert _load(cli) == []
