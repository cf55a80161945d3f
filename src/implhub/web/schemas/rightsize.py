"""Answers of /api/projects/{slug}/rightsize and /api/projects/{slug}/version."""

from __future__ import annotations

from implhub.rightsize.evidence import RightsizeResult, VersionCheck
from implhub.web.schemas import EvidenceRead

RightsizeRead = EvidenceRead[RightsizeResult]
VersionCheckRead = EvidenceRead[VersionCheck]
