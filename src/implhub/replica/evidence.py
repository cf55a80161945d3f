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
    #: a corpus scaled down from the design (its load tests are smoke, not full strength)
    scaled: bool = False
    scale: float | None = None
    design: dict[str, Any] | None = None
    end_date: str | None = None
    #: repositories per served code host
    hosts: dict[str, int] | None = None
