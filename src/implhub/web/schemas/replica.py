"""Answers of /api/projects/{slug}/replica."""

from __future__ import annotations

from typing import Any

from implhub.replica.evidence import ReplicaCorpus
from implhub.web.schemas import EvidenceRead, Read


class ReplicaRead(Read):
    name: str
    kind: str
    origin: str
    corpus: dict[str, Any] | None = None
    #: status (same as prod | missing), the prod estimate, and whether the replica's own was stored
    sizing: dict[str, Any] | None = None
    load_profile: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    exceptional_scale: dict[str, Any] | None = None
    planned_at: str | None = None


class ReplicaWithCorpora(ReplicaRead):
    corpora: list[EvidenceRead[ReplicaCorpus]] = []
