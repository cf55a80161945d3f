"""The base of every evidence model (each engine owns the model of the evidence it makes)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from implhub.vocab import EvidenceKind


class EvidenceData(BaseModel):
    """The `data` of an evidence row. Only the documented keys are typed; other keys are kept as
    written (`extra="allow"`), so a producer may add keys and rows stored by earlier releases,
    which may lack newer keys, stay readable."""

    model_config = ConfigDict(extra="allow")

    KIND: ClassVar[EvidenceKind]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape as stored (documented keys plus the extra ones)."""
        return self.model_dump(mode="json", exclude_unset=True)
