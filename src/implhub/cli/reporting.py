"""`implhub risk|issue|decision|expansion`, `implhub report`, `implhub remind`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from implhub.app import projects
from implhub.app import reporting as svc
from implhub.cli.common import console, context, handle_errors, print_json
from implhub.errors import ExitCode, ValidationError
from implhub.reporting.status import render_portfolio_markdown

KIND_HELP = {
    "risk": "The risk log: probability, impact, owner, mitigation, status, visibility.",
    "issue": "The issues log: severity, owner, due date, resolution.",
    "decision": "The decision log: what was decided, by whom, when.",
    "expansion": "Expansion opportunities for the long-term owner.",
}


def _parse_day(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"expected a date YYYY-MM-DD, got {value!r}", field=field) from None


def _print_entries(rows: list[dict[str, Any]], kind: str) -> None:
    extra = {"risk": ["probability", "impact", "mitigation"], "issue": ["severity", "due_date", "resolution"],
             "decision": ["decided_by", "decided_on"], "expansion": ["value", "expected"]}[kind]
    table = Table("ref", "title", "status", "visibility", "owner", *extra)
    for r in rows:
        table.add_row(r["ref"], r["title"], r["status"], r["visibility"], r.get("owner", ""), *[str(r["fields"].get(k, "")) for k in extra])
    console.print(table)


def _make_group(kind: str) -> typer.Typer:
    group = typer.Typer(help=KIND_HELP[kind], no_args_is_help=True)

    @group.command("add")
    @handle_errors
    def add(slug: str, title: str = typer.Option(..., "--title"), description: str | None = typer.Option(None, "--description"),
            owner: str | None = typer.Option(None, "--owner", help="stakeholder name, email or role"),
            visibility: str = typer.Option("internal", "--visibility", help="internal | external (the customer sees it)"),
            probability: str | None = typer.Option(None, "--probability", help="risk: low | medium | high"),
            impact: str | None = typer.Option(None, "--impact", help="risk: low | medium | high"),
            mitigation: str | None = typer.Option(None, "--mitigation", help="risk: how it is being reduced"),
            severity: str | None = typer.Option(None, "--severity", help="issue: low | medium | high | critical"),
            due: str | None = typer.Option(None, "--due", help="issue: due date YYYY-MM-DD"),
            decided_by: str | None = typer.Option(None, "--decided-by", help="decision: who decided"),
            value: str | None = typer.Option(None, "--value", help="expansion: value or size of the opportunity"),
            as_json: bool = typer.Option(False, "--json")) -> None:
        values: dict[str, Any] = {"title": title, "description": description, "owner": owner, "visibility": visibility}
        values.update({"risk": {"probability": probability, "impact": impact, "mitigation": mitigation},
                       "issue": {"severity": severity, "due_date": due}, "decision": {"decided_by": decided_by},
                       "expansion": {"value": value}}[kind])
        _reject_foreign(kind, probability=probability, impact=impact, mitigation=mitigation, severity=severity, due=due,
                        decided_by=decided_by, value=value)
        with context() as ctx:
            if kind == "decision":
                values["decided_on"] = ctx.today()
            row = svc.add_entry(ctx, slug=slug, kind=kind, values=values)
        print_json(row) if as_json else typer.echo(f"{row['ref']} {row['title']}")

    add.__doc__ = f"Add a {kind} to the project's log."

    @group.command("list")
    @handle_errors
    def list_(slug: str, open_only: bool = typer.Option(False, "--open", help="only open entries"),
              audience: str = typer.Option("internal", "--audience", help="internal | external"),
              as_json: bool = typer.Option(False, "--json")) -> None:
        with context() as ctx:
            rows = svc.list_entries(ctx, project=projects.get_or_raise(ctx, slug=slug), kind=kind, audience=audience, open_only=open_only)
        print_json(rows) if as_json else _print_entries(rows, kind)

    list_.__doc__ = f"List the project's {kind} log."

    @group.command("update")
    @handle_errors
    def update(slug: str, ref: str = typer.Argument(..., help="e.g. R2 or 2"),
               status: str | None = typer.Option(None, "--status"), title: str | None = typer.Option(None, "--title"),
               description: str | None = typer.Option(None, "--description"), owner: str | None = typer.Option(None, "--owner"),
               visibility: str | None = typer.Option(None, "--visibility"),
               probability: str | None = typer.Option(None, "--probability"), impact: str | None = typer.Option(None, "--impact"),
               mitigation: str | None = typer.Option(None, "--mitigation"), severity: str | None = typer.Option(None, "--severity"),
               due: str | None = typer.Option(None, "--due"), resolution: str | None = typer.Option(None, "--resolution"),
               value: str | None = typer.Option(None, "--value"),
               expected_version: int | None = typer.Option(None, "--expected-version", help="refuse if someone changed it since"),
               as_json: bool = typer.Option(False, "--json")) -> None:
        values = {"status": status, "title": title, "description": description, "owner": owner, "visibility": visibility}
        values.update({"risk": {"probability": probability, "impact": impact, "mitigation": mitigation},
                       "issue": {"severity": severity, "due_date": due, "resolution": resolution},
                       "decision": {}, "expansion": {"value": value}}[kind])
        _reject_foreign(kind, probability=probability, impact=impact, mitigation=mitigation, severity=severity, due=due,
                        resolution=resolution, value=value)
        with context() as ctx:
            row = svc.update_entry(ctx, slug=slug, kind=kind, ref=ref, values=values, expected_version=expected_version)
        print_json(row) if as_json else typer.echo(f"{row['ref']} {row['title']}: {row['status']}")

    update.__doc__ = f"Change a {kind}: status, owner, fields."
    return group


_OPTION_KIND = {"probability": "risk", "impact": "risk", "mitigation": "risk", "severity": "issue", "due": "issue",
                "resolution": "issue", "decided_by": "decision", "value": "expansion"}


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _reject_foreign(kind: str, **options: Any) -> None:
    for name, value in options.items():
        if value is not None and _OPTION_KIND[name] != kind:
            raise ValidationError(f"{_a(kind)} has no {name.replace('_', '-')}; that option is for {_a(_OPTION_KIND[name])}",
                                  field=f"--{name.replace('_', '-')}")


report_app = typer.Typer(help="Status reports for the customer and the team; the portfolio report.", no_args_is_help=True)


@report_app.command("status")
@handle_errors
def status_cmd(slug: str, period: str = typer.Option("week", "--period", help="week | month"),
               audience: str = typer.Option("external", "--audience", help="external (customer) | internal"),
               fmt: str = typer.Option("md", "--format", help="md | html | pdf | email | json"),
               out: Path | None = typer.Option(None, "--out", help="file to write (default: stdout for text formats)"),
               today: str | None = typer.Option(None, "--today", help="report as of this date (YYYY-MM-DD)")) -> None:
    """The weekly or monthly status report: completed, slipped, next, health, risks, exit criteria, key numbers."""
    if fmt not in ("md", "html", "pdf", "email", "json"):
        raise ValidationError("expected md, html, pdf, email or json", field="--format")
    with context() as ctx:
        report = svc.status_report(ctx, slug=slug, period=period, audience=audience, today=_parse_day(today, "--today"))
        sender = ctx.settings.smtp_from or "implhub@localhost"
    if fmt == "json":
        print_json(report)
        return
    data = svc.render_status(report, fmt, sender=sender)
    if out is None:
        if fmt == "pdf":
            raise ValidationError("PDF is binary: give --out FILE", field="--out")
        typer.echo(data.decode(), nl=False)
    else:
        out.write_bytes(data)
        typer.echo(f"wrote {out}")


@report_app.command("portfolio")
@handle_errors
def portfolio_cmd(fmt: str = typer.Option("md", "--format", help="md | html | pdf | json"),
                  out: Path | None = typer.Option(None, "--out")) -> None:
    """The leadership view across every implementation."""
    with context() as ctx:
        rows = svc.portfolio_report(ctx)
        today = ctx.today()
    if fmt == "json":
        print_json(rows)
        return
    from implhub.reporting.render import html_to_pdf, markdown_to_html

    md = render_portfolio_markdown(rows, today=today)
    data = {"md": lambda: md.encode(), "html": lambda: markdown_to_html(md, title="Implementation portfolio", audience="internal").encode(),
            "pdf": lambda: html_to_pdf(markdown_to_html(md, title="Implementation portfolio", audience="internal"))}.get(fmt)
    if data is None:
        raise ValidationError("expected md, html, pdf or json", field="--format")
    if out is None:
        if fmt == "pdf":
            raise ValidationError("PDF is binary: give --out FILE", field="--out")
        typer.echo(md if fmt == "md" else data().decode(), nl=False)
    else:
        out.write_bytes(data())
        typer.echo(f"wrote {out}")


@handle_errors
def remind_cmd(dry_run: bool = typer.Option(False, "--dry-run", help="show what would be sent; send nothing"),
               as_json: bool = typer.Option(False, "--json"),
               project: str | None = typer.Option(None, "--project", help="only this project (default: every active one)"),
               today: str | None = typer.Option(None, "--today", help="run as of this date (YYYY-MM-DD)")) -> None:
    """Send due-soon, overdue, sign-off and stale-evidence reminders and weekly digests (safe to run twice)."""
    day = _parse_day(today, "--today")
    if dry_run:
        with context() as ctx:
            rows = [r.public() for r in svc.pending_reminders(ctx, slug=project, today=day)]
        if as_json:
            print_json(rows)
        else:
            for r in rows:
                typer.echo(f"{r['to']:<36} {r['subject']}  ({r['reason']})")
            typer.echo(f"{len(rows)} reminder(s) would be sent")
        return
    result = svc.send_reminders(context, slug=project, today=day)
    if as_json:
        print_json(result)
    else:
        for r in result["sent"]:
            typer.echo(f"sent   {r['to']:<36} {r['subject']}")
        for r in result["skipped"]:
            typer.echo(f"skipped {r['to']:<35} {r['subject']}: {r['reason']}")
        for r in result["failed"]:
            typer.echo(f"FAILED {r['to']:<36} {r['subject']}: {r['error']}", err=True)
        typer.echo(f"{len(result['sent'])} sent, {len(result['failed'])} failed"
                   + (f", {len(result['skipped'])} sent by another run" if result["skipped"] else ""))
    if result["failed"]:
        raise typer.Exit(int(ExitCode.FAILED))


def register(app: typer.Typer) -> None:
    for kind in ("risk", "issue", "decision", "expansion"):
        app.add_typer(_make_group(kind), name=kind)
    app.add_typer(report_app, name="report")
    app.command("remind")(remind_cmd)
