"""Progress reporting: the logs (risks, issues, decisions, expansion opportunities), the status
report and the portfolio report, reminders and digests over SMTP and a chat webhook."""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from implhub.app import codestats, evidence, projects
from implhub.app import plan as plan_app
from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.codestats.evidence import InstanceSnapshot
from implhub.errors import (
    ExternalServiceError,
    NotFound,
    ValidationError,
    VersionConflict,
)
from implhub.loadtest.evidence import LoadTestRun
from implhub.reporting import logs as rules
from implhub.reporting import reminders as rem
from implhub.reporting import status as status_engine
from implhub.reporting.render import email_message, html_to_pdf, markdown_to_html
from implhub.store.concurrency import advance_version, next_number
from implhub.store.models import Project
from implhub.store.models.reporting import LogEntry, ReminderSent


def _stakeholders(project: Project) -> list[dict[str, Any]]:
    """The design's stakeholders in the form the reporting engine takes (side, role, name, email)."""
    return [s.model_dump(mode="json") for s in project.design_model.stakeholders]


def entry_dict(e: LogEntry) -> dict[str, Any]:
    return {"ref": rules.entry_ref(e.kind, e.number), "kind": e.kind, "number": e.number, "title": e.title,
            "description": e.description, "owner": e.owner, "status": e.status, "visibility": e.visibility,
            "fields": dict(e.fields or {}), "origin": e.origin, "version": e.version,
            "created_at": e.created_at.isoformat(), "created_by": e.created_by, "updated_at": e.updated_at.isoformat()}


def project_start(ctx: Ctx, project: Project) -> dt.date | None:
    plan = _plan(ctx, project, "internal")
    starts = [dt.date.fromisoformat(str(t["start"])[:10]) for t in (plan or {}).get("tasks", []) if t.get("start")]
    if starts:
        return min(starts)
    return project.design_model.customer.contract_date


def sync_design_risks(ctx: Ctx, project: Project) -> int:
    """Bring the TDD's risks into the risk log once (matched by title); never edits log entries."""
    titles = set(ctx.session.scalars(select(LogEntry.title).where(LogEntry.project_id == project.id, LogEntry.kind == "risk")))
    added = 0
    for risk in project.design_model.risks:
        if risk.title in titles:
            continue
        fields = {k: v for k, v in (("probability", risk.probability), ("impact", risk.impact),
                                    ("mitigation", risk.mitigation)) if v}
        _insert(ctx, project, "risk", {"title": risk.title, "description": risk.description or "",
                                       "visibility": risk.visibility, "fields": fields}, origin="design")
        added += 1
    return added


def _insert(ctx: Ctx, project: Project, kind: str, values: dict[str, Any], *, origin: str = "log") -> LogEntry:
    number = next_number(ctx.session, scope=f"log:{project.id}:{kind}", current_max=lambda: ctx.session.scalar(
        select(func.max(LogEntry.number)).where(LogEntry.project_id == project.id, LogEntry.kind == kind)))
    entry = LogEntry(project_id=project.id, kind=kind, number=number, title=values["title"],
                     description=values.get("description", ""), owner=values.get("owner", ""),
                     status=values.get("status", rules.STATUSES[kind][0]), visibility=values.get("visibility", "internal"),
                     fields=values.get("fields", {}), origin=origin, created_at=ctx.now(), updated_at=ctx.now(), created_by=ctx.actor)
    ctx.session.add(entry)
    ctx.session.flush()
    record(ctx, project=project, action=f"{kind}.add", entity=kind, entity_id=rules.entry_ref(kind, number),
           summary=f"{rules.entry_ref(kind, number)} {entry.title}" + (" (from the design)" if origin == "design" else ""),
           after=entry_dict(entry))
    return entry


def add_entry(ctx: Ctx, *, slug: str, kind: str, values: dict[str, Any]) -> dict[str, Any]:
    project = projects.get_or_raise(ctx, slug=slug)
    sync_design_risks(ctx, project)
    clean = rules.validate(kind, values, stakeholders=_stakeholders(project), project_start=project_start(ctx, project),
                           today=ctx.today())
    return entry_dict(_insert(ctx, project, kind, clean))


