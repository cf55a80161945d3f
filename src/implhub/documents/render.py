"""Markdown -> HTML (a printable layout: title page, contents, headers and page numbers) -> PDF.

The PDF goes through WeasyPrint, a real HTML/CSS paged-media engine; its system libraries
(Pango, HarfBuzz) come from the operating system, and where they are missing the error names the
Debian packages to install."""

from __future__ import annotations

import base64
import html
import re
from importlib.resources import files
from typing import Any

from jinja2 import Environment, select_autoescape
from markdown_it import MarkdownIt

from implhub.documents.model import Document
from implhub.errors import ImplhubError

PDF_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"


class RenderError(ImplhubError):
    pass


def _slug(text: str, seen: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    slug, n = base, 2
    while slug in seen:
        slug, n = f"{base}-{n}", n + 1
    seen.add(slug)
    return slug


def body_html(doc: Document, *, embed_assets: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """The document's Markdown as HTML, with ids on its headings; returns (html, contents)."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(["table", "replacements", "smartquotes"])
    tokens = md.parse(doc.markdown)
    seen: set[str] = set()
    toc: list[dict[str, Any]] = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag in ("h2", "h3"):
            text = tokens[i + 1].content
            anchor = _slug(text, seen)
            tok.attrSet("id", anchor)
            toc.append({"level": int(tok.tag[1]), "text": text, "id": anchor})
        if tok.type == "table_open":
            tok.attrSet("class", "data")
    out = md.renderer.render(tokens, md.options, {})
    out = out.replace("<li>[ ] ", '<li class="todo">').replace("<li>[x] ", '<li class="todo done">')
    if embed_assets:
        for name, (mime, data) in doc.assets.items():
            uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
            out = out.replace(f'src="{html.escape(name)}"', f'src="{uri}"')
    return out, toc


_env = Environment(autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def to_html(doc: Document, *, generator: str = "implhub") -> str:
    body, toc = body_html(doc)
    template = _env.from_string((files("implhub") / "data" / "documents" / "document.html").read_text(encoding="utf-8"))
    css = (files("implhub") / "data" / "documents" / "document.css").read_text(encoding="utf-8")
    return template.render(doc=doc, body=body, toc=toc, css=css, generator=generator)


def to_pdf(html_text: str) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:  # the shared libraries (Pango, HarfBuzz) are not installed
        raise RenderError(f"PDF output needs WeasyPrint's system libraries ({exc}); on Debian or Ubuntu install them with "
                          f"'apt-get install {PDF_PACKAGES}', or choose --format html") from None
    pdf = HTML(string=html_text, base_url=".").write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


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
