"""Markdown -> HTML (a printable layout: title page, contents, headers and page numbers) -> PDF.

The PDF goes through WeasyPrint, a real HTML/CSS paged-media engine; its system libraries
(Pango, HarfBuzz) come from the operating system, and where they are missing the error names the
Debian packages to install."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from jinja2 import Environment, select_autoescape

from implhub import pdf
from implhub.documents.model import Document
from implhub.markup import Links, markdown_to_html
from implhub.pdf import PDF_PACKAGES, RenderError

__all__ = ["PDF_PACKAGES", "RenderError", "body_html", "render", "to_html", "to_pdf"]


def body_html(doc: Document, *, embed_assets: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """The document's Markdown as HTML, with ids on its headings; returns (html, contents).

    Links are live only in internal documents; a document the customer reads shows addresses as
    text. Pictures come only from the document's own assets (see implhub.markup)."""
    out = markdown_to_html(doc.markdown, links=Links.for_audience(doc.audience), assets=doc.assets if embed_assets else None,
                           typographer=True, heading_ids=True, table_class="data")
    toc = [{"level": h.level, "text": h.text, "id": h.id} for h in out.headings]
    body = out.html.replace("<li>[ ] ", '<li class="todo">').replace("<li>[x] ", '<li class="todo done">')
    return body, toc


_env = Environment(autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def to_html(doc: Document, *, generator: str = "implhub") -> str:
    body, toc = body_html(doc)
    template = _env.from_string((files("implhub") / "data" / "documents" / "document.html").read_text(encoding="utf-8"))
    css = (files("implhub") / "data" / "documents" / "document.css").read_text(encoding="utf-8")
    return template.render(doc=doc, body=body, toc=toc, css=css, generator=generator)


def to_pdf(html_text: str) -> bytes:
    """Through implhub.pdf: no file, host or attachment reaches the PDF."""
    return pdf.html_to_pdf(html_text, field=None)


def render(doc: Document, fmt: str) -> bytes:
    """fmt: md | html | pdf."""
    if fmt == "md":
        head = f"# {doc.title}\n\n*{doc.subtitle}*\n\n" + "".join(f"- **{k}:** {v}\n" for k, v in doc.meta) + "\n"
        return (head + doc.markdown).encode("utf-8")
    if fmt == "html":
        return to_html(doc).encode("utf-8")
    if fmt == "pdf":
        return to_pdf(to_html(doc))
    raise RenderError(f"expected a format md, html or pdf, got {fmt!r}", field="--format")