def get_entry(ctx: Ctx, *, project: Project, kind: str, ref: str) -> LogEntry:
    number = rules.parse_ref(ref, kind)
    entry = ctx.session.scalar(select(LogEntry).where(LogEntry.project_id == project.id, LogEntry.kind == kind, LogEntry.number == number))
    if entry is None:
        raise NotFound(f"no {kind} {rules.entry_ref(kind, number)} in {project.slug}", field="REF")
    return entry


def update_entry(ctx: Ctx, *, slug: str, kind: str, ref: str, values: dict[str, Any], expected_version: int | None = None) -> dict[str, Any]:
    project = projects.get_or_raise(ctx, slug=slug)
    entry = get_entry(ctx, project=project, kind=kind, ref=ref)
    ref_text = rules.entry_ref(kind, entry.number)
    if expected_version is not None and expected_version != entry.version:
        raise VersionConflict(f"{ref_text} was changed by someone else since you loaded it (version {entry.version}, you had "
                              f"{expected_version}); reload and try again", current_version=entry.version)
    clean = rules.validate(kind, values, stakeholders=_stakeholders(project), project_start=project_start(ctx, project), partial=True,
                           today=ctx.today())
    before = entry_dict(entry)
    # the store decides who wins two concurrent saves: only one moves the entry past the version read
    advance_version(ctx.session, entry, expected=expected_version, what=ref_text)
    fields = {**(entry.fields or {}), **clean.pop("fields")}
    for key, value in clean.items():
        setattr(entry, key, value)
    entry.fields = fields
    entry.updated_at = ctx.now()
    ctx.session.flush()
    after = entry_dict(entry)
    changed = {k: after[k] for k in after if after[k] != before[k] and k not in ("version", "updated_at")}
    record(ctx, project=project, action=f"{kind}.update", entity=kind, entity_id=after["ref"],
           summary=f"{after['ref']}: " + ", ".join(sorted(changed)), before={k: before[k] for k in changed}, after=changed)
    return after


def list_entries(ctx: Ctx, *, project: Project, kind: str | None = None, audience: str = "internal",
                 open_only: bool = False) -> list[dict[str, Any]]:
    sync_design_risks(ctx, project)
    q = select(LogEntry).where(LogEntry.project_id == project.id).order_by(LogEntry.kind, LogEntry.number)
    if kind:
        if kind not in rules.KINDS:
            raise ValidationError(f"unknown log kind {kind!r}; expected one of {', '.join(rules.KINDS)}", field="kind")
        q = q.where(LogEntry.kind == kind)
    if audience != "internal":
        q = q.where(LogEntry.visibility == "external")
    rows = [entry_dict(e) for e in ctx.session.scalars(q)]
    if open_only:
        rows = [r for r in rows if r["status"] in rules.OPEN_STATUSES]
    if audience != "internal":
        # the one filter for customers and share visitors: web tab, API and status report alike
        rows = [x for r in rows if (x := rules.external_entry(r)) is not None]
    return rows


# --- status report --------------------------------------------------------------------------

def _plan(ctx: Ctx, project: Project, view: str) -> dict[str, Any] | None:
    try:
        return plan_app.get_plan(ctx, project=project, view=view)
    except NotFound:
        return None


def _exit(ctx: Ctx, project: Project) -> dict[str, Any] | None:
    from implhub.app.exit_criteria import evaluate

    return evaluate(ctx, project)


def key_numbers(ctx: Ctx, project: Project, *, audience: str) -> list[dict[str, Any]]:
    """Repos synced, lines of code, load-test verdict: each with its date and source."""
    out: list[dict[str, Any]] = []
    s = codestats.summary(ctx, project=project) or {}
    for key, label in (("repos_synced", "Repositories synced"), ("lines_of_code", "Lines of code"), ("code_hosts", "Code hosts")):
        item = s.get(key)
        if isinstance(item, dict) and item.get("value") is not None:
            value = item["value"]
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            elif isinstance(value, (int, float)):
                value = f"{value:,}"
            out.append({"label": label, "value": value, "as_of": str(item.get("as_of") or item.get("date") or "")[:10],
                        "source": item.get("source", ""), "simulated": bool(item.get("simulated"))})
    if audience == "internal":
        runs = evidence.stored(ctx, project=project, kind=LoadTestRun)
        if runs:
            run = runs[0]
            verdict = "passed" if run.data.passed else "failed"
            score = run.data.score
            out.append({"label": "Load test", "value": verdict + (f", score {score:.2f}" if isinstance(score, (int, float)) else ""),
                        "as_of": run.taken_at.date().isoformat(), "source": f"k6 on {run.environment or '?'}", "simulated": run.simulated})
    return out


