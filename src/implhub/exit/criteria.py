"""The nine exit criteria, decided from the typed facts of a project, as a careful engineer would.

The list is the published one (Sourcegraph's implementation handbook, "Requirements for
implementation to be considered complete"). How each is decided here, and why:

1. Production infrastructure live and stable: production's infrastructure tasks are done in the
   plan, production has a node plan of its newest size estimate, and two instance snapshots of
   production at least 24 hours apart show it answering with no code host sync error (one
   snapshot shows it answered once, not that it is stable).
2. Admins provisioned and trained: a human judgement; a stakeholder signs it off with a link.
3. Scoped code hosts synced and indexed: the newest production instance snapshot lists every
   code host of the design and reports every repository cloned and indexed.
4. Scoped features functioning: a human judgement, signed off.
5. Sufficient performance: the newest full-strength load test on production, or on a replica
   whose own measured shape matches the design, decides; a newer failure beats an older pass.
6. Standard workflow and performance tests: the performance test of 5 plus the standard
   workflow checklist signed off.
7. Staged for long-term success: a human judgement (expansion, limits, upgrade path), signed.
8. Right-sized or a plan in place: a full-strength right-sizing of production (a week or more of
   real usage), or a signed plan.
9. Current version: the newest version check on production is at most one minor release behind
   the newest known release.

Only counting evidence decides: full strength, never simulated (see `strength`). What simulated
evidence would decide is reported beside the verdict, labelled. Any criterion can be waived by a
stakeholder with a reason; a waiver counts toward completion but is shown as waived, never met.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict
from urllib.parse import urlparse

from implhub.exit.facts import REPLICA_KIND, EvidenceItem, ProjectFacts, SignoffFact
from implhub.exit.strength import measured_strength, replica_shape, rightsize_days, strength
from implhub.loadtest.coverage import coverage
from implhub.vocab import SIGNABLE_CRITERIA, CodeHostKind, ExitCriterion

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

_SIGN_WORDING: dict[ExitCriterion, str] = {
    ExitCriterion.admins_trained: "admin accounts are provisioned and admins trained",
    ExitCriterion.features_working: "every scoped feature works as expected",
    ExitCriterion.workflow_tests: "the standard workflow checklist is completed",
    ExitCriterion.staged_for_expansion: "production is staged for user and feature expansion",
    ExitCriterion.right_sized: "a right-sizing plan is in place",
}
#: criteria a person may sign off (the others are decided by evidence; they can only be waived):
#: the vocabulary's one list, with what the sign-off says
SIGNABLE: dict[int, str] = {int(c): _SIGN_WORDING[c] for c in SIGNABLE_CRITERIA}

#: how many minor releases behind the newest a version may be and still count as current
MAX_MINORS_BEHIND = 1
#: how far apart two production snapshots must be to show it stable
STABLE_HOURS = 24
#: plan template tasks that build production's infrastructure (per environment)
INFRA_TEMPLATES = ("infra", "install", "installed")
SIMULATED_LABEL = "simulated: would meet"
NO_PROD = "a production environment (an environment of kind prod in the design)"


class Criterion(TypedDict):
    number: int
    title: str
    status: str
    evidence: list[dict[str, Any]]
    missing: list[str]
    #: not met on counting evidence, but the demo's simulated evidence would meet it
    simulated_would_meet: bool


class Report(TypedDict):
    complete: bool
    criteria: list[Criterion]


Result = tuple[list[dict[str, Any]], list[str]]


class _View:
    """The facts as one pass sees them: counting evidence only, or also the simulated (what-if)."""

    def __init__(self, f: ProjectFacts, strengths: dict[int, str], measured: dict[int, str], *, with_simulated: bool) -> None:
        self.f = f
        self.strengths = strengths
        #: what each simulated item would be worth were it real
        self.measured = measured
        self.with_simulated = with_simulated
        self.prod = f.prod
        self.latest = f.latest_signoffs()

    def counts(self, e: EvidenceItem) -> bool:
        s = self.strengths.get(e.id)
        return s == "full" or (self.with_simulated and s == "simulated" and self.measured.get(e.id) == "full")

    def newest_counting(self, kind: str, environment: str | None) -> EvidenceItem | None:
        return next((e for e in self.f.all_of(kind, environment, any_env=False) if self.counts(e)), None)

    def ref(self, e: EvidenceItem, summary: str, *, counts: bool | None = None) -> dict[str, Any]:
        return {"type": "evidence", "kind": e.kind, "id": e.id, "environment": e.environment, "source": e.source,
                "taken_at": e.taken_at.isoformat(), "simulated": e.simulated, "summary": summary,
                "strength": self.strengths.get(e.id), "counts": self.counts(e) if counts is None else counts}

    def signed(self, number: int) -> SignoffFact | None:
        s = self.latest.get(number)
        return s if s is not None and s.action == "sign" else None

    def waived(self, number: int) -> SignoffFact | None:
        s = self.latest.get(number)
        return s if s is not None and s.action == "waive" else None

    def sign_hint(self, number: int) -> str:
        return (f"a sign-off that {SIGNABLE[number]} by a stakeholder of the project "
                f"(implhub criterion sign {self.f.slug} {number} --by NAME --evidence URL)")


def _signoff_ref(s: SignoffFact) -> dict[str, Any]:
    return {"type": s.action, "by": s.by, "url": s.evidence_url, "reason": s.reason or "", "at": s.at.isoformat(),
            "strength": None, "counts": True}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _hosts(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [h for h in value if isinstance(h, dict)]
    if isinstance(value, dict):  # {name: {...}} form
        return [{"name": k, **_dict(v)} for k, v in value.items()]
    return []


def _kind_key(kind: Any) -> str:
    """The code host kind of a design entry or of a Sourcegraph connection, in the one vocabulary;
    GitHub Enterprise is a GITHUB connection in Sourcegraph, so both meet as github."""
    k = CodeHostKind.from_sourcegraph(str(kind or ""))
    return str(CodeHostKind.github if k is CodeHostKind.github_enterprise else k)


def _match_hosts(scoped: list[tuple[str, str]], found: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The scoped code hosts (kind, url) the snapshot does not list: matched by host name where
    the snapshot names it, else by kind (one snapshot connection per scoped host)."""
    unused = list(found)
    unmatched: list[tuple[str, str]] = []
    for kind, url in scoped:
        netloc = (urlparse(url).netloc or url).lower()
        hit = next((f for f in unused if netloc and any(netloc in str(v).lower() for v in f.values() if isinstance(v, str))), None)
        if hit is None:
            hit = next((f for f in unused if _kind_key(f.get("kind")) == _kind_key(kind)), None)
        if hit is None:
            unmatched.append((kind, url))
        else:
            unused.remove(hit)
    return unmatched


