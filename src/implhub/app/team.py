"""The team's load: each internal person's plan tasks per ISO week across the active
implementations, and who is over-committed (more task working days in a week than the week has).

Whose task it is: the task's assignee when that is an internal person (not a customer-side
stakeholder), else the project's internal stakeholder in the task's owner role. Tasks owned by a
customer-side role with no internal assignee are the customer's, not the team's."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from pydantic import BaseModel, Field
from sqlalchemy import select

from implhub.app import plan as plans
from implhub.app.context import Ctx
from implhub.store.models import Project
from implhub.store.models.plan import PlanRow


class TeamWeek(BaseModel):
    """One person in one ISO week (`team load --json`: person, week, tasks, projects,
    overcommitted; the other keys explain the verdict)."""

    person: str
    week: str = Field(description="ISO week, YYYY-Www")
    tasks: int = Field(description="plan tasks with working days in this week")
    projects: list[str] = Field(description="slugs of the implementations those tasks belong to")
    overcommitted: bool = Field(description="task working days exceed the week's working days")
    days: int = Field(description="task working days in this week, summed over the tasks")
    working_days: int = Field(description="working days in this week")
    task_ids: list[str] = Field(default_factory=list, description="slug/task of each task")


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _internal_people(project: Project) -> tuple[dict[str, str], set[str]]:
    """owner role -> the internal stakeholder's name; and the customer-side people (lower case)."""
    by_role: dict[str, str] = {}
    customer: set[str] = set()
    for s in project.design_model.stakeholders:
        name = s.name.strip()
        if s.side == "internal" and name:
            by_role.setdefault(s.role, name)
        elif name:
            customer |= {name.lower(), s.email.strip().lower()}
    return by_role, customer


def load(ctx: Ctx, *, weeks: int | None = None, person: str | None = None) -> list[TeamWeek]:
    """Load per person and ISO week from this week on (`weeks` limits how far ahead), over every
    active implementation with a plan; sorted by person, then week."""
    days: dict[tuple[str, str], int] = defaultdict(int)
    tasks: dict[tuple[str, str], set[str]] = defaultdict(set)
    projects: dict[tuple[str, str], set[str]] = defaultdict(set)
    capacity: dict[tuple[str, str], int] = defaultdict(int)
    active = ctx.session.scalars(select(Project).join(PlanRow, PlanRow.project_id == Project.id)
                                 .where(Project.state == "active").order_by(Project.slug))
    for p in active:
        c = plans.compute(ctx, project=p)
        cal = plans.calendar_for(p, c.row)
        today = c.schedule.today
        monday = today - dt.timedelta(days=today.weekday())
        horizon = monday + dt.timedelta(weeks=weeks) if weeks else None
        by_role, customer = _internal_people(p)
        assignees = {r.task_id: r.assignee for r in c.rows}
        for st in c.schedule.tasks:
            t = st.task
            if t.status == "done" or t.duration == 0:
                continue
            who = (assignees.get(t.id) or "").strip()
            if not who or who.lower() in customer:
                who = by_role.get(t.owner_role, "")
            if not who or (person and who.lower() != person.strip().lower()):
                continue
            day = max(st.start, monday)
            while day <= st.finish and (horizon is None or day < horizon):
                if cal.is_working(day):
                    key = (who, iso_week(day))
                    days[key] += 1
                    tasks[key].add(f"{p.slug}/{t.id}")
                    projects[key].add(p.slug)
                    week_start = day - dt.timedelta(days=day.weekday())
                    # a person on projects with different holidays: the week has the most working days any of them has
                    capacity[key] = max(capacity[key], sum(cal.is_working(week_start + dt.timedelta(days=i)) for i in range(7)))
                day += dt.timedelta(days=1)
    return [TeamWeek(person=k[0], week=k[1], tasks=len(tasks[k]), projects=sorted(projects[k]), days=days[k],
                     working_days=capacity[k], overcommitted=days[k] > capacity[k], task_ids=sorted(tasks[k]))
            for k in sorted(days)]
