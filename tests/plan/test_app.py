"""Application functions: exit criteria drive the closing tasks, a team template, the demo part."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from implhub.app import plan as svc
from implhub.app import projects
from implhub.errors import ValidationError
from implhub.planning.template import default_template_text


def _project(ctx, text: str) -> str:
    return projects.create(ctx, text=text, filename="t.yaml").project.slug


def test_closing_tasks_follow_the_exit_criteria(ctx, demo_tdd_text, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from implhub.app import facts
    from tests.documents.evidence import finish_plan

    slug = _project(ctx, demo_tdd_text)
    svc.generate(ctx, project=slug, start=ctx.today() - dt.timedelta(days=60))
    calls: list[Any] = []

    def report(ctx_: Any, project: Any) -> dict[str, Any]:
        calls.append(project.slug)
        statuses = {1: "met", 2: "waived", 3: "not_met"}
        return {"complete": False, "criteria": [{"number": n, "title": "", "status": statuses.get(n, "not_met"),
                                                  "evidence": [], "missing": []} for n in range(1, 10)]}

    monkeypatch.setattr(facts, "report", report)
    # met criteria do not make a closing task done before the tasks it depends on (go-live)
    by = {t["id"]: t for t in svc.get_plan(ctx, project=slug)["tasks"]}
    assert by["golive"]["status"] != "done"
    assert by["exit-1"]["status"] == "not_started" and by["exit-2"]["status"] == "not_started"
    finish_plan(ctx, projects.get_or_raise(ctx, slug=slug), through="golive")
    svc.set_task(ctx, project=slug, task_id="exit-3", status="done")  # a person said done; the evidence says not met
    by = {t["id"]: t for t in svc.get_plan(ctx, project=slug)["tasks"]}
    assert by["exit-1"]["status"] == "done" and by["exit-2"]["status"] == "done"
    assert by["exit-3"]["status"] == "in_progress"
    assert by["exit-4"]["status"] == "not_started"
    assert calls


def test_an_exit_task_set_done_by_hand_waits_for_its_predecessors(ctx, demo_tdd_text) -> None:
    slug = _project(ctx, demo_tdd_text)
    svc.generate(ctx, project=slug, start=ctx.today())
    svc.set_task(ctx, project=slug, task_id="exit-7", status="done")
    tasks = {t["id"]: t for t in svc.get_plan(ctx, project=slug)["tasks"]}
    assert tasks["golive"]["status"] != "done"
    assert tasks["exit-7"]["status"] != "done"


def test_a_team_template_replaces_the_shipped_one(ctx, tdd_text, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    own = tmp_path / "ours.yaml"
    own.write_text(default_template_text().replace("Project kickoff", "Kickoff with the customer's steering group"))
    ctx.settings = replace(ctx.settings, plan_template_file=own)
    slug = _project(ctx, tdd_text)
    plan = svc.generate(ctx, project=slug, start=ctx.today()).plan
    assert {t["id"]: t for t in plan["tasks"]}["kickoff"]["title"] == "Kickoff with the customer's steering group"
    own.write_text("tasks:\n  - {id: a, title: A, owner: IE, days: 1, depends_on: [b]}\n  - {id: b, title: B, owner: IE, days: 1, depends_on: [a]}\n")
    with pytest.raises(ValidationError, match="cycle"):
        svc.generate(ctx, project=slug, start=ctx.today(), force=True)


def test_the_demo_plan_has_progress_and_a_slip(ctx, tmp_path: Path) -> None:
    from implhub.app import demo

    project, lines = demo.load(ctx, workdir=tmp_path, parts=["plan"])
    plan = svc.get_plan(ctx, project=project)
    statuses = [t["status"] for t in plan["tasks"]]
    assert statuses.count("done") >= 5 and "in_progress" in statuses
    slipped = {t["id"]: t for t in plan["tasks"]}["infra-dev"]
    assert slipped["finish"] > slipped["baseline_finish"]
    assert plan["forecast_finish"] > plan["baseline_finish"]
    assert any("plan:" in line for line in lines)
    external = svc.get_plan(ctx, project=project, view="external")
    notes = [n["text"] for t in external["tasks"] for n in t["notes"]]
    assert notes and not any("EBS volume quota" in n for n in notes)
