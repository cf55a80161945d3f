"""Answers of /api/projects/{slug}/sizing and /api/sizing/estimate (`size estimate --json`)."""

from __future__ import annotations

from typing import Any

from implhub.sizing.evidence import SizeEstimate
from implhub.web.schemas import Read


class EstimateRow(Read):
    id: int
    environment: str | None = None
    taken_at: str
    simulated: bool = False
    vcpu: float | None = None
    memory_gb: float | None = None
    nodes: int | None = None
    monthly_usd: float | None = None


class StoredEstimate(SizeEstimate):
    """The newest stored estimate: where it came from, and the node plan stored with it."""

    evidence: dict[str, Any] | None = None
    stored_node_plan: dict[str, Any] | None = None


class EstimateAndNodes(Read):
    estimate: StoredEstimate | None = None
    node_plan: dict[str, Any]
