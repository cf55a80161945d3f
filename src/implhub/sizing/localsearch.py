"""Local search over a node plan: the pods of three nodes re-packed onto two or three cheaper
nodes. Pair moves and merges live in `implhub.sizing.packing`; this one finds the plans that
need a third node to change type at the same time (a large node split across two mid-size ones
and a small one, for example)."""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from implhub.sizing.packing import NodeType, _Item, _Node

TRIPLE_LIMIT = 10  # plans with more nodes skip this move (its cost grows with the cube of the types)


def _bins(items: list[_Item], kinds: list[NodeType]) -> list[_Node] | None:
    """Best fit decreasing of `items` into one node of each type in `kinds`, replicas apart."""
    from implhub.sizing.packing import _Node

    kinds = sorted(kinds, key=lambda t: (t.cpu, t.mem_gib), reverse=True)
    big = kinds[0]
    orders = (lambda i: max(i.cpu / big.cpu, i.mem_gib / big.mem_gib), lambda i: (i.cpu, i.mem_gib),
              lambda i: (i.mem_gib, i.cpu))
    for key in orders:  # three orderings: a tight fit often needs the right one
        bins = [_Node(t, []) for t in kinds]
        for item in sorted(items, key=key, reverse=True):
            best, slack = None, float("inf")
            for b in bins:
                if b.fits(item):
                    s = max((b.type.cpu - b.cpu_used - item.cpu) / b.type.cpu,
                            (b.type.mem_gib - b.mem_used - item.mem_gib) / b.type.mem_gib)
                    if s < slack:
                        best, slack = b, s
            if best is None:
                break
            best.add(item)
        else:
            return [b for b in bins if b.items]
    return None


def _cheaper_split(items: list[_Item], types: list[NodeType], current: float) -> list[_Node] | None:
    cpu, mem = sum(i.cpu for i in items), sum(i.mem_gib for i in items)
    n = len(types)
    for i1 in range(n):  # two nodes
        for i2 in range(i1, n):
            t1, t2 = types[i1], types[i2]
            if t1.price + t2.price >= current - 1e-9:
                break
            if t1.cpu + t2.cpu >= cpu and t1.mem_gib + t2.mem_gib >= mem:
                got = _bins(items, [t1, t2])
                if got is not None:
                    return got
    for i1 in range(n):  # three nodes
        for i2 in range(i1, n):
            if types[i1].price + 2 * types[i2].price >= current - 1e-9:
                break
            for i3 in range(i2, n):
                t1, t2, t3 = types[i1], types[i2], types[i3]
                if t1.price + t2.price + t3.price >= current - 1e-9:
                    break
                if t1.cpu + t2.cpu + t3.cpu < cpu or t1.mem_gib + t2.mem_gib + t3.mem_gib < mem:
                    continue
                got = _bins(items, [t1, t2, t3])
                if got is not None:
                    return got
    return None


def repack_triples(nodes: list[_Node], types: list[NodeType], *, rounds: int = 10) -> None:
    """Replace the pods of any three nodes by a cheaper set of two or three nodes, while one is
    found (types cheapest first)."""
    if len(nodes) < 3 or len(nodes) > TRIPLE_LIMIT:
        return
    for _ in range(rounds):
        for a, b, c in combinations(range(len(nodes)), 3):
            trio = [nodes[a], nodes[b], nodes[c]]
            current = sum(n.type.price for n in trio)
            better = _cheaper_split([i for n in trio for i in n.items], types, current)
            if better is not None:
                nodes[:] = [n for k, n in enumerate(nodes) if k not in (a, b, c)] + better
                break
        else:
            return
