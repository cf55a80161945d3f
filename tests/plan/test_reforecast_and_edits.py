"""Re-forecasting an unfinished task and shaping one project's plan by hand (add, remove,
re-link, re-own), through the CLI, checked through `plan show --json`, the store and the log."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from implhub.store import open_store
from implhub.store.models import ActivityEntry
from tests.plan.conftest import write
from tests.plan.test_cli import show


def _critical_unfinished(plan):
    return next(t for t in plan["tasks"] if t["critical"] and t["status"] != "done" and not t["milestone"]
                and t["id"] == "image-scan")  # the customer's scan gates every install


def _actions(db_url, action):
    store = open_store(db_url)
    with store.session() as s:
        rows = list(s.scalars(select(ActivityEntry).where(ActivityEntry.action == action)))
    store.dispose()
    return rows


def test_a_later_expected_end_moves_the_forecast_finish_later(cli, demo_project, db_url) -> None:
    assert cli("plan", "generate", demo_project, "--start", "2026-11-30").exit_code == 0
    before = show(cli, demo_project)
    task = _critical_unfinished(before)
    later = dt.date.fromisoformat(task["finish"]) + dt.timedelta(days=7)  # the same weekday a week later
    result = cli("plan", "set", demo_project, task["id"], "--expected-end", later.isoformat())
    assert result.exit_code == 0, result.output
    after = show(cli, demo_project)
    assert after["forecast_finish"] > before["forecast_finish"]
    by = {t["id"]: t for t in after["tasks"]}
    assert by[task["id"]]["finish"] == later.isoformat()
    # its successor moved with it
    assert by["install-dev"]["start"] > later.isoformat() and by["install-staging"]["start"] > later.isoformat()
    # health says why
    assert "re-forecast to finish " + later.isoformat() in by[task["id"]]["health_reason"]
    assert any("re-forecast" in r for r in after["health_reasons"])
    [entry] = _actions(db_url, "plan.task.reforecast")
    assert entry.after["expected_end"] == later.isoformat() and entry.before["plan_finish"] == before["forecast_finish"]


def test_an_earlier_expected_end_and_remaining_days_pull_the_plan_in(cli, demo_project) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-30")
    before = show(cli, demo_project)
    task = {t["id"]: t for t in before["tasks"]}["design-confirm"]  # on the one path every later task waits for
    assert task["critical"] and task["duration"] > 1
    assert cli("plan", "set", demo_project, task["id"], "--status", "in_progress").exit_code == 0
    # one working day left, counting today (2026-11-30, a Monday): it finishes today
    result = cli("plan", "set", demo_project, task["id"], "--remaining-days", "1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["finish"] == "2026-11-30"
    after = show(cli, demo_project)
    assert after["forecast_finish"] < before["forecast_finish"]
    assert cli("plan", "set", demo_project, task["id"], "--clear-forecast").exit_code == 0
    assert {t["id"]: t for t in show(cli, demo_project)["tasks"]}[task["id"]]["finish"] > "2026-11-30"


def test_bad_re_forecasts_are_refused_and_store_nothing(cli, demo_project, db_url) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-30")
    cli("plan", "set", demo_project, "kickoff", "--actual-start", "2026-11-30", "--actual-end", "2026-11-30")
    before = show(cli, demo_project)
    for args, needle in ((("--expected-end", "2026-11-20"), "in the past"),
                         (("--expected-end", "2046-12-01"), "within 10 years"),
                         (("--expected-end", "2026-13-01"), "YYYY-MM-DD"),
                         (("--remaining-days", "-1"), "0 or more"),
                         (("--expected-end", "2026-12-20", "--remaining-days", "3"), "exactly one")):
        result = cli("plan", "set", demo_project, "infra-dev", *args)
        assert result.exit_code == 2, (args, result.output)
        assert needle in result.output, result.output
    cli("plan", "set", demo_project, "kickoff", "--actual-start", "2026-11-30", "--actual-end", "2026-11-30")
    done = cli("plan", "set", demo_project, "kickoff", "--expected-end", "2026-12-20")
    assert done.exit_code == 2 and "is done" in done.output
    after = show(cli, demo_project)
    assert after["forecast_finish"] == before["forecast_finish"]
    assert _actions(db_url, "plan.task.reforecast") == []


def test_add_relink_reown_remove_are_logged_and_survive_regeneration(cli, demo_project, tmp_path, demo_tdd_text, db_url) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-30")
    r = cli("plan", "add", demo_project, "pen-test", "--title", "Customer penetration test", "--days", "3",
            "--owner", "SECURITY", "--after", "install-staging", "--before", "infra-prod")
    assert r.exit_code == 0, r.output
    r = cli("plan", "add", demo_project, "steering", "--title", "Steering committee sign-off", "--days", "0",
            "--owner", "sponsor", "--after", "pen-test")
    assert r.exit_code == 0, r.output
    assert cli("plan", "edit", demo_project, "configure-prod", "--owner", "IE").exit_code == 0
    assert cli("plan", "edit", demo_project, "owner-joins", "--add-dep", "kickoff+2").exit_code == 0
    assert cli("plan", "remove", demo_project, "test-users-dev").exit_code == 0
    plan = show(cli, demo_project)
    by = {t["id"]: t for t in plan["tasks"]}
    assert by["pen-test"]["depends_on"] == ["install-staging"] and "pen-test" in by["infra-prod"]["depends_on"]
    assert by["steering"]["milestone"] and by["steering"]["owner_role"] == "SPONSOR"
    assert by["configure-prod"]["owner_role"] == "IE"
    assert "test-users-dev" not in by
    assert by["infra-prod"]["start"] > by["pen-test"]["finish"]
    for action in ("plan.task.add", "plan.task.edit", "plan.task.remove"):
        assert _actions(db_url, action), action

    # a design change regenerates the plan: the edits are kept and said so
    changed = demo_tdd_text.replace("users: 2400", "users: 2600") if "users: 2400" in demo_tdd_text else demo_tdd_text + "\nx_note: changed\n"
    assert cli("project", "update", demo_project, "--tdd", write(tmp_path, "v2.yaml", changed)).exit_code == 0
    result = cli("plan", "generate", demo_project, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    kept = "\n".join(out["kept"])
    assert "test-users-dev" in kept and "pen-test" in kept and "configure-prod" in kept
    by = {t["id"]: t for t in out["plan"]["tasks"]}
    assert "test-users-dev" not in by and "pen-test" in by and "steering" in by
    assert by["configure-prod"]["owner_role"] == "IE"
    assert "pen-test" in by["infra-prod"]["depends_on"]
    assert "kickoff" in by["owner-joins"]["depends_on"]


def test_a_cycle_or_an_unknown_task_is_refused_naming_them(cli, demo_project) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-30")
    before = show(cli, demo_project)
    r = cli("plan", "edit", demo_project, "kickoff", "--add-dep", "golive")
    assert r.exit_code == 2 and "cycle" in r.output and "golive" in r.output and "kickoff" in r.output
    r = cli("plan", "add", demo_project, "x-task", "--title", "X", "--days", "1", "--owner", "IE", "--after", "nope")
    assert r.exit_code == 2 and "nope" in r.output
    r = cli("plan", "add", demo_project, "kickoff", "--title", "X", "--days", "1", "--owner", "IE")
    assert r.exit_code == 2 and "already" in r.output
    r = cli("plan", "edit", demo_project, "kickoff", "--owner", "nobody")
    assert r.exit_code == 2 and "owner role" in r.output
    assert show(cli, demo_project)["tasks"] == before["tasks"]


def test_removing_a_task_with_actuals_needs_force_and_a_stale_edit_is_refused(cli, demo_project) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-30")
    cli("plan", "set", demo_project, "prerequisites", "--status", "in_progress")
    r = cli("plan", "remove", demo_project, "prerequisites")
    assert r.exit_code == 2 and "--force" in r.output
    version = {t["id"]: t for t in show(cli, demo_project)["tasks"]}["kickoff"]["version"]
    assert cli("plan", "edit", demo_project, "kickoff", "--title", "Kickoff call", "--expected-version", str(version)).exit_code == 0
    r = cli("plan", "edit", demo_project, "kickoff", "--title", "Kickoff!", "--expected-version", str(version))
    assert r.exit_code == 2 and "reload" in r.output
    assert {t["id"]: t for t in show(cli, demo_project)["tasks"]}["kickoff"]["title"] == "Kickoff call"
    assert cli("plan", "remove", demo_project, "prerequisites", "--force").exit_code == 0
