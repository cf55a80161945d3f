"""Logs, the status report and reminders through the application layer, with a real SMTP
server (aiosmtpd) on loopback."""

from __future__ import annotations

import json

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from implhub.store import open_store
from implhub.store.models import ActivityEntry
from implhub.store.models.reporting import LogEntry, ReminderSent
from tests.net import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("IMPLHUB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("IMPLHUB_SMTP_PORT", str(port))
    monkeypatch.setenv("IMPLHUB_SMTP_FROM", "implhub@sg.example")
    yield inbox
    controller.stop()


@pytest.fixture
def project(cli, tmp_path, tdd_text, monkeypatch, plan):
    f = tmp_path / "t.yaml"
    f.write_text(tdd_text)
    assert cli("project", "create", "--tdd", str(f)).exit_code == 0
    from implhub.app import reporting

    def fake_plan(ctx, project, view):
        tasks = [t for t in plan["tasks"] if view == "internal" or t["visibility"] == "external"]
        return {**plan, "tasks": tasks}

    # the plan itself is tested in tests/plan; here a fixed plan in its JSON contract shape
    monkeypatch.setattr(reporting, "_plan", fake_plan)
    return "example-corp"


def test_it_adds_and_updates_log_entries_with_activity(cli, project, db_url) -> None:
    r = cli("risk", "add", project, "--title", "Proxy blocks clones", "--probability", "high", "--impact", "high",
            "--owner", "TAM", "--visibility", "external", "--json")
    assert r.exit_code == 0, r.output
    row = json.loads(r.stdout)
    # the design's own risk came in first as R1
    assert row["ref"] == "R2" and row["owner"] == "tom@sourcegraph.example"
    r = cli("risk", "update", project, "R2", "--status", "mitigated", "--mitigation", "Allow-list gitserver", "--json")
    assert json.loads(r.stdout)["fields"]["mitigation"] == "Allow-list gitserver"
    st = open_store(db_url)
    with st.session() as s:
        actions = [a for (a,) in s.execute(select(ActivityEntry.action).order_by(ActivityEntry.id))]
    st.dispose()
    assert actions[-3:] == ["risk.add", "risk.add", "risk.update"]


def test_bad_log_input_is_refused_and_stores_nothing(cli, project, db_url) -> None:
    cases = [
        (["issue", "add", project, "--title", "x", "--owner", "Nobody Known"], "unknown owner 'Nobody Known'"),
        (["issue", "add", project, "--title", "x", "--due", "2026-01-02"], "before the project starts (2026-11-16)"),
        (["risk", "add", project, "--title", "x", "--probability", "huge"], "--probability: expected one of low, medium, high"),
        (["risk", "add", project, "--title", "x", "--severity", "high"], "a risk has no severity; that option is for an issue"),
        (["issue", "add", project, "--title", "x", "--impact", "high"], "an issue has no impact; that option is for a risk"),
        (["risk", "update", project, "R9", "--status", "closed"], "no risk R9"),
    ]
    for args, message in cases:
        r = cli(*args)
        assert r.exit_code == 2, args
        assert message in r.stderr, (args, r.stderr)
    st = open_store(db_url)
    with st.session() as s:
        assert s.scalar(select(func.count()).select_from(LogEntry)) == 0
    st.dispose()


def test_the_external_status_report_has_no_internal_item(cli, project, tmp_path) -> None:
    cli("risk", "add", project, "--title", "Internal staffing gap", "--visibility", "internal")
    cli("issue", "add", project, "--title", "Firewall ticket open", "--visibility", "external", "--severity", "high")
    out = tmp_path / "r.md"
    r = cli("report", "status", project, "--audience", "external", "--format", "md", "--out", str(out), "--today", "2026-11-27")
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "Firewall ticket open" in text and "Internal staffing gap" not in text and "k6-replica" not in text
    assert "@" not in text
    internal = cli("report", "status", project, "--audience", "internal", "--today", "2026-11-27").stdout
    assert "Internal staffing gap" in internal and "Task k6-replica" in internal


def test_the_status_report_renders_as_pdf_and_email(cli, project, tmp_path) -> None:
    pdf = tmp_path / "r.pdf"
    r = cli("report", "status", project, "--format", "pdf", "--out", str(pdf))
    assert r.exit_code == 0, r.output
    assert pdf.read_bytes()[:5] == b"%PDF-"
    eml = tmp_path / "r.eml"
    cli("report", "status", project, "--format", "email", "--out", str(eml))
    import email

    msg = email.message_from_bytes(eml.read_bytes())
    assert msg["Subject"] == "Example Corp: weekly status report"
    assert {p.get_content_type() for p in msg.walk()} >= {"text/plain", "text/html"}


def test_reminders_are_delivered_exactly_once(cli, project, smtp, db_url) -> None:
    dry = json.loads(cli("remind", "--dry-run", "--json", "--today", "2026-12-01").stdout)
    assert dry and all(set(d) == {"to", "subject", "reason"} for d in dry)
    first = cli("remind", "--json", "--today", "2026-12-01")
    assert first.exit_code == 0, first.output
    sent = json.loads(first.stdout)["sent"]
    assert sorted((s["to"], s["subject"]) for s in sent) == sorted((d["to"], d["subject"]) for d in dry)
    assert len(smtp.messages) == len(dry)
    second = cli("remind", "--json", "--today", "2026-12-01")
    assert json.loads(second.stdout) == {"sent": [], "failed": [], "skipped": []}
    assert len(smtp.messages) == len(dry)
    assert json.loads(cli("remind", "--dry-run", "--json", "--today", "2026-12-01").stdout) == []


def test_a_refusing_smtp_server_marks_nothing_sent_and_the_next_run_retries(cli, project, monkeypatch, db_url) -> None:
    monkeypatch.setenv("IMPLHUB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("IMPLHUB_SMTP_PORT", str(free_port()))  # nothing listens there
    monkeypatch.setenv("IMPLHUB_SMTP_FROM", "implhub@sg.example")
    r = cli("remind", "--today", "2026-12-01")
    assert r.exit_code == 1
    assert "cannot reach the SMTP server" in r.stderr
    st = open_store(db_url)
    with st.session() as s:
        assert s.scalar(select(func.count()).select_from(ReminderSent)) == 0
    st.dispose()
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("IMPLHUB_SMTP_PORT", str(port))
        r = cli("remind", "--today", "2026-12-01")
        assert r.exit_code == 0, r.output
        assert len(inbox.messages) > 0
    finally:
        controller.stop()


def test_a_malformed_webhook_url_is_refused(cli, project, monkeypatch) -> None:
    monkeypatch.setenv("IMPLHUB_WEBHOOK_URL", "hooks.example.com/abc")
    r = cli("remind")
    assert r.exit_code == 2
    assert "IMPLHUB_WEBHOOK_URL: expected an http(s) URL" in r.stderr
