"""Node packing: place pods on node pools chosen from an instance catalog, minimising monthly cost.

Each node gives pods its allocatable capacity: the instance's vCPU and memory minus kube-reserved
(the GKE formula, which EKS and AKS approximate), the kubelet's hard eviction threshold, the
DaemonSets every node runs, and the headroom asked for. Replicas of one service go to different
nodes (anti-affinity), so losing a node never takes a whole service down.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from implhub.errors import ValidationError
from implhub.sizing.data import Instance, catalog_for
from implhub.sizing.fit import best_fit
from implhub.sizing.localsearch import cheaper_type_set, repack_pairs, repack_triples

HOURS_PER_MONTH = 730.0
GIB_PER_GB = 1e9 / 2**30
EVICTION_HARD_GIB = 0.1  # memory.available<100Mi
PRIMARY_CANDIDATES = 8
REPACKED_PLANS = 6
IMPROVE_LIMIT = 20  # plans with more nodes skip the move-to-a-cheaper-type search
PLAIN_IMPROVED_PLANS = 4  # the cheapest plans refined by moving nodes to cheaper types
SPARE_REPAIRED_PLANS = 10  # plans made to survive one node's loss: the cheapest, and those of small nodes
SPARE_IMPROVED_PLANS = 4  # resilient plans refined by local search (the cheapest after repair)


@dataclass(frozen=True)
class PodSpec:
    """One workload: its per-pod requests (CPU cores, memory in GB of 10^9 bytes)."""

    name: str
    cpu: float
    memory_gb: float
    replicas: int = 1
    daemonset: bool = False


def kube_reserved_cpu(vcpu: float) -> float:
    """6% of the first core, 1% of the next, 0.5% of the next 2, 0.25% of the rest."""
    tiers = [(1.0, 0.06), (1.0, 0.01), (2.0, 0.005), (math.inf, 0.0025)]
    left, out = vcpu, 0.0
    for size, rate in tiers:
        take = min(left, size)
        out += take * rate
        left -= take
        if left <= 0:
            break
    return out


def kube_reserved_memory_gib(mem_gib: float) -> float:
    """25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112, 2% above."""
    tiers = [(4.0, 0.25), (4.0, 0.20), (8.0, 0.10), (112.0, 0.06), (math.inf, 0.02)]
    left, out = mem_gib, 0.0
    for size, rate in tiers:
        take = min(left, size)
        out += take * rate
        left -= take
        if left <= 0:
            break
    return out


@dataclass(frozen=True)
class NodeType:
    instance: Instance
    cpu: float  # usable by the packed pods
    mem_gib: float
    reserved_cpu: float
    reserved_mem_gib: float

    @property
    def price(self) -> float:
        return self.instance.hourly_usd


def node_types(instances: Iterable[Instance], daemonsets: Sequence[PodSpec], headroom: float) -> list[NodeType]:
    ds_cpu = sum(d.cpu for d in daemonsets)
    ds_mem = sum(d.memory_gb for d in daemonsets) * GIB_PER_GB
    out = []
    for inst in instances:
        rc, rm = kube_reserved_cpu(inst.vcpu), kube_reserved_memory_gib(inst.memory_gib) + EVICTION_HARD_GIB
        cpu = (inst.vcpu - rc) * (1 - headroom) - ds_cpu
        mem = (inst.memory_gib - rm) * (1 - headroom) - ds_mem
        if cpu > 0 and mem > 0:
            out.append(NodeType(inst, cpu, mem, rc, rm))
    return sorted(out, key=lambda t: (t.price, t.instance.instance_type))


@dataclass
class _Item:
    service: str
    pod: str
    cpu: float
    mem_gib: float


class _Node:
    """A node being filled; sums kept as pods are added so a fit test is constant time."""

    __slots__ = ("type", "items", "cpu_used", "mem_used", "services")

    def __init__(self, ntype: NodeType, items: list[_Item]) -> None:
        self.type = ntype
        self.items: list[_Item] = []
        self.cpu_used = 0.0
        self.mem_used = 0.0
        self.services: set[str] = set()
        for i in items:
            self.add(i)

    def add(self, item: _Item) -> None:
        self.items.append(item)
        self.cpu_used += item.cpu
        self.mem_used += item.mem_gib
        self.services.add(item.service)

    def fits(self, item: _Item, extra_cpu: float = 0.0, extra_mem: float = 0.0,
             extra_services: set[str] | None = None) -> bool:
        if item.service in self.services or (extra_services and item.service in extra_services):
            return False
        return (self.cpu_used + extra_cpu + item.cpu <= self.type.cpu + 1e-9
                and self.mem_used + extra_mem + item.mem_gib <= self.type.mem_gib + 1e-9)


def _holds(t: NodeType, items: Sequence[_Item]) -> bool:
    return sum(i.cpu for i in items) <= t.cpu + 1e-9 and sum(i.mem_gib for i in items) <= t.mem_gib + 1e-9


def coerce_pods(pods: Iterable[PodSpec | Mapping[str, Any]]) -> list[PodSpec]:
    out: list[PodSpec] = []
    for n, p in enumerate(pods):
        if isinstance(p, PodSpec):
            spec = p
        else:
            try:
                spec = PodSpec(name=str(p["name"]), cpu=float(p["cpu"]), memory_gb=float(p["memory_gb"]),
                               replicas=int(p.get("replicas", 1)), daemonset=bool(p.get("daemonset", False)))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValidationError(f"pod {n}: expected name, cpu, memory_gb[, replicas, daemonset] ({exc})",
                                      field="pods") from None
        if spec.cpu < 0 or spec.memory_gb < 0 or spec.replicas < 0:
            raise ValidationError(f"pod {spec.name!r}: requests and replicas must be >= 0", field="pods")
        out.append(spec)
    return out


def _expand(pods: Sequence[PodSpec]) -> list[_Item]:
    items = []
    for p in pods:
        if p.daemonset:
            continue
        for r in range(p.replicas):
            items.append(_Item(p.name, f"{p.name}-{r}", p.cpu, p.memory_gb * GIB_PER_GB))
    return items


ORDERS = ("dominant", "memory", "cpu")


def _pack_with(items: list[_Item], primary: NodeType, types: list[NodeType], order_by: str = "dominant",
               compact: bool = True) -> list[_Node] | None:
    """Best-fit decreasing: open `primary` nodes (or the cheapest type that holds a pod too big for
    it), then shrink every node to the cheapest type that still holds its pods."""
    if order_by == "memory":
        order = sorted(items, key=lambda i: (i.mem_gib, i.cpu), reverse=True)
    elif order_by == "cpu":
        order = sorted(items, key=lambda i: (i.cpu, i.mem_gib), reverse=True)
    else:
        order = sorted(items, key=lambda i: max(i.cpu / primary.cpu, i.mem_gib / primary.mem_gib), reverse=True)
    nodes: list[_Node] = []
    for item in order:
        best = best_fit(nodes, item)
        if best is not None:
            best.add(item)
            continue
        for t in [primary, *types]:
            if _holds(t, [item]):
                nodes.append(_Node(t, [item]))
                break
        else:
            return None
    if compact:  # fewer, fuller nodes; a plan with a spare node may rather keep many small ones
        _consolidate(nodes)
    for node in nodes:
        for t in types:  # cheapest first; the node's own type holds its pods, so one is found
            if _holds(t, node.items):
                node.type = t
                break
    if compact:
        _merge_pairs(nodes, types)
    return nodes


def _merge_pairs(nodes: list[_Node], types: list[NodeType], limit: int = 60) -> None:
    """Replace two nodes by one cheaper node that holds both (replicas still apart)."""
    if len(nodes) > limit:
        return
    improved = True
    while improved:
        improved = False
        for a in nodes:
            for b in nodes:
                if a is b or a.services & b.services:
                    continue
                both = a.items + b.items
                for t in types:  # cheapest first
                    if t.price >= a.type.price + b.type.price - 1e-9:
                        break
                    if _holds(t, both):
                        nodes.remove(a)
                        nodes.remove(b)
                        nodes.append(_Node(t, both))
                        improved = True
                        break
                if improved:
                    break
            if improved:
                break


def _consolidate(nodes: list[_Node], attempts: int = 12) -> None:
    """Try to empty the least used nodes into the others (a bounded number of tries)."""
    tried = 0
    while len(nodes) > 1 and tried < attempts:
        tried += 1
        victim = min(nodes, key=lambda n: n.type.price * max(n.cpu_used / n.type.cpu, n.mem_used / n.type.mem_gib))
        others = [n for n in nodes if n is not victim]
        staged: dict[int, tuple[float, float, set[str]]] = {}
        moves: list[tuple[_Item, _Node]] = []
        for item in sorted(victim.items, key=lambda i: i.mem_gib, reverse=True):
            target = None
            for n in others:
                c, m, svcs = staged.get(id(n), (0.0, 0.0, set()))
                if n.fits(item, c, m, svcs):
                    target = n
                    staged[id(n)] = (c + item.cpu, m + item.mem_gib, svcs | {item.service})
                    break
            if target is None:
                return
            moves.append((item, target))
        for item, target in moves:
            target.add(item)
        nodes.remove(victim)


def _cost(nodes: list[_Node]) -> float:
    return sum(n.type.price for n in nodes)


def _candidates(items: list[_Item], types: list[NodeType], *, loose: bool = False) -> list[list[_Node]]:
    """Plans from every promising main node type and ordering, improved by local search. loose:
    also the plans before nodes are emptied and merged (many small nodes lose less to one
    node's loss)."""
    need_cpu, need_mem = sum(i.cpu for i in items), sum(i.mem_gib for i in items)
    # primary types in order of their lower bound on cost; the few best are tried
    ranked = sorted(types, key=lambda t: max(need_cpu / t.cpu, need_mem / t.mem_gib, 1.0) * t.price)
    small = len(items) <= 120
    plans: list[list[_Node]] = []
    for primary in ranked if small else ranked[:PRIMARY_CANDIDATES]:
        for order_by in ORDERS if small else ORDERS[:1]:
            nodes = _pack_with(list(items), primary, types, order_by)
            if nodes is not None:
                plans.append(nodes)
            if loose:
                spread = _pack_with(list(items), primary, types, order_by, compact=False)
                if spread is not None:
                    plans.append(spread)
    plans.sort(key=_cost)
    for plan in plans if len(items) <= 24 else plans[:REPACKED_PLANS]:  # local search (all plans when small)
        repack_pairs(plan, types)
    return plans


def _refined(plan: list[_Node], types: list[NodeType], ds_cpu: float, ds_mem: float, *,
             exact: bool = True, tried: dict[tuple[str, ...], list[_Node] | None] | None = None) -> list[_Node]:
    """A copy of the plan after three-node and two-node moves and moves to cheaper types."""
    from implhub.sizing.resilience import improve

    nodes = [_Node(n.type, list(n.items)) for n in plan]
    repack_triples(nodes, types)
    repack_pairs(nodes, types)
    found = cheaper_type_set(nodes, types, tried) if exact else None
    if found is not None:
        nodes = found
    if len(nodes) > IMPROVE_LIMIT:  # a large plan is already close to its bound; the move costs n^2
        return nodes
    return improve(nodes, types, ds_cpu, ds_mem, spare=False)


def pack(
    pods: Iterable[PodSpec | Mapping[str, Any]],
    cloud: str,
    *,
    headroom: float = 0.2,
    catalog: Sequence[Instance] | None = None,
    spare_node: bool = False,
    one_family: bool = False,
) -> dict[str, Any]:
    """Place every pod; return {"cloud", "pools", "monthly_usd", "placements", "nodes", "totals",
    "resilience"}.

    pods: PodSpec or dicts {name, cpu, memory_gb, replicas, daemonset}; a DaemonSet runs on every
    node. cloud: aws | gcp | azure. headroom: the share of each node's allocatable kept free.
    spare_node: the plan survives the loss of any one node (see `implhub.sizing.resilience`).
    one_family: every node of the plan from one instance family.
    """
    from implhub.sizing.resilience import family, improve, make_resilient

    if not 0 <= headroom < 0.9:
        raise ValidationError(f"expected a headroom between 0 and 0.9, got {headroom}", field="--headroom")
    specs = coerce_pods(pods)
    daemonsets = [p for p in specs if p.daemonset]
    types = node_types(catalog_for(cloud, catalog), daemonsets, headroom)
    items = _expand(specs)
    if not types:
        raise ValidationError(f"no {cloud} instance type leaves room after its DaemonSets and reserves", field="--cloud")
    ds_cpu = sum(d.cpu for d in daemonsets)
    ds_mem = sum(d.memory_gb for d in daemonsets) * GIB_PER_GB
    by_family: dict[str, list[NodeType]] = {}
    for t in types:
        by_family.setdefault(family(t.instance.instance_type), []).append(t)
    # with a spare node the single-family plans are candidates too (a spare of a uniform plan is cheap)
    groups = by_family if one_family else ({"": types} | by_family if spare_node else {"": types})
    best: list[_Node] | None = None
    plain: list[_Node] | None = None
    for group in groups.values():
        plans = _candidates(items, group, loose=spare_node)
        if not plans:
            continue
        plans.sort(key=_cost)
        # the cheapest plans refined as copies: the unrefined ones stay candidates for a spare node,
        # where many smaller nodes may beat a few compact ones
        tried: dict[tuple[str, ...], list[_Node] | None] = {}  # type sets tried for these pods
        plans += [_refined(p, group, ds_cpu, ds_mem, exact=not spare_node, tried=tried)
                  for p in plans[:PLAIN_IMPROVED_PLANS]]
        cheapest = min(plans, key=_cost)
        if plain is None or _cost(cheapest) < _cost(plain):
            plain = cheapest
        if spare_node:
            # plans of smaller nodes need less spare: rank by the cost plus the dearest node
            by_cost = sorted(plans, key=_cost)[:SPARE_REPAIRED_PLANS]
            by_spread = sorted(plans, key=lambda p: _cost(p) + max(n.type.price for n in p))[:SPARE_REPAIRED_PLANS]
            ranked_plans = by_cost + [p for p in by_spread if not any(p is q for q in by_cost)]
            fixed = sorted(((r, r is p) for p in ranked_plans if (r := make_resilient(p, group, ds_cpu, ds_mem))),
                           key=lambda pair: _cost(pair[0]))
            # a plan that survived as it was is already locally optimal; the repaired ones are refined
            plans = [r if as_was else improve(r, group, ds_cpu, ds_mem) for r, as_was in fixed[:SPARE_IMPROVED_PLANS]]
        for plan in plans:
            if best is None or _cost(plan) < _cost(best) - 1e-9:
                best = plan
        if spare_node and not one_family and best is not None and plain is not None and _cost(best) <= _cost(plain) + 1e-9:
            break  # the cheapest plan survives as it is: nothing cheaper can
    if best is None or plain is None:
        biggest = max(items, key=lambda i: i.mem_gib)
        raise ValidationError(
            f"pod {biggest.pod} ({biggest.cpu:g} CPU, {biggest.mem_gib:.1f} GiB) fits no {cloud} instance in the "
            "catalog" + (" of one family" if one_family else "") + "; split it into more replicas or add a larger "
            "instance type", field="pods")
    out = _plan_dict(cloud, best, daemonsets, headroom)
    from implhub.sizing.resilience import survives

    out["resilience"] = {
        "spare_node": spare_node, "one_family": one_family,
        "survives_one_node_loss": survives(best, ds_cpu, ds_mem),
        "spare_monthly_usd": round(max(0.0, _cost(best) - _cost(plain)) * HOURS_PER_MONTH, 2) if spare_node else 0.0,
        "families": sorted({family(n.type.instance.instance_type) for n in best}),
    }
    return out


def _plan_dict(cloud: str, nodes: list[_Node], daemonsets: Sequence[PodSpec], headroom: float) -> dict[str, Any]:
    nodes = sorted(nodes, key=lambda n: (-n.type.price, n.type.instance.instance_type, -n.mem_used))
    counters: dict[str, int] = defaultdict(int)
    placements: list[dict[str, str]] = []
    node_rows: list[dict[str, Any]] = []
    pools: dict[str, dict[str, Any]] = {}
    for n in nodes:
        inst = n.type.instance
        counters[inst.instance_type] += 1
        name = f"{inst.instance_type}-{counters[inst.instance_type]}"
        pod_names = [i.pod for i in sorted(n.items, key=lambda i: i.pod)] + [d.name for d in daemonsets]
        placements += [{"node": name, "pod": p} for p in pod_names]
        ds_cpu = sum(d.cpu for d in daemonsets)
        ds_mem = sum(d.memory_gb for d in daemonsets) * GIB_PER_GB
        alloc_cpu = inst.vcpu - n.type.reserved_cpu
        alloc_mem = inst.memory_gib - n.type.reserved_mem_gib
        used_cpu, used_mem = n.cpu_used + ds_cpu, n.mem_used + ds_mem
        node_rows.append({
            "name": name, "instance_type": inst.instance_type, "pods": pod_names,
            "allocatable": {"cpu": round(alloc_cpu, 3), "memory_gib": round(alloc_mem, 3)},
            "requested": {"cpu": round(used_cpu, 3), "memory_gib": round(used_mem, 3)},
            "utilisation": {"cpu": round(used_cpu / alloc_cpu, 3), "memory": round(used_mem / alloc_mem, 3)},
        })
        pool = pools.setdefault(inst.instance_type, {
            "instance_type": inst.instance_type, "count": 0, "vcpu": inst.vcpu, "memory_gib": inst.memory_gib,
            "hourly_usd": inst.hourly_usd, "price_source": inst.source, "price_date": inst.date, "region": inst.region})
        pool["count"] += 1
    hourly = sum(p["count"] * p["hourly_usd"] for p in pools.values())
    return {
        "cloud": cloud,
        "headroom": headroom,
        "pools": list(pools.values()),
        "monthly_usd": round(hourly * HOURS_PER_MONTH, 2),
        "placements": placements,
        "nodes": node_rows,
        "totals": {
            "nodes": len(nodes),
            "vcpu": sum(p["count"] * p["vcpu"] for p in pools.values()),
            "memory_gib": sum(p["count"] * p["memory_gib"] for p in pools.values()),
            "requested_vcpu": round(sum(r["requested"]["cpu"] for r in node_rows), 3),
            "requested_memory_gib": round(sum(r["requested"]["memory_gib"] for r in node_rows), 3),
            "kube_reserved_vcpu": round(sum(n.type.reserved_cpu for n in nodes), 3),
            "kube_reserved_memory_gib": round(sum(n.type.reserved_mem_gib for n in nodes), 3),
        },
    }


def first_fit_decreasing(
    pods: Iterable[PodSpec | Mapping[str, Any]], cloud: str, *, instance_type: str | None = None,
    headroom: float = 0.2, catalog: Sequence[Instance] | None = None,
) -> dict[str, Any]:
    """The textbook baseline: one instance type (the given one, else the cheapest that holds the
    largest pod), pods by decreasing memory, each on the first node with room."""
    specs = coerce_pods(pods)
    daemonsets = [p for p in specs if p.daemonset]
    types = node_types(catalog_for(cloud, catalog), daemonsets, headroom)
    items = sorted(_expand(specs), key=lambda i: (i.mem_gib, i.cpu), reverse=True)
    if instance_type:
        chosen = [t for t in types if t.instance.instance_type == instance_type]
        if not chosen:
            raise ValidationError(f"unknown {cloud} instance type {instance_type!r}", field="instance_type")
        t = chosen[0]
    else:
        fitting = [t for t in types if all(_holds(t, [i]) for i in items)]
        if not fitting:
            raise ValidationError(f"no single {cloud} instance type holds every pod", field="pods")
        t = fitting[0]
    nodes: list[_Node] = []
    for item in items:
        for node in nodes:
            if node.fits(item):
                node.add(item)
                break
        else:
            if not _holds(t, [item]):
                raise ValidationError(f"pod {item.pod} does not fit {t.instance.instance_type}", field="pods")
            nodes.append(_Node(t, [item]))
    return _plan_dict(cloud, nodes, daemonsets, headroom)
