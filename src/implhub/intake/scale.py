"""What counts as exceptional scale: the process says a replica environment (and a k6 validation
on it) is built for an exceptional number of repos, exceptionally large monorepos or an
exceptionally high seat count. Decided once here; the plan and the replica use it.

Defaults sit at the top of the official instance-size table's L row and above, where the
official guidance stops being a single-box answer: 10,000 users (size L), 50,000 repositories
(above size M), a largest repository of 20 GB (a monorepo that dominates gitserver and zoekt), or
2,000 GB of code in total. A team overrides any of them with a YAML file named by
IMPLHUB_SCALE_THRESHOLDS (keys as in `DEFAULT_THRESHOLDS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from implhub.errors import ValidationError

DEFAULT_THRESHOLDS: dict[str, float] = {
    "users": 10_000,
    "repositories": 50_000,
    "largest_repo_size_gb": 20.0,
    "total_repo_size_gb": 2_000.0,
    "monorepos": 3,
}


@dataclass(frozen=True)
class ScaleVerdict:
    exceptional: bool
    reasons: list[str]


def load_thresholds(path: Path | None) -> dict[str, float]:
    thresholds = dict(DEFAULT_THRESHOLDS)
    if path is None:
        return thresholds
    from ruamel.yaml import YAML

    try:
        data = YAML(typ="safe").load(path.read_text())
    except FileNotFoundError:
        raise ValidationError("file not found", file=str(path)) from None
    if not isinstance(data, dict):
        raise ValidationError("expected a mapping of threshold name to number", file=str(path))
    for key, value in data.items():
        if key not in DEFAULT_THRESHOLDS:
            raise ValidationError(
                f"unknown threshold {key!r}; expected one of {', '.join(DEFAULT_THRESHOLDS)}",
                file=str(path), field=str(key),
            )
        if not isinstance(value, (int, float)) or value < 0:
            raise ValidationError("expected a non-negative number", file=str(path), field=str(key))
        thresholds[key] = float(value)
    return thresholds


def assess(scale: dict[str, Any], thresholds: dict[str, float] | None = None) -> ScaleVerdict:
    """Which thresholds a design's scale section reaches (>=), each as a readable reason."""
    t = thresholds or DEFAULT_THRESHOLDS
    labels = {
        "users": "users",
        "repositories": "repositories",
        "largest_repo_size_gb": "GB largest repository",
        "total_repo_size_gb": "GB of code in total",
        "monorepos": "monorepos",
    }
    reasons = []
    for key, limit in t.items():
        value = scale.get(key)
        if value is not None and value >= limit:
            reasons.append(f"{value:,g} {labels[key]} (threshold {limit:,g})")
    return ScaleVerdict(exceptional=bool(reasons), reasons=reasons)
