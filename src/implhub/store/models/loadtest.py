"""Tables of the loadtest capability: versioned load profiles per project and test kind. Runs
themselves are evidence rows (kind loadtest_run); their raw points live in the data directory."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from implhub.store.models.base import Base, utcnow


class LoadProfileRow(Base):
    """One version of a project's load profile for a kind (load, stress, search). Every edit adds
    a version; the newest is the one runs use."""

    __tablename__ = "loadtest_profiles"
    __table_args__ = (UniqueConstraint("project_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")
