"""Lookups over a documents snapshot: the newest evidence of a kind, sizing totals, code
statistics with their date and source. Every value comes back with where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from implhub.documents.model import date_part


@dataclass(frozen=True)
class Sourced:
    value: Any
    source: str  # in words: "instance snapshot of prod (https://sg.example.com), 2026-11-20"


def num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


class Facts:
    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.s = snapshot
        self.project: dict[str, Any] = snapshot.get("project") or {}
        self.slug: str = str(self.project.get("slug") or "SLUG")
        self.design: dict[str, Any] = snapshot.get("design") or {}
        self.environments: list[dict[str, Any]] = list(snapshot.get("environments") or [])
        self.evidence: list[dict[str, Any]] = list(snapshot.get("evidence") or [])
        self.estimates: dict[str, Any] = dict(snapshot.get("estimates") or {})
        prods = [e["name"] for e in self.environments if e.get("kind") == "prod"]
        self.prod: str | None = prods[0] if prods else None

    def newest(self, kind: str, environment: str | None = None, *, any_env: bool = False) -> dict[str, Any] | None:
        items = [e for e in self.evidence if e.get("kind") == kind and (any_env or e.get("environment") == environment)]
        items.sort(key=lambda e: (str(e.get("taken_at") or ""), e.get("id") or 0), reverse=True)
        return items[0] if items else None

    @staticmethod
    def where(ev: dict[str, Any]) -> str:
        env = f" of {ev['environment']}" if ev.get("environment") else ""
        sim = ", simulated" if ev.get("simulated") else ""
        return f"{str(ev.get('kind', '')).replace('_', ' ')}{env} ({ev.get('source') or 'unknown source'}), {date_part(ev.get('taken_at'))}{sim}"

    def estimate(self, env: str | None) -> dict[str, Any] | None:
        if env is None:
            return None
        est = self.estimates.get(env)
        if isinstance(est, dict):
            return est
        ev = self.newest("size_estimate", env)
        return ev.get("data") if ev else None

    @staticmethod
    def part(estimate: dict[str, Any] | None) -> dict[str, Any]:
        if not estimate:
            return {}
        p = estimate.get("recommended") or estimate.get("official") or {}
        return p if isinstance(p, dict) else {}

    def pools(self, env: str | None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """The node pools of an environment: from its node plan, else from the node plan the size
        estimate packed (the estimate carries the cheapest one)."""
        ev = self.newest("node_plan", env) if env else None
        if ev is None and env is not None:
            est_ev = self.newest("size_estimate", env)
            est = est_ev.get("data") if est_ev else self.estimates.get(env)
            plan = est.get("node_plan") if isinstance(est, dict) else None
            if isinstance(plan, dict) and plan.get("pools"):
                ev = {**(est_ev or {"kind": "size_estimate", "environment": env, "source": "size estimate"}),
                      "data": plan}
        if ev is None:
            return [], None
        pools = (ev.get("data") or {}).get("pools") or []
        return [p for p in pools if isinstance(p, dict)], ev

    def lines_of_code(self) -> Sourced | None:
        summary = self.s.get("codestats") or {}
        loc = summary.get("lines_of_code") if isinstance(summary, dict) else None
        if isinstance(loc, dict) and num(loc.get("value")) is not None:
            note = f"{loc['note']}; " if loc.get("note") else ""
            sim = ", simulated" if loc.get("simulated") else ""
            return Sourced(int(loc["value"]), f"{note}{loc.get('source') or 'code statistics'}, {date_part(loc.get('date') or loc.get('taken_at'))}{sim}")
        if num(loc) is not None:
            return Sourced(int(num(loc) or 0), "code statistics summary")
        candidates: list[tuple[str, Sourced]] = []
        scan = self.newest("codestats_scan", any_env=True)
        if scan is not None:
            code = num(((scan.get("data") or {}).get("totals") or {}).get("code"))
            if code is not None:
                candidates.append((str(scan.get("taken_at")), Sourced(int(code), self.where(scan))))
        snap = self.newest("instance_snapshot", self.prod) if self.prod else None
        if snap is not None:
            stats = (snap.get("data") or {}).get("repository_stats") or {}
            lines = num(stats.get("indexedLinesCount") or stats.get("indexed_lines_count") or stats.get("indexed_lines"))
            if lines is not None:
                candidates.append((str(snap.get("taken_at")), Sourced(int(lines), "indexed lines, " + self.where(snap))))
        if candidates:  # a scan counts code lines; the instance's indexed lines are the fallback
            return candidates[0][1]
        design_loc = num((self.design.get("scale") or {}).get("lines_of_code"))
        if design_loc is not None:
            return Sourced(int(design_loc), "the TDD (pre-sales estimate)")
        return None

    def repos_synced(self) -> Sourced | None:
        if not self.prod:
            return None
        snap = self.newest("instance_snapshot", self.prod)
        if snap is None:
            return None
        stats = (snap.get("data") or {}).get("repository_stats") or {}
        total, cloned, indexed = num(stats.get("total")), num(stats.get("cloned")), num(stats.get("indexed"))
        if total is None or cloned is None:
            return None
        text = f"{int(cloned):,} of {int(total):,} cloned" + (f", {int(indexed):,} indexed" if indexed is not None else "")
        return Sourced({"text": text, "total": int(total), "cloned": int(cloned), "indexed": None if indexed is None else int(indexed)},
                       self.where(snap))

    def instance_hosts(self) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        snap = self.newest("instance_snapshot", self.prod) if self.prod else None
        if snap is None:
            return [], None
        hosts = (snap.get("data") or {}).get("code_hosts") or []
        return [h for h in hosts if isinstance(h, dict)], snap

    def risks(self, *, external_only: bool) -> list[dict[str, Any]]:
        risks = self.s.get("risks")
        if risks is None:
            risks = self.design.get("risks") or []
        out = [r for r in risks if isinstance(r, dict)]
        if external_only:
            out = [r for r in out if r.get("visibility") == "external"]
        return out

    def stakeholder_names(self, side: str) -> list[str]:
        return [s["name"] for s in self.design.get("stakeholders") or [] if s.get("side") == side and s.get("name")]
