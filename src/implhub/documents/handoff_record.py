"""The handoff record as a model: what `doc handoff --format json` writes and what the store keeps
in `handoffs.record` when a project completes or closes (built by `documents.handoff.build_record`).

Every documented key is typed; a record may carry more keys (`extra="allow"`), and records stored by
earlier releases stay readable.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow")


class ProductionDeployment(_Part):
    design_documents: list[str] = []
    infrastructure_start: str | None = None
    infrastructure_completion: str | None = None
    instance_url: str | None = None
    deployment_type: str | None = None
    hosting_provider: str | None = None
    instance_types: list[str] = []
    total_cpu: float | None = None
    total_memory_gb: float | None = None
    total_disk_gb: float | None = None


class CodeHostsPart(_Part):
    in_use: list[str] = []
    repositories: int | None = None
    monorepos: int | None = None
    largest_repository_mb: float | None = None


class Notes(_Part):
    agreed_limits: dict[str, Any] = {}
    special_details: list[str] = []
    significant_errors: list[str] = []


class Logs(_Part):
    issues: list[Any] = []
    risks: list[Any] = []
    expansion_opportunities: list[str] = []


class ExitCriteriaPart(_Part):
    complete: bool
    open: list[str] = []
    waived: list[str] = []


class HandoffRecord(_Part):
    project: str | None = None
    customer: str | None = None
    production_deployment: ProductionDeployment
    code_hosts: CodeHostsPart
    notes: Notes
    logs: Logs
    exit_criteria: ExitCriteriaPart
    #: field -> where its value came from, in words
    sources: dict[str, str] = {}
    missing: list[str] = []
