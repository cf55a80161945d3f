"""The TDD as typed data. `TDD.model_json_schema()` is what `implhub tdd schema` prints.

Contract key paths (scripts rely on them): customer.name; scale.users, scale.repositories,
scale.total_repo_size_gb, scale.largest_repo_size_gb, scale.monorepos, scale.largest_index_size_gb;
code_hosts[].kind/url/repositories; environments[].name; stakeholders[].side/role/name/email.

Keys that start with `x_` are the user's own extensions: kept as written, never validated.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cache
from typing import Any, Literal
from zoneinfo import available_timezones as _available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from implhub.intake.roles import canonical_role, role_side
from implhub.vocab import KIND_FROM_NAME, Cloud, CodeHostKind, EnvironmentKind

#: the environment kinds (the one vocabulary lives in implhub.vocab; this name stays for readers)
EnvKind = EnvironmentKind

#: the system's time zone names do not change while the program runs; listing them walks the
#: zoneinfo directory (~0.1 s), which every validation of a design would otherwise pay
available_timezones = cache(_available_timezones)


class _Base(BaseModel):
    # extra="allow" so unknown keys survive to be *reported* by the loader (never silently dropped)
    model_config = ConfigDict(extra="allow", use_enum_values=True, populate_by_name=True)


def _http_url(value: str) -> str:
    from urllib.parse import urlparse

    u = urlparse(value.strip())
    if u.scheme.lower() not in ("http", "https") or not u.netloc:
        raise ValueError(f"expected an http:// or https:// link, got {value!r}")
    return value


class Package(StrEnum):
    standard = "standard"
    advanced = "advanced"
    custom = "custom"


PACKAGE_DAYS = {"standard": 45, "advanced": 90}


class Customer(_Base):
    name: str = Field(min_length=1, description="Customer's name as it appears on the contract")
    tier: str | None = Field(None, description="Account tier, e.g. strategic, enterprise, mid-market")
    crm_opportunity_url: str | None = Field(None, description="Link to the CRM opportunity")
    contract_date: dt.date | None = Field(None, description="Contract signature date (YYYY-MM-DD)")
    country: str = Field("US", description="ISO 3166 alpha-2 country code: drives public holidays")
    subdivision: str | None = Field(None, description="State/province code for regional holidays")
    timezone: str = Field("UTC", description="IANA time zone, e.g. Europe/Berlin")
    package: Package = Field(Package.standard, description="standard (45 days), advanced (90), custom")
    custom_timebox_days: int | None = Field(None, gt=0, description="Calendar days when package is custom")
    design_links: list[str] = Field(default_factory=list, description="Links to design artefacts (http or https)")

    @field_validator("design_links")
    @classmethod
    def _links(cls, v: list[str]) -> list[str]:
        # the links end up as <a href> in documents and pages: a javascript: link would be a script
        for link in v:
            _http_url(link)
        return v

    @field_validator("crm_opportunity_url")
    @classmethod
    def _crm(cls, v: str | None) -> str | None:
        return _http_url(v) if v else v

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        import holidays

        code = v.strip().upper()
        if code not in holidays.list_supported_countries():
            raise ValueError(f"unknown country code {v!r}; expected an ISO 3166 alpha-2 code like US, DE, GB")
        return code

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        if v not in available_timezones() and v != "UTC":
            raise ValueError(f"unknown time zone {v!r}; expected an IANA name like Europe/Berlin")
        return v

    @model_validator(mode="after")
    def _custom_days(self) -> Customer:
        if self.package == "custom" and not self.custom_timebox_days:
            raise ValueError("package 'custom' needs custom_timebox_days")
        return self

    def timebox_days(self) -> int:
        if self.package == "custom":
            return int(self.custom_timebox_days or 45)
        return PACKAGE_DAYS[str(self.package)]


class DeployMethod(StrEnum):
    helm = "kubernetes-helm"
    kustomize = "kubernetes-kustomize"
    compose = "docker-compose"
    machine_image = "machine-image"


class Deployment(_Base):
    strategy: str | None = Field(None, description="Environment strategy in a sentence")
    method: DeployMethod = Field(DeployMethod.helm, description="kubernetes-helm, kubernetes-kustomize, docker-compose, machine-image")
    cloud: Cloud = Field(Cloud.aws, description="aws, gcp, azure, on-prem, other")
    region: str | None = None
    kubernetes_version: str | None = None
    sourcegraph_version: str | None = Field(None, description="Target Sourcegraph version, e.g. 6.4.0")
    instance_url: str | None = Field(None, description="Production URL once known")

    @field_validator("instance_url")
    @classmethod
    def _instance_url(cls, v: str | None) -> str | None:
        return _http_url(v) if v else v
    ingress: str | None = None
    tls: str | None = None
    dns: str | None = None
    storage_class: str | None = Field(None, description="The cluster's own StorageClass (on-prem and other clouds): "
                                      "the chart does not create one")


class Features(_Base):
    precise_code_intel: bool = False
    code_insights: bool = False
    batch_changes: bool = False
    executors: bool = False
    other: list[str] = Field(default_factory=list)


class Scale(_Base):
    users: int = Field(ge=0, description="Users the instance must support")
    concurrent_users: int | None = Field(None, ge=0)
    repositories: int = Field(ge=0)
    total_repo_size_gb: float = Field(ge=0)
    largest_repo_size_gb: float = Field(ge=0)
    monorepos: int = Field(0, ge=0)
    lines_of_code: int | None = Field(None, ge=0)
    largest_index_size_gb: float = Field(0, ge=0, description="Largest precise (SCIP) index; 0 = none")
    features: Features = Field(default_factory=Features)

    @model_validator(mode="after")
    def _consistent(self) -> Scale:
        if self.largest_repo_size_gb > self.total_repo_size_gb:
            raise ValueError(
                f"largest_repo_size_gb ({self.largest_repo_size_gb:g}) is larger than "
                f"total_repo_size_gb ({self.total_repo_size_gb:g})"
            )
        if self.repositories == 0 and self.total_repo_size_gb > 0:
            raise ValueError("repositories is 0 but total_repo_size_gb is above 0")
        if self.concurrent_users is not None and self.concurrent_users > self.users:
            raise ValueError("concurrent_users is larger than users")
        if self.monorepos > self.repositories:
            raise ValueError("monorepos is larger than repositories")
        return self


class CodeHost(_Base):
    kind: CodeHostKind
    url: str = Field(min_length=1)
    repositories: int = Field(0, ge=0)
    permission_sync: bool = False
    notes: str | None = None
    organizations: list[str] = Field(default_factory=list, description=(
        "Organisations (GitHub) or groups (GitLab, may be nested as group/subgroup) on this code host; "
        "the replica names its repositories under them"))

    @field_validator("organizations")
    @classmethod
    def _organizations(cls, v: list[str]) -> list[str]:
        out = []
        for org in v:
            name = org.strip().strip("/")
            if not name or any(not part or part in (".", "..") for part in name.split("/")) or " " in name:
                raise ValueError(f"expected an organisation or group path like platform or platform/tools, got {org!r}")
            out.append(name)
        return out


class Authentication(_Base):
    provider: Literal["saml", "oidc", "github", "gitlab", "bitbucket", "azure-devops", "builtin", "http-header", "other"] = "builtin"
    notes: str | None = None


class Environment(_Base):
    name: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: EnvKind | None = Field(None, description="dev, staging, prod, replica, other (default from name)")
    purpose: str | None = None
    cloud: Cloud | None = None
    region: str | None = None
    url: str | None = None
    users: int | None = Field(None, ge=0, description="Users this environment serves (sizing); default by kind")
    repositories: int | None = Field(None, ge=0, description="Repositories synced to this environment (sizing)")
    parity: bool = Field(False, description="Sized like production (same scale and node plan shape)")

    @model_validator(mode="after")
    def _kind(self) -> Environment:
        if self.kind is None:
            self.kind = KIND_FROM_NAME.get(self.name, EnvKind.other)
        return self


class ExternalService(_Base):
    service: Literal["postgresql", "codeintel-db", "codeinsights-db", "redis", "object-storage", "tracing", "monitoring", "other"]
    provider: str | None = None
    notes: str | None = None
    endpoint: str | None = Field(None, description="The customer's endpoint, e.g. the OTLP collector for tracing")


class ImageScanning(_Base):
    required: bool = False
    timeline_days: int | None = Field(None, ge=0, description="Working days the customer's scan takes")
    tool: str | None = None


class ChangeAdvisory(_Base):
    """The customer's change-advisory board (CAB): every production change needs its approval."""

    required: bool = False
    lead_time_days: int | None = Field(None, ge=0, description="Working days between a change request and its approval")
    board: str | None = Field(None, description="Name of the board or the process, e.g. 'weekly CAB, Tuesdays'")


