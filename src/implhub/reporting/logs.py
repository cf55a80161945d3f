"""Rules of the risk / issue / decision / expansion logs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from implhub.bounds import check_date, check_text, db_id
from implhub.errors import ValidationError
from implhub.intake.roles import canonical_role

KINDS = ("risk", "issue", "decision", "expansion")
PREFIX = {"risk": "R", "issue": "I", "decision": "D", "expansion": "E"}
LEVELS = ("low", "medium", "high")
SEVERITIES = ("low", "medium", "high", "critical")
STATUSES: dict[str, tuple[str, ...]] = {
    "risk": ("open", "mitigated", "occurred", "closed"),
    "issue": ("open", "in_progress", "resolved", "closed"),
    "decision": ("proposed", "decided", "superseded"),
    "expansion": ("identified", "qualified", "handed_off", "closed"),
}
OPEN_STATUSES = {"open", "in_progress", "occurred", "proposed", "identified", "qualified"}
#: fields each kind carries besides the common ones
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "risk": ("probability", "impact", "mitigation"),
    "issue": ("severity", "due_date", "resolution"),
    "decision": ("decided_by", "decided_on"),
    "expansion": ("value", "expected"),
}
SCORE = {"low": 1, "medium": 2, "high": 3}
#: the kind-specific fields a customer or share visitor may read: what the project's web tab
#: shows them. Everything else (a decision's decided_by, an expansion's value, an issue's
#: resolution) stays internal, in every door: web tab, API, status report.
EXTERNAL_FIELDS: dict[str, tuple[str, ...]] = {
    "risk": ("probability", "impact", "mitigation"),
    "issue": ("severity", "due_date"),
    "decision": ("decided_on",),
    "expansion": (),
}
#: the common keys of an entry a customer may read (no owner, no author: internal people)
EXTERNAL_KEYS = ("ref", "kind", "number", "title", "description", "status", "visibility", "fields", "origin", "version",
                 "created_at", "updated_at")


def external_entry(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The customer's copy of a log entry (the `entry_dict` shape), or None when the entry is
    internal. The one filter every door applies before an entry reaches a customer."""
    if entry.get("visibility") != "external":
        return None
    kind = str(entry.get("kind"))
    allowed = EXTERNAL_FIELDS.get(kind, ())
    out = {k: entry[k] for k in EXTERNAL_KEYS if k in entry}
    out["fields"] = {k: v for k, v in dict(entry.get("fields") or {}).items() if k in allowed}
    return out


def entry_ref(kind: str, number: int) -> str:
    return f"{PREFIX[kind]}{number}"


def parse_ref(ref: str, kind: str) -> int:
    text = ref.strip().upper()
    if text.startswith(PREFIX[kind]):
        text = text[1:]
    if not text.isdigit():
        raise ValidationError(f"expected a {kind} reference like {PREFIX[kind]}3 or 3, got {ref!r}", field="REF")
    return db_id(int(text), what=kind, field="REF")


def resolve_owner(owner: str, stakeholders: list[dict[str, Any]]) -> str:
    """An owner must be someone on the project: a stakeholder's name, email or role code.
    Returns the stakeholder's email (or the role code when only the role was given and nobody
    holds it yet is an error)."""
    text = owner.strip()
    if not text:
        return ""
    for s in stakeholders:
        if text.lower() in (s["email"].lower(), s["name"].lower()):
            return str(s["email"])
    code = canonical_role(text)
    if code:
        holders = [s for s in stakeholders if s["role"] == code]
        if holders:
            return str(holders[0]["email"])
    known = ", ".join(sorted({s["name"] for s in stakeholders})) or "nobody yet"
    raise ValidationError(f"unknown owner {owner!r}; expected a stakeholder's name, email or role (stakeholders: {known})", field="--owner")


def validate(kind: str, values: dict[str, Any], *, stakeholders: list[dict[str, Any]],
             project_start: dt.date | None, partial: bool = False, today: dt.date | None = None) -> dict[str, Any]:
    """Check a new entry (or, with partial, the changed fields of one). Returns clean values.
    With `today`, dates must lie within ten years of it."""
    if kind not in KINDS:
        raise ValidationError(f"unknown log kind {kind!r}; expected one of {', '.join(KINDS)}", field="kind")
    out: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, str):
            check_text(value, field=f"--{key.replace('_', '-')}", single_line=key in ("title", "owner"))
        if key == "title":
            if not str(value).strip():
                raise ValidationError("a title is required", field="--title")
            out["title"] = str(value).strip()
        elif key in ("description",):
            out[key] = str(value)
        elif key == "owner":
            out["owner"] = resolve_owner(str(value), stakeholders)
        elif key == "status":
            if value not in STATUSES[kind]:
                raise ValidationError(f"unknown status {value!r}; a {kind} is one of {', '.join(STATUSES[kind])}", field="--status")
            out["status"] = value
        elif key == "visibility":
            if value not in ("internal", "external"):
                raise ValidationError("expected internal or external", field="--visibility")
            out["visibility"] = value
        elif key in ("probability", "impact"):
            if value not in LEVELS:
                raise ValidationError(f"expected one of {', '.join(LEVELS)}", field=f"--{key}")
            fields[key] = value
        elif key == "severity":
            if value not in SEVERITIES:
                raise ValidationError(f"expected one of {', '.join(SEVERITIES)}", field="--severity")
            fields[key] = value
        elif key in ("due_date", "decided_on"):
            day = value if isinstance(value, dt.date) else _parse_date(str(value), key)
            if today is not None:
                check_date(day, today=today, field="--due" if key == "due_date" else "--decided-on")
            if key == "due_date" and project_start is not None and day < project_start:
                raise ValidationError(f"due date {day} is before the project starts ({project_start})", field="--due")
            fields[key] = day.isoformat()
        elif key in KIND_FIELDS[kind]:
            fields[key] = str(value)
        else:
            raise ValidationError(f"a {kind} has no field {key!r}; it has {', '.join(('title', 'description', 'owner', 'status', 'visibility') + KIND_FIELDS[kind])}", field=key)
    if not partial and "title" not in out:
        raise ValidationError("a title is required", field="--title")
    out["fields"] = fields
    return out


def _parse_date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"expected a date YYYY-MM-DD, got {text!r}", field=f"--{field.replace('_date', '')}") from None


def risk_score(entry: dict[str, Any]) -> int:
    f = entry.get("fields", {})
    return SCORE.get(f.get("probability", "medium"), 2) * SCORE.get(f.get("impact", "medium"), 2)