def sync_errors(snapshot: EvidenceItem) -> list[str]:
    """The code host sync errors an instance snapshot reports, in words."""
    out = []
    for h in _hosts(snapshot.data.get("code_hosts")):
        err = h.get("last_sync_error") or h.get("lastSyncError")
        if err:
            out.append(f"{h.get('name') or h.get('kind')}: {err}")
    return out


def infra_tasks(f: ProjectFacts) -> list[Any]:
    """Production's infrastructure tasks in the plan (built, installed); by template, else by title."""
    if f.tasks is None or f.prod is None:
        return []
    return [t for t in f.tasks if t.environment == f.prod
            and (t.template_id in INFRA_TEMPLATES or (t.template_id is None and "infrastructure" in t.title.lower()))]


def node_plan_of_newest_estimate(f: ProjectFacts, env: str, *, counts: Any = None) -> tuple[EvidenceItem | None, dict[str, Any] | None, bool]:
    """(evidence, node plan, stale): the node plan made from the environment's newest size
    estimate: the stored node plan when it names that estimate, else the one the estimate packed.
    `stale`: a stored node plan exists but was made from an older estimate."""
    ok = counts or (lambda e: True)
    est = next((e for e in f.all_of("size_estimate", env, any_env=False) if ok(e)), None)
    plans = [e for e in f.all_of("node_plan", env, any_env=False) if ok(e)]
    if est is None:
        return (plans[0], plans[0].data, False) if plans else (None, None, False)
    for p in plans:
        ref = p.data.get("estimate_evidence_id")
        if ref == est.id or (ref is None and p.taken_at >= est.taken_at):
            return p, p.data, False
    packed = est.data.get("node_plan")
    if isinstance(packed, dict) and packed.get("pools"):
        return est, packed, bool(plans)
    return None, None, bool(plans)


