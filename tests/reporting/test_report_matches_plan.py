"""The status report against the real plan engine: a generated plan, a slipped task, and the
report's numbers checked against the plan's own JSON."""

from __future__ import annotations

import datetime as dt

from implhub.app import plan as plan_app
from implhub.app import projects, reporting
from implhub.reporting.status import render_markdown


def _project_with_progress(ctx, demo_tdd_text):
    project = projects.create(ctx, text=demo_tdd_text, filename="demo.yaml").project
    plan_app.generate(ctx, project=project, start=dt.date(2026, 11, 2))
    first = plan_app.get_plan(ctx, project=project)
    by_id = {t["id"]: t for t in first["tasks"]}
    install = by_id["install-dev"]
    # everything planned before the dev install happened on its baseline dates...
    for t in sorted(first["tasks"], key=lambda t: (t["baseline_start"], t["baseline_finish"])):
        if t["id"] != "install-dev" and t["baseline_finish"] < install["baseline_start"]:
            plan_app.set_task(ctx, project=project, task_id=t["id"], actual_start=dt.date.fromisoformat(t["baseline_start"]),
                              actual_end=dt.date.fromisoformat(t["baseline_finish"]))
    # ...and the dev install finished late: a slip the report must show
    late = dt.date.fromisoformat(install["baseline_finish"]) + dt.timedelta(days=6)
    plan_app.set_task(ctx, project=project, task_id="install-dev", actual_start=dt.date.fromisoformat(install["baseline_start"]),
                      actual_end=late)
    reporting.add_entry(ctx, slug=project.slug, kind="risk", values={"title": "Internal: staffing gap", "visibility": "internal"})
    return project


def test_the_weekly_external_report_matches_the_plan(ctx, demo_tdd_text) -> None:
    project = _project_with_progress(ctx, demo_tdd_text)
    external_plan = plan_app.get_plan(ctx, project=project, view="external")
    report = reporting.status_report(ctx, slug=project.slug, period="week", audience="external")
    assert report["forecast_finish"] == external_plan["forecast_finish"]
    assert report["health"] == external_plan["health"]
    plan_slips = {t["id"]: t["slip_days"] for t in external_plan["tasks"]
                  if t["baseline_finish"] and t["finish"] > t["baseline_finish"]}
    report_slips = {t["id"]: t["slip_working_days"] for t in report["slipped"]}
    assert report_slips and set(report_slips) <= set(plan_slips)
    for task_id, slip in report_slips.items():
        assert slip == plan_slips[task_id]
    internal_ids = {t["id"] for t in plan_app.get_plan(ctx, project=project)["tasks"] if t["visibility"] == "internal"}
    md = render_markdown(report)
    assert not internal_ids & {t["id"] for t in report["next"] + report["slipped"] + report["completed"]}
    assert "Internal: staffing gap" not in md
    assert "Monorepo indexing exceeds zoekt memory" not in md  # the design's internal risk
    assert "Image scanning takes a week per release" in md  # the design's external risk
    assert "@" not in md


def test_the_portfolio_report_reads_every_project(ctx, demo_tdd_text, tdd_text) -> None:
    _project_with_progress(ctx, demo_tdd_text)
    projects.create(ctx, text=tdd_text, filename="t.yaml")
    rows = {r["slug"]: r for r in reporting.portfolio_report(ctx)}
    assert rows["northwind-logistics"]["health"] in ("on_track", "at_risk", "late")
    assert rows["northwind-logistics"]["forecast_finish"]
    assert rows["example-corp"]["health"] == "unknown"  # no plan yet
    assert rows["northwind-logistics"]["risks"] == 3
