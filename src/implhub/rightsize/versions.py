"""Sourcegraph version strings and the release table: how far behind a running instance is.

Sourcegraph upgrades one feature (minor) release at a time with a standard upgrade; jumping more
than one minor (or across a major, unless it is the very next release) needs a multi-version
upgrade with the migrator. Patch numbers (5.3.12303) only grow and never count as "behind".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from implhub.errors import ValidationError

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.-]+)?$")


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    text: str

    def key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    @property
    def minor_line(self) -> str:
        return f"{self.major}.{self.minor}"


def parse_version(text: object, *, field: str = "version") -> Version:
    s = str(text).strip() if text is not None else ""
    m = _VERSION_RE.match(s)
    if not m:
        raise ValidationError(f"expected a Sourcegraph version such as 6.4.0 or v5.11.6271, got {text!r}", field=field)
    return Version(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), s.lstrip("v"))


@dataclass(frozen=True)
class Release:
    version: Version
    released: str | None  # YYYY-MM or YYYY-MM-DD


@dataclass(frozen=True)
class ReleaseTable:
    as_of: str
    releases: list[Release]
    source: str


def parse_table(raw: Any, *, source: str) -> ReleaseTable:
    """Our table ({as_of, releases: [{version, released}]}) or a GitHub releases API list
    ([{tag_name, published_at, draft, prerelease}])."""
    releases: list[Release] = []
    if isinstance(raw, list):
        for i, item in enumerate(raw):
            if not isinstance(item, dict) or "tag_name" not in item:
                raise ValidationError("expected GitHub releases (objects with tag_name)", file=source, field=f"[{i}]")
            if item.get("draft") or item.get("prerelease"):
                continue
            try:
                v = parse_version(item["tag_name"], field=f"[{i}].tag_name")
            except ValidationError:
                continue  # other tags (app-*, insiders) are not releases of the product
            published = str(item.get("published_at") or "")[:10] or None
            releases.append(Release(v, published))
        as_of = max((r.released or "" for r in releases), default="") or "unknown"
    elif isinstance(raw, dict) and isinstance(raw.get("releases"), list):
        for i, item in enumerate(raw["releases"]):
            if not isinstance(item, dict):
                raise ValidationError("expected {version, released}", file=source, field=f"releases[{i}]")
            v = parse_version(item.get("version"), field=f"releases[{i}].version")
            rel = item.get("released")
            releases.append(Release(v, None if rel is None else str(rel)))
        as_of = str(raw.get("as_of") or "")
        if not as_of:
            raise ValidationError("expected as_of (the date the table was compiled)", file=source, field="as_of")
    else:
        raise ValidationError("expected a release table {as_of, releases} or a GitHub releases JSON list", file=source)
    if not releases:
        raise ValidationError("the table holds no release", file=source)
    releases.sort(key=lambda r: r.version.key())
    return ReleaseTable(as_of=as_of, releases=releases, source=source)


def table_dict(table: ReleaseTable) -> dict[str, Any]:
    return {"as_of": table.as_of, "releases": [{"version": r.version.text, "released": r.released} for r in table.releases]}


def minor_lines(table: ReleaseTable) -> list[tuple[int, int]]:
    """Every (major, minor) the table implies: minors are numbered 0, 1, 2, ... within a major, so
    a listed x.N implies x.0 .. x.N even where the table lacks a row for them."""
    top: dict[int, int] = {}
    for r in table.releases:
        top[r.version.major] = max(top.get(r.version.major, -1), r.version.minor)
    lines = {(r.version.major, r.version.minor) for r in table.releases}
    for major, hi in top.items():
        lines |= {(major, n) for n in range(hi + 1)}
    return sorted(lines)


def check(running_text: str, table: ReleaseTable, *, field: str = "version") -> dict[str, Any]:
    running = parse_version(running_text, field=field)
    newest = table.releases[-1]
    ahead = [line for line in minor_lines(table) if line > (running.major, running.minor)]
    listed = {(r.version.major, r.version.minor): r for r in table.releases}
    behind = len(ahead)
    if behind == 0:
        verdict = "current"
        upgrade = "none" if running.key() >= newest.version.key() else "patch"
    elif behind == 1:
        verdict = "one feature release behind"
        upgrade = "standard"
    else:
        verdict = f"{behind} feature releases behind"
        upgrade = "multi-version"
    return {
        "running": running.text,
        "running_minor": running.minor_line,
        "newest": newest.version.text,
        "newest_released": newest.released,
        "table_as_of": table.as_of,
        "table_source": table.source,
        "minors_behind": behind,
        "missed": [f"{a}.{b}" + (f" ({listed[(a, b)].released})" if (a, b) in listed and listed[(a, b)].released else "")
                   for a, b in ahead],
        "current": behind == 0,
        "upgrade": upgrade,
        "multi_version_upgrade": behind > 1,
        "verdict": verdict,
        "newer_than_table": running.key() > newest.version.key(),
    }
