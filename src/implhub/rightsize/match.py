"""Which Sourcegraph service (chart key) a container is, from its container name and image.

Pod and workload names are not evidence: the chart lets `frontend.name` change, so the frontend's
pod may be `frontend-0` as well as `sourcegraph-frontend-6f7b9c8d4-x2x7q`. The container name and
the image (`sourcegraph/<name>`, possibly from a mirrored registry) are what the chart fixes. Two
services share a container name (`pgsql` runs both the frontend database and codeintel-db, from
the same image); those are told apart by the pod's workload (its owner, or its name without the
ReplicaSet hash or StatefulSet ordinal) or its `app` label. Whatever cannot be matched is listed
with the reason.

Pure: `match_containers(refs, rules)`; right-sizing and the load test's headroom both use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_RS_HASH = re.compile(r"^(.+?)-[0-9a-f]{6,10}-[0-9a-z]{5}$")
_RS_NAME = re.compile(r"^(.+?)-[0-9a-f]{6,10}$")
_STS_ORDINAL = re.compile(r"^(.+?)-\d+$")


def workload_of(pod: str) -> str:
    """A pod's workload: its name without the ReplicaSet hash or StatefulSet ordinal."""
    for rx in (_RS_HASH, _STS_ORDINAL):
        m = rx.match(pod)
        if m:
            return m.group(1)
    return pod


def owner_workload(owner_kind: str, owner_name: str) -> str:
    """kube_pod_owner names the ReplicaSet of a Deployment's pod: drop its hash."""
    if owner_kind == "ReplicaSet":
        m = _RS_NAME.match(owner_name)
        if m:
            return m.group(1)
    return owner_name


def image_name(image: str) -> tuple[str, str]:
    """'registry.example.com/mirror/sourcegraph/frontend:6.4.0@sha256:...' -> ('mirror/sourcegraph/frontend', 'frontend')."""
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)
    if ":" in last[-1]:
        ref = ref[: ref.rfind(":")]
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]  # the registry host
    return "/".join(parts), parts[-1] if parts else ""


@dataclass(frozen=True)
class ContainerRule:
    container: str
    key: str
    service: str
    #: image names of the container (the last path part: frontend, postgresql-16, ...)
    images: tuple[str, ...] = ()
    #: workload names / app labels that tell this service apart from another with the same container
    workloads: tuple[str, ...] = ()


def parse_rules(raw: list[dict[str, Any]]) -> list[ContainerRule]:
    out = []
    for r in raw:
        workloads = r.get("workloads") or ([r["workload"]] if r.get("workload") not in (None, "*") else [])
        out.append(ContainerRule(container=str(r["container"]), key=str(r["key"]), service=str(r["service"]),
                                 images=tuple(str(i) for i in r.get("images") or ()),
                                 workloads=tuple(str(w) for w in workloads)))
    return out


def with_names(rules: list[ContainerRule], names: dict[str, str]) -> list[ContainerRule]:
    """The rules with the workload names a values file gives (`pgsql.name: main-db`) added."""
    return [ContainerRule(r.container, r.key, r.service, r.images, (*r.workloads, names[r.key]))
            if names.get(r.key) and names[r.key] not in r.workloads else r for r in rules]


@dataclass(frozen=True)
class ContainerRef:
    """One container as the series label it: namespace, pod, container; image, owner and app
    label where some series carries them."""

    namespace: str
    pod: str
    container: str
    image: str = ""
    owner: str = ""
    app: str = ""

    @property
    def ident(self) -> tuple[str, str, str]:
        return (self.namespace, self.pod, self.container)

    @property
    def label(self) -> str:
        return f"{self.namespace}/{self.pod}/{self.container}"


@dataclass(frozen=True)
class Unmatched:
    namespace: str
    pod: str
    container: str
    image: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"namespace": self.namespace, "pod": self.pod, "container": self.container, "image": self.image,
                "reason": self.reason}