class ChangeManagement(_Base):
    upgrade_cadence: str | None = None
    image_scanning: ImageScanning = Field(default_factory=ImageScanning)
    change_advisory: ChangeAdvisory = Field(default_factory=ChangeAdvisory)
    promotion: str | None = Field(None, description="How updates move dev -> staging -> prod")
    ci_cd_stack: list[str] = Field(default_factory=list)


class Poc(_Base):
    lessons_learned: list[str] = Field(default_factory=list)
    production_differences: list[str] = Field(default_factory=list)


class Prerequisite(_Base):
    item: str
    done: bool = False


class Risk(_Base):
    title: str
    description: str | None = None
    probability: Literal["low", "medium", "high"] = "medium"
    impact: Literal["low", "medium", "high"] = "medium"
    mitigation: str | None = None
    visibility: Literal["external", "internal"] = "internal"


class AgreedLimits(_Base):
    users: int | None = Field(None, ge=0)
    concurrent_users: int | None = Field(None, ge=0)
    repositories: int | None = Field(None, ge=0)


class SearchTargets(_Base):
    """p95 time to first byte per search type agreed with the customer, in milliseconds; a type
    left out takes Sourcegraph's threshold for the target version."""

    literal: int | None = Field(None, gt=0, description="p95 time to first byte of literal searches (ms)")
    regexp: int | None = Field(None, gt=0, description="p95 time to first byte of regexp searches (ms)")
    structural: int | None = Field(None, gt=0, description="p95 time to first byte of structural searches (ms)")
    unindexed: int | None = Field(None, gt=0, description="p95 time to first byte of unindexed searches (ms)")


