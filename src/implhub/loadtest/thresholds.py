"""k6 thresholds: parse them the way k6 writes them, pick the defaults for a Sourcegraph version,
and evaluate them against aggregated points.

A threshold set is k6's `options.thresholds` shape: metric key (`time_to_first_byte{type:literal}`)
to a list of expressions (`"med<5500"`) or objects (`{"threshold": "rate>0.9", "abortOnFail":
true}`). implhub writes one expression in full as k6 prints it: `time_to_first_byte{type:literal}
med<5500`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from implhub.errors import ValidationError

#: the tags implhub's script sets and a selector may name
SELECTABLE_TAGS = ("type", "variant", "endpoint")

_KEY = re.compile(r"^(?P<metric>[A-Za-z_][A-Za-z0-9_]*)(?:\{(?P<tags>[^{}]*)\})?$")
_EXPR = re.compile(
    r"^\s*(?P<agg>count|rate|value|avg|min|max|med|p\((?P<pct>\d+(?:\.\d+)?)\))\s*"
    r"(?P<op><=|>=|===|==|!=|<|>)\s*(?P<value>-?\d+(?:\.\d+)?)\s*$"
)


@dataclass(frozen=True)
class Selector:
    metric: str
    tags: tuple[tuple[str, str], ...]

    def key(self) -> str:
        if not self.tags:
            return self.metric
        return self.metric + "{" + ",".join(f"{k}:{v}" for k, v in self.tags) + "}"

    def matches(self, tags: dict[str, str]) -> bool:
        return all(tags.get(k) == v for k, v in self.tags)


@dataclass(frozen=True)
class Threshold:
    selector: Selector
    aggregation: str  # count | rate | value | avg | min | max | med | p(N)
    percentile: float | None
    op: str
    value: float
    abort_on_fail: bool = False

    @property
    def expr(self) -> str:
        return f"{self.selector.key()} {self.source}"

    @property
    def source(self) -> str:
        return f"{self.aggregation}{self.op}{_num(self.value)}"

    def holds(self, observed: float) -> bool:
        return _compare(observed, self.op, self.value)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def _compare(a: float, op: str, b: float) -> bool:
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op in ("==", "==="):
        return a == b
    return a != b


def parse_selector(key: str, *, field: str = "thresholds") -> Selector:
    m = _KEY.match(key.strip())
    if not m:
        raise ValidationError(f"cannot read the metric key {key!r}; expected NAME or NAME{{tag:value,...}}", field=field)
    tags: list[tuple[str, str]] = []
    for part in (m.group("tags") or "").split(","):
        if not part.strip():
            continue
        if ":" not in part:
            raise ValidationError(f"cannot read the tag {part!r} in {key!r}; expected tag:value", field=field)
        k, v = (s.strip() for s in part.split(":", 1))
        if k not in SELECTABLE_TAGS:
            raise ValidationError(f"{key!r} selects on tag {k!r}; implhub's script tags requests by {', '.join(SELECTABLE_TAGS)}", field=field)
        tags.append((k, v))
    return Selector(m.group("metric"), tuple(tags))


def parse_expr(text: str, selector: Selector, *, abort: bool = False, field: str = "thresholds") -> Threshold:
    m = _EXPR.match(text)
    if not m:
        raise ValidationError(
            f"cannot read the threshold {text!r} of {selector.key()}; expected AGGREGATION OP NUMBER "
            "such as med<5500, p(95)<2000 or rate>0.9 (aggregations: count, rate, value, avg, min, max, med, p(N))",
            field=field,
        )
    pct = float(m.group("pct")) if m.group("pct") else None
    if pct is not None and not 0 <= pct <= 100:
        raise ValidationError(f"percentile {pct:g} in {text!r} is outside 0..100", field=field)
    return Threshold(selector, m.group("agg"), pct, m.group("op"), float(m.group("value")), abort)


def parse_thresholds(spec: Any, *, field: str = "thresholds") -> list[Threshold]:
    """Read a k6 thresholds object; raise with the offending key when it does not parse."""
    if not isinstance(spec, dict):
        raise ValidationError("expected a mapping of metric key to a list of thresholds", field=field)
    out: list[Threshold] = []
    for key, items in spec.items():
        sel = parse_selector(str(key), field=f"{field}.{key}")
        if isinstance(items, (str, dict)):
            items = [items]
        if not isinstance(items, list):
            raise ValidationError("expected a list of thresholds", field=f"{field}.{key}")
        for item in items:
            if isinstance(item, str):
                out.append(parse_expr(item, sel, field=f"{field}.{key}"))
            elif isinstance(item, dict) and isinstance(item.get("threshold"), str):
                out.append(parse_expr(item["threshold"], sel, abort=bool(item.get("abortOnFail")), field=f"{field}.{key}"))
            else:
                raise ValidationError(f"expected a string or {{threshold: ..., abortOnFail: ...}}, got {item!r}", field=f"{field}.{key}")
    return out


# --- defaults keyed by Sourcegraph version range -------------------------------------------------

def _version_tuple(v: str) -> tuple[int, ...]:
    nums = re.findall(r"\d+", v.split("-")[0].split("+")[0])
    if not nums:
        raise ValidationError(f"cannot read the version {v!r}; expected MAJOR.MINOR.PATCH", field="sourcegraph_version")
    parts = [int(n) for n in nums[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def version_in_range(version: str | None, spec: str) -> bool:
    spec = spec.strip()
    if spec == "*":
        return True
    if not version:
        return False
    v = _version_tuple(version)
    for clause in spec.split(","):
        m = re.match(r"^\s*(>=|<=|==|>|<)\s*([\d.]+)\s*$", clause)
        if not m:
            raise ValidationError(f"cannot read the version range clause {clause!r}", field="versions")
        if not _compare_tuple(v, m.group(1), _version_tuple(m.group(2))):
            return False
    return True


def _compare_tuple(a: tuple[int, ...], op: str, b: tuple[int, ...]) -> bool:
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b}[op]


def load_defaults() -> list[dict[str, Any]]:
    from ruamel.yaml import YAML

    text = (files("implhub") / "data" / "loadtest" / "thresholds.yaml").read_text(encoding="utf-8")
    data = YAML(typ="safe").load(text)
    ranges: list[dict[str, Any]] = data["ranges"]
    return ranges


def default_thresholds(kind: str, version: str | None) -> tuple[dict[str, Any], str]:
    """The shipped thresholds for a test kind and Sourcegraph version, and the range that matched."""
    for entry in load_defaults():
        if version_in_range(version, entry["versions"]):
            kinds: dict[str, Any] = entry["kinds"]
            if kind not in kinds:
                raise ValidationError(f"no default thresholds for kind {kind!r}; expected one of {', '.join(kinds)}", field="--kind")
            return _plain(kinds[kind]), str(entry["versions"])
    raise ValidationError(f"no threshold range covers version {version!r}", field="sourcegraph_version")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