def _c1(v: _View) -> Result:
    f, prod = v.f, v.prod
    if prod is None:
        return [], [NO_PROD]
    ev: list[dict[str, Any]] = []
    missing: list[str] = []
    if f.tasks is None:
        missing.append(f"a plan with production's infrastructure tasks (implhub plan generate {f.slug})")
    else:
        tasks = infra_tasks(f)
        open_ = [t for t in tasks if t.status != "done"]
        if not tasks:
            missing.append(f"production infrastructure tasks for {prod} in the plan")
        elif open_:
            missing.append("production infrastructure tasks not done in the plan: " + ", ".join(f"{t.id} ({t.status.replace('_', ' ')})" for t in open_))
        else:
            ev.append({"type": "plan", "summary": "plan: " + ", ".join(t.title for t in tasks) + " done", "strength": None, "counts": True})
    item, plan, stale = node_plan_of_newest_estimate(f, prod, counts=v.counts)
    if item is None:
        missing.append(f"a node plan of {prod}'s newest size estimate (implhub size nodes {f.slug} --env {prod})")
    else:
        pools = _hosts(_dict(plan).get("pools"))
        desc = ", ".join(f"{p.get('count')} x {p.get('instance_type')}" for p in pools) or "no pools"
        ev.append(v.ref(item, f"node plan of {prod}'s newest size estimate: {desc}"))
    snaps = [s for s in f.all_of("instance_snapshot", prod, any_env=False) if v.counts(s) and s.data.get("version")]
    if not snaps:
        missing.append(f"two live instance snapshots of {prod} at least {STABLE_HOURS} hours apart "
                       f"(implhub instance stats --url URL --project {f.slug} --env {prod})")
        return ev, missing
    newest = snaps[0]
    errors = sync_errors(newest)
    earlier = next((s for s in snaps[1:] if newest.taken_at - s.taken_at >= dt.timedelta(hours=STABLE_HOURS)), None)
    ev.append(v.ref(newest, f"{prod} instance answered, version {newest.data.get('version')}"))
    if errors:
        missing.append(f"no code host sync error on {prod} (the newest snapshot reports: {'; '.join(errors)})")
    if earlier is None:
        missing.append(f"a second instance snapshot of {prod} at least {STABLE_HOURS} hours after the first "
                       f"(implhub instance stats --url URL --project {f.slug} --env {prod})")
    else:
        if sync_errors(earlier):
            missing.append(f"no code host sync error on {prod} (the snapshot of {earlier.taken_at:%Y-%m-%d %H:%M} reports: "
                           f"{'; '.join(sync_errors(earlier))})")
        hours = (newest.taken_at - earlier.taken_at).total_seconds() / 3600
        ev.append(v.ref(earlier, f"{prod} instance answered {hours:,.0f} hours earlier, version {earlier.data.get('version')}"))
    return ev, missing


def _c3(v: _View) -> Result:
    f, prod = v.f, v.prod
    scoped = [(str(h.kind), h.url) for h in f.design.code_hosts]
    missing: list[str] = []
    if not scoped:
        missing.append("the scoped code hosts (code_hosts in the design)")
    if prod is None:
        return [], missing + [NO_PROD]
    snap = v.newest_counting("instance_snapshot", prod)
    if snap is None:
        return [], missing + [f"an instance snapshot of {prod} with its code hosts and repository statistics "
                              f"(implhub instance stats --url URL --project {f.slug} --env {prod})"]
    stats = _dict(snap.data.get("repository_stats"))
    total, cloned, indexed = (_num(stats.get(k)) for k in ("total", "cloned", "indexed"))
    for kind, url in _match_hosts(scoped, _hosts(snap.data.get("code_hosts"))):
        missing.append(f"code host {kind} {url} is not connected on {prod}")
    if total is None or cloned is None or indexed is None:
        missing.append(f"repository statistics (total, cloned, indexed) in the {prod} snapshot")
    else:
        if total == 0:
            missing.append(f"repositories on {prod}: the instance reports none")
        if cloned < total:
            missing.append(f"{int(total - cloned):,} of {int(total):,} repositories not cloned on {prod}")
        if indexed < total:
            missing.append(f"{int(total - indexed):,} of {int(total):,} repositories not indexed on {prod}")
    summary = (f"{prod} snapshot: {len(_hosts(snap.data.get('code_hosts')))} code host connection(s), "
               f"{int(cloned or 0):,}/{int(total or 0):,} cloned, {int(indexed or 0):,}/{int(total or 0):,} indexed")
    return [v.ref(snap, summary)], missing


