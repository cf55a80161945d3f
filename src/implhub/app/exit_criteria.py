"""The nine exit criteria, evaluated from the store; sign-offs, waivers, completion and closing.

`evaluate(ctx, project)` returns the `exit-criteria --json` shape; the plan's closing tasks read
their status from it."""

from __future__ import annotations

import importlib
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import select

from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.app.evidence import evidence_dict, list_evidence
from implhub.app.projects import get_or_raise
from implhub.errors import Conflict, ExitCode, ImplhubError, ValidationError
from implhub.exit import SIGNABLE, TITLES, Report, open_items
from implhub.exit import evaluate as evaluate_criteria
from implhub.store.models import Project
from implhub.store.models.exit import CriterionSignoff, Handoff

#: evidence kinds the criteria and the documents read
KINDS = ("size_estimate", "node_plan", "instance_snapshot", "codestats_scan", "codehost_inventory",
         "loadtest_run", "rightsize", "version_check")


class NotComplete(ImplhubError):
    """The verdict is negative (criteria not met), not bad input: exit code 1."""

    exit_code = ExitCode.FAILED
    http_status = 409


def optional_app(name: str) -> Any | None:
    """Another capability's application module, or None while it is not there yet."""
    try:
        return importlib.import_module(f"implhub.app.{name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("implhub"):
            return None
        raise


def estimates(ctx: Ctx, project: Project) -> dict[str, Any]:
    """The newest size estimate per environment: from the sizing capability where it is there,
    else from its evidence rows."""
    sizing = optional_app("sizing")
    out: dict[str, Any] = {}
    for env in project.environments:
        est = None
        if sizing is not None and hasattr(sizing, "latest_estimate"):
            est = sizing.latest_estimate(ctx, project=project, environment=env.name)
        if est is None:
            ev = list_evidence(ctx, project=project, kind="size_estimate", environment=env.name)
            est = ev[0].data if ev else None
        if est is not None:
            out[env.name] = est
    return out


def signoffs(ctx: Ctx, project: Project) -> list[CriterionSignoff]:
    q = select(CriterionSignoff).where(CriterionSignoff.project_id == project.id)
    return list(ctx.session.scalars(q.order_by(CriterionSignoff.at, CriterionSignoff.id)))


def signoff_dict(s: CriterionSignoff) -> dict[str, Any]:
    return {"id": s.id, "criterion": s.criterion, "action": s.action, "by": s.by, "evidence_url": s.evidence_url,
            "reason": s.reason, "at": s.at.isoformat(), "created_by": s.created_by}


def snapshot(ctx: Ctx, project: Project) -> dict[str, Any]:
    """Everything the exit engine reads, as plain data."""
    evidence = [evidence_dict(e) for kind in KINDS for e in list_evidence(ctx, project=project, kind=kind)]
    return {
        "slug": project.slug,
        "design": project.design,
        "environments": [{"name": e.name, "kind": e.kind, "origin": e.origin} for e in project.environments],
        "evidence": evidence,
        "estimates": estimates(ctx, project),
        "signoffs": [signoff_dict(s) for s in signoffs(ctx, project)],
    }


def evaluate(ctx: Ctx, project: Project) -> dict[str, Any] | None:
    return dict(evaluate_criteria(snapshot(ctx, project)))


def get(ctx: Ctx, *, slug: str) -> dict[str, Any]:
    result = evaluate(ctx, get_or_raise(ctx, slug=slug))
    assert result is not None
    return result


def _check_number(number: int) -> None:
    if number not in TITLES:
        raise ValidationError(f"expected a criterion number 1..9, got {number}", field="N")


def _check_url(url: str | None, *, required: bool) -> None:
    if url is None or not url.strip():
        if required:
            raise ValidationError("a sign-off needs a link to what shows it (a checklist, a recording, a ticket): "
                                  "add --evidence https://...", field="--evidence")
        return
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationError(f"expected an http(s) URL, got {url!r}", field="--evidence")


def _check_by(by: str) -> str:
    by = (by or "").strip()
    if not by:
        raise ValidationError("name the person who made the judgement", field="--by")
    return by


def sign(ctx: Ctx, *, slug: str, number: int, by: str, evidence_url: str | None, reason: str = "") -> CriterionSignoff:
    """Record that a named person judged criterion N to hold (only the human-judgement ones)."""
    project = get_or_raise(ctx, slug=slug)
    _check_number(number)
    if number not in SIGNABLE:
        signable = ", ".join(str(n) for n in SIGNABLE)
        raise ValidationError(f"criterion {number} ({TITLES[number]}) is decided by evidence, not by a sign-off; "
                              f"criteria {signable} take a sign-off. Waive it with --reason if it does not apply",
                              field="N")
    by = _check_by(by)
    _check_url(evidence_url, required=True)
    return _add(ctx, project, number, "sign", by, evidence_url, reason)


def waive(ctx: Ctx, *, slug: str, number: int, by: str, reason: str, evidence_url: str | None = None) -> CriterionSignoff:
    """Record that a named person accepted criterion N as not applicable or left open, and why."""
    project = get_or_raise(ctx, slug=slug)
    _check_number(number)
    by = _check_by(by)
    if not (reason or "").strip():
        raise ValidationError("a waiver needs the reason it does not apply", field="--reason")
    _check_url(evidence_url, required=False)
    return _add(ctx, project, number, "waive", by, evidence_url, reason.strip())


def _add(ctx: Ctx, project: Project, number: int, action: str, by: str, url: str | None, reason: str) -> CriterionSignoff:
    if project.state != "active":
        raise Conflict(f"project {project.slug} is {project.state}; its exit criteria are final")
    row = CriterionSignoff(project_id=project.id, criterion=number, action=action, by=by, evidence_url=url or None,
                           reason=reason or "", at=ctx.now(), created_by=ctx.actor)
    ctx.session.add(row)
    ctx.session.flush()
    verb = "signed off" if action == "sign" else "waived"
    record(ctx, project=project, action=f"criterion.{action}", entity="exit_criterion", entity_id=str(number),
           summary=f"criterion {number} {verb} by {by}" + (f": {reason}" if reason else ""), after=signoff_dict(row))
    return row


def handoffs(ctx: Ctx, project: Project) -> list[Handoff]:
    q = select(Handoff).where(Handoff.project_id == project.id).order_by(Handoff.at, Handoff.id)
    return list(ctx.session.scalars(q))


def handoff_dict(h: Handoff) -> dict[str, Any]:
    return {"id": h.id, "kind": h.kind, "reason": h.reason, "at": h.at.isoformat(), "created_by": h.created_by,
            "record": h.record, "criteria": h.criteria, "open_items": h.open_items}


def _handoff_record(ctx: Ctx, project: Project) -> dict[str, Any]:
    from implhub.app import documents

    return documents.handoff_record(ctx, project=project)


def complete(ctx: Ctx, *, slug: str) -> Handoff:
    """Finish the project: refused (NotComplete, exit 1) until every criterion is met or waived;
    then the handoff to the long-term owner is recorded and the project is complete."""
    project = get_or_raise(ctx, slug=slug)
    if project.state != "active":
        raise Conflict(f"project {slug} is {project.state} already")
    report = evaluate_criteria(snapshot(ctx, project))
    if not report["complete"]:
        raise NotComplete(f"project {slug} is not complete: criteria not met", details=open_items(report))
    return _handoff(ctx, project, report, kind="complete", reason="every exit criterion met or waived", state="complete")


CLOSE_REASONS = ("timebox",)


def close(ctx: Ctx, *, slug: str, reason: str) -> Handoff:
    """End the project at the end of its timebox: records an incomplete handoff with what was
    left open."""
    project = get_or_raise(ctx, slug=slug)
    if reason not in CLOSE_REASONS:
        raise ValidationError(f"expected --reason {' or '.join(CLOSE_REASONS)}; a project whose criteria all hold "
                              f"ends with 'implhub project complete {slug}'", field="--reason")
    if project.state != "active":
        raise Conflict(f"project {slug} is {project.state} already")
    report = evaluate_criteria(snapshot(ctx, project))
    return _handoff(ctx, project, report, kind=reason, reason="end of the timebox", state="closed")


def _handoff(ctx: Ctx, project: Project, report: Report, *, kind: str, reason: str, state: str) -> Handoff:
    open_ = open_items(report)
    h = Handoff(project_id=project.id, kind=kind, reason=reason, at=ctx.now(), created_by=ctx.actor,
                record=_handoff_record(ctx, project), criteria=dict(report), open_items=open_)
    ctx.session.add(h)
    before = project.state
    project.state = state
    project.updated_at = ctx.now()
    ctx.session.flush()
    record(ctx, project=project, action=f"project.{'complete' if state == 'complete' else 'close'}", entity="project",
           entity_id=project.slug, summary=f"{project.name} {state} ({reason})" + (f"; {len(open_)} criteria left open" if open_ else ""),
           before={"state": before}, after={"state": state, "handoff": h.id})
    return h
