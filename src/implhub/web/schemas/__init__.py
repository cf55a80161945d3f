"""The declared answers of the JSON API (`response_model` of each route), one module per area.

Each model types the keys the API documents; keys an area adds later pass through unchanged
(`extra="allow"`), so an answer may grow and /openapi.json still describes what it always holds.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from implhub.evidence_base import EvidenceData


class Read(BaseModel):
    model_config = ConfigDict(extra="allow")


D = TypeVar("D", bound=EvidenceData)


class EvidenceRead(Read, Generic[D]):
    """One stored evidence item (`implhub.app.evidence.evidence_dict`) with its data as the
    kind's model."""

    id: int
    kind: str
    environment: str | None = None
    source: str = ""
    taken_at: str
    simulated: bool = False
    data: D
    created_by: str = ""


class AnyEvidenceRead(Read):
    id: int
    kind: str
    environment: str | None = None
    source: str = ""
    taken_at: str
    simulated: bool = False
    data: dict[str, Any]
    created_by: str = ""
