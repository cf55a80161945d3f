"""The fill-in TDD templates shipped as data files (both validate and import)."""

from __future__ import annotations

from importlib.resources import files


def template(fmt: str = "yaml") -> str:
    name = "tdd-template.md" if fmt == "md" else "tdd-template.yaml"
    return (files("implhub") / "data" / name).read_text(encoding="utf-8")
