"""What the documents read: the project's typed facts (the design as the TDD model, environments
by kind, evidence with its strength, the plan's stored tasks), the exit criteria evaluated once on
them, and the other areas' views (the plan, code statistics, the logs). Every value the documents
show comes back with where it came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from implhub.exit import Report
from implhub.exit.criteria import node_plan_of_newest_estimate
from implhub.exit.facts import EnvironmentFact, EvidenceItem, ProjectFacts
from implhub.intake.schema import TDD, Risk, Stakeholder


def num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


@dataclass
class Snapshot:
    """Everything one document is built from (the app layer fills it; the engines only read)."""

    facts: ProjectFacts
    generated_at: dt.datetime
    today: dt.date
    criteria: Report | None = None
    #: the plan capability's views (the `plan show --json` shape), None without a plan
    plan_external: dict[str, Any] | None = None
    plan_internal: dict[str, Any] | None = None
    #: `implhub.app.codestats.summary`
    codestats: dict[str, Any] | None = None
    #: the reporting logs (None: take the design's risks)
    risks: list[dict[str, Any]] | None = None
    issues: list[dict[str, Any]] = field(default_factory=list)
    expansions: list[dict[str, Any]] = field(default_factory=list)
    gantt_png: bytes | None = None


@dataclass(frozen=True)
class Sourced:
    value: Any
    source: str  # in words: "instance snapshot of prod (https://sg.example.com), 2026-11-20"


@dataclass(frozen=True)
class NodePlan:
    pools: list[dict[str, Any]]
    evidence: EvidenceItem
    #: vCPU and GiB over every node of every pool (count x size)
    vcpu: float
    memory_gib: float
    #: a stored node plan exists but was made from an older size estimate
    stale: bool


class Facts:
    def __init__(self, snapshot: Snapshot) -> None:
        self.s = snapshot
        self.pf = snapshot.facts
        self.slug = self.pf.slug
        self.design: TDD = self.pf.design
        self.environments: list[EnvironmentFact] = self.pf.environments
        self.prod: str | None = self.pf.prod

    def newest(self, kind: str, environment: str | None = None, *, any_env: bool = False) -> EvidenceItem | None:
        return self.pf.newest(kind, environment, any_env=any_env)

    @staticmethod
    def where(ev: EvidenceItem) -> str:
        env = f" of {ev.environment}" if ev.environment else ""
        sim = ", simulated" if ev.simulated else ""
        return f"{ev.kind.replace('_', ' ')}{env} ({ev.source or 'unknown source'}), {ev.taken_at:%Y-%m-%d}{sim}"

    def estimate(self, env: str | None) -> tuple[dict[str, Any], EvidenceItem] | None:
        """The newest size estimate of an environment."""
        ev = self.newest("size_estimate", env) if env else None
        return (ev.data, ev) if ev is not None else None

    @staticmethod
    def part(estimate: dict[str, Any] | None) -> dict[str, Any]:
        if not estimate:
            return {}
        p = estimate.get("recommended") or estimate.get("official") or {}
        return p if isinstance(p, dict) else {}

    def node_plan(self, env: str | None) -> NodePlan | None:
        """The node plan of the environment's newest size estimate, with its capacity summed over
        every node (count x size) and whether an older stored node plan had to be passed over."""
        if env is None:
            return None
        item, plan, stale = node_plan_of_newest_estimate(self.pf, env)
        if item is None or plan is None:
            return None
        pools = [p for p in plan.get("pools") or [] if isinstance(p, dict)]
        totals = plan.get("totals") if isinstance(plan.get("totals"), dict) else {}
        assert isinstance(totals, dict)
        vcpu = num(totals.get("vcpu"))
        mem = num(totals.get("memory_gib"))
        if vcpu is None:
            vcpu = sum((num(p.get("vcpu")) or 0) * int(p.get("count") or 0) for p in pools)
        if mem is None:
            mem = sum((num(p.get("memory_gib")) or 0) * int(p.get("count") or 0) for p in pools)
        return NodePlan(pools=pools, evidence=item, vcpu=vcpu, memory_gib=mem, stale=stale)

    def lines_of_code(self) -> Sourced | None:
        summary = self.s.codestats or {}
        loc = summary.get("lines_of_code")
        if isinstance(loc, dict) and num(loc.get("value")) is not None:
            note = f"{loc['note']}; " if loc.get("note") else ""
            sim = ", simulated" if loc.get("simulated") else ""
            when = str(loc.get("date") or loc.get("taken_at") or "")[:10]
            return Sourced(int(loc["value"]), f"{note}{loc.get('source') or 'code statistics'}, {when}{sim}")
        if num(loc) is not None:
            return Sourced(int(num(loc) or 0), "code statistics summary")
        candidates: list[tuple[dt.datetime, Sourced]] = []
        scan = self.newest("codestats_scan", any_env=True)
        if scan is not None:
            totals = scan.data.get("totals") if isinstance(scan.data.get("totals"), dict) else {}
            code = num((totals or {}).get("code"))
            if code is not None:
                candidates.append((scan.taken_at, Sourced(int(code), self.where(scan))))
        snap = self.newest("instance_snapshot", self.prod) if self.prod else None
        if snap is not None:
            stats = snap.data.get("repository_stats") if isinstance(snap.data.get("repository_stats"), dict) else {}
            stats = stats or {}
            lines = num(stats.get("indexedLinesCount") or stats.get("indexed_lines_count") or stats.get("indexed_lines"))
            if lines is not None:
                candidates.append((snap.taken_at, Sourced(int(lines), "indexed lines, " + self.where(snap))))
        if candidates:  # a scan counts code lines; the instance's indexed lines are the fallback
            return candidates[0][1]
        if self.design.scale.lines_of_code is not None:
            return Sourced(self.design.scale.lines_of_code, "the TDD (pre-sales estimate)")
        return None

    def repos_synced(self) -> Sourced | None:
        if not self.prod:
            return None
        snap = self.newest("instance_snapshot", self.prod)
        if snap is None:
            return None
        stats = snap.data.get("repository_stats") if isinstance(snap.data.get("repository_stats"), dict) else {}
        stats = stats or {}
        total, cloned, indexed = num(stats.get("total")), num(stats.get("cloned")), num(stats.get("indexed"))
        if total is None or cloned is None:
            return None
        text = f"{int(cloned):,} of {int(total):,} cloned" + (f", {int(indexed):,} indexed" if indexed is not None else "")
        return Sourced({"text": text, "total": int(total), "cloned": int(cloned), "indexed": None if indexed is None else int(indexed)},
                       self.where(snap))

    def largest_repository_mb(self) -> Sourced:
        """The design's largest repository, unless a scan covered every repository of the design
        (then the largest it measured)."""
        scan = self.newest("codestats_scan", any_env=True)
        if scan is not None:
            repos = [r for r in scan.data.get("repositories") or [] if isinstance(r, dict)]
            if repos and len(repos) >= self.design.scale.repositories:
                largest = max(num(r.get("bytes")) or 0 for r in repos)
                return Sourced(round(largest / 1e6, 1), self.where(scan) + " (a full scan; working tree bytes)")
        return Sourced(round(self.design.scale.largest_repo_size_gb * 1000, 1), "the TDD")

    def instance_hosts(self) -> tuple[list[dict[str, Any]], EvidenceItem | None]:
        snap = self.newest("instance_snapshot", self.prod) if self.prod else None
        if snap is None:
            return [], None
        hosts = snap.data.get("code_hosts") or []
        return [h for h in hosts if isinstance(h, dict)], snap

    def risks(self, *, external_only: bool) -> list[dict[str, Any]]:
        out: list[dict[str, Any]]
        if self.s.risks is not None:
            out = [r for r in self.s.risks if isinstance(r, dict)]
        else:
            out = [_risk(r) for r in self.design.risks]
        if external_only:
            out = [r for r in out if r.get("visibility") == "external"]
        return out

    def stakeholders(self, side: str | None = None) -> list[Stakeholder]:
        return [s for s in self.design.stakeholders if side is None or s.side == side]


def _risk(r: Risk) -> dict[str, Any]:
    return {"title": r.title, "description": r.description, "probability": r.probability, "impact": r.impact,
            "mitigation": r.mitigation, "visibility": r.visibility, "status": "open"}
