"""Chart key sets: which values keys a Sourcegraph Helm chart version has, its default resources,
and the Helm merge of a values file or an override onto them.

The chart has no values schema and Helm ignores unknown keys without a word, so a misspelt key
(`codeintel-db`) or one the chart dropped (`symbols` from 6.4 on) would silently change nothing.
Both the customer's values file and our override are checked here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from implhub.errors import ValidationError
from implhub.rightsize.versions import Version, parse_version

#: keys the chart's templates read under every service although its defaults do not set them
COMMON_SERVICE_KEYS = frozenset({
    "affinity", "nodeSelector", "tolerations", "podAnnotations", "podLabels", "labels",
    "serviceAnnotations", "serviceLabels", "extraVolumes", "extraVolumeMounts", "extraContainers",
    "sidecars", "args", "env", "priorityClassName", "schedulerName", "resources", "enabled",
    "containerSecurityContext", "podSecurityContext", "serviceAccount", "image", "name",
})
RESOURCE_KINDS = ("requests", "limits")
RESOURCE_NAMES = frozenset({"cpu", "memory", "ephemeral-storage"})


@dataclass(frozen=True)
class KeySet:
    version: str
    top_level: frozenset[str]
    second_level: dict[str, frozenset[str]]
    #: dotted path of the service (e.g. openTelemetry.gateway) -> {"requests": {...}, "limits": {...}}
    resources: dict[str, dict[str, dict[str, str]]]
    replica_count: dict[str, int]

    def defaults(self) -> dict[str, Any]:
        """The chart defaults restricted to what right-sizing touches (resources, replicas)."""
        out: dict[str, Any] = {}
        for path, res in self.resources.items():
            node = out
            for part in path.split("."):
                node = node.setdefault(part, {})
            node["resources"] = copy.deepcopy(res)
        for key, n in self.replica_count.items():
            out.setdefault(key, {})["replicaCount"] = n
        return out


def load_keysets(raw: dict[str, Any]) -> dict[str, KeySet]:
    out: dict[str, KeySet] = {}
    for version, spec in raw.items():
        out[str(version)] = KeySet(
            version=str(version),
            top_level=frozenset(spec["top_level"]),
            second_level={k: frozenset(v) for k, v in spec["second_level"].items()},
            resources={k: {kind: dict(v.get(kind) or {}) for kind in RESOURCE_KINDS} for k, v in spec["resources"].items()},
            replica_count={k: int(v) for k, v in (spec.get("replica_count") or {}).items()},
        )
    return out


def pick(keysets: dict[str, KeySet], version: str, *, field: str = "--chart-version") -> KeySet:
    """The key set of `version`, or of the newest shipped chart version not newer than it (the
    keys change at minor releases; patch charts keep them)."""
    if version in keysets:
        return keysets[version]
    want = parse_version(version, field=field)
    known = sorted(((parse_version(v), ks) for v, ks in keysets.items()), key=lambda p: p[0].key())
    below = [ks for v, ks in known if v.key() <= want.key()]
    if not below:
        raise ValidationError(f"no chart key set at or below {version}; known chart versions: "
                              + ", ".join(v.text for v, _ in known), field=field)
    return below[-1]


def _check_resources(node: Any, path: str, problems: list[str]) -> None:
    if node is None:
        return
    if not isinstance(node, dict):
        problems.append(f"{path}: expected a map with requests and limits")
        return
    for kind, block in node.items():
        if kind not in RESOURCE_KINDS:
            problems.append(f"{path}.{kind}: unknown key (expected requests or limits)")
            continue
        if block is None:
            continue
        if not isinstance(block, dict):
            problems.append(f"{path}.{kind}: expected a map of cpu, memory, ephemeral-storage")
            continue
        for name in block:
            if name not in RESOURCE_NAMES:
                problems.append(f"{path}.{kind}.{name}: unknown key (expected cpu, memory or ephemeral-storage)")


def unknown_keys(values: dict[str, Any], keyset: KeySet) -> list[str]:
    """Every key of `values` the chart version does not have, in words."""
    problems: list[str] = []
    for top, node in values.items():
        if top not in keyset.top_level:
            problems.append(f"{top}: not a key of chart {keyset.version}")
            continue
        allowed = keyset.second_level.get(top)
        if allowed is None or not isinstance(node, dict):
            continue
        nested = {p.split(".", 1)[1] for p in keyset.resources if p.startswith(top + ".")}
        for sub, child in node.items():
            if sub == "replicaCount" and top not in keyset.replica_count:
                problems.append(f"{top}.replicaCount: chart {keyset.version} has no replica count for {top}")
            elif sub not in allowed and sub not in COMMON_SERVICE_KEYS:
                problems.append(f"{top}.{sub}: not a key of {top} in chart {keyset.version}")
            elif sub == "resources":
                _check_resources(child, f"{top}.resources", problems)
            elif sub in nested and isinstance(child, dict) and "resources" in child:
                _check_resources(child["resources"], f"{top}.{sub}.resources", problems)
    return problems


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of user values onto defaults: maps merge key by key, anything else replaces,
    and null deletes the key."""
    out = copy.deepcopy(base)
    for k, v in override.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def resources_at(values: dict[str, Any], path: str) -> dict[str, dict[str, Any]] | None:
    node: Any = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if not isinstance(node, dict):
        return None
    res = node.get("resources")
    if not isinstance(res, dict):
        return None
    return {kind: dict(res.get(kind) or {}) for kind in RESOURCE_KINDS}


def enabled(values: dict[str, Any], path: str) -> bool:
    top = values.get(path.split(".", 1)[0])
    return not (isinstance(top, dict) and top.get("enabled") is False)


def version_of(keyset: KeySet) -> Version:
    return parse_version(keyset.version)
