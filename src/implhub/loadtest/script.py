"""The k6 script: one self-contained file (no remote imports) with the profile embedded."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

PLACEHOLDER = "__IMPLHUB_PROFILE__"


def template() -> str:
    return (files("implhub") / "data" / "loadtest" / "search.js").read_text(encoding="utf-8")


def script_profile(effective_profile: dict[str, Any]) -> dict[str, Any]:
    """What the script needs of a profile (the rest stays in the store)."""
    keys = ("kind", "vus", "scenario", "thresholds", "think_time_s", "mix", "highlight", "queries")
    return {k: effective_profile[k] for k in keys}


def render(effective_profile: dict[str, Any]) -> str:
    """The k6 script for a profile that `profile.effective` has worked out."""
    embedded = json.dumps(script_profile(effective_profile), indent=2, ensure_ascii=False)
    # a closing script tag or a U+2028 inside a query must not end the JS literal
    embedded = embedded.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    text = template()
    assert PLACEHOLDER in text
    return text.replace(PLACEHOLDER, embedded, 1)
