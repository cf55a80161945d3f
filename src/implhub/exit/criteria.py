"""The nine exit criteria, decided from a snapshot of evidence and sign-offs.

The list is the published one (Sourcegraph's implementation handbook, "Requirements for
implementation to be considered complete"). How each is decided here, and why:

1. Production infrastructure live and stable: a production environment, its sizing (estimate and
   node plan) and a live instance snapshot from it (a running instance that answered).
2. Admins provisioned and trained: a human judgement; a named person signs it off with a link.
3. Scoped code hosts synced and indexed: the newest production instance snapshot lists every
   code host of the design and reports every repository cloned and indexed.
4. Scoped features functioning: a human judgement, signed off.
5. Sufficient performance: a passing, complete load test on production, or on a replica whose
   size estimate matches production's (the replica exists to stand in for it).
6. Standard workflow and performance tests: the performance test of 5 plus the standard
   workflow checklist signed off.
7. Staged for long-term success: a human judgement (expansion, limits, upgrade path), signed.
8. Right-sized or a plan in place: a right-sizing result on production, or a signed plan.
9. Current version: the newest version check on production is at most one minor release behind
   the newest known release.

Any criterion can be waived by a named person with a reason; a waiver counts toward completion
but is shown as waived, never as met.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict
from urllib.parse import urlparse

TITLES: dict[int, str] = {
    1: "Full production infrastructure live and stable",
    2: "Sourcegraph admin accounts provisioned and admins trained",
    3: "All scoped code hosts synced and indexed",
    4: "All scoped features are functioning as expected",
    5: "The production instance achieves a sufficiently high level of performance",
    6: "Standard workflow and performance tests completed",
    7: "The production infrastructure is staged for long-term success with continued user and feature expansion",
    8: "The production environment is right-sized (or a plan is in place to right-size it)",
    9: "The production environment is on a current version",
}

#: criteria a person may sign off (the others are decided by evidence; they can only be waived)
SIGNABLE: dict[int, str] = {
    2: "admin accounts are provisioned and admins trained",
    4: "every scoped feature works as expected",
    6: "the standard workflow checklist is completed",
    7: "production is staged for user and feature expansion",
    8: "a right-sizing plan is in place",
}

#: how many minor releases behind the newest a version may be and still count as current
MAX_MINORS_BEHIND = 1
#: how close (relative) a replica's estimated vCPU and memory must be to production's
SAME_SIZE_TOLERANCE = 0.05


class Criterion(TypedDict):
    number: int
    title: str
    status: str
    evidence: list[dict[str, Any]]
    missing: list[str]


class Report(TypedDict):
    complete: bool
    criteria: list[Criterion]


def _ev_ref(ev: dict[str, Any], summary: str) -> dict[str, Any]:
    return {
        "type": "evidence", "kind": ev.get("kind"), "id": ev.get("id"),
        "environment": ev.get("environment"), "source": ev.get("source"),
        "taken_at": ev.get("taken_at"), "simulated": bool(ev.get("simulated")), "summary": summary,
    }


def _signoff_ref(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": s["action"], "by": s["by"], "url": s.get("evidence_url"), "reason": s.get("reason") or "",
        "at": s.get("at"),
    }


class _Facts:
    """Lookups over the snapshot."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.design: dict[str, Any] = snapshot.get("design") or {}
        self.environments: list[dict[str, Any]] = list(snapshot.get("environments") or [])
        self.evidence: list[dict[str, Any]] = list(snapshot.get("evidence") or [])
        self.estimates: dict[str, Any] = dict(snapshot.get("estimates") or {})
        self.slug: str = str(snapshot.get("slug") or "SLUG")
        signoffs = sorted(snapshot.get("signoffs") or [], key=lambda s: (str(s.get("at") or ""), s.get("id") or 0))
        #: the newest sign-off or waiver per criterion
        self.latest: dict[int, dict[str, Any]] = {}
        for s in signoffs:
            self.latest[int(s["criterion"])] = s
        prods = [e for e in self.environments if e.get("kind") == "prod"]
        self.prod: str | None = prods[0]["name"] if prods else None

    def newest(self, kind: str, environment: str | None) -> dict[str, Any] | None:
        items = [e for e in self.evidence if e.get("kind") == kind and e.get("environment") == environment]
        items.sort(key=lambda e: (str(e.get("taken_at") or ""), e.get("id") or 0), reverse=True)
        return items[0] if items else None

    def all_of(self, kind: str) -> list[dict[str, Any]]:
        items = [e for e in self.evidence if e.get("kind") == kind]
        items.sort(key=lambda e: (str(e.get("taken_at") or ""), e.get("id") or 0), reverse=True)
        return items

    def estimate(self, environment: str | None) -> dict[str, Any] | None:
        if environment is None:
            return None
        est = self.estimates.get(environment)
        if isinstance(est, dict):
            return est
        ev = self.newest("size_estimate", environment)
        return ev["data"] if ev else None

    def signed(self, number: int) -> dict[str, Any] | None:
        s = self.latest.get(number)
        return s if s is not None and s.get("action") == "sign" else None

    def waived(self, number: int) -> dict[str, Any] | None:
        s = self.latest.get(number)
        return s if s is not None and s.get("action") == "waive" else None

    def sign_hint(self, number: int) -> str:
        return (f"a sign-off that {SIGNABLE[number]} "
                f"(implhub criterion sign {self.slug} {number} --by NAME --evidence URL)")