def _run_words(f: ProjectFacts, run: EvidenceItem) -> str:
    req = f.load_requirement.model_dump() if f.load_requirement is not None else None
    cov = coverage(run.data, req)
    verdict = "passed" if run.data.get("passed") else "failed"
    return (f"load test {run.data.get('run_id') or run.id} on {run.environment} {verdict} (score {run.data.get('score')}), "
            f"{cov['vus']:,} of {cov['required_vus']:,} VUs, hold {cov['hold_s']:g} of {cov['required_hold_s']:g} s"
            + (", aborted" if run.data.get("partial") else ""))


def _performance(v: _View) -> Result:
    """Criterion 5's test: the newest counting load test on prod or a replica decides."""
    f, prod = v.f, v.prod
    if prod is None:
        return [], [NO_PROD]
    replicas = {e.name for e in f.environments if e.kind == REPLICA_KIND}
    runs = [r for r in f.all_of("loadtest_run") if (r.environment == prod or r.environment in replicas)
            and r.data.get("kind") in (None, "load")]
    deciding = next((r for r in runs if v.counts(r)), None)
    ev: list[dict[str, Any]] = []
    for r in runs:  # the runs newer than the deciding one, shown with why they do not count
        if r is deciding:
            break
        why = v.strengths.get(r.id)
        if r.environment in replicas and why == "smoke":
            ok, words = replica_shape(f, str(r.environment))
            if not ok:
                ev.append(v.ref(r, _run_words(f, r) + f"; does not count: {words}"))
                continue
        ev.append(v.ref(r, _run_words(f, r) + f"; does not count ({why})"))
        if len(ev) >= 3:
            break
    if deciding is not None:
        words = _run_words(f, deciding)
        if deciding.environment in replicas:
            words += "; " + replica_shape(f, str(deciding.environment))[1]
        ev.insert(0, v.ref(deciding, words))
        if deciding.data.get("passed"):
            return ev, []
        return ev, [f"a passing full-strength load test on {prod} or a replica of its shape: the newest full-strength one, "
                    f"{words}; a newer failure outweighs an older pass (implhub loadtest run {f.slug} --env {prod} --kind load)"]
    req = f.load_requirement
    need = f"{req.vus:,} VUs held {req.hold_s:g} s" if req is not None else "the profile's VUs and hold time"
    return ev, [f"a passing full-strength load test on {prod} or on a replica of the design's shape ({need}; "
                f"implhub loadtest run {f.slug} --env {prod} --kind load)"]


def _c8(v: _View) -> Result:
    f, prod = v.f, v.prod
    if prod is None:
        return [], [NO_PROD]
    ev: list[dict[str, Any]] = []
    for rs in f.all_of("rightsize", prod, any_env=False):
        recs = rs.data.get("recommendations")
        n = len(recs) if isinstance(recs, (list, dict)) else 0
        days = rightsize_days(rs)
        span = f" over {days:g} day(s) of usage" if days is not None else ""
        ev.append(v.ref(rs, f"right-sizing of {prod}: {n} recommendation(s){span}"))
        if v.counts(rs):
            ev = [ev[-1]] + ev[:-1]
            return ev, []
    signed = v.signed(8)
    if signed is not None:
        return [_signoff_ref(signed)] + ev, []
    return ev, [f"a right-sizing of {prod} over at least 7 days of real usage (implhub rightsize {f.slug} --env {prod} ...) or "
                + v.sign_hint(8)]


