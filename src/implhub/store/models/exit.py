"""Tables of the exit capability: sign-offs and waivers of exit criteria, and handoff records.

Both are append-only: a new sign-off or waiver of the same criterion supersedes the older one
(the newest wins), and every handoff (complete or closed at the timebox) is kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from implhub.store.models.base import Base, utcnow


class CriterionSignoff(Base):
    """A named person's judgement on one exit criterion: `sign` (it holds) or `waive` (it does
    not apply or is accepted as open, with the reason)."""

    __tablename__ = "exit_signoffs"
    __table_args__ = (Index("ix_exit_signoffs_project_criterion", "project_id", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    criterion: Mapped[int]
    #: sign | waive
    action: Mapped[str] = mapped_column(String(10))
    #: the person who made the judgement (not necessarily who typed it: that is `created_by`)
    by: Mapped[str] = mapped_column(String(200))
    evidence_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")


class Handoff(Base):
    """The record handed to the long-term owner when a project completes or closes."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    #: complete (every criterion met or waived) | timebox (closed at the end of the timebox)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    #: the handoff record (`doc handoff --format json`) as it was at that moment
    record: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the exit criteria (`exit-criteria --json`) as they were at that moment
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: what was left open (criteria not met, in words)
    open_items: Mapped[list[str]] = mapped_column(JSON, default=list)
