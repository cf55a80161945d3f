"""The evidence the replica makes: `replica_corpus` (the synthetic corpus asked for and what was
generated)."""

from __future__ import annotations

from typing import Any, ClassVar

from implhub.evidence_base import EvidenceData
from implhub.vocab import EvidenceKind


class ReplicaCorpus(EvidenceData):
    KIND: ClassVar[EvidenceKind] = EvidenceKind.replica_corpus

    target: dict[str, Any]
    achieved: dict[str, Any] = {}
    repositories: int | None = None
