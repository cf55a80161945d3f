"""The nine exit criteria, evaluated from the store; sign-offs, waivers, completion and closing.

`evaluate(ctx, project)` returns the `exit-criteria --json` shape, decided on the facts layer
(`implhub.app.facts`) that the plan's closing tasks and the documents read too."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from sqlalchemy import select

from implhub.app import documents, facts, projects
from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise
from implhub.errors import ExitCode, ImplhubError, ValidationError
from implhub.exit import SIGNABLE, TITLES, Report, open_items
from implhub.store.models import Project
from implhub.store.models.exit import CriterionSignoff, Handoff

KINDS = facts.KINDS


class NotComplete(ImplhubError):
    """The verdict is negative (criteria not met, go-live not reached), not bad input: exit code 1."""

    exit_code = ExitCode.FAILED
    http_status = 409


def signoffs(ctx: Ctx, project: Project) -> list[CriterionSignoff]:
    q = select(CriterionSignoff).where(CriterionSignoff.project_id == project.id)
    return list(ctx.session.scalars(q.order_by(CriterionSignoff.at, CriterionSignoff.id)))


def signoff_dict(s: CriterionSignoff) -> dict[str, Any]:
    return {"id": s.id, "criterion": s.criterion, "action": s.action, "by": s.by, "evidence_url": s.evidence_url,
            "reason": s.reason, "at": s.at.isoformat(), "created_by": s.created_by}


def evaluate(ctx: Ctx, project: Project) -> dict[str, Any]:
    return dict(facts.report(ctx, project))


def get(ctx: Ctx, *, slug: str) -> dict[str, Any]:
    return evaluate(ctx, get_or_raise(ctx, slug=slug))


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


def _check_by(ctx: Ctx, project: Project, by: str) -> str:
    """The judgement is a stakeholder's: NAME must be one of the design's stakeholders (name or e-mail)."""
    by = (by or "").strip()
    if not by:
        raise ValidationError("name the person who made the judgement", field="--by")
    design = project.design_model
    if not any(by.lower() in (s.name.strip().lower(), s.email.strip().lower()) for s in design.stakeholders):
        names = ", ".join(s.name for s in design.stakeholders) or "none in the design"
        raise ValidationError(f"{by!r} is not a stakeholder of {project.slug}; expected the name or e-mail of one of: {names} "
                              f"(add them to stakeholders in the design with 'implhub project update')", field="--by")
    return by


def sign(ctx: Ctx, *, slug: str, number: int, by: str, evidence_url: str | None, reason: str = "") -> CriterionSignoff:
    """Record that a named person judged criterion N to hold (only the human-judgement ones)."""
    project = get_or_raise(ctx, slug=slug)
    projects.require_open(project, "its exit criteria")
    _check_number(number)
    if number not in SIGNABLE:
        signable = ", ".join(str(n) for n in SIGNABLE)
        raise ValidationError(f"criterion {number} ({TITLES[number]}) is decided by evidence, not by a sign-off; "
                              f"criteria {signable} take a sign-off. Waive it with --reason if it does not apply",
                              field="N")
    by = _check_by(ctx, project, by)
    _check_url(evidence_url, required=True)
    return _add(ctx, project, number, "sign", by, evidence_url, reason)


def waive(ctx: Ctx, *, slug: str, number: int, by: str, reason: str, evidence_url: str | None = None) -> CriterionSignoff:
    """Record that a named person accepted criterion N as not applicable or left open, and why."""
    project = get_or_raise(ctx, slug=slug)
    projects.require_open(project, "its exit criteria")
    _check_number(number)
    by = _check_by(ctx, project, by)
    if not (reason or "").strip():
        raise ValidationError("a waiver needs the reason it does not apply", field="--reason")
    _check_url(evidence_url, required=False)
    return _add(ctx, project, number, "waive", by, evidence_url, reason.strip())


def _add(ctx: Ctx, project: Project, number: int, action: str, by: str, url: str | None, reason: str) -> CriterionSignoff:
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


def complete(ctx: Ctx, *, slug: str) -> Handoff:
    """Finish the project: refused (NotComplete, exit 1) until the plan's go-live milestone is
    done and every criterion is met or waived; then the handoff to the long-term owner is
    recorded and the project is complete (its plan, design and criteria frozen)."""
    project = get_or_raise(ctx, slug=slug)
    projects.require_state(project, "active", verb="complete")
    with facts.scope():
        f, report = facts.facts_and_report(ctx, project)
        reasons = [r for r in (f.go_live_blocker(), None if report["complete"] else "criteria not met") if r]
        if reasons:
            raise NotComplete(f"project {slug} is not complete: " + "; ".join(reasons), details=open_items(report))
        return _handoff(ctx, project, report, kind="complete", reason="every exit criterion met or waived", state="complete")


CLOSE_REASONS = ("timebox",)


def close(ctx: Ctx, *, slug: str, reason: str) -> Handoff:
    """End the project at the end of its timebox: records an incomplete handoff with what was
    left open."""
    project = get_or_raise(ctx, slug=slug)
    if reason not in CLOSE_REASONS:
        raise ValidationError(f"expected --reason {' or '.join(CLOSE_REASONS)}; a project whose criteria all hold "
                              f"ends with 'implhub project complete {slug}'", field="--reason")
    projects.require_state(project, "active", verb="close")
    with facts.scope():
        report = facts.report(ctx, project)
        return _handoff(ctx, project, report, kind=reason, reason="end of the timebox", state="closed")


def _handoff(ctx: Ctx, project: Project, report: Report, *, kind: str, reason: str, state: str) -> Handoff:
    open_ = open_items(report)
    h = Handoff(project_id=project.id, kind=kind, reason=reason, at=ctx.now(), created_by=ctx.actor,
                record=documents.handoff_record(ctx, project=project), criteria=dict(report), open_items=open_)
    ctx.session.add(h)
    ctx.session.flush()
    projects.set_state(ctx, project, state, reason=reason + (f"; {len(open_)} criteria left open" if open_ else ""),
                        action=f"project.{'complete' if state == 'complete' else 'close'}", extra={"handoff": h.id})
    return h
