"""The typed facts of one project that the exit criteria and the documents both read.

The application layer loads them once (`implhub.app.facts.load`); the exit engine and the
documents engine take them as data. Evidence payloads stay as their producers stored them and
are read defensively here; the envelope (kind, environment, date, simulated, strength) is typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from implhub.intake.schema import TDD

#: how much an evidence item can decide: a real, complete measurement (full), a partial or
#: scaled-down one (smoke), one the demo generated (simulated); None for sign-offs, waivers and
#: design facts
Strength = Literal["full", "smoke", "simulated"]

PROD_KIND = "prod"
REPLICA_KIND = "replica"


class EvidenceItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    kind: str
    environment: str | None = None
    source: str = ""
    taken_at: dt.datetime
    simulated: bool = False
    data: dict[str, Any] = Field(default_factory=dict)


class EnvironmentFact(BaseModel):
    name: str
    kind: str
    origin: str = "design"
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def customer(self) -> bool:
        """A customer environment comes from the design; the replica (added by implhub to stand in
        for production) is internal."""
        return self.origin == "design" and self.kind != REPLICA_KIND


class SignoffFact(BaseModel):
    id: int
    criterion: int
    action: Literal["sign", "waive"]
    by: str
    evidence_url: str | None = None
    reason: str = ""
    at: dt.datetime
    created_by: str = ""


class TaskFact(BaseModel):
    """A plan task as stored (the status the team entered, before the exit overlay)."""

    id: str
    title: str
    status: str
    phase: str | None = None
    environment: str | None = None
    template_id: str | None = None
    milestone: bool = False
    depends_on: list[str] = Field(default_factory=list)


class LoadRequirement(BaseModel):
    """What the project's load profile asks of a run that is to count (unscaled)."""

    model: str = "vus"
    vus: int
    hold_s: float
    rate_per_s: float | None = None


class ProjectFacts(BaseModel):
    slug: str
    name: str
    state: str = "active"
    demo: bool = False
    revision: int = 1
    design: TDD
    environments: list[EnvironmentFact] = Field(default_factory=list)
    #: newest first
    evidence: list[EvidenceItem] = Field(default_factory=list)
    signoffs: list[SignoffFact] = Field(default_factory=list)
    #: None: the project has no plan yet
    tasks: list[TaskFact] | None = None
    load_requirement: LoadRequirement | None = None
    now: dt.datetime

    # -- lookups --------------------------------------------------------------------------
    @property
    def prod(self) -> str | None:
        """The production environment's name, found by its kind (whatever it is called)."""
        return next((e.name for e in self.environments if e.kind == PROD_KIND), None)

    def environment(self, name: str | None) -> EnvironmentFact | None:
        return next((e for e in self.environments if e.name == name), None)

    def all_of(self, kind: str, environment: str | None = None, *, any_env: bool = True) -> list[EvidenceItem]:
        """Items of a kind, newest first (of one environment unless any_env)."""
        return [e for e in self.evidence if e.kind == kind and (any_env or e.environment == environment)]

    def newest(self, kind: str, environment: str | None = None, *, any_env: bool = False) -> EvidenceItem | None:
        return next(iter(self.all_of(kind, environment, any_env=any_env)), None)

    def stakeholder(self, who: str) -> bool:
        """Whether NAME names a stakeholder of the project (their name or e-mail, any case)."""
        w = who.strip().lower()
        return any(w in (s.name.strip().lower(), s.email.strip().lower()) for s in self.design.stakeholders)

    def go_live(self) -> TaskFact | None:
        """The plan's go-live milestone: the template's, else a milestone that says go-live."""
        for t in self.tasks or []:
            label = f"{t.id} {t.title}".lower()
            if t.milestone and (t.template_id == "golive" or any(w in label for w in ("go-live", "go live", "golive"))):
                return t
        return None

    def go_live_blocker(self) -> str | None:
        """Why the project cannot be complete yet as far as the plan goes (None: it can)."""
        if self.tasks is None:
            return f"the plan's go-live milestone is not done: the project has no plan (implhub plan generate {self.slug})"
        t = self.go_live()
        if t is None:
            return "the plan has no go-live milestone"
        if t.status != "done":
            return (f"the plan's go-live milestone '{t.title}' ({t.id}) is not done "
                    f"(implhub plan set {self.slug} {t.id} --status done once it is)")
        return None

    def latest_signoffs(self) -> dict[int, SignoffFact]:
        out: dict[int, SignoffFact] = {}
        for s in sorted(self.signoffs, key=lambda s: (s.at, s.id)):
            out[s.criterion] = s
        return out


def sorted_newest_first(items: list[EvidenceItem]) -> list[EvidenceItem]:
    return sorted(items, key=lambda e: (e.taken_at, e.id), reverse=True)
