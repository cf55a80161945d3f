"""The planning engine: calendar, scheduler, critical path, health, generation, external view."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from implhub.errors import ValidationError
from implhub.planning.calendar import WorkCalendar
from implhub.planning.generate import critical_length, generate, instantiate
from implhub.planning.model import Dependency, PlanTask
from implhub.planning.schedule import check, project_health, schedule
from implhub.planning.template import default_template_text, load_template
from implhub.planning.views import external_dependencies, plan_dict

D = dt.date
MON = D(2026, 11, 30)  # a Monday


def task(tid: str, days: int, *deps: str, **kw: Any) -> PlanTask:
    return PlanTask(id=tid, title=tid.title(), duration=days, depends_on=[Dependency(*d.split("+")) if "+" not in d else Dependency(d.split("+")[0], int(d.split("+")[1])) for d in deps], **kw)


def cal(**kw: Any) -> WorkCalendar:
    return WorkCalendar(start=kw.pop("start", MON), country=kw.pop("country", "US"), **kw)


def design(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "customer": {"name": "Acme", "country": "US", "package": "standard"},
        "scale": {"users": 800, "repositories": 2000},
        "environments": [{"name": "dev", "kind": "dev"}, {"name": "prod", "kind": "prod"}],
        "change_management": {"image_scanning": {"required": False}},
    }
    base.update(over)
    return base


def test_it_skips_weekends_holidays_and_blackout_dates() -> None:
    c = cal(start=D(2026, 12, 21), blackout=[D(2026, 12, 23)])
    days = [c.day(i) for i in range(5)]
    # Dec 25 is Christmas, 26-27 a weekend, 23 a project blackout
    assert days == [D(2026, 12, 21), D(2026, 12, 22), D(2026, 12, 24), D(2026, 12, 28), D(2026, 12, 29)]
    german = cal(start=D(2026, 12, 21), country="DE")
    assert not german.is_working(D(2026, 12, 26))  # Zweiter Weihnachtsfeiertag falls on a Saturday anyway
    assert not german.is_working(D(2027, 1, 1))
    assert german.is_working(D(2026, 11, 26))  # US Thanksgiving is a working day in Germany
    assert not cal().is_working(D(2026, 11, 26))


def test_it_schedules_finish_to_start_on_working_days_with_lag() -> None:
    tasks = [task("a", 3), task("b", 2, "a+1"), task("c", 0, "b", milestone=True)]
    s = schedule(tasks, calendar=cal(), today=MON).by_id()
    assert (s["a"].start, s["a"].finish) == (D(2026, 11, 30), D(2026, 12, 2))
    assert (s["b"].start, s["b"].finish) == (D(2026, 12, 4), D(2026, 12, 7))  # one day of lag, over a weekend
    assert s["c"].start == s["c"].finish == D(2026, 12, 8)


def test_it_finds_the_critical_path() -> None:
    tasks = [task("a", 2), task("long", 5, "a"), task("short", 1, "a"), task("end", 1, "long", "short")]
    s = schedule(tasks, calendar=cal(), today=MON).by_id()
    assert {k for k, v in s.items() if v.critical} == {"a", "long", "end"}
    assert s["short"].total_float == 4


def test_it_rejects_a_cycle_naming_the_tasks() -> None:
    tasks = [task("a", 1, "c"), task("b", 1, "a"), task("c", 1, "b")]
    with pytest.raises(ValidationError) as err:
        schedule(tasks, calendar=cal(), today=MON)
    assert "cycle" in err.value.message
    assert set(err.value.details[0].split(" -> ")) == {"a", "b", "c"}


def test_it_rejects_unknown_ids_bad_status_and_a_finish_before_the_start() -> None:
    with pytest.raises(ValidationError, match="unknown task 'nope'"):
        check([task("a", 1, "nope")])
    with pytest.raises(ValidationError, match="unknown status"):
        check([task("a", 1, status="finished")])
    with pytest.raises(ValidationError) as err:
        check([task("a", 1, status="done", actual_start=D(2026, 12, 3), actual_end=D(2026, 12, 1))])
    assert err.value.field == "a.actual_end"
    with pytest.raises(ValidationError, match="before the project starts"):
        check([task("a", 1, status="in_progress", actual_start=D(2026, 1, 1))], project_start=MON)
    with pytest.raises(ValidationError, match="in the future"):
        check([task("a", 1, status="in_progress", actual_start=D(2027, 1, 4))], today=D(2026, 12, 1))


def test_a_slip_moves_the_successors_and_the_health() -> None:
    tasks = [task("a", 2), task("b", 2, "a"), task("c", 1, "b")]
    planned = schedule(tasks, calendar=cal(), today=MON)
    base = {x.task.id: (x.start, x.finish) for x in planned.tasks}
    # `a` started on time and is still running four working days later
    tasks[0].status, tasks[0].actual_start = "in_progress", MON
    today = D(2026, 12, 4)
    s = schedule(tasks, calendar=cal(), today=today, baseline=base).by_id()
    assert s["a"].finish == today
    assert s["b"].start == D(2026, 12, 7) and s["c"].finish == D(2026, 12, 9)
    assert s["a"].health == "late" and "overdue" in s["a"].health_reason
    assert s["c"].slip_days == 3 and s["c"].health == "at_risk"
    health, reasons = project_health(schedule(tasks, calendar=cal(), today=today, baseline=base), s.values())
    assert health == "late"
    assert any("after the baseline finish" in r for r in reasons)


def test_done_tasks_keep_their_actual_dates_and_are_done() -> None:
    tasks = [task("a", 2, status="done", actual_start=MON, actual_end=D(2026, 12, 4)), task("b", 1, "a")]
    s = schedule(tasks, calendar=cal(), today=D(2026, 12, 7)).by_id()
    assert (s["a"].start, s["a"].finish, s["a"].health) == (MON, D(2026, 12, 4), "done")
    assert s["b"].start == D(2026, 12, 7)


def test_not_started_work_cannot_be_forecast_in_the_past() -> None:
    s = schedule([task("a", 2)], calendar=cal(), today=D(2026, 12, 9)).by_id()
    assert s["a"].start == D(2026, 12, 9)


def test_the_external_view_resolves_dependencies_through_internal_tasks() -> None:
    tasks = [task("x", 1), task("secret", 2, "x", visibility="internal"), task("y", 1, "secret"),
             task("deeper", 1, visibility="internal"), task("z", 1, "deeper", "y")]
    sched = schedule(tasks, calendar=cal(), today=MON)
    assert external_dependencies(sched.tasks) == {"x": [], "y": ["x"], "z": ["y"]}
    view = plan_dict(sched, view="external", assignees={"x": "Priya (IE)", "y": "Luis"}, show_person=lambda n: n == "Luis",
                     notes={"x": [{"text": "internal", "visibility": "internal"}, {"text": "shared", "visibility": "external"}]})
    assert [t["id"] for t in view["tasks"]] == ["x", "y", "z"]
    by = {t["id"]: t for t in view["tasks"]}
    assert by["x"]["assignee"] is None and by["y"]["assignee"] == "Luis"
    assert [n["text"] for n in by["x"]["notes"]] == ["shared"]


def test_the_default_template_loads_with_nine_exit_tasks_and_canonical_owners() -> None:
    from implhub.intake.roles import BY_CODE

    t = load_template(default_template_text(), source="default")
    ids = [x.id for x in t.tasks]
    assert [i for i in ids if i.startswith("exit-")] == [f"exit-{n}" for n in range(1, 10)]
    assert all(x.owner in BY_CODE for x in t.tasks)


def test_a_bad_template_names_the_line_and_field() -> None:
    text = "phases: [{id: p}]\ntasks:\n  - {id: a, title: A, phase: p, owner: IE, days: 1}\n  - {id: b, title: B, phase: p, owner: wizard, days: 1}\n"
    with pytest.raises(ValidationError) as err:
        load_template(text, source="team.yaml")
    assert err.value.file == "team.yaml" and err.value.line == 4 and err.value.field == "b.owner"
    with pytest.raises(ValidationError, match="unknown task 'zzz'"):
        load_template("tasks:\n  - {id: a, title: A, owner: IE, days: 1, depends_on: [zzz]}\n", source="t.yaml")


def test_generation_gives_one_set_of_tasks_per_environment_with_stable_ids() -> None:
    t = load_template(default_template_text(), source="default")
    tasks, _, _ = instantiate(t, design(environments=[{"name": "dev", "kind": "dev"}, {"name": "qa", "kind": "staging"},
                                                      {"name": "prod", "kind": "prod"}]), exceptional=False)
    ids = {x.id for x in tasks}
    assert {"install-dev", "install-qa", "install-prod", "codehosts-qa", "exit-9", "handoff"} <= ids
    assert not any(i.startswith(("replica", "k6")) for i in ids)
    by = {x.id: x for x in tasks}
    assert {d.id for d in by["install-qa"].depends_on} == {"infra-qa"}
    assert {d.id for d in by["infra-prod"].depends_on} == {"test-users-dev", "test-users-qa"}
    # image scanning is not required here: install-prod's dependency on it passes through to
    # plan-shared, which infra-prod already implies, so only infra-prod remains
    assert {d.id for d in by["install-prod"].depends_on} == {"infra-prod"}
    scanned, _, _ = instantiate(t, design(change_management={"image_scanning": {"required": True, "timeline_days": 7}}), exceptional=False)
    sby = {x.id: x for x in scanned}
    # the scan gates every environment's install: dev already waits for it, so production does through dev
    assert {d.id for d in sby["install-dev"].depends_on} == {"infra-dev", "image-scan"}
    assert {d.id for d in sby["install-prod"].depends_on} == {"infra-prod"}
    assert sby["image-scan"].duration == 7


def test_exceptional_scale_adds_the_replica_and_k6_validation() -> None:
    t = load_template(default_template_text(), source="default")
    tasks, _, _ = instantiate(t, design(), exceptional=True)
    by = {x.id: x for x in tasks}
    assert by["replica-build"].visibility == "internal" and by["k6-validation"].owner_role == "IE"
    assert "k6-validation" in {d.id for d in by["infra-prod"].depends_on}


def test_a_small_standard_customer_fits_the_45_day_timebox() -> None:
    t = load_template(default_template_text(), source="default")
    g = generate(t, design(), exceptional=False, calendar=cal(), start=MON)
    assert g.critical_days <= g.available_days
    assert not any("timebox" in w for w in g.warnings)


def test_a_very_large_standard_customer_gets_a_clear_warning() -> None:
    t = load_template(default_template_text(), source="default")
    big = design(scale={"users": 40000, "repositories": 250000},
                 environments=[{"name": "dev", "kind": "dev"}, {"name": "staging", "kind": "staging"}, {"name": "prod", "kind": "prod"}],
                 change_management={"image_scanning": {"required": True, "timeline_days": 15}})
    g = generate(t, big, exceptional=True, calendar=cal(), start=MON)
    assert critical_length(g.tasks) == g.critical_days
    warning = " ".join(g.warnings)
    assert "does not fit the 45-day timebox" in warning or "squeezed" in warning
    # the same customer on the advanced package (90 days) fits without squeezing
    roomy = generate(t, {**big, "customer": {**big["customer"], "package": "advanced"}}, exceptional=True, calendar=cal(), start=MON)
    assert roomy.critical_days <= roomy.available_days and roomy.squeeze == 1.0


def test_a_re_forecast_moves_the_finish_and_the_successors_earlier_or_later() -> None:
    tasks = [task("a", 5), task("b", 3, "a"), task("m", 0, "b", milestone=True)]
    base = schedule(tasks, calendar=cal(), today=MON).by_id()
    assert base["a"].finish == D(2026, 12, 4)
    later = [task("a", 5, expected_end=D(2026, 12, 9)), task("b", 3, "a"), task("m", 0, "b", milestone=True)]
    s = schedule(later, calendar=cal(), today=MON).by_id()
    assert s["a"].finish == D(2026, 12, 9) and s["b"].start == D(2026, 12, 10) and s["m"].finish > base["m"].finish
    assert s["a"].health_reason.startswith("re-forecast to finish 2026-12-09")
    earlier = [task("a", 5, expected_end=D(2026, 12, 1)), task("b", 3, "a"), task("m", 0, "b", milestone=True)]
    e = schedule(earlier, calendar=cal(), today=MON).by_id()
    assert e["a"].finish == D(2026, 12, 1) and e["b"].start == D(2026, 12, 2)
    # unfinished work cannot finish before today, whatever was forecast: the reason says so
    stale = [task("a", 5, expected_end=D(2026, 11, 27)), task("b", 3, "a")]
    st = schedule(stale, calendar=cal(), today=D(2026, 12, 2)).by_id()
    assert st["a"].finish == D(2026, 12, 2) and "cannot hold" in st["a"].health_reason
    # a milestone happens on the day it is re-forecast to
    ms = [task("a", 5), task("m", 0, "a", milestone=True, expected_end=D(2026, 12, 14))]
    assert schedule(ms, calendar=cal(), today=MON).by_id()["m"].finish == D(2026, 12, 14)