def _c9(v: _View) -> Result:
    f, prod = v.f, v.prod
    if prod is None:
        return [], [NO_PROD]
    vc = v.newest_counting("version_check", prod)
    if vc is None:
        return [], [f"a version check of {prod} (implhub version check {f.slug} --env {prod})"]
    d = vc.data
    running, newest, behind = d.get("running"), d.get("newest"), d.get("minors_behind")
    summary = f"{prod} runs {running}; newest release {newest}; {behind} minor version(s) behind"
    if not isinstance(behind, int):
        return [v.ref(vc, summary)], [f"the number of minor versions {prod} is behind (the version check has none)"]
    if behind > MAX_MINORS_BEHIND:
        return [v.ref(vc, summary)], [f"upgrade {prod} from {running} to within {MAX_MINORS_BEHIND} minor release of {newest}"]
    return [v.ref(vc, summary)], []


def _signed_only(v: _View, number: int) -> Result:
    s = v.signed(number)
    return ([_signoff_ref(s)], []) if s is not None else ([], [v.sign_hint(number)])


def _results(v: _View) -> dict[int, Result]:
    results: dict[int, Result] = {1: _c1(v), 2: _signed_only(v, 2), 3: _c3(v), 4: _signed_only(v, 4), 5: _performance(v),
                                  7: _signed_only(v, 7), 8: _c8(v), 9: _c9(v)}
    perf_ev, perf_missing = results[5]
    s6 = v.signed(6)
    results[6] = (list(perf_ev) + ([_signoff_ref(s6)] if s6 else []), perf_missing + ([] if s6 else [v.sign_hint(6)]))
    d = v.f.design
    lim, exp = d.agreed_limits, d.expansion
    if any(x is not None for x in (lim.users, lim.repositories, lim.concurrent_users, exp.requirements, exp.current_usage)):
        results[7][0].insert(0, {"type": "design", "strength": None, "counts": False, "summary": (
            f"agreed limits: {lim.users} users, {lim.repositories} repositories; "
            f"expansion: {exp.requirements or 'none recorded'}")})
    return results


def evaluate(facts: ProjectFacts) -> Report:
    """The `exit-criteria --json` shape, decided by counting evidence and stakeholder sign-offs."""
    strengths: dict[int, str] = {e.id: strength(e, facts) for e in facts.evidence}
    measured: dict[int, str] = {e.id: measured_strength(e, facts) for e in facts.evidence if e.simulated}
    real = _View(facts, strengths, measured, with_simulated=False)
    results = _results(real)
    what_if = _results(_View(facts, strengths, measured, with_simulated=True)) if measured else None
    criteria: list[Criterion] = []
    for number in range(1, 10):
        ev, missing = results[number]
        would = bool(missing) and what_if is not None and not what_if[number][1]
        if missing and what_if is not None:  # show the simulated evidence beside the verdict, never counting
            shown = {(e.get("kind"), e.get("id")) for e in ev if e.get("type") == "evidence"}
            ev = ev + [{**e, "counts": False} for e in what_if[number][0]
                       if e.get("simulated") and (e.get("kind"), e.get("id")) not in shown]
        if would:
            missing = missing + [f"{SIMULATED_LABEL} (the demo's simulated evidence, were it real; real evidence decides)"]
        if not missing:
            status = "met"
        elif (w := real.waived(number)) is not None:
            status = "waived"
            ev = ev + [_signoff_ref(w)]
        else:
            status = "not_met"
        criteria.append(Criterion(number=number, title=TITLES[number], status=status, evidence=ev, missing=missing,
                                  simulated_would_meet=would))
    return Report(complete=all(c["status"] in ("met", "waived") for c in criteria), criteria=criteria)


def open_items(report: Report | dict[str, Any]) -> list[str]:
    """What keeps the project from completion, in words (for a handoff at the timebox)."""
    out: list[str] = []
    for c in report["criteria"]:
        if c["status"] == "not_met":
            out.append(f"{c['number']}. {c['title']}: " + "; ".join(c["missing"]))
    return out
