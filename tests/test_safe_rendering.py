"""The one Markdown renderer (implhub.markup) and the PDF writer (implhub.pdf), engine level."""

from __future__ import annotations

import pytest

from implhub.markup import Links, markdown_to_html, style_hash
from tests import hostile

PNG = "data:image/png;base64,iVBORw0KGgo="


def html(text: str, links: Links = Links.TEXT, **kw) -> str:
    return markdown_to_html(text, links=links, **kw).html


@pytest.mark.parametrize("links", list(Links))
def test_it_shows_raw_html_as_text(links: Links) -> None:
    out = html('<script>alert(1)</script>\n\nrisk <img src=x onerror=alert(1)> <a rel="attachment" href="file:///etc/passwd">k</a>', links)
    assert "<script" not in out and "<img" not in out and "<a " not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;a rel=&quot;attachment&quot; href=&quot;file:///etc/passwd&quot;&gt;" in out


def test_it_keeps_web_links_live_for_the_team_only() -> None:
    text = "[Reset your SSO password](http://phish.example/reset) and <https://sg.example.com/>"
    assert html(text, Links.LIVE) == ('<p><a href="http://phish.example/reset" rel="noopener noreferrer">Reset your SSO password</a> '
                                      'and <a href="https://sg.example.com/" rel="noopener noreferrer">https://sg.example.com/</a></p>\n')
    assert html(text, Links.TEXT) == "<p>Reset your SSO password (http://phish.example/reset) and https://sg.example.com/</p>\n"


@pytest.mark.parametrize("links", list(Links))
@pytest.mark.parametrize("target", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "file:///etc/passwd", "data:text/html;base64,PHNjcmlwdD4=",
                                    "vbscript:x", "mailto:a@example.com", "ftp://example.com/x", "/relative/path"])
def test_it_never_links_anything_but_the_web(links: Links, target: str) -> None:
    out = html(f"[click]({target})", links)
    assert "<a " not in out and "href" not in out
    assert "click" in out


def test_an_anchor_inside_the_page_stays_a_link_for_the_team() -> None:
    assert '<a href="#risks">risks</a>' in html("[risks](#risks)", Links.LIVE)
    assert "<a " not in html("[risks](#risks)", Links.TEXT)


@pytest.mark.parametrize("src", ["http://127.0.0.1:9/a.png", "https://example.com/a.png", "file:///etc/passwd", "a.png",
                                 "data:image/svg+xml;base64,PHN2Zz4=", "//example.com/a.png"])
def test_an_image_from_anywhere_but_the_page_becomes_its_alt_text(src: str) -> None:
    out = html(f"see ![the chart]({src}) here", Links.LIVE)
    assert "<img" not in out
    # markdown-it itself refuses file: and svg data URIs: their source stays text
    assert out == ("<p>see the chart here</p>\n" if src.startswith(("http", "a.png", "//")) else f"<p>see ![the chart]({src}) here</p>\n")


def test_a_data_image_and_a_named_asset_are_shown() -> None:
    assert f'<img src="{PNG}" alt="x" />' in html(f"![x]({PNG})")
    out = html("![timeline](gantt.svg)", assets={"gantt.svg": ("image/svg+xml", b"<svg/>")})
    assert '<img src="data:image/svg+xml;base64,PHN2Zy8+" alt="timeline" />' in out


def test_headings_get_ids_and_make_the_contents() -> None:
    out = markdown_to_html("## Risks <b>\n\n### Risks <b>\n", links=Links.TEXT, heading_ids=True)
    assert [(h.level, h.text, h.id) for h in out.headings] == [(2, "Risks <b>", "risks-b"), (3, "Risks <b>", "risks-b-2")]
    assert '<h2 id="risks-b">Risks &lt;b&gt;</h2>' in out.html


def test_the_style_hash_is_the_csp_source_of_the_block() -> None:
    import base64
    import hashlib

    assert style_hash("p{}") == "'sha256-" + base64.b64encode(hashlib.sha256(b"p{}").digest()).decode() + "'"


# --- PDF -----------------------------------------------------------------------------------------

def _weasyprint_or_skip() -> None:
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        pytest.skip(f"WeasyPrint's system libraries are missing: {exc}")


def test_the_pdf_fetcher_refuses_files_hosts_and_other_schemes(tmp_path) -> None:
    _weasyprint_or_skip()
    from implhub.pdf import RefusedURL, _fetcher

    fetch = _fetcher()
    secret = tmp_path / "secret"
    secret.write_text("s")
    with hostile.image_server() as (port, requests):
        for url in (f"file://{secret}", f"http://127.0.0.1:{port}/a.png", f"https://127.0.0.1:{port}/a.png", "ftp://127.0.0.1/x",
                    "implhub-asset:data/../../../../etc/passwd", "implhub-asset:store/alembic.ini", "implhub-asset:data/nope.css"):
            with pytest.raises(RefusedURL):
                fetch(url)
        assert requests == []
    assert fetch("data:text/plain;base64,aGk=").read() == b"hi"
    css = fetch("implhub-asset:data/documents/document.css")
    assert css.content_type == "text/css" and b"@page" in css.read()


def test_no_pdf_carries_an_attachment_whatever_the_markup(tmp_path) -> None:
    _weasyprint_or_skip()
    from implhub.pdf import html_to_pdf

    secret = tmp_path / "secret"
    secret.write_text("SECRET-BYTES-42")
    with hostile.image_server() as (port, requests):
        pdf = html_to_pdf(f"""<html><head><link rel="attachment" href="file://{secret}">
            <link rel="attachment" href="data:text/plain;base64,SEVMTE8="><link rel="stylesheet" href="http://127.0.0.1:{port}/s.css">
            </head><body><p>text</p><a rel="attachment" href="file://{secret}">k</a>
            <a rel="attachment" href="data:text/plain;base64,SEVMTE8=">d</a><img src="http://127.0.0.1:{port}/a.png">
            <img src="file://{secret}"><a href="https://example.com/">web</a></body></html>""")
        assert requests == []
    assert hostile.pdf_findings(pdf, "SECRET-BYTES-42") == []
    assert hostile.pdf_findings(pdf, "HELLO") == []  # the data: attachment is gone too
