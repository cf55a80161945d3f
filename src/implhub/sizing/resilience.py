"""A node plan that survives the loss of any one node (N-1), and instance families.

The rule: take away the node with the most allocatable capacity; the others' allocatable (before
headroom: an outage may eat the headroom kept for growth) still covers the requests of every pod
and DaemonSet, and the lost node's pods re-pack onto the others' free allocatable (first fit
decreasing, largest first). A plan that fails is repaired at the lowest cost: one more node of
some type, or one node of the plan raised to a larger type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from implhub.sizing.fit import best_fit

if TYPE_CHECKING:
    from implhub.sizing.packing import NodeType, _Node

_AZURE = re.compile(r"^([A-Za-z]+?)(\d+)([a-z]*)(_v\d+)?$")


def family(instance_type: str) -> str:
    """m6a.8xlarge -> m6a; n2-standard-32 -> n2-standard; D32_v3 -> D_v3; F16s_v2 -> Fs_v2."""
    if "." in instance_type:
        return instance_type.split(".", 1)[0]
    if "-" in instance_type:
        head, _, tail = instance_type.rpartition("-")
        return head if tail.isdigit() else instance_type
    m = _AZURE.match(instance_type)
    if m:
        return f"{m.group(1)}{m.group(3)}{m.group(4) or ''}"
    return instance_type


def alloc(t: NodeType) -> tuple[float, float]:
    """The node's allocatable CPU and memory (GiB): capacity minus kube-reserved and eviction."""
    return t.instance.vcpu - t.reserved_cpu, t.instance.memory_gib - t.reserved_mem_gib


def _repacks_without(nodes: Sequence[_Node], victim: int, ds_cpu: float, ds_mem: float) -> bool:
    """The lost node's pods re-pack onto the others' free allocatable (first fit decreasing)."""
    others = [alloc(n.type) for i, n in enumerate(nodes) if i != victim]
    # the lost node's pods re-pack onto the others' free allocatable, largest first
    free = [[c - n.cpu_used - ds_cpu, m - n.mem_used - ds_mem]
            for (c, m), n in zip(others, (n for i, n in enumerate(nodes) if i != victim), strict=True)]
    for item in sorted(nodes[victim].items, key=lambda i: (i.mem_gib, i.cpu), reverse=True):
        for slot in free:
            if slot[0] >= item.cpu - 1e-9 and slot[1] >= item.mem_gib - 1e-9:
                slot[0] -= item.cpu
                slot[1] -= item.mem_gib
                break
        else:
            return False
    return True


def survives(nodes: Sequence[_Node], ds_cpu: float, ds_mem: float) -> bool:
    """True when the loss of a node leaves every pod a place: for every node, the others'
    allocatable covers all requests; for the node with the most allocatable CPU (each of them on
    a tie), its pods re-pack onto the others."""
    if len(nodes) < 2:
        return False
    allocs = [alloc(n.type) for n in nodes]
    need_cpu = sum(n.cpu_used for n in nodes) + ds_cpu * len(nodes)
    need_mem = sum(n.mem_used for n in nodes) + ds_mem * len(nodes)
    all_cpu, all_mem = sum(c for c, _ in allocs), sum(m for _, m in allocs)
    # the loss of each node in turn: the most allocatable CPU and the most memory are the worst cases
    if all_cpu - max(c for c, _ in allocs) < need_cpu - 1e-9 or all_mem - max(m for _, m in allocs) < need_mem - 1e-9:
        return False
    top = max(c for c, _ in allocs)
    return all(_repacks_without(nodes, v, ds_cpu, ds_mem) for v, n in enumerate(nodes)
               if alloc(n.type)[0] >= top - 1e-9)


def make_resilient(nodes: list[_Node], types: Sequence[NodeType], ds_cpu: float, ds_mem: float) -> list[_Node] | None:
    """The cheapest repair found that survives one node's loss: the plan as it is, one more
    (empty) node of some type, or one node raised to a larger type. None if nothing works."""
    from implhub.sizing.packing import _holds, _Node

    if survives(nodes, ds_cpu, ds_mem):
        return nodes
    best: list[_Node] | None = None
    best_cost = float("inf")
    base = sum(n.type.price for n in nodes)
    for t in types:  # one spare node
        if base + t.price >= best_cost:
            break
        cand = [*nodes, _Node(t, [])]
        if survives(cand, ds_cpu, ds_mem):
            best, best_cost = cand, base + t.price
    for i, n in enumerate(nodes):  # one node larger
        for t in types:
            extra = t.price - n.type.price
            if extra <= 0 or base + extra >= best_cost:
                continue
            if not _holds(t, n.items):
                continue
            cand = [*nodes[:i], _Node(t, n.items), *nodes[i + 1:]]
            if survives(cand, ds_cpu, ds_mem):
                best, best_cost = cand, base + extra
    if best is None:  # two spare nodes of the largest type (a plan of one huge node)
        big = max(types, key=lambda t: alloc(t))
        cand = [*nodes, _Node(big, []), _Node(big, [])]
        return cand if survives(cand, ds_cpu, ds_mem) else None
    return best


def improve(nodes: list[_Node], types: Sequence[NodeType], ds_cpu: float, ds_mem: float, *,
            rounds: int = 30, spare: bool = True) -> list[_Node]:
    """Local search: a node moves to a cheaper type, keeping the pods that fit and placing the
    others on the remaining nodes (best fit, replicas apart); an empty node may go. With `spare`
    a move must keep the plan surviving one node's loss. The first cheaper plan found is taken,
    until none is."""
    from implhub.sizing.packing import IMPROVE_LIMIT, _Node

    if len(nodes) > IMPROVE_LIMIT:
        return nodes
    current = nodes
    for _ in range(rounds):
        better = _downsize_once(current, types, ds_cpu, ds_mem, _Node, spare)
        if better is None:
            return current
        current = better
    return current


def _downsize_once(nodes: list[_Node], types: Sequence[NodeType], ds_cpu: float, ds_mem: float,
                   node_cls: type[_Node], spare: bool) -> list[_Node] | None:
    order = sorted(range(len(nodes)), key=lambda i: -nodes[i].type.price)
    for i in order:
        node = nodes[i]
        cheaper: list[NodeType | None] = [t for t in types if t.price < node.type.price - 1e-9]
        cheaper.insert(0, None)  # None: remove the node altogether
        for t in cheaper:
            cand = _rehome(nodes, i, t, node_cls)
            if cand is not None and (not spare or survives(cand, ds_cpu, ds_mem)):
                return cand
    return None


def _rehome(nodes: list[_Node], i: int, t: NodeType | None, node_cls: type[_Node]) -> list[_Node] | None:
    """Node i becomes type t (or goes when t is None); its pods that no longer fit move to the
    other nodes, largest first, each to the node it fills best."""
    others = [node_cls(n.type, list(n.items)) for j, n in enumerate(nodes) if j != i]
    kept = node_cls(t, []) if t is not None else None
    for item in sorted(nodes[i].items, key=lambda x: (x.mem_gib, x.cpu), reverse=True):
        if kept is not None and kept.fits(item):
            kept.add(item)
            continue
        best = best_fit(others, item)
        if best is None:
            return None
        best.add(item)
    return [*others, kept] if kept is not None else others
