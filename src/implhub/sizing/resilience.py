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


def _fits_without(nodes: Sequence[_Node], victim: int, ds_cpu: float, ds_mem: float) -> bool:
    total_cpu = sum(n.cpu_used for n in nodes) + ds_cpu * len(nodes)
    total_mem = sum(n.mem_used for n in nodes) + ds_mem * len(nodes)
    others = [alloc(n.type) for i, n in enumerate(nodes) if i != victim]
    if sum(c for c, _ in others) < total_cpu - 1e-9 or sum(m for _, m in others) < total_mem - 1e-9:
        return False
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
    """True when the loss of any one node leaves every pod a place (checked for every node, so
    the node with the most allocatable capacity is covered whatever the tie-break)."""
    if len(nodes) < 2:
        return False
    return all(_fits_without(nodes, v, ds_cpu, ds_mem) for v in range(len(nodes)))


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
