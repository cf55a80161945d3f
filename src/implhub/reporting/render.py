"""Markdown -> HTML -> PDF and e-mail for reports."""

from __future__ import annotations

import html
from email.message import EmailMessage

from markdown_it import MarkdownIt

from implhub.errors import ImplhubError

CSS = """
@page { size: A4; margin: 18mm 16mm 20mm; @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 9pt; color: #666; } }
body { font-family: "DejaVu Sans", system-ui, sans-serif; font-size: 10.5pt; color: #1d2330; line-height: 1.45; }
h1 { font-size: 18pt; margin: 0 0 4pt; color: #3b1a7a; } h2 { font-size: 12.5pt; margin: 16pt 0 6pt; border-bottom: 1px solid #dfe3ea; padding-bottom: 2pt; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: 4pt 0; }
th, td { border-bottom: 1px solid #dfe3ea; padding: 3pt 5pt; text-align: left; vertical-align: top; }
th { background: #eef0f4; }
p, li { margin: 2pt 0; }
"""


def markdown_to_html(md: str, *, title: str) -> str:
    body = MarkdownIt("commonmark").enable("table").render(md)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body>{body}</body></html>")


def html_to_pdf(doc: str) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:  # the Python package loads, its system libraries do not
        raise ImplhubError(
            f"PDF output needs WeasyPrint's system libraries ({exc}); on Debian/Ubuntu install: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core",
            field="--format pdf",
        ) from None
    return HTML(string=doc).write_pdf()  # type: ignore[no-any-return]


def email_message(*, subject: str, sender: str, to: list[str], text: str, html_body: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg.set_content(text)
    if html_body:
        msg.add_alternative(html_body, subtype="html")
    return msg
