"""Documents rendered from a project whose customer name and risks hold hostile markup: the PDF
embeds no file and fetches nothing, the HTML shows the markup as text, and the customer's plan
has no live link (see tests/hostile.py for the payloads)."""

from __future__ import annotations

import pytest

from implhub.app import documents
from implhub.documents import render
from tests import hostile


def _weasyprint_or_skip() -> None:
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        pytest.skip(f"WeasyPrint's system libraries are missing ({render.PDF_PACKAGES}): {exc}")


@pytest.mark.parametrize("doc", ["internal", "plan", "handoff"])
def test_no_pdf_embeds_a_file_or_fetches_an_image(ctx, demo_tdd_text, tmp_path, doc) -> None:
    _weasyprint_or_skip()
    with hostile.image_server() as (port, requests):
        h = hostile.create(ctx, base_tdd=demo_tdd_text, tmp_path=tmp_path, image_port=port)
        _, pdf = documents.render_doc(ctx, slug=h.slug, doc=doc, fmt="pdf")
        assert pdf.startswith(b"%PDF")
        assert hostile.pdf_findings(pdf, h.secret_text) == []
        assert requests == [], f"the {doc} PDF render fetched {requests}"


@pytest.mark.parametrize("doc", ["internal", "plan", "handoff"])
def test_html_documents_show_the_markup_as_text(ctx, demo_tdd_text, tmp_path, doc) -> None:
    h = hostile.create(ctx, base_tdd=demo_tdd_text, tmp_path=tmp_path, image_port=9)
    html = documents.render_doc(ctx, slug=h.slug, doc=doc, fmt="html")[1].decode()
    for bad in ("<script>", "<img src=x", "<a rel=", 'href="file:', 'href="javascript', 'src="http://127.0.0.1'):
        assert bad not in html, f"{bad!r} reached the {doc} document's HTML"
    assert "&lt;script&gt;alert(" in html  # shown, as text
    assert "onerror=alert(" in html  # the text of the <img> is there, escaped


def test_the_customers_plan_shows_a_link_as_text(ctx, demo_tdd_text, tmp_path) -> None:
    h = hostile.create(ctx, base_tdd=demo_tdd_text, tmp_path=tmp_path, image_port=9)
    html = documents.render_doc(ctx, slug=h.slug, doc="plan", fmt="html")[1].decode()
    assert "Reset your SSO password (http://phish.example/reset)" in html
    assert 'href="http://phish.example' not in html
    # a picture from the network becomes its alt text
    assert "Picture x fetched" in html


def test_the_internal_document_keeps_web_links_live_but_never_script_links(ctx, demo_tdd_text, tmp_path) -> None:
    h = hostile.create(ctx, base_tdd=demo_tdd_text, tmp_path=tmp_path, image_port=9)
    html = documents.render_doc(ctx, slug=h.slug, doc="internal", fmt="html")[1].decode()
    assert '<a href="http://phish.example/reset" rel="noopener noreferrer">Reset your SSO password</a>' in html
    assert 'href="javascript' not in html
    assert "[open me](javascript:alert(" in html  # markdown-it refuses the link; its source stays text


def test_the_plan_pdf_keeps_its_gantt_picture(ctx, demo_tdd_text, tmp_path) -> None:
    # the data: URI of the timeline is the one image the URL fetcher lets through
    _weasyprint_or_skip()
    import io

    from pypdf import PdfReader

    h = hostile.create(ctx, base_tdd=demo_tdd_text, tmp_path=tmp_path, image_port=9)
    _, pdf = documents.render_doc(ctx, slug=h.slug, doc="plan", fmt="pdf")
    images = [img for page in PdfReader(io.BytesIO(pdf)).pages for img in page.images]
    assert images, "the timeline picture is missing from the plan PDF"
    html = documents.render_doc(ctx, slug=h.slug, doc="plan", fmt="html")[1].decode()
    assert 'src="data:image/png;base64,' in html