def _totals(estimate: dict[str, Any] | None) -> dict[str, Any]:
    if not estimate:
        return {}
    part = estimate.get("recommended") or estimate.get("official") or {}
    totals = part.get("totals") if isinstance(part, dict) else None
    return totals if isinstance(totals, dict) else {}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None or b == 0:
        return False
    return abs(a - b) / b <= SAME_SIZE_TOLERANCE


def _hosts(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [h for h in value if isinstance(h, dict)]
    if isinstance(value, dict):  # {name: {...}} form
        return [{"name": k, **(v if isinstance(v, dict) else {})} for k, v in value.items()]
    return []


def _kind_key(kind: Any) -> str:
    k = str(kind or "").lower().replace("_", "-")
    for family in ("github", "gitlab", "bitbucket", "azure", "gerrit", "perforce", "gitolite"):
        if family in k:
            return family
    return k


def _strings(d: dict[str, Any]) -> Iterable[str]:
    for v in d.values():
        if isinstance(v, str):
            yield v.lower()


def _match_hosts(scoped: list[dict[str, Any]], found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scoped code hosts the snapshot does not list: matched by host name where the snapshot
    names it, else by kind (one snapshot connection per scoped host)."""
    unused = list(found)
    unmatched: list[dict[str, Any]] = []
    for host in scoped:
        netloc = (urlparse(str(host.get("url") or "")).netloc or str(host.get("url") or "")).lower()
        hit = next((f for f in unused if netloc and any(netloc in s for s in _strings(f))), None)
        if hit is None:
            hit = next((f for f in unused if _kind_key(f.get("kind")) == _kind_key(host.get("kind"))), None)
        if hit is None:
            unmatched.append(host)
        else:
            unused.remove(hit)
    return unmatched


def _performance(f: _Facts) -> tuple[list[dict[str, Any]], list[str]]:
    """Criterion 5's test: (evidence, missing)."""
    if f.prod is None:
        return [], ["a production environment (an environment of kind prod in the design)"]
    replicas = {e["name"] for e in f.environments if e.get("kind") == "replica"}
    # a run stored on an environment named replica... that no capability registered still stands in for one
    replicas |= {str(e.get("environment")) for e in f.all_of("loadtest_run") if str(e.get("environment") or "").startswith("replica")}
    prod_totals = _totals(f.estimate(f.prod))
    unsized: list[str] = []
    failing: list[str] = []
    for run in f.all_of("loadtest_run"):
        data = run.get("data") or {}
        env = run.get("environment")
        if env != f.prod and env not in replicas:
            continue
        if data.get("partial") or data.get("kind") not in (None, "load"):
            continue
        if not data.get("passed"):
            failing.append(f"load test {data.get('run_id') or run.get('id')} on {env} failed (score {data.get('score')})")
            continue
        if env != f.prod:
            rt = _totals(f.estimate(env))
            if not (_close(_num(rt.get("vcpu")), _num(prod_totals.get("vcpu")))
                    and _close(_num(rt.get("memory_gb")), _num(prod_totals.get("memory_gb")))):
                unsized.append(str(env))
                continue
            what = f"passing load test on replica {env} (estimated {rt.get('vcpu')} vCPU / {rt.get('memory_gb')} GB, as production)"
        else:
            what = f"passing load test on {env}"
        score = data.get("score")
        return [_ev_ref(run, what + (f", score {score}" if score is not None else ""))], []
    missing = [f"a passing load test on {f.prod} or on a replica of the same size "
               f"(implhub loadtest run {f.slug} --env {f.prod} --kind load)"]
    for env in sorted(set(unsized)):
        if not _totals(f.estimate(env)) or not prod_totals:
            missing.append(f"replica {env} passed a load test; to count for {f.prod} it needs a size estimate matching "
                           f"{f.prod}'s (implhub size estimate {f.slug} --env {env}, and --env {f.prod})")
        else:
            missing.append(f"replica {env} passed a load test but its size estimate does not match {f.prod}'s "
                           f"(within {SAME_SIZE_TOLERANCE:.0%}); estimate both with the same inputs")
    if failing:
        missing.append("newest failing run: " + failing[0])
    return [], missing


def _c1(f: _Facts) -> tuple[list[dict[str, Any]], list[str]]:
    if f.prod is None:
        return [], ["a production environment (an environment of kind prod in the design)"]
    ev: list[dict[str, Any]] = []
    missing: list[str] = []
    est = f.newest("size_estimate", f.prod)
    if est is not None:
        t = _totals(est.get("data"))
        ev.append(_ev_ref(est, f"size estimate for {f.prod}: {t.get('vcpu')} vCPU, {t.get('memory_gb')} GB memory"))
    elif f.estimate(f.prod) is not None:
        t = _totals(f.estimate(f.prod))
        ev.append({"type": "estimate", "environment": f.prod, "summary": f"size estimate for {f.prod}: {t.get('vcpu')} vCPU, {t.get('memory_gb')} GB memory"})
    else:
        missing.append(f"a size estimate for {f.prod} (implhub size estimate {f.slug} --env {f.prod})")
    nodes = f.newest("node_plan", f.prod)
    if nodes is None and est is not None and isinstance((est.get("data") or {}).get("node_plan"), dict):
        nodes = {**est, "data": est["data"]["node_plan"]}  # the estimate packs its own cheapest node plan
    if nodes is not None:
        pools = _hosts((nodes.get("data") or {}).get("pools"))
        desc = ", ".join(f"{p.get('count')} x {p.get('instance_type')}" for p in pools) or "no pools"
        ev.append(_ev_ref(nodes, f"node plan for {f.prod}: {desc}"))
    else:
        missing.append(f"a node plan for {f.prod} (implhub size nodes {f.slug} --env {f.prod})")
    snap = f.newest("instance_snapshot", f.prod)
    if snap is not None and (snap.get("data") or {}).get("version"):
        ev.append(_ev_ref(snap, f"{f.prod} instance answered, version {(snap.get('data') or {}).get('version')}"))
    else:
        missing.append(f"a live instance snapshot of {f.prod} (implhub instance stats --url URL --project {f.slug} --env {f.prod})")
    return ev, missing


def _c3(f: _Facts) -> tuple[list[dict[str, Any]], list[str]]:
    scoped = _hosts(f.design.get("code_hosts"))
    missing: list[str] = []
    if not scoped:
        missing.append("the scoped code hosts (code_hosts in the design)")
    if f.prod is None:
        return [], missing + ["a production environment (an environment of kind prod in the design)"]
    snap = f.newest("instance_snapshot", f.prod)
    if snap is None:
        return [], missing + [f"an instance snapshot of {f.prod} with its code hosts and repository statistics "
                              f"(implhub instance stats --url URL --project {f.slug} --env {f.prod})"]
    data = snap.get("data") or {}
    stats = data.get("repository_stats") or {}
    total, cloned, indexed = (_num(stats.get(k)) for k in ("total", "cloned", "indexed"))
    for host in _match_hosts(scoped, _hosts(data.get("code_hosts"))):
        missing.append(f"code host {host.get('kind')} {host.get('url')} is not connected on {f.prod}")
    if total is None or cloned is None or indexed is None:
        missing.append(f"repository statistics (total, cloned, indexed) in the {f.prod} snapshot")
    else:
        if total == 0:
            missing.append(f"repositories on {f.prod}: the instance reports none")
        if cloned < total:
            missing.append(f"{int(total - cloned):,} of {int(total):,} repositories not cloned on {f.prod}")
        if indexed < total:
            missing.append(f"{int(total - indexed):,} of {int(total):,} repositories not indexed on {f.prod}")
    summary = (f"{f.prod} snapshot: {len(_hosts(data.get('code_hosts')))} code host connection(s), "
               f"{int(cloned or 0):,}/{int(total or 0):,} cloned, {int(indexed or 0):,}/{int(total or 0):,} indexed")
    return [_ev_ref(snap, summary)], missing


def _c8(f: _Facts) -> tuple[list[dict[str, Any]], list[str]]:
    if f.prod is None:
        return [], ["a production environment (an environment of kind prod in the design)"]
    rs = f.newest("rightsize", f.prod)
    if rs is not None:
        data = rs.get("data") or {}
        recs = data.get("recommendations")
        n = len(recs) if isinstance(recs, (list, dict)) else 0
        window = data.get("window")
        return [_ev_ref(rs, f"right-sizing of {f.prod}: {n} recommendation(s)" + (f" over {window}" if window else ""))], []
    signed = f.signed(8)
    if signed is not None:
        return [_signoff_ref(signed)], []
    return [], [f"a right-sizing result for {f.prod} (implhub rightsize {f.slug} --env {f.prod} ...) or "
                + f.sign_hint(8)]


def _c9(f: _Facts) -> tuple[list[dict[str, Any]], list[str]]:
    if f.prod is None:
        return [], ["a production environment (an environment of kind prod in the design)"]
    vc = f.newest("version_check", f.prod)
    if vc is None:
        return [], [f"a version check of {f.prod} (implhub version check {f.slug} --env {f.prod})"]
    data = vc.get("data") or {}
    running = data.get("running_version") or data.get("running") or data.get("version")
    newest = data.get("newest_release") or data.get("newest") or data.get("latest")
    behind = data.get("minors_behind")
    summary = f"{f.prod} runs {running}; newest release {newest}; {behind} minor version(s) behind"
    if not isinstance(behind, int):
        return [_ev_ref(vc, summary)], [f"the number of minor versions {f.prod} is behind (the version check has none)"]
    if behind > MAX_MINORS_BEHIND:
        return [_ev_ref(vc, summary)], [f"upgrade {f.prod} from {running} to within {MAX_MINORS_BEHIND} minor release of {newest}"]
    return [_ev_ref(vc, summary)], []


def _signed_only(f: _Facts, number: int) -> tuple[list[dict[str, Any]], list[str]]:
    s = f.signed(number)
    return ([_signoff_ref(s)], []) if s is not None else ([], [f.sign_hint(number)])


def evaluate(snapshot: dict[str, Any]) -> Report:
    """snapshot: {slug, design, environments: [{name, kind}], evidence: [{id, kind, environment,
    source, taken_at, simulated, data}], estimates: {env: size estimate}, signoffs: [{id,
    criterion, action, by, evidence_url, reason, at}]} -> the `exit-criteria --json` shape."""
    f = _Facts(snapshot)
    results: dict[int, tuple[list[dict[str, Any]], list[str]]] = {
        1: _c1(f),
        2: _signed_only(f, 2),
        3: _c3(f),
        4: _signed_only(f, 4),
        5: _performance(f),
        7: _signed_only(f, 7),
        8: _c8(f),
        9: _c9(f),
    }
    perf_ev, perf_missing = results[5]
    s6 = f.signed(6)
    results[6] = (perf_ev + ([_signoff_ref(s6)] if s6 else []),
                  perf_missing + ([] if s6 else [f.sign_hint(6)]))
    if f.design.get("expansion") or f.design.get("agreed_limits"):
        exp = f.design.get("expansion") or {}
        lim = f.design.get("agreed_limits") or {}
        if any(v for v in list(exp.values()) + list(lim.values())):
            results[7][0].insert(0, {"type": "design", "summary": (
                f"agreed limits: {lim.get('users')} users, {lim.get('repositories')} repositories; "
                f"expansion: {exp.get('requirements') or 'none recorded'}")})
    criteria: list[Criterion] = []
    for number in range(1, 10):
        ev, missing = results[number]
        if not missing:
            status = "met"
        elif (w := f.waived(number)) is not None:
            status = "waived"
            ev = ev + [_signoff_ref(w)]
        else:
            status = "not_met"
        criteria.append(Criterion(number=number, title=TITLES[number], status=status, evidence=ev, missing=missing))
    return Report(complete=all(c["status"] in ("met", "waived") for c in criteria), criteria=criteria)


def open_items(report: Report) -> list[str]:
    """What keeps the project from completion, in words (for a handoff at the timebox)."""
    out: list[str] = []
    for c in report["criteria"]:
        if c["status"] == "not_met":
            out.append(f"{c['number']}. {c['title']}: " + "; ".join(c["missing"]))
    return out