class Expansion(_Base):
    current_usage: str | None = None
    requirements: str | None = None
    expected_users: int | None = Field(None, ge=0)
    expected_repositories: int | None = Field(None, ge=0)


class PostGoLive(_Base):
    """What the implementation keeps doing after go-live, before the handoff."""

    priority_support_days: int | None = Field(None, ge=0, description="Working days of priority support after go-live")
    rightsizing_window_days: int | None = Field(
        None, ge=0, description="Working days of production usage to observe before right-sizing")


class Stakeholder(_Base):
    side: Literal["internal", "customer"]
    role: str = Field(description="A role name or alias (IE, IPM, TAM/CSM, CE, AE, Sourcegraph Administrator, ...)")
    name: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        code = canonical_role(v)
        if code is None:
            raise ValueError(f"unknown role {v!r}; expected one of IE, IPM, TAM, CE, AE, LEADERSHIP or a customer role such as ADMIN, SPONSOR, INFRA")
        return code

    @model_validator(mode="after")
    def _side(self) -> Stakeholder:
        side = role_side(self.role)
        if side and side != self.side:
            raise ValueError(f"role {self.role} is a {side} role but side is {self.side!r}")
        return self


class TDD(_Base):
    schema_version: int = Field(1, description="Version of this document's schema")
    customer: Customer
    deployment: Deployment = Field(default_factory=Deployment)
    scale: Scale
    code_hosts: list[CodeHost] = Field(default_factory=list)
    authentication: Authentication = Field(default_factory=Authentication)
    environments: list[Environment] = Field(default_factory=list)
    externalized_services: list[ExternalService] = Field(default_factory=list)
    change_management: ChangeManagement = Field(default_factory=ChangeManagement)
    poc: Poc = Field(default_factory=Poc)
    prerequisites: list[Prerequisite] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    agreed_limits: AgreedLimits = Field(default_factory=AgreedLimits)
    search_targets: SearchTargets = Field(default_factory=SearchTargets,
                                          description="p95 latency targets per search type agreed with the customer (optional)")
    expansion: Expansion = Field(default_factory=Expansion)
    post_golive: PostGoLive = Field(default_factory=PostGoLive)
    other_unique_aspects: list[str] = Field(default_factory=list)
    context: str | None = Field(None, description="Prose: the customer's needs, use cases, technical environment")
    stakeholders: list[Stakeholder] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_envs(self) -> TDD:
        seen: set[str] = set()
        for env in self.environments:
            if env.name in seen:
                raise ValueError(f"environment {env.name!r} appears twice")
            seen.add(env.name)
        return self


def design_dict(tdd: TDD) -> dict[str, Any]:
    """The stored form: JSON-safe, same shape as the YAML."""
    return tdd.model_dump(mode="json", exclude_none=False)
