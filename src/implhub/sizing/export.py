"""Exports of an estimate: Helm values override, Docker Compose override, Markdown table."""

from __future__ import annotations

import functools
import io
from importlib.resources import files
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from implhub.errors import ValidationError
from implhub.sizing import data
from implhub.sizing.external import SECRET_KEY, SECRET_NAME
from implhub.sizing.units import cpu_quantity, memory_quantity

#: chart key -> the standard Docker Compose service(s)
COMPOSE_NAMES = {
    "frontend": ["sourcegraph-frontend-0", "sourcegraph-frontend-internal"], "gitserver": ["gitserver-0"],
    "indexedSearch": ["zoekt-webserver-0"], "indexedSearchIndexer": ["zoekt-indexserver-0"],
    "searcher": ["searcher-0"], "preciseCodeIntel": ["precise-code-intel-worker"], "worker": ["worker"],
    "syntacticCodeIntel": ["syntactic-code-intel-worker"], "syntectServer": ["syntect-server"],
    "prometheus": ["prometheus"], "grafana": ["grafana"], "cadvisor": ["cadvisor"], "nodeExporter": ["node-exporter"],
    "pgsql": ["pgsql"], "codeIntelDB": ["codeintel-db"], "codeInsightsDB": ["codeinsights-db"],
    "blobstore": ["blobstore"], "redisCache": ["redis-cache"], "redisStore": ["redis-store"],
    "openTelemetry.gateway": ["otel-collector"],
}
FORMATS = ("helm", "compose", "md", "json")


def _path_get(keys: frozenset[str], path: str) -> bool:
    return path in keys


def helm_override(result: dict[str, Any]) -> str:
    """A values override for the targeted chart version: every value commented with its why.
    Only keys the chart has; DaemonSets and chart-only workloads stay at their defaults."""
    version = result["chart_version"]
    keys = data.chart_keys(version)
    root = CommentedMap()
    used: list[str] = []

    def known(full: str) -> bool:
        """A key of the chart, or a child of a map the chart passes through (a service's env,
        storageClass.parameters)."""
        parts = full.split(".")
        return (full in keys or (len(parts) > 2 and parts[1] == "env" and ".".join(parts[:2]) in keys)
                or any(full.startswith(p + ".") for p in PASS_THROUGH))

    def put(parent: CommentedMap, path: str, key: str, value: Any, why: str | None) -> None:
        full = f"{path}.{key}"
        if not known(full):
            raise ValidationError(f"internal: {full} is not a key of chart {version}")  # a bug, never user input
        parent[key] = value
        used.append(full)
        if why:
            parent.yaml_add_eol_comment(why.replace("\n", " "), key)

    def child(parent: CommentedMap, path: str, key: str) -> CommentedMap:
        if key not in parent:
            full = f"{path}.{key}" if path else key
            if not known(full):
                raise ValidationError(f"internal: {full} is not a key of chart {version}")
            parent[key] = CommentedMap()
        node: CommentedMap = parent[key]
        return node

    for name, svc in result["recommended"]["services"].items():
        if svc["daemonset"] or "." in name or name not in keys:
            continue
        why = svc["why"]
        if all(v == "chart default" for v in why.values()):
            continue
        s = child(root, "", name)
        if svc.get("enabled") is False:
            put(s, name, "enabled", False, why.get("replicas"))
            if svc.get("external") and name in SECRET_KEY:
                parent_key = SECRET_KEY[name].split(".")[1]
                put(child(s, name, parent_key), f"{name}.{parent_key}", "existingSecret", SECRET_NAME[name],
                    "create this Secret with the customer's connection before installing")
            continue
        if f"{name}.replicaCount" in keys:
            put(s, name, "replicaCount", svc["replicas"], why.get("replicas"))
        res = child(s, name, "resources")
        for side in ("requests", "limits"):
            r = child(res, f"{name}.resources", side)
            base = f"{name}.resources.{side}"
            cpu = svc["cpu"]["request" if side == "requests" else "limit"]
            mem = svc["memory_gb"]["request" if side == "requests" else "limit"]
            tag = "" if side == "requests" else "limit: "
            put(r, base, "cpu", None if cpu is None else cpu_quantity(cpu), tag + why.get("cpu", ""))
            put(r, base, "memory", None if mem is None else memory_quantity(mem), tag + why.get("memory_gb", ""))
        if svc["storage_gb"] is not None and f"{name}.storageSize" in keys:
            put(s, name, "storageSize", f"{int(svc['storage_gb'])}Gi", why.get("storage_gb"))
        for env_name, value in (svc.get("env") or {}).items():
            env = child(child(s, name, "env"), f"{name}.env", env_name)
            put(env, f"{name}.env.{env_name}", "value", value, why.get("env"))
    _storage_class(result, root, put, child)
    _tracing(result, root, put, child)
    buf = io.StringIO()
    buf.write(f"# Helm values override for the Sourcegraph chart {version}, generated by implhub.\n"
              f"# Apply with: helm upgrade --install -f override.yaml --version {version} sourcegraph sourcegraph/sourcegraph\n"
              "# Each value says why it is what it is. Every key exists in the chart's default values, except the\n"
              "# children of maps the chart passes through (a service's env, storageClass.parameters).\n")
    yaml = YAML()
    yaml.width = 4096
    yaml.dump(root, buf)
    return buf.getvalue()


