"""A rendered-from-data document: Markdown body, metadata for the title page, the missing list."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Document:
    kind: str  # internal | plan | handoff
    title: str
    subtitle: str
    #: who may read it: "internal" (the implementation team) or "external" (the customer too)
    audience: str
    markdown: str
    #: (label, value) pairs shown on the title page
    meta: list[tuple[str, str]] = field(default_factory=list)
    #: what the store could not fill, in words; shown as a checklist at the top
    missing: list[str] = field(default_factory=list)
    #: name -> (media type, bytes): pictures the Markdown refers to by name
    assets: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


def cell(value: Any) -> str:
    """A Markdown table cell: no pipes or newlines, '-' for nothing."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    elif isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def table(headers: list[str], rows: list[list[Any]], *, numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "| " + " | ".join(headers) + " |"
    sep = "| " + " | ".join("---:" if i in numeric else "---" for i in range(len(headers))) + " |"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join([head, sep, *body]) + "\n"


def bullets(items: list[str], *, empty: str) -> str:
    if not items:
        return f"{empty}\n"
    # "3. text" inside a bullet would become a nested numbered list: escape the dot
    return "\n".join("- " + re.sub(r"^(\d+)\. ", r"\1\\. ", cell(i) if not isinstance(i, str) else i) for i in items) + "\n"


def missing_block(missing: list[str]) -> str:
    if not missing:
        return "> Every section is filled from the store.\n"
    lines = [f"**{len(missing)} item(s) missing** - the store has no data for these yet:", ""]
    lines += [f"- [ ] {m}" for m in missing]
    return "\n".join(lines) + "\n"


def date_part(value: Any) -> str | None:
    """YYYY-MM-DD of an ISO timestamp."""
    if not value:
        return None
    return str(value)[:10]
