"""The evidence code statistics makes: `codestats_scan` (the `codestats scan --json` shape),
`codehost_inventory` (one code host's repositories) and `instance_snapshot` (a live instance read
through its GraphQL API)."""

from __future__ import annotations

from typing import Any, ClassVar

from implhub.evidence_base import EvidenceData
from implhub.vocab import EvidenceKind


class CodeStatisticsScan(EvidenceData):
    KIND: ClassVar[EvidenceKind] = EvidenceKind.codestats_scan

    totals: dict[str, Any] = {}
    #: per language name (this release); scans stored by other tools list {language, code, ...}
    languages: dict[str, Any] | list[dict[str, Any]] = {}
    repositories: list[dict[str, Any]] = []
    failed: list[Any] = []
    index_max_bytes: int | None = None
    language_table: str | None = None


class CodeHostInventory(EvidenceData):
    KIND: ClassVar[EvidenceKind] = EvidenceKind.codehost_inventory

    kind: str
    url: str
    scopes: list[str] = []
    repositories: int
    total_bytes: int | None = None
    sizes_reported: int | None = None
    largest: dict[str, Any] | None = None
    forks: int = 0
    archived: int = 0
    top: list[dict[str, Any]] = []
    requests: int | None = None
    waited_seconds: float | None = None
    notes: list[str] = []


class InstanceSnapshot(EvidenceData):
    KIND: ClassVar[EvidenceKind] = EvidenceKind.instance_snapshot

    url: str | None = None
    version: str | None = None
    repository_stats: dict[str, Any] | None = None
    code_hosts: list[dict[str, Any]] = []
    users: int | None = None
    missing_fields: list[str] = []
