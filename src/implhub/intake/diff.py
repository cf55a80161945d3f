"""What changed between two design revisions, as dotted paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    path: str
    before: Any
    after: Any

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"

    def render(self) -> str:
        if self.kind == "added":
            return f"+ {self.path}: {self.after!r}"
        if self.kind == "removed":
            return f"- {self.path}: {self.before!r}"
        return f"~ {self.path}: {self.before!r} -> {self.after!r}"


def _key_of(item: Any) -> str | None:
    if isinstance(item, dict):
        for k in ("name", "url", "email", "title", "item", "service"):
            if isinstance(item.get(k), str):
                return f"{k}={item[k]}"
    return None


def diff_designs(before: Any, after: Any, path: str = "") -> list[Change]:
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[Change] = []
        for key in list(before) + [k for k in after if k not in before]:
            sub = f"{path}.{key}" if path else str(key)
            out += diff_designs(before.get(key), after.get(key), sub)
        return out
    if isinstance(before, list) and isinstance(after, list):
        keys_b = [_key_of(i) for i in before]
        keys_a = [_key_of(i) for i in after]
        if all(keys_b) and all(keys_a) and len(set(keys_b)) == len(keys_b) and len(set(keys_a)) == len(keys_a):
            mb = dict(zip(keys_b, before, strict=True))
            ma = dict(zip(keys_a, after, strict=True))
            out = []
            for k in list(mb) + [k for k in ma if k not in mb]:
                out += diff_designs(mb.get(k), ma.get(k), f"{path}[{k}]")
            return out
        if before == after:
            return []
        return [Change(path, before, after)]
    if before == after:
        return []
    return [Change(path, before, after)]
