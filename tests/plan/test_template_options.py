"""Template options that follow the design: the customer's image scan gates every install, CAB
approvals before each production change, a priority-support window and a right-sizing window."""

from __future__ import annotations

import datetime as dt

from implhub.intake.loader import load_tdd_text
from implhub.planning.calendar import WorkCalendar
from implhub.planning.generate import instantiate
from implhub.planning.model import PlanTask
from implhub.planning.schedule import schedule
from implhub.planning.template import default_template_text, load_template
from tests.plan.test_engine import design

MON = dt.date(2026, 11, 30)


def _ancestors(tasks: list[PlanTask], tid: str) -> set[str]:
    by = {t.id: t for t in tasks}
    out: set[str] = set()
    todo = [tid]
    while todo:
        for d in by[todo.pop()].depends_on:
            if d.id not in out:
                out.add(d.id)
                todo.append(d.id)
    return out


ENVS = [{"name": "dev", "kind": "dev"}, {"name": "staging", "kind": "staging"}, {"name": "prod", "kind": "prod"}]


def test_a_customer_image_scan_gates_the_install_of_every_environment() -> None:
    t = load_template(default_template_text(), source="default")
    tasks, _, _ = instantiate(t, design(environments=ENVS, change_management={"image_scanning": {"required": True, "timeline_days": 6}}),
                              exceptional=False)
    for env in ("dev", "staging", "prod"):
        assert "image-scan" in _ancestors(tasks, f"install-{env}"), env
    sched = schedule(tasks, calendar=WorkCalendar(start=MON, country="US"), today=MON).by_id()
    for env in ("dev", "staging"):
        assert sched[f"install-{env}"].start > sched["image-scan"].finish


def test_change_advisory_approvals_come_with_their_lead_time_before_each_production_change() -> None:
    t = load_template(default_template_text(), source="default")
    plain, _, _ = instantiate(t, design(environments=ENVS), exceptional=False)
    assert not any(x.id.startswith("cab-") for x in plain)
    cm = {"image_scanning": {"required": False}, "change_advisory": {"required": True, "lead_time_days": 8}}
    tasks, _, _ = instantiate(t, design(environments=ENVS, change_management=cm), exceptional=False)
    by = {x.id: x for x in tasks}
    for change in ("infra", "install", "configure"):
        cab = by[f"cab-{change}-prod"]
        assert cab.duration == 8 and cab.visibility == "external"
        assert cab.id in {d.id for d in by[f"{change}-prod"].depends_on}
        assert "test-users-staging" in _ancestors(tasks, cab.id)  # requested once non-production is validated
    assert not any(x.id.startswith("cab-") and x.environment != "prod" for x in tasks)


def test_priority_support_and_right_sizing_windows_follow_go_live() -> None:
    t = load_template(default_template_text(), source="default")
    tasks, _, _ = instantiate(t, design(post_golive={"priority_support_days": 15, "rightsizing_window_days": 12}), exceptional=False)
    by = {x.id: x for x in tasks}
    assert by["priority-support"].duration == 15 and by["rightsizing-window"].duration == 12
    assert "golive" in {d.id for d in by["priority-support"].depends_on}
    assert "priority-support" in _ancestors(tasks, "handoff")
    assert "rightsizing-window" in {d.id for d in by["exit-8"].depends_on}
    without, _, _ = instantiate(t, design(), exceptional=False)
    assert not {"priority-support", "rightsizing-window"} & {x.id for x in without}


def test_the_new_design_fields_are_optional_and_validated() -> None:
    from implhub.intake.template import template

    base = template("yaml")
    assert "post_golive" not in base  # optional: old documents stay valid
    loaded = load_tdd_text(base + "post_golive: {priority_support_days: 10, rightsizing_window_days: 20}\n", filename="t.yaml")
    assert loaded.design["post_golive"]["priority_support_days"] == 10
    try:
        load_tdd_text(base + "post_golive: {priority_support_days: -3}\n", filename="t.yaml")
    except Exception as exc:
        assert "post_golive.priority_support_days" in str(exc)
    else:
        raise AssertionError("a negative window was accepted")