def working_days(ctx: Ctx, project: Project) -> Callable[[dt.date, dt.date], int]:
    """Working days after a up to and including b on the project's calendar: the plan's own
    (holidays of the customer's country and region, blackout dates), so the report and the plan
    count slips the same way."""
    from implhub.planning.calendar import WorkCalendar

    customer = project.design_model.customer
    row = plan_app.get_row(ctx, project)
    if row is not None:
        cal = plan_app.calendar_for(project, row)
    else:
        cal = WorkCalendar(start=ctx.today(), country=customer.country or "US", subdivision=customer.subdivision)

    def between(a: dt.date, b: dt.date) -> int:
        if b == a:
            return 0
        if b > a:
            return int(cal.working_days_between(a + dt.timedelta(days=1), b))
        return -int(cal.working_days_between(b + dt.timedelta(days=1), a))

    return between


def status_report(ctx: Ctx, *, slug: str, period: str = "week", audience: str = "external", today: dt.date | None = None) -> dict[str, Any]:
    if period not in status_engine.PERIOD_DAYS:
        raise ValidationError("expected week or month", field="--period")
    if audience not in ("external", "internal"):
        raise ValidationError("expected external or internal", field="--audience")
    project = projects.get_or_raise(ctx, slug=slug)
    return status_engine.build(
        project={"slug": project.slug, "name": project.name, "customer": project.design_model.customer.name},
        plan=_plan(ctx, project, audience),
        logs=list_entries(ctx, project=project, audience=audience),
        exit_criteria=_exit(ctx, project),
        numbers=key_numbers(ctx, project, audience=audience),
        today=today or ctx.today(), period=period, audience=audience,
        working_days=working_days(ctx, project),
    )


def render_status(report: dict[str, Any], fmt: str, *, sender: str = "implhub@localhost") -> bytes:
    md = status_engine.render_markdown(report)
    title = md.splitlines()[0].lstrip("# ")
    if fmt == "md":
        return md.encode()
    doc = markdown_to_html(md, title=title, audience=str(report.get("audience", "external")))
    if fmt == "html":
        return doc.encode()
    if fmt == "pdf":
        return html_to_pdf(doc)
    if fmt == "email":
        msg = email_message(subject=title, sender=sender, to=[], text=md, html_body=doc)
        del msg["To"]
        return bytes(msg)
    raise ValidationError("expected md, html, pdf or email", field="--format")


