"""Services the customer hosts outside the cluster: which chart workloads they replace, what the
Helm override sets for them, and what the customer must provide (size, version, connections),
taken from the official figures of the service they replace.

Sources: Sourcegraph docs "Using your own PostgreSQL server" (PostgreSQL 16+ from Sourcegraph 6.0,
12+ before; one server per database recommended), "Using your own Redis server" (Redis 6.2 or
later, no Cluster or Sentinel), "Using a managed object storage service (S3 or GCS)" (the
`PRECISE_CODE_INTEL_UPLOAD_*` variables on frontend, worker and precise-code-intel-worker), and the
chart's values (`pgsql.auth.existingSecret`, `redisCache.connection.existingSecret`, ...).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict

from implhub.sizing import data
from implhub.sizing.deployment import DeploymentDesign, ExternalKind

#: TDD kind -> the chart workloads it replaces
REPLACES: dict[ExternalKind, tuple[str, ...]] = {
    ExternalKind.postgresql: ("pgsql",),
    ExternalKind.codeintel_db: ("codeIntelDB",),
    ExternalKind.codeinsights_db: ("codeInsightsDB",),
    ExternalKind.redis: ("redisCache", "redisStore"),
    ExternalKind.object_storage: ("blobstore",),
    ExternalKind.tracing: (),
}
#: the chart's key naming the Kubernetes Secret that holds the external service's connection
SECRET_KEY = {
    "pgsql": "pgsql.auth.existingSecret",
    "codeIntelDB": "codeIntelDB.auth.existingSecret",
    "codeInsightsDB": "codeInsightsDB.auth.existingSecret",
    "redisCache": "redisCache.connection.existingSecret",
    "redisStore": "redisStore.connection.existingSecret",
}
SECRET_NAME = {"pgsql": "pgsql-credentials", "codeIntelDB": "codeintel-db-credentials",
               "codeInsightsDB": "codeinsights-db-credentials", "redisCache": "redis-cache-connection",
               "redisStore": "redis-store-connection"}
SECRET_FIELDS = {"pgsql": "user, password, database, host, port", "redisCache": "endpoint"}
#: services whose containers read the upload store (Sourcegraph docs: frontend, worker and
#: precise-code-intel-worker)
UPLOAD_CONSUMERS = ("frontend", "worker", "preciseCodeIntel")
#: connections one Sourcegraph process opens at most to a database (SRC_PGSQL_MAX_OPEN default)
PG_POOL_PER_POD = 30
#: which workloads open each database
PG_CLIENTS = {"pgsql": ("frontend", "worker", "gitserver", "preciseCodeIntel", "searcher"),
              "codeIntelDB": ("frontend", "worker", "preciseCodeIntel"),
              "codeInsightsDB": ("frontend", "worker")}


class CustomerProvides(BaseModel):
    """One thing the customer runs for the deployment, sized from the official figures."""

    model_config = ConfigDict(frozen=True)

    kind: str
    replaces: list[str]
    provider: str | None
    version: str
    vcpu: float | None
    memory_gb: float | None
    storage_gb: float | None
    connections: int | None
    helm: str
    why: str


def _pg_version(chart_version: str) -> str:
    return "PostgreSQL 16 or later" if data.version_tuple(chart_version) >= (6, 0) else "PostgreSQL 12 to 16"


def externalized_keys(design: DeploymentDesign | None) -> dict[str, str]:
    """chart key of each workload the design moves out -> the provider named in the design."""
    out: dict[str, str] = {}
    for x in (design.externalized if design else ()):
        for key in REPLACES[x.kind]:
            out[key] = x.provider or x.kind.value
    return out


def _replicas(services: dict[str, Any], key: str) -> int:
    s = services.get(key)
    if s is None:
        return 0
    return int(s["replicas"] if isinstance(s, dict) else s.replicas)


def customer_provides(design: DeploymentDesign | None, official: dict[str, Any], recommended: dict[str, Any],
                      *, volumes: dict[str, int | None] | None = None, chart_version: str) -> list[CustomerProvides]:
    """What the customer must provide for each externalized service. `official` is the official
    estimate's services (its names), `recommended` the recommended services (chart keys, dicts),
    `volumes` the volume (Gi) each moved workload would have had in the cluster."""
    if design is None:
        return []
    off = official
    out: list[CustomerProvides] = []
    official_name = {"pgsql": "pgsql", "codeIntelDB": "codeintel-db", "codeInsightsDB": "codeinsights-db",
                     "redisCache": "redisCache", "redisStore": "redisStore", "blobstore": "blobstore"}
    for x in design.externalized:
        keys = REPLACES[x.kind]
        if x.kind == ExternalKind.tracing:
            out.append(CustomerProvides(
                kind=x.kind.value, replaces=["jaeger (already off in the chart)"], provider=x.provider,
                version="an OpenTelemetry (OTLP gRPC) collector endpoint", vcpu=None, memory_gb=None,
                storage_gb=None, connections=None,
                helm=("openTelemetry.gateway.config.traces.exporters.otlp.endpoint = "
                      + (x.endpoint or "the collector's host:4317 (not in the design yet)")),
                why="the in-cluster otel-collector forwards every service's traces to the customer's collector"))
            continue
        for key in keys:
            o = off.get(official_name[key]) or {}
            cpu = (o.get("cpu") or {}).get("limit")
            mem = (o.get("memory_gb") or {}).get("limit")
            disk = (volumes or {}).get(key) or (recommended.get(key) or {}).get("storage_gb") or o.get("storage_gb")
            if key in PG_CLIENTS:
                pods = sum(_replicas(recommended, c) for c in PG_CLIENTS[key]) + 1  # + the migrator
                conns = pods * PG_POOL_PER_POD
                fields = SECRET_FIELDS["pgsql"]
                out.append(CustomerProvides(
                    kind=x.kind.value, replaces=[key], provider=x.provider, version=_pg_version(chart_version),
                    vcpu=cpu, memory_gb=mem, storage_gb=disk, connections=conns,
                    helm=f"{key}.enabled: false; Secret {SECRET_NAME[key]} ({fields}) named in {SECRET_KEY[key]}",
                    why=(f"official figures for {official_name[key]} (CPU and memory limits), the recommended volume; "
                         f"connections: {pods} pods that open it x {PG_POOL_PER_POD} (SRC_PGSQL_MAX_OPEN)")))
            elif key in ("redisCache", "redisStore"):
                out.append(CustomerProvides(
                    kind=x.kind.value, replaces=[key], provider=x.provider,
                    version="Redis 6.2 or later, a single primary (no Cluster, no Sentinel)",
                    vcpu=cpu, memory_gb=mem, storage_gb=None, connections=None,
                    helm=f"{key}.enabled: false; Secret {SECRET_NAME[key]} (endpoint) named in {SECRET_KEY[key]}",
                    why=f"official figures for {key}: its memory limit is the memory the data set needs"))
            else:  # blobstore -> object storage
                need = max(float(disk or 0), float(o.get("storage_gb") or 0))
                out.append(CustomerProvides(
                    kind=x.kind.value, replaces=[key], provider=x.provider,
                    version="an S3 bucket (or S3-compatible) or a GCS bucket, created by the customer",
                    vcpu=None, memory_gb=None, storage_gb=math.ceil(need) if need else None, connections=None,
                    helm=("blobstore.enabled: false; PRECISE_CODE_INTEL_UPLOAD_* on "
                          + ", ".join(f"{c}.env" for c in UPLOAD_CONSUMERS)),
                    why="the capacity of the bundled blobstore (uploads of precise indexes in flight)"))
    return out


def markdown_lines(items: list[CustomerProvides] | list[dict[str, Any]]) -> list[str]:
    """The section 'What the customer provides' of the internal document, as Markdown lines."""
    rows = [i if isinstance(i, CustomerProvides) else CustomerProvides.model_validate(i) for i in items]
    lines = ["### What the customer provides", ""]
    if not rows:
        return [*lines, "Nothing: every service runs in the cluster.", ""]

    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:g}"
        return str(v).replace("|", "/").replace("\n", " ")

    lines += ["| Service | Replaces | Provider | Version | vCPU | Memory (GB) | Storage (GB) | Connections | Helm |",
              "|---|---|---|---|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {cell(r.kind)} | {cell(', '.join(r.replaces))} | {cell(r.provider)} | {cell(r.version)} | "
                     f"{cell(r.vcpu)} | {cell(r.memory_gb)} | {cell(r.storage_gb)} | {cell(r.connections)} | {cell(r.helm)} |")
    lines += ["", "Figures are the official estimator's for the service each one replaces (limits), so the "
              "customer's managed service is at least as large as the pod it takes over.", ""]
    return lines


def upload_env(cloud: str | None, region: str | None, provider: str | None) -> dict[str, str]:
    """The environment that points the upload store at the customer's bucket (Sourcegraph docs,
    "Using a managed object storage service"). The bucket name is the customer's to fill in."""
    if cloud == "gcp":
        return {"PRECISE_CODE_INTEL_UPLOAD_BACKEND": "GCS", "PRECISE_CODE_INTEL_UPLOAD_BUCKET": "REPLACE-with-bucket",
                "PRECISE_CODE_INTEL_UPLOAD_GCP_PROJECT_ID": "REPLACE-with-project-id",
                "PRECISE_CODE_INTEL_UPLOAD_MANAGE_BUCKET": "false"}
    env = {"PRECISE_CODE_INTEL_UPLOAD_BACKEND": "S3", "PRECISE_CODE_INTEL_UPLOAD_BUCKET": "REPLACE-with-bucket",
           "PRECISE_CODE_INTEL_UPLOAD_MANAGE_BUCKET": "false"}
    if cloud == "aws":
        r = region or "us-east-1"
        env |= {"PRECISE_CODE_INTEL_UPLOAD_AWS_ENDPOINT": f"https://s3.{r}.amazonaws.com",
                "PRECISE_CODE_INTEL_UPLOAD_AWS_REGION": r,
                "PRECISE_CODE_INTEL_UPLOAD_AWS_USE_EC2_ROLE_CREDENTIALS": "true"}
    else:
        env |= {"PRECISE_CODE_INTEL_UPLOAD_AWS_ENDPOINT": "REPLACE-with-s3-compatible-endpoint"}
    return env


def document_section(estimate: dict[str, Any] | None) -> tuple[list[str], list[str]]:
    """For the internal document, from a stored estimate: the Markdown lines of 'What the customer
    provides' and what the design must still say (storage class, bucket, collector endpoint).
    An estimate made before externalized services were sized gives nothing."""
    if not isinstance(estimate, dict) or "externalized" not in estimate:
        return [], []
    return markdown_lines(estimate.get("externalized") or []), [str(m) for m in estimate.get("missing") or []]
