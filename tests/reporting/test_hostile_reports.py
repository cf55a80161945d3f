"""Status reports of a project whose customer name and risks hold hostile markup (tests/hostile.py):
the PDF embeds no file and fetches nothing; the HTML (CLI and e-mail) shows the markup as text;
the customer's report carries no live link."""

from __future__ import annotations

import email
from email.message import Message

import pytest

from implhub.app import reporting
from implhub.app.context import Ctx
from implhub.settings import load_settings
from tests import hostile
from tests.conftest import FROZEN_NOW

ESCAPED = ("&lt;script&gt;alert(", "&lt;img src=x onerror=alert(", "&lt;a rel=&quot;attachment&quot;")
RAW = ("<script>", "<img src=x", "<a rel=", 'href="file:', 'href="javascript', 'src="http://127.0.0.1')


def _weasyprint_or_skip() -> None:
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        pytest.skip(f"WeasyPrint's system libraries are missing: {exc}")


def _assert_text(html: str, where: str) -> None:
    for bad in RAW:
        assert bad not in html, f"{bad!r} reached {where}"
    for shown in ESCAPED:
        assert shown in html, f"{shown!r} (the typed markup, as text) is missing from {where}"


@pytest.mark.parametrize("audience", ["external", "internal"])
def test_the_status_pdf_embeds_no_file_and_fetches_no_image(ctx, demo_tdd_text, tmp_path, audience) -> None:
    _weasyprint_or_skip()
    with hostile.image_server() as (port, requests):
        h = hostile.create(ctx, base_tdd=demo_tdd_text, tmp_path=tmp_path, image_port=port)
        report = reporting.status_report(ctx, slug=h.slug, audience=audience)
        assert any("Key leak" in r["title"] for r in report["risks"])  # the payloads are in the report
        pdf = reporting.render_status(report, "pdf")
        assert hostile.pdf_findings(pdf, h.secret_text) == []
        assert requests == [], f"the status PDF render fetched {requests}"


def test_the_status_html_and_email_show_the_markup_as_text(ctx, demo_tdd_text, tmp_path) -> None:
    h = hostile.create(ctx, base_tdd=demo_tdd_text, tmp_path=tmp_path, image_port=9)
    report = reporting.status_report(ctx, slug=h.slug, audience="external")
    _assert_text(reporting.render_status(report, "html").decode(), "the status report HTML")
    msg = email.message_from_bytes(reporting.render_status(report, "email"))
    parts: list[Message] = [p for p in msg.walk() if p.get_content_type() == "text/html"]
    assert len(parts) == 1
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    _assert_text(payload.decode(), "the e-mail's HTML part")


def test_the_customers_report_shows_links_as_text(ctx, demo_tdd_text, tmp_path) -> None:
    h = hostile.create(ctx, base_tdd=demo_tdd_text, tmp_path=tmp_path, image_port=9)
    html = reporting.render_status(reporting.status_report(ctx, slug=h.slug, audience="external"), "html").decode()
    assert "Reset your SSO password (http://phish.example/reset)" in html
    assert "<a " not in html
    internal = reporting.render_status(reporting.status_report(ctx, slug=h.slug, audience="internal"), "html").decode()
    assert '<a href="http://phish.example/reset" rel="noopener noreferrer">' in internal
    assert 'href="javascript' not in internal


def test_report_status_format_html_on_the_command_line(cli, store, demo_tdd_text, tmp_path) -> None:
    with store.session() as session:
        h = hostile.create(Ctx(session=session, settings=load_settings(), actor="tester@example.com", clock=lambda: FROZEN_NOW),
                           base_tdd=demo_tdd_text, tmp_path=tmp_path, image_port=9)
    result = cli("report", "status", h.slug, "--format", "html")
    assert result.exit_code == 0, result.output
    _assert_text(result.output, "report status --format html")
    assert "Acme &lt;script&gt;" in result.output  # the customer's name, as text