def portfolio_report(ctx: Ctx, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    rows = []
    for project in projects.list_projects(ctx):
        plan = _plan(ctx, project, "internal")
        ex = _exit(ctx, project)
        base = (plan or {}).get("baseline_finish")
        forecast = (plan or {}).get("forecast_finish")
        slip = working_days(ctx, project)(dt.date.fromisoformat(base), dt.date.fromisoformat(forecast)) if base and forecast else None
        entries = list_entries(ctx, project=project, open_only=True)
        rows.append({"slug": project.slug, "name": project.name, "state": project.state,
                     "health": (plan or {}).get("health", "unknown"), "forecast_finish": forecast, "baseline_finish": base, "slip": slip,
                     "exit": f"{sum(1 for c in ex['criteria'] if c['status'] != 'not_met')}/{len(ex['criteria'])}" if ex else None,
                     "risks": sum(1 for e in entries if e["kind"] == "risk"), "issues": sum(1 for e in entries if e["kind"] == "issue")})
    return rows


# --- reminders ------------------------------------------------------------------------------

def _facts(ctx: Ctx, project: Project) -> rem.ProjectFacts:
    snap = evidence.latest_stored(ctx, project=project, kind=InstanceSnapshot)
    plan = _plan(ctx, project, "internal")
    configuring = any(t.get("status") == "in_progress" and ("code host" in t.get("title", "").lower() or "codehost" in t.get("id", ""))
                      for t in (plan or {}).get("tasks", []))
    return rem.ProjectFacts(slug=project.slug, name=project.name, working_days=working_days(ctx, project),
                            stakeholders=_stakeholders(project), plan=plan, exit_criteria=_exit(ctx, project),
                            last_instance_snapshot=snap.taken_at if snap else None, configuring=configuring)


def pending_reminders(ctx: Ctx, *, slug: str | None = None, today: dt.date | None = None) -> list[rem.Reminder]:
    """What a run would send now: computed events minus those already sent."""
    targets = [projects.get_or_raise(ctx, slug=slug)] if slug else [p for p in projects.list_projects(ctx) if p.state == "active"]
    events = rem.compute([_facts(ctx, p) for p in targets], today=today or ctx.today())
    sent = set(ctx.session.scalars(select(ReminderSent.key).where(ReminderSent.key.in_([e.key for e in events])))) if events else set()
    return [e for e in events if e.key not in sent]


def check_delivery_settings(ctx: Ctx) -> None:
    s = ctx.settings
    if s.webhook_url:
        u = urlparse(s.webhook_url)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise ValidationError(f"expected an http(s) URL, got {s.webhook_url!r}", field="IMPLHUB_WEBHOOK_URL")
    if not s.smtp_host and not s.webhook_url:
        raise ValidationError("no delivery configured: set IMPLHUB_SMTP_HOST (and IMPLHUB_SMTP_FROM) or IMPLHUB_WEBHOOK_URL; or use --dry-run", field="IMPLHUB_SMTP_HOST")
    if s.smtp_host and not s.smtp_from:
        raise ValidationError("set the sender address of reminders", field="IMPLHUB_SMTP_FROM")


SENT_ELSEWHERE = "sent by another run of implhub remind"


def send_reminders(ctx_factory: Callable[[], Any], *, slug: str | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """Send every pending reminder, each in its own unit of work: claimed (unique key) before
    sending, marked sent after, released on failure so the next run retries it. An event another
    run (another cron host) claimed first is `skipped`, not failed. `ctx_factory` is a context
    manager yielding a Ctx."""
    with ctx_factory() as ctx:
        check_delivery_settings(ctx)
        pending = pending_reminders(ctx, slug=slug, today=today)
        settings = ctx.settings
        pids = {p.slug: p.id for p in projects.list_projects(ctx)}
    sent, failed, skipped = [], [], []
    smtp: smtplib.SMTP | None = None
    try:
        for r in pending:
            with ctx_factory() as ctx:
                if ctx.session.scalar(select(ReminderSent.id).where(ReminderSent.key == r.key)) is not None:
                    skipped.append({**r.public(), "reason": SENT_ELSEWHERE})
                    continue
                claim = ReminderSent(key=r.key, project_id=pids.get(r.project), to=r.to, subject=r.subject,
                                     channel="email" if settings.smtp_host else "webhook", state="sending", sent_at=ctx.now())
                ctx.session.add(claim)
                try:
                    ctx.session.flush()
                except IntegrityError:
                    # a concurrent run claimed the same event first (the unique key decides): it
                    # sends it; this run has nothing to do for it and is not a failure
                    ctx.session.rollback()
                    skipped.append({**r.public(), "reason": SENT_ELSEWHERE})
                    continue
                try:
                    if settings.smtp_host:
                        if smtp is None:
                            smtp = _smtp_connect(settings)
                        msg = email_message(subject=r.subject, sender=settings.smtp_from or "", to=[r.to], text=r.body or r.reason)
                        msg["X-Implhub-Event"] = r.key
                        smtp.send_message(msg)
                    if settings.webhook_url:
                        _post_webhook(settings.webhook_url, r)
                except (OSError, smtplib.SMTPException, ExternalServiceError) as exc:
                    ctx.session.rollback()
                    failed.append({**r.public(), "error": str(exc)})
                    smtp = None
                    continue
                claim.state = "sent"
                sent.append(r.public())
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return {"sent": sent, "failed": failed, "skipped": skipped}


def _smtp_connect(settings: Any) -> smtplib.SMTP:
    try:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20)
        if settings.smtp_user:
            smtp.starttls()
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        return smtp
    except (OSError, smtplib.SMTPException) as exc:
        raise ExternalServiceError(f"cannot reach the SMTP server {settings.smtp_host}:{settings.smtp_port}: {exc}", field="IMPLHUB_SMTP_HOST") from None


def _post_webhook(url: str, r: rem.Reminder) -> None:
    import httpx

    try:
        resp = httpx.post(url, json={"text": f"*{r.subject}*\n{r.body or r.reason}"}, timeout=15)
    except httpx.HTTPError as exc:
        raise ExternalServiceError(f"webhook {url} failed: {exc}") from None
    if resp.status_code >= 300:
        raise ExternalServiceError(f"webhook {url} answered {resp.status_code}")
