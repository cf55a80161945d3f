"""Tables of the plan capability: the plan of a project (start, blackout dates), its tasks with
actuals and assignees, baselines, and notes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from implhub.store.models.base import Base, utcnow


class PlanRow(Base):
    """One plan per project: when it starts, the project's blackout dates, how it was generated."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True)
    start: Mapped[dt.date] = mapped_column(Date)
    timebox_end: Mapped[dt.date] = mapped_column(Date)
    #: ISO dates on which nobody works on this project (besides weekends and public holidays)
    blackout: Mapped[list[str]] = mapped_column(JSON, default=list)
    template_source: Mapped[str] = mapped_column(String(300), default="")
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    generated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    generated_by: Mapped[str] = mapped_column(String(200), default="")
    #: template task ids removed from this project's plan on purpose: regenerating keeps them out
    removed: Mapped[list[str]] = mapped_column(JSON, default=list)


class PlanTaskRow(Base):
    """A task of a project's plan. `version` grows with every change, so an edit made on a stale
    copy (the web form, a script) is refused instead of overwriting someone else's."""

    __tablename__ = "plan_tasks"
    __table_args__ = (UniqueConstraint("project_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    phase: Mapped[str] = mapped_column(String(60), default="")
    owner_role: Mapped[str] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(10), default="external")
    duration: Mapped[int] = mapped_column(default=1)
    #: [{"id": task_id, "lag": working days}]
    depends_on: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    milestone: Mapped[bool] = mapped_column(default=False)
    deadline: Mapped[bool] = mapped_column(default=False)
    environment: Mapped[str | None] = mapped_column(String(80), default=None)
    template_id: Mapped[str | None] = mapped_column(String(80), default=None)
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    actual_start: Mapped[dt.date | None] = mapped_column(Date, default=None)
    actual_end: Mapped[dt.date | None] = mapped_column(Date, default=None)
    assignee: Mapped[str | None] = mapped_column(String(200), default=None)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    #: the re-forecast finish of an unfinished task ("this will finish on the 18th")
    expected_end: Mapped[dt.date | None] = mapped_column(Date, default=None)
    #: template (generated) | added (by hand for this project)
    origin: Mapped[str] = mapped_column(String(20), default="template")
    #: fields edited by hand for this project (depends_on, owner_role, title, duration, ...):
    #: regenerating from the template keeps their values
    edited: Mapped[list[str]] = mapped_column(JSON, default=list)


class PlanBaseline(Base):
    """A frozen copy of the planned dates; several are kept, the first taken at generation."""

    __tablename__ = "plan_baselines"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    label: Mapped[str] = mapped_column(String(200), default="")
    #: task id -> [start, finish] (ISO dates)
    tasks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    finish: Mapped[dt.date] = mapped_column(Date)
    taken_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    taken_by: Mapped[str] = mapped_column(String(200), default="")


class PlanNote(Base):
    """A note on a task. Internal notes never reach the external view."""

    __tablename__ = "plan_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(10), default="internal")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    author: Mapped[str] = mapped_column(String(200), default="")


class PlanConfirmation(Base):
    """A customer's answer on the production design or a customer-facing milestone: confirmed,
    or declined with a comment. Every answer is kept; the newest per task is the current one."""

    __tablename__ = "plan_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(120))
    #: confirmed | declined
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    #: the design revision the answer was given on (for the production design)
    revision: Mapped[int | None] = mapped_column(default=None)
    by_name: Mapped[str] = mapped_column(String(200), default="")
    by_email: Mapped[str] = mapped_column(String(320), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
