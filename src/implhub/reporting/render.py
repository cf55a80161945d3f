"""Markdown -> HTML -> PDF and e-mail for reports."""

from __future__ import annotations

from email.message import EmailMessage

from implhub import pdf
from implhub.markup import Links, html_page
from implhub.markup import markdown_to_html as _render

CSS = """
@page { size: A4; margin: 18mm 16mm 20mm; @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 9pt; color: #666; } }
body { font-family: "DejaVu Sans", system-ui, sans-serif; font-size: 10.5pt; color: #1d2330; line-height: 1.45; }
h1 { font-size: 18pt; margin: 0 0 4pt; color: #3b1a7a; } h2 { font-size: 12.5pt; margin: 16pt 0 6pt; border-bottom: 1px solid #dfe3ea; padding-bottom: 2pt; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: 4pt 0; }
th, td { border-bottom: 1px solid #dfe3ea; padding: 3pt 5pt; text-align: left; vertical-align: top; }
th { background: #eef0f4; }
p, li { margin: 2pt 0; }
"""


def markdown_to_html(md: str, *, title: str, audience: str = "external") -> str:
    """A report as a standalone HTML page. Whatever the report quotes (risk titles, customer names)
    is escaped; links are live only in an internal report (see implhub.markup)."""
    return html_page(_render(md, links=Links.for_audience(audience)).html, title=title, css=CSS)


def html_to_pdf(doc: str) -> bytes:
    """Through implhub.pdf: no file, host or attachment reaches the PDF."""
    return pdf.html_to_pdf(doc, field="--format pdf")


def email_message(*, subject: str, sender: str, to: list[str], text: str, html_body: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg.set_content(text)
    if html_body:
        msg.add_alternative(html_body, subtype="html")
    return msg
