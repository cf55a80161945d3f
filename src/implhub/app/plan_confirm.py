"""The customer's confirmations in the portal: a customer account confirms, or declines with a
comment, the production design and each customer-facing milestone. Who and when shows in the
plan (`confirmation` per task), the status report and the activity log."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from implhub.app import prefetch
from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.app.plan import _plan_or_raise, _project, _task_row_or_raise
from implhub.errors import ValidationError
from implhub.store.models import Project
from implhub.store.models.plan import PlanConfirmation, PlanTaskRow

#: the template task in which the customer confirms the production deployment design
DESIGN_TASK = "design-confirm"
MAX_COMMENT = 2000


class Decision(StrEnum):
    confirmed = "confirmed"
    declined = "declined"


class Confirmation(BaseModel):
    """The current answer on one task (the newest)."""

    task_id: str
    decision: Decision
    by: str
    at: str
    comment: str = ""
    revision: int | None = None


def confirmable(r: PlanTaskRow) -> bool:
    """The production design and every customer-facing milestone."""
    return r.visibility == "external" and (r.milestone or r.template_id == DESIGN_TASK or r.task_id == DESIGN_TASK)


def current(ctx: Ctx, project: Project) -> dict[str, Confirmation]:
    out: dict[str, Confirmation] = {}
    rows = prefetch.scalars(ctx, "plan.confirmations", project.id, lambda ids: select(PlanConfirmation).where(
        PlanConfirmation.project_id.in_(ids)).order_by(PlanConfirmation.at, PlanConfirmation.id))
    for c in rows:
        out[c.task_id] = Confirmation(task_id=c.task_id, decision=Decision(c.decision), by=c.by_name or c.by_email,
                                      at=c.at.isoformat(), comment=c.comment, revision=c.revision)
    return out


def confirm(ctx: Ctx, *, project: Project | str, task_id: str, decision: str, by_name: str, by_email: str,
            comment: str = "") -> Confirmation:
    """Record the customer's answer on a confirmable task. Declining needs a comment (what to
    change); the answer and who gave it land in the activity log."""
    p = _project(ctx, project)
    _plan_or_raise(ctx, p)
    r = _task_row_or_raise(ctx, p, task_id)
    try:
        chosen = Decision(decision)
    except ValueError:
        raise ValidationError(f"expected confirmed or declined, got {decision!r}", field="decision") from None
    if not confirmable(r):
        raise ValidationError(f"{task_id} is not for the customer to confirm: only the production design and "
                              "customer-facing milestones are", field="task")
    comment = comment.strip()
    if chosen is Decision.declined and not comment:
        raise ValidationError("say what has to change: declining needs a comment", field="comment")
    if len(comment) > MAX_COMMENT:
        raise ValidationError(f"a comment of at most {MAX_COMMENT} characters, got {len(comment)}", field="comment")
    revision = p.current.number if (r.template_id == DESIGN_TASK or r.task_id == DESIGN_TASK) else None
    row = PlanConfirmation(project_id=p.id, task_id=task_id, decision=chosen.value, comment=comment, revision=revision,
                           by_name=by_name, by_email=by_email, at=ctx.now())
    ctx.session.add(row)
    ctx.session.flush()
    what = f"the production design (revision {revision})" if revision is not None else f"the milestone {r.title}"
    record(ctx, project=p, action=f"plan.{'confirm' if chosen is Decision.confirmed else 'decline'}", entity="plan_task",
           entity_id=task_id, summary=f"{by_name or by_email} {chosen.value} {what}" + (f": {comment}" if comment else ""),
           after={"decision": chosen.value, "comment": comment, "by": by_name, "email": by_email, "revision": revision})
    return current(ctx, p)[task_id]


def annotate(ctx: Ctx, project: Project, rows: list[PlanTaskRow], tasks: list[dict[str, Any]]) -> None:
    """Add `confirmable` and `confirmation` (who, when, decision, comment) to each task of a
    plan view, in place."""
    answers = current(ctx, project)
    by_id = {r.task_id: r for r in rows}
    for t in tasks:
        r = by_id.get(t["id"])
        t["confirmable"] = bool(r is not None and confirmable(r))
        answer = answers.get(t["id"])
        t["confirmation"] = answer.model_dump(mode="json") if answer and t["confirmable"] else None
