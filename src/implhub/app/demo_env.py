"""What the demo's parts share (kept apart from implhub.app.demo, which imports every part)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class DemoEnv:
    """What parts share: a work directory for generated files, a seed, and the output lines."""

    workdir: Path
    seed: int = 20261129
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
