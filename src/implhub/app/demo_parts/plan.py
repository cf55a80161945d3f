"""The plan capability's part of the demo: a plan that started a few weeks ago, with progress:
early tasks done on their actual dates, the dev infrastructure three working days late (so the
forecast has slipped against the first baseline), the work after it in progress, assignees from
the design's stakeholders, a few notes and a project blackout day."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from implhub.app import plan as svc
from implhub.app.context import Ctx
from implhub.app.demo_env import DemoEnv
from implhub.planning.schedule import schedule
from implhub.store.models import Project

SLIPPED = "infra-dev"
SLIP_DAYS = 3
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
    return [f"plan: {len(plan['tasks'])} tasks from {plan['start']}, {done} done, {started} in progress, "
            f"{SLIPPED} {SLIP_DAYS} working days late; health {plan['health']}, forecast finish {plan['forecast_finish']} "
            f"(baseline {plan['baseline_finish']})"]
