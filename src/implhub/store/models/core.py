"""Core tables: projects, design revisions, environments, evidence, activity log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from implhub.intake.schema import TDD
from implhub.store.models.base import Base, utcnow
from implhub.vocab import EnvironmentKind


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: active | complete | closed | archived (see implhub.app.projects.STATES)
    state: Mapped[str] = mapped_column(String(20), default="active")
    #: when and why the state last changed (complete, close, reopen, archive)
    state_changed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    state_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: True for the demo implementation and anything seeded from simulated evidence
    demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")

    revisions: Mapped[list[DesignRevision]] = relationship(
        back_populates="project", order_by="DesignRevision.number", cascade="all, delete-orphan"
    )
    environments: Mapped[list[EnvironmentRow]] = relationship(
        back_populates="project", order_by="EnvironmentRow.id", cascade="all, delete-orphan"
    )

    @property
    def current(self) -> DesignRevision:
        return self.revisions[-1]

    @property
    def design(self) -> dict[str, Any]:
        return dict(self.current.design)

    @property
    def design_model(self) -> TDD:
        """The current design as the TDD model: readers use its typed fields, not dict keys."""
        return self.current.model()

    def environment_of_kind(self, kind: EnvironmentKind | str) -> EnvironmentRow | None:
        """The first environment of a kind (in the design's order): "the production environment"
        is found by kind, whatever it is named."""
        return next((e for e in self.environments if e.kind == str(kind)), None)


class DesignRevision(Base):
    """Every revision of the design is kept; the newest is the current design."""

    __tablename__ = "design_revisions"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    design: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the document exactly as the user wrote it (YAML or Markdown): nothing entered is lost
    source_text: Mapped[str] = mapped_column(Text, default="")
    source_format: Mapped[str] = mapped_column(String(10), default="yaml")
    source_name: Mapped[str] = mapped_column(String(300), default="")
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")

    project: Mapped[Project] = relationship(back_populates="revisions")

    def model(self) -> TDD:
        """This revision's design as the TDD model (validated once per loaded revision: a revision
        never changes once stored)."""
        cached = self.__dict__.get("_tdd_model")
        if not isinstance(cached, TDD):
            cached = TDD.model_validate(self.design)
            self.__dict__["_tdd_model"] = cached
        return cached


class EnvironmentRow(Base):
    """An environment of a project. `origin` = design (from the TDD) or the capability that added
    it (replica, ...): a new design revision never removes an environment it did not create."""

    __tablename__ = "environments"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(40), default="design")
    #: the design's entry for it, plus whatever the adding capability records (corpus spec, ...)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="environments")


class Evidence(Base):
    """Append-only evidence: code statistics scans, code host inventories, instance snapshots,
    size estimates, load-test runs, right-sizing results, version checks. Never overwritten, so a
    document can say where each number came from and when."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_project_kind", "project_id", "kind", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    environment: Mapped[str | None] = mapped_column(String(80), default=None)
    #: codestats_scan | codehost_inventory | instance_snapshot | size_estimate | loadtest_run |
    #: rightsize | version_check | ... (each capability names its own kinds)
    kind: Mapped[str] = mapped_column(String(40))
    #: where the numbers came from, in words: "scan of /srv/repos", "https://sg.example.com"
    source: Mapped[str] = mapped_column(String(500), default="")
    taken_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    simulated: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(200), default="")


class ActivityEntry(Base):
    """The append-only activity log: who, when, what, before/after."""

    __tablename__ = "activity_log"
    __table_args__ = (Index("ix_activity_project_at", "project_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), default=None)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    #: where the change came from: cli | web | api | system
    via: Mapped[str] = mapped_column(String(10), default="cli")
    action: Mapped[str] = mapped_column(String(80))
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[Any] = mapped_column(JSON, nullable=True, default=None)
    after: Mapped[Any] = mapped_column(JSON, nullable=True, default=None)
