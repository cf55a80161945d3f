"""Tables of progress reporting: the risk / issue / decision / expansion logs and the record of
reminders sent (so a scheduled `implhub remind` never sends the same event twice)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from implhub.store.models.base import Base, utcnow


class LogEntry(Base):
    """One entry of a project's log. kind: risk | issue | decision | expansion. `number` counts
    per project and kind (R1, I1, D1, E1)."""

    __tablename__ = "log_entries"
    __table_args__ = (UniqueConstraint("project_id", "kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    visibility: Mapped[str] = mapped_column(String(10), default="internal")
    #: kind-specific fields: probability, impact, mitigation (risk); severity, due_date,
    #: resolution (issue); decided_by, decided_on (decision); value, expected (expansion)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: "design" when imported from the TDD's risks, else "log"
    origin: Mapped[str] = mapped_column(String(20), default="log")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReminderSent(Base):
    """A reminder or digest that was delivered (or is being delivered: state 'sending').
    The unique event key is what makes `implhub remind` safe to run twice."""

    __tablename__ = "reminders_sent"
    __table_args__ = (Index("ix_reminders_project", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), default=None)
    to: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(20), default="email")
    state: Mapped[str] = mapped_column(String(10), default="sent")
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
