"""The one Markdown -> HTML path of implhub: documents, status and portfolio reports, the HTML
part of e-mail and every HTML file the CLI writes go through `markdown_to_html`.

What a person typed (a risk title, a customer name, a mitigation) reaches these outputs as
Markdown, so the renderer is where it is made harmless:

- raw HTML is off: `<script>`, `<img onerror=...>` or `<a rel="attachment" href="file:...">`
  come out as escaped text, never as markup;
- a link survives only with an http(s) address (or a `#fragment` inside the page), and in what a
  customer reads (`Links.TEXT`) not even that: the link becomes its text followed by the address
  in brackets, so nobody is invited to click "Reset your SSO password";
- an image is shown only from a `data:` picture or from the assets the caller hands over (the
  Gantt chart); any other image becomes its alt text, so rendering never fetches the network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from html import escape

from markdown_it import MarkdownIt
from markdown_it.token import Token


class Links(StrEnum):
    """How links are rendered: LIVE for the implementation team, TEXT for what a customer reads."""

    LIVE = "live"
    TEXT = "text"

    @classmethod
    def for_audience(cls, audience: str) -> Links:
        # anything but an explicitly internal output is treated as customer-facing
        return cls.LIVE if audience == "internal" else cls.TEXT


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    id: str


@dataclass(frozen=True)
class Rendered:
    html: str
    #: the h2/h3 headings with the ids given to them (when heading ids were asked for)
    headings: list[Heading] = field(default_factory=list)


_WEB_LINK = re.compile(r"^https?://", re.IGNORECASE)
#: the raster pictures a data URI may carry (markdown-it's own list of safe data images)
_DATA_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]*$", re.IGNORECASE)


def _slug(text: str, seen: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    slug, n = base, 2
    while slug in seen:
        slug, n = f"{base}-{n}", n + 1
    seen.add(slug)
    return slug


def _text(content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok


def _data_uri(mime: str, data: bytes) -> str:
    import base64

    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _inline(children: list[Token], *, links: Links, assets: Mapping[str, tuple[str, bytes]]) -> list[Token]:
    out: list[Token] = []
    pending_href: str | None = None  # the address of a link shown as text, written at its end
    dropped = False  # inside a link whose tags were dropped
    link_text: list[str] = []
    for tok in children:
        if tok.type == "link_open":
            href = str(tok.attrGet("href") or "")
            if links is Links.LIVE and (_WEB_LINK.match(href) or href.startswith("#")):
                if not href.startswith("#"):
                    tok.attrSet("rel", "noopener noreferrer")
                out.append(tok)
                continue
            dropped, link_text = True, []
            pending_href = href if _WEB_LINK.match(href) else None
            continue
        if tok.type == "link_close" and dropped:
            if pending_href and "".join(link_text).strip() != pending_href:
                out.append(_text(f" ({pending_href})"))
            dropped, pending_href = False, None
            continue
        if tok.type == "image":
            src = str(tok.attrGet("src") or "")
            if src in assets:
                tok.attrSet("src", _data_uri(*assets[src]))
            elif not _DATA_IMAGE.match(src):
                tok = _text(tok.content)
        if dropped and tok.type in ("text", "code_inline"):
            link_text.append(tok.content)
        out.append(tok)
    return out


def markdown_to_html(text: str, *, links: Links, assets: Mapping[str, tuple[str, bytes]] | None = None,
                     typographer: bool = False, heading_ids: bool = False, table_class: str | None = None) -> Rendered:
    """Markdown as safe HTML (see the module's docstring for what is allowed through).

    `assets`: name -> (media type, bytes) of pictures the text refers to by name; they are
    embedded as data URIs. `heading_ids`: give h2/h3 headings ids and return them (contents)."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": typographer})
    md.enable(["table", "replacements", "smartquotes"] if typographer else ["table"])
    md.disable(["html_block", "html_inline"])  # raw HTML is text, whatever the options say
    tokens = md.parse(text)
    seen: set[str] = set()
    headings: list[Heading] = []
    for i, tok in enumerate(tokens):
        if heading_ids and tok.type == "heading_open" and tok.tag in ("h2", "h3"):
            title = tokens[i + 1].content
            anchor = _slug(title, seen)
            tok.attrSet("id", anchor)
            headings.append(Heading(level=int(tok.tag[1]), text=title, id=anchor))
        if table_class and tok.type == "table_open":
            tok.attrSet("class", table_class)
        if tok.type == "inline" and tok.children:
            tok.children = _inline(tok.children, links=links, assets=assets or {})
    return Rendered(html=md.renderer.render(tokens, md.options, {}), headings=headings)


def html_page(body: str, *, title: str, css: str) -> str:
    """A standalone HTML page around rendered Markdown (reports, the CLI's HTML files)."""
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{css}</style></head><body>{body}</body></html>")


def style_hash(css: str) -> str:
    """The CSP source that allows exactly this inline <style> block ('sha256-...')."""
    import base64
    import hashlib

    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii") + "'"