#: maps under which the chart passes any key through (the override may add keys the defaults lack)
PASS_THROUGH = ("storageClass.parameters", "openTelemetry.gateway.config.traces.exporters")


def _storage_class(result: dict[str, Any], root: CommentedMap, put: Any, child: Any) -> None:
    sc = result.get("storage_class")
    if not isinstance(sc, dict):
        return
    node = child(root, "", "storageClass")
    put(node, "storageClass", "create", sc["create"], sc["why"])
    put(node, "storageClass", "name", sc["name"],
        "the customer's class: every PVC uses it" if not sc["create"] else "the class the chart creates")
    if not sc["create"]:
        return
    put(node, "storageClass", "provisioner", sc["provisioner"], "the cloud's CSI driver (the chart's default is GCE's in-tree driver)")
    put(node, "storageClass", "type", sc["type"], "the disk type" if sc["type"] else "not used by this driver (skuName below)")
    params = child(node, "storageClass", "parameters")
    for key, value in sc["parameters"].items():
        params[key] = value  # passed through by the chart to the StorageClass's parameters
        params.yaml_add_eol_comment("StorageClass parameter of the CSI driver (passed through by the chart)", key)


def _tracing(result: dict[str, Any], root: CommentedMap, put: Any, child: Any) -> None:
    """Traces to the customer's collector: the gateway's OTLP exporter (the chart's in-cluster
    Jaeger is off by default). Without the endpoint in the design nothing is set, and the missing
    list asks for it."""
    tracing = next((x for x in result.get("externalized") or [] if x.get("kind") == "tracing"), None)
    endpoint = (result.get("tracing_endpoint") or "") if tracing else ""
    if not endpoint:
        return
    node = child(child(child(child(root, "", "openTelemetry"), "openTelemetry", "gateway"), "openTelemetry.gateway",
                       "config"), "openTelemetry.gateway.config", "traces")
    exporters = child(node, "openTelemetry.gateway.config.traces", "exporters")
    otlp = CommentedMap({"endpoint": endpoint})
    otlp.yaml_add_eol_comment("the customer's trace collector, from the design", "endpoint")
    exporters["otlp"] = otlp


