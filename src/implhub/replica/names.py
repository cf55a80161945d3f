"""Repository names of a replica: the customer's code host names and organisations.

Sourcegraph names a repository `<code host>/<organisation or group>/<repository>`; the load
profile's `repo:` filters use those names. A replica whose repositories carry the same names
answers the same queries. Every repository is `host/org/repo` (an organisation may be a nested
GitLab group, `group/subgroup`); the corpus keeps it at `OUT_DIR/host/org/repo.git`.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from implhub.errors import ValidationError
from implhub.replica.languages import WORDS

#: the code host of a corpus written without a design
DEFAULT_HOST = "git.replica.example"
#: team-like names for organisations when the design lists none
ORG_WORDS = ("platform", "payments", "data", "web", "mobile", "infra", "identity", "search", "billing", "growth",
             "security", "devtools", "analytics", "core", "integrations", "ops", "frontend", "backend", "ml", "sre",
             "commerce", "logistics", "catalog", "support", "finance", "partners", "reliability", "apps")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?$")
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class HostSpec:
    """A code host of the design: its name (as Sourcegraph names repositories), its kind, how many
    repositories it holds (a weight) and its organisations (empty: generated ones)."""

    name: str
    kind: str = "other"
    repositories: int = 0
    organizations: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HostSpec:
        return cls(name=str(d["name"]), kind=str(d.get("kind") or "other"), repositories=int(d.get("repositories") or 0),
                   organizations=[str(o) for o in d.get("organizations") or []])


def host_name(url: str) -> str:
    """The name Sourcegraph gives a code host from its URL: the host (and port), lower case."""
    parts = urlsplit(url if "//" in url else f"https://{url}")
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port and parts.port not in (80, 443) else host


def looks_like_host(segment: str) -> bool:
    """`gitlab.example.com` yes; `.local`, `share`, `repo.git` no."""
    return bool(_HOST.match(segment)) and not segment.endswith(".git") and segment[0] != "."


def split_name(name: str, *, field_name: str = "repository") -> tuple[str, str, str]:
    """'host/org/sub/repo' -> (host, 'org/sub', repo); refuses names that are not host/org/repo."""
    parts = name.strip("/").split("/")
    if len(parts) < 3 or not looks_like_host(parts[0]) or not all(_SEGMENT.match(p) for p in parts[1:]):
        raise ValidationError(f"expected a repository name like gitlab.example.com/group/repo, got {name!r}", field=field_name)
    return parts[0], "/".join(parts[1:-1]), parts[-1]


_FILTER = re.compile(r"repo:\^((?:[^\s$\\]|\\.)+)\$(?=\s|$)")


def names_in_queries(queries: list[str]) -> list[str]:
    """Repository names the `repo:^name$` filters of the queries ask for, in order, once each."""
    out: list[str] = []
    for q in queries:
        for m in _FILTER.finditer(q):
            name = re.sub(r"\\(.)", r"\1", m.group(1))
            if name not in out:
                out.append(name)
    return out


def _split_counts(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to the weights (largest remainder), each at least 1 when possible."""
    if not weights:
        return []
    s = sum(weights) or float(len(weights))
    raw = [total * (w if sum(weights) else 1.0) / s for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: -(raw[i] - out[i]))[: total - sum(out)]:
        out[i] += 1
    for i in range(len(out)):
        if out[i] == 0 and total >= len(out):
            donor = max(range(len(out)), key=lambda j: out[j])
            out[donor] -= 1
            out[i] += 1
    return out


def _orgs(host: HostSpec, count: int, rng: random.Random) -> list[str]:
    if host.organizations:
        return list(host.organizations)
    n = max(1, min(len(ORG_WORDS), round(math.sqrt(max(count, 1)) / 2)))
    return rng.sample(ORG_WORDS, n)


def assign(n: int, hosts: list[HostSpec], required: list[str], monorepos: int, seed: int) -> list[str]:
    """Names for n repositories, largest first: the monorepos, then the required names (the ones
    the load profile queries), then generated ones. Hosts get repositories in proportion to their
    design counts; within a host, a few organisations hold most repositories (as on real hosts)."""
    rng = random.Random(f"replica-names:{seed}")
    hosts = list(hosts) or [HostSpec(DEFAULT_HOST, "other", n)]
    known = {h.name for h in hosts}
    for name in required:
        host, _org, _repo = split_name(name, field_name="load profile")
        if host not in known:  # the scan saw a host the design does not list: keep its name
            hosts.append(HostSpec(host, "other", 0))
            known.add(host)
    if len(required) > n - min(monorepos, n):
        raise ValidationError(f"the load profile queries {len(required)} repositories by name; a corpus of {n} repositories "
                              f"with {monorepos} monorepo(s) cannot hold them all: raise --repos", field="--repos")
    counts = dict(zip((h.name for h in hosts), _split_counts(n, [float(h.repositories) for h in hosts]), strict=True))
    names: list[str] = []
    used: set[str] = set()
    main_host = max(hosts, key=lambda h: counts[h.name]).name

    def take(host: str, name: str) -> None:
        counts[host] -= 1
        names.append(name)
        used.add(name)

    org_lists = {h.name: _orgs(h, counts[h.name], rng) for h in hosts}
    for i in range(min(monorepos, n)):
        take(main_host, f"{main_host}/{org_lists[main_host][0]}/monorepo" + (f"-{i + 1}" if i else ""))
    for name in required:
        host = name.split("/", 1)[0]
        if name not in used:
            take(host, name)
    # the generated ones: each host's remaining count, spread over its organisations (Zipf-like)
    slots: list[str] = []
    for h in hosts:
        slots += [h.name] * max(0, counts[h.name])
    while len(slots) < n - len(names):
        slots.append(main_host)
    rng.shuffle(slots)
    for host in slots[: n - len(names)]:
        orgs = org_lists[host]
        org = rng.choices(orgs, weights=[1 / (i + 1) for i in range(len(orgs))])[0]
        base = f"{host}/{org}/{rng.choice(WORDS)}-{rng.choice(WORDS)}"
        name, k = base, 2
        while name in used:
            name, k = f"{base}-{k}", k + 1
        used.add(name)
        names.append(name)
    return names