@dataclass
class ContainerMatch:
    #: (namespace, pod, container) -> the rule it matched
    matched: dict[tuple[str, str, str], ContainerRule] = field(default_factory=dict)
    #: how each was matched: "container", "container+workload", "image", "image+workload"
    how: dict[tuple[str, str, str], str] = field(default_factory=dict)
    unmatched: list[Unmatched] = field(default_factory=list)

    def rule(self, namespace: str, pod: str, container: str) -> ContainerRule | None:
        return self.matched.get((namespace, pod, container))


def _sourcegraph_image(image: str, repositories: tuple[str, ...]) -> bool:
    """From a `sourcegraph/` repository (Docker Hub's or a mirror keeping the path), or from one of
    the repositories a values file names (`sourcegraph.image.repository`)."""
    path, _ = image_name(image)
    if "sourcegraph/" in f"/{path}/" or path.startswith("sourcegraph/"):
        return True
    ref = image.split("@", 1)[0]
    return any(repo and (ref.startswith(repo.rstrip("/") + "/") or path.startswith(repo.rstrip("/") + "/"))
               for repo in repositories)


def _pick(ref: ContainerRef, candidates: list[ContainerRule], how: str) -> tuple[ContainerRule | None, str]:
    if len({c.key for c in candidates}) == 1:
        return candidates[0], how
    names = {n for n in (ref.owner, workload_of(ref.pod), ref.app) if n}
    by_name = [c for c in candidates if names & set(c.workloads)]
    if len({c.key for c in by_name}) == 1:
        return by_name[0], how + "+workload"
    keys = ", ".join(sorted({c.key for c in candidates}))
    said = f"workload {ref.owner or workload_of(ref.pod)!r}" + (f", app label {ref.app!r}" if ref.app else ", no app label")
    return None, (f"container {ref.container!r} runs in several services ({keys}); pod {ref.pod!r} ({said}) names none "
                  "of them: give the values file in use (--values) if the chart's `name` of the service was changed")


def match_one(ref: ContainerRef, rules: list[ContainerRule],
              repositories: tuple[str, ...] = ()) -> tuple[ContainerRule | None, str]:
    """(the rule, how it matched) or (None, why not). A container's image, where a series names
    it, must come from a Sourcegraph repository: a cluster's own `prometheus` is not Sourcegraph's."""
    by_container = [r for r in rules if r.container == ref.container]
    if by_container:
        if ref.image and not _sourcegraph_image(ref.image, repositories):
            return None, (f"container {ref.container!r} runs image {ref.image!r}, not from a sourcegraph/ repository "
                          "(a registry mirroring it under another path: give the values file in use, --values, with "
                          "sourcegraph.image.repository)")
        return _pick(ref, by_container, "container")
    if ref.image:
        _, name = image_name(ref.image)
        by_image = [r for r in rules if name in r.images]
        if by_image and _sourcegraph_image(ref.image, repositories):
            return _pick(ref, by_image, "image")
    return None, (f"not a Sourcegraph container (no service has a container {ref.container!r}"
                  + (f" or image {image_name(ref.image)[1]!r})" if ref.image else ")"))


def match_containers(refs: Iterable[ContainerRef], rules: list[ContainerRule], *,
                     repositories: tuple[str, ...] = ()) -> ContainerMatch:
    """Match every container once. Several refs of one container (from different series) are
    merged first, so the image of cAdvisor's series and the owner and app label of
    kube-state-metrics' series all count."""
    merged: dict[tuple[str, str, str], ContainerRef] = {}
    for r in refs:
        old = merged.get(r.ident)
        merged[r.ident] = r if old is None else ContainerRef(
            r.namespace, r.pod, r.container, old.image or r.image, old.owner or r.owner, old.app or r.app)
    out = ContainerMatch()
    for ident in sorted(merged):
        ref = merged[ident]
        rule, how = match_one(ref, rules, repositories)
        if rule is None:
            out.unmatched.append(Unmatched(ref.namespace, ref.pod, ref.container, ref.image, how))
        else:
            out.matched[ident] = rule
            out.how[ident] = how
    return out
