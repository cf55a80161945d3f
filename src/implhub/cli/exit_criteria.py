"""`implhub exit-criteria`, `implhub criterion sign|waive`, `implhub project complete|close`."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from implhub.app import exit_criteria as svc
from implhub.cli.common import console, context, err_console, handle_errors, print_json

criterion_app = typer.Typer(help="Sign off or waive an exit criterion (a named person, a link, a reason).", no_args_is_help=True)

STYLE = {"met": "green", "waived": "yellow", "not_met": "red"}


def exit_criteria_cmd(slug: str, as_json: bool = typer.Option(False, "--json", help="Print the contract JSON")) -> None:
    """The nine exit criteria: met, not met or waived, with the evidence that decides each and what is missing."""
    with context() as ctx:
        report = svc.get(ctx, slug=slug)
    if as_json:
        print_json(report)
        return
    table = Table("#", "criterion", "status", "evidence / missing", show_lines=True)
    for c in report["criteria"]:
        lines = [(e.get("summary") or f"{e['type']} by {e.get('by')}" + (f" ({e['url']})" if e.get("url") else "")
                  + (f": {e['reason']}" if e.get("reason") else "")) + _weak(e) for e in c["evidence"]]
        lines += [f"[red]missing:[/] {m}" for m in c["missing"]] if c["status"] != "met" else []
        table.add_row(str(c["number"]), c["title"], f"[{STYLE[c['status']]}]{c['status'].replace('_', ' ')}[/]", "\n".join(lines))
    console.print(table)
    done = sum(1 for c in report["criteria"] if c["status"] != "not_met")
    console.print(f"{done} of 9 met or waived" + (": complete" if report["complete"] else ""))


def _weak(item: dict[str, Any]) -> str:
    """A label for evidence shown but not deciding (simulated, smoke), unless its summary says so."""
    if item.get("counts") is not False or "does not count" in str(item.get("summary") or ""):
        return ""
    return f" (does not count: {item.get('strength') or 'not strong enough'})"


@criterion_app.command("sign")
@handle_errors
def sign_cmd(
    slug: str,
    number: int = typer.Argument(..., metavar="N", help="criterion number (2, 4, 6, 7 or 8)"),
    by: str = typer.Option(..., "--by", help="who made the judgement"),
    evidence: str | None = typer.Option(None, "--evidence", help="link to what shows it (checklist, recording, ticket)"),
    reason: str = typer.Option("", "--reason", help="a note"),
) -> None:
    """Record that a named person judged a human-judgement criterion to hold."""
    with context() as ctx:
        svc.sign(ctx, slug=slug, number=number, by=by, evidence_url=evidence, reason=reason)
    typer.echo(f"{slug}: criterion {number} signed off by {by}")


@criterion_app.command("waive")
@handle_errors
def waive_cmd(
    slug: str,
    number: int = typer.Argument(..., metavar="N", help="criterion number 1..9"),
    by: str = typer.Option(..., "--by", help="who accepted the waiver"),
    reason: str = typer.Option("", "--reason", help="why it does not apply (required)"),
    evidence: str | None = typer.Option(None, "--evidence", help="link to the agreement"),
) -> None:
    """Record that a named person waived a criterion, and why."""
    with context() as ctx:
        svc.waive(ctx, slug=slug, number=number, by=by, reason=reason, evidence_url=evidence)
    typer.echo(f"{slug}: criterion {number} waived by {by}")


def complete_cmd(slug: str, as_json: bool = typer.Option(False, "--json", help="Print the handoff")) -> None:
    """Complete the project: refused (exit 1) until every exit criterion is met or waived; then records the handoff."""
    with context() as ctx:
        h = svc.complete(ctx, slug=slug)
        out = svc.handoff_dict(h)
    if as_json:
        print_json(out)
    else:
        typer.echo(f"{slug}: complete; handoff {out['id']} recorded for the long-term owner (implhub doc handoff {slug})")


def close_cmd(
    slug: str,
    reason: str = typer.Option(..., "--reason", help="timebox: the end of the package's timebox"),
    as_json: bool = typer.Option(False, "--json", help="Print the handoff"),
) -> None:
    """Close the project at the end of its timebox: records an incomplete handoff with what was left open."""
    with context() as ctx:
        h = svc.close(ctx, slug=slug, reason=reason)
        out = svc.handoff_dict(h)
    if as_json:
        print_json(out)
        return
    typer.echo(f"{slug}: closed ({reason}); handoff {out['id']} recorded with {len(out['open_items'])} open item(s)")
    for item in out["open_items"]:
        err_console.print(f"  - {item}", highlight=False, soft_wrap=True)



def register(app: typer.Typer) -> None:
    from implhub.cli.projects import project_app

    app.command("exit-criteria", help=exit_criteria_cmd.__doc__)(handle_errors(exit_criteria_cmd))
    app.add_typer(criterion_app, name="criterion")
    project_app.command("complete", help=complete_cmd.__doc__)(handle_errors(complete_cmd))
    project_app.command("close", help=close_cmd.__doc__)(handle_errors(close_cmd))



