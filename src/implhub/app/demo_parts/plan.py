"""The plan capability's part of the demo: a plan that started a few weeks ago, with progress:
early tasks done on their actual dates, the dev infrastructure three working days late (so the
forecast has slipped against the first baseline), the work after it in progress, assignees from
the design's stakeholders, a few notes and a project blackout day."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from implhub.app import plan as svc
from implhub.app import plan_confirm as confirmations
from implhub.app import plan_edit as edits
from implhub.app.context import Ctx
from implhub.app.demo_env import DemoEnv
from implhub.planning.calendar import WorkCalendar
from implhub.planning.schedule import schedule
from implhub.store.models import Project

SLIPPED = "infra-dev"
SLIP_DAYS = 3
#: working days later than forecast that the demo's re-forecast moves a running task
REFORECAST_DAYS = 2
#: owner role -> the stakeholder role whose person does the work
PEOPLE_BY_ROLE = {"IE": "IE", "IPM": "IPM", "TAM": "TAM", "ADMIN": "ADMIN", "SECURITY": "SECURITY", "INFRA": "INFRA"}


def seed(ctx: Ctx, project: Project, env: DemoEnv) -> list[str]:
    today = svc.today_for(ctx, project)
    monday = today - dt.timedelta(days=today.weekday())
    start = monday - dt.timedelta(weeks=3)
    offsite = monday + dt.timedelta(weeks=3, days=4)  # a Friday three weeks out: the customer's offsite
    svc.generate(ctx, project=project, start=start, blackout=[offsite])

    # what "actually happened": the plan as planned, with the dev infrastructure taking longer
    c = svc.compute(ctx, project=project, as_planned=True)
    tasks = [replace(s.task, duration=s.task.duration + (SLIP_DAYS if s.task.id == SLIPPED else 0)) for s in c.schedule.tasks]
    cal = svc.calendar_for(project, c.row)
    real = schedule(tasks, calendar=cal, today=start).by_id()
    # the last working day up to today: work planned to end on it is still in progress
    last = cal.day(cal.index_on_or_before(today))
    people = {s.role: s.name for s in project.design_model.stakeholders}

    done = started = 0
    for s in c.schedule.tasks:
        r = real[s.task.id]
        person = people.get(PEOPLE_BY_ROLE.get(s.task.owner_role, ""))
        if r.finish < last:
            svc.set_task(ctx, project=project, task_id=s.task.id, status="done", actual_start=r.start, actual_end=r.finish,
                         assignee=person)
            done += 1
        elif r.start <= last:
            svc.set_task(ctx, project=project, task_id=s.task.id, status="in_progress", actual_start=r.start, assignee=person)
            started += 1
    svc.set_task(ctx, project=project, task_id=SLIPPED, note="The EBS volume quota increase took three extra days; "
                 "the platform team raised it on the second day.", note_visibility="internal")
    svc.set_task(ctx, project=project, task_id=SLIPPED, note="Dev infrastructure finished three working days late "
                 "(storage quota); the plan moved with it.", note_visibility="external")
    plan = svc.get_plan(ctx, project=project)
    lines = [f"plan: {len(plan['tasks'])} tasks from {plan['start']}, {done} done, {started} in progress, "
             f"{SLIPPED} {SLIP_DAYS} working days late; health {plan['health']}, forecast finish {plan['forecast_finish']} "
             f"(baseline {plan['baseline_finish']})"]
    return lines + _reforecast(ctx, project, cal, last) + _confirmations(ctx, project)


def _reforecast(ctx: Ctx, project: Project, cal: WorkCalendar, last: dt.date) -> list[str]:
    """The engineer says a task in progress will take two more working days than forecast."""
    plan = svc.get_plan(ctx, project=project)
    running = [t for t in plan["tasks"] if t["status"] == "in_progress" and t["visibility"] == "external" and not t["milestone"]]
    if not running:
        return []
    t = max(running, key=lambda x: (x["critical"], x["finish"]))
    later = cal.day(cal.index_on_or_before(max(dt.date.fromisoformat(t["finish"]), last)) + REFORECAST_DAYS)
    edits.reforecast(ctx, project=project, task_id=t["id"], expected_end=later)
    svc.set_task(ctx, project=project, task_id=t["id"], note=f"Re-forecast to {later}: the code host's API rate limit "
                 "slows cloning; the customer is raising it.", note_visibility="external")
    after = svc.get_plan(ctx, project=project)
    return [f"plan: {t['id']} re-forecast to finish {later} (was {t['finish']}); forecast finish "
            f"{plan['forecast_finish']} -> {after['forecast_finish']}"]


def _confirmations(ctx: Ctx, project: Project) -> list[str]:
    """The customer's sponsor confirmed the production design and the kickoff in the portal."""
    sponsor = next((s for s in project.design_model.stakeholders if s.role == "SPONSOR"), None)
    if sponsor is None:
        return []
    as_customer = replace(ctx, actor=sponsor.email, via="web")
    done = {t["id"] for t in svc.get_plan(ctx, project=project)["tasks"] if t["status"] == "done"}
    confirmed = []
    for task_id in ("design-confirm", "kickoff"):
        if task_id in done:
            confirmations.confirm(as_customer, project=project, task_id=task_id, decision="confirmed",
                                  by_name=sponsor.name, by_email=sponsor.email)
            confirmed.append(task_id)
    return [f"plan: {sponsor.name} (customer) confirmed {', '.join(confirmed)} in the portal"] if confirmed else []