@functools.cache
def _compose_services() -> dict[str, Any]:
    text = (files("implhub") / "data" / "sizing" / "compose_services.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = YAML(typ="safe").load(text)
    return loaded


def compose_override(result: dict[str, Any]) -> str:
    """A docker-compose.override.yaml for the standard Compose file: one host, so each service gets
    the CPU and memory limit of all its Kubernetes replicas together."""
    known = _compose_services()["services"]
    root = CommentedMap()
    svcs = CommentedMap()
    root["version"] = _compose_services()["compose_version"]
    root["services"] = svcs
    for key, svc in result["recommended"]["services"].items():
        if svc["replicas"] == 0:
            continue
        n = 1 if svc["daemonset"] else svc["replicas"]
        for cname in COMPOSE_NAMES.get(key, []):
            if cname not in known:
                continue
            cpu = (svc["cpu"]["limit"] or svc["cpu"]["request"] or 0) * n
            mem = (svc["memory_gb"]["limit"] or svc["memory_gb"]["request"] or 0) * n
            entry = CommentedMap()
            entry["cpus"] = round(cpu, 2)
            entry["mem_limit"] = f"{max(1, round(mem))}g"
            svcs[cname] = entry
            svcs.yaml_add_eol_comment(f"{key}: {n} replica(s) on Kubernetes folded into one container", cname)
    buf = io.StringIO()
    buf.write("# Docker Compose override for the standard Sourcegraph docker-compose.yaml, generated by implhub.\n"
              "# Use: docker compose -f docker-compose.yaml -f docker-compose.override.yaml up -d\n")
    yaml = YAML()
    yaml.dump(root, buf)
    return buf.getvalue()


def _n(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


def markdown(result: dict[str, Any], *, environment: str | None = None) -> str:
    rec, off = result["recommended"], result["official"]
    t = rec["totals"]
    lines = [f"## Sizing{f' ({environment})' if environment else ''}", "",
             f"Chart {result['chart_version']}; standard size {t['instance_size']}."
             + (" Some figures are extrapolated beyond the official reference range." if t["extrapolated"] else ""), "",
             "| Service | Replicas | CPU request / limit | Memory GB request / limit | Storage Gi | Why |",
             "|---|---:|---:|---:|---:|---|"]
    for name, s in rec["services"].items():
        if s["replicas"] == 0:
            continue
        why = "; ".join(f"{k}: {v}" for k, v in s["why"].items() if v and v != "chart default") or "chart default"
        lines.append(f"| {name}{' (DaemonSet)' if s['daemonset'] else ''}{' *' if s['extrapolated'] else ''} | "
                     f"{s['replicas']} | {_n(s['cpu']['request'])} / {_n(s['cpu']['limit'])} | "
                     f"{_n(s['memory_gb']['request'])} / {_n(s['memory_gb']['limit'])} | {_n(s['storage_gb'])} | "
                     f"{why.replace('|', '/')} |")
    lines += ["", f"**Totals:** {t['vcpu']:g} vCPU, {t['memory_gb']:g} GB memory, {t['storage_gb']:g} Gi of volumes, "
              f"{t['nodes']} node(s): " + ", ".join(f"{p['count']} x {p['instance_type']}" for p in t["node_pools"])
              + f" ({t['cloud']}, about ${t['monthly_usd']:,.0f} a month).", "",
              f"Official estimator for comparison: {off['totals']['vcpu']:g} vCPU, {off['totals']['memory_gb']:g} GB, "
              f"{off['totals']['storage_gb']:g} GB storage, size {off['totals']['instance_size']}"
              + (" (contact support)" if off["totals"].get("contact_support") else "") + "."]
    devs = result.get("deviations") or []
    if devs:
        lines += ["", "### Deviations from the chart defaults and the standard size", "",
                  "| Service | Value | Recommended | Chart default | Standard | Why |", "|---|---|---:|---:|---:|---|"]
        for d in devs:
            lines.append(f"| {d['service']} | {d['field']} | {_n(d['value'])} | {_n(d['chart_default'])} | "
                         f"{_n(d['standard'])} | {(d['why'] or '').replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def export(result: dict[str, Any], fmt: str, *, environment: str | None = None) -> str:
    if fmt == "helm":
        return helm_override(result)
    if fmt == "compose":
        return compose_override(result)
    if fmt == "md":
        return markdown(result, environment=environment)
    if fmt == "json":
        import json

        return json.dumps(result, indent=2) + "\n"
    raise ValidationError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", field="--format")
