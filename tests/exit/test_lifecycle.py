"""The project lifecycle in one place: active -> complete | closed -> (reopen) active; archive
hides a project (a duplicate) from the portfolio and reminders and keeps its history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from implhub.app import evidence, exit_criteria, plan, portfolio, projects, reporting
from implhub.errors import Conflict
from implhub.store.models import ActivityEntry
from tests.documents.evidence import finish_plan, populate

SLUG = "northwind-logistics"


def _completed(ctx: Any, text: str) -> Any:
    project = projects.create(ctx, text=text, filename="demo.yaml", slug=SLUG).project
    populate(ctx, project)
    plan.generate(ctx, project=project, start=ctx.today() - dt.timedelta(days=60))
    finish_plan(ctx, project, through="golive")
    for n, who in ((2, "Luis Ortega"), (4, "Luis Ortega"), (6, "Priya Raman"), (7, "Elena Sousa")):
        exit_criteria.sign(ctx, slug=SLUG, number=n, by=who, evidence_url=f"https://wiki.example.com/{n}")
    exit_criteria.complete(ctx, slug=SLUG)
    return project


def test_complete_refuses_until_go_live_is_done_and_names_it(ctx, demo_tdd_text) -> None:
    project = projects.create(ctx, text=demo_tdd_text, filename="demo.yaml", slug=SLUG).project
    populate(ctx, project)
    plan.generate(ctx, project=project, start=ctx.today() - dt.timedelta(days=60))
    finish_plan(ctx, project, through="validation-prod")
    for n in (2, 4, 6, 7):
        exit_criteria.sign(ctx, slug=SLUG, number=n, by="Luis Ortega", evidence_url=f"https://wiki.example.com/{n}")
    assert exit_criteria.evaluate(ctx, project)["complete"] is True  # every criterion holds; go-live is not done
    with pytest.raises(exit_criteria.NotComplete, match=r"go-live milestone 'Go-live' \(golive\) is not done") as err:
        exit_criteria.complete(ctx, slug=SLUG)
    assert err.value.exit_code == 1 and project.state == "active"


def test_a_complete_project_freezes_its_plan_design_and_criteria_but_not_the_owners_work(ctx, demo_tdd_text) -> None:
    project = _completed(ctx, demo_tdd_text)
    assert project.state == "complete"
    with pytest.raises(Conflict, match="is complete: its plan cannot change any more; an admin reopens it"):
        plan.set_task(ctx, project=SLUG, task_id="handoff", status="done")
    with pytest.raises(Conflict, match="its design cannot change"):
        projects.update(ctx, slug=SLUG, text=demo_tdd_text.replace("users: 4500", "users: 4600"), filename="v2.yaml")
    with pytest.raises(Conflict, match="its exit criteria cannot change"):
        exit_criteria.waive(ctx, slug=SLUG, number=9, by="Luis Ortega", reason="x")
    assert project.current.number == 1
    # the long-term owner's work goes on: right-sizing, version checks, logs
    evidence.add(ctx, project=project, kind="rightsize", environment="prod", source="Prometheus", data={"window": "30d"})
    evidence.add(ctx, project=project, kind="version_check", environment="prod", source="releases",
                 data={"running": "6.4.0", "newest": "6.6.0", "minors_behind": 2})
    reporting.add_entry(ctx, slug=SLUG, kind="expansion", values={"title": "Acquired company's 1,500 engineers"})
    row = portfolio.summary(ctx, project)
    assert row["state"] == "complete" and row["health"] == "complete"  # never "at risk" once complete


def test_reopen_undoes_it_and_is_logged_with_the_actor_and_reason(ctx, demo_tdd_text) -> None:
    project = _completed(ctx, demo_tdd_text)
    with pytest.raises(Exception, match="say why"):
        projects.reopen(ctx, slug=SLUG, reason=" ")
    projects.reopen(ctx, slug=SLUG, reason="the customer found a sync gap")
    assert project.state == "active" and project.state_reason == "the customer found a sync gap"
    entry = ctx.session.query(ActivityEntry).filter(ActivityEntry.action == "project.reopen").one()
    assert entry.actor == "tester@example.com" and entry.before["state"] == "complete" and "sync gap" in entry.summary
    plan.set_task(ctx, project=SLUG, task_id="handoff", status="in_progress")


def test_a_duplicate_project_can_be_archived_out_of_the_portfolio_and_reminders(ctx, demo_tdd_text) -> None:
    keep = projects.create(ctx, text=demo_tdd_text, filename="demo.yaml", slug=SLUG).project
    dup = projects.create(ctx, text=demo_tdd_text, filename="demo.yaml", slug=SLUG + "-2").project
    for p in (keep, dup):
        plan.generate(ctx, project=p, start=ctx.today())
    assert any(dup.slug in str(r) for r in reporting.pending_reminders(ctx))  # kickoff is due today for both
    projects.archive(ctx, slug=dup.slug, reason=f"duplicate of {SLUG}")
    assert dup.state == "archived"
    assert [p.slug for p in projects.list_projects(ctx)] == [SLUG]
    assert {p.slug for p in projects.list_projects(ctx, include_archived=True)} == {SLUG, dup.slug}
    assert all(dup.slug not in str(r) for r in reporting.pending_reminders(ctx))
    assert projects.get_or_raise(ctx, slug=dup.slug).revisions  # history kept
    assert ctx.session.query(ActivityEntry).filter(ActivityEntry.project_id == dup.id).count() > 1
    with pytest.raises(Conflict, match="its plan cannot change"):
        plan.set_task(ctx, project=dup.slug, task_id="kickoff", status="done")


def _write(tmp_path: Path, text: str) -> str:
    p = tmp_path / "tdd.yaml"
    p.write_text(text)
    return str(p)


def test_the_cli_archives_reopens_and_lists_states(cli, tmp_path, demo_tdd_text) -> None:
    import json

    cli("project", "create", "--tdd", _write(tmp_path, demo_tdd_text))
    cli("project", "create", "--tdd", _write(tmp_path, demo_tdd_text), "--slug", "nw-duplicate")
    r = cli("project", "archive", "nw-duplicate", "--reason", "duplicate")
    assert r.exit_code == 0, r.output
    assert [p["slug"] for p in json.loads(cli("project", "list", "--json").stdout)] == [SLUG]
    listed = {p["slug"]: p["state"] for p in json.loads(cli("project", "list", "--all", "--json").stdout)}
    assert listed == {SLUG: "active", "nw-duplicate": "archived"}
    assert cli("project", "archive", "nw-duplicate").exit_code == 2
    r = cli("project", "reopen", "nw-duplicate", "--reason", "not a duplicate after all")
    assert r.exit_code == 0 and "reopened by" in r.stdout
    assert cli("project", "reopen", SLUG, "--reason", "x").exit_code == 2  # active already
