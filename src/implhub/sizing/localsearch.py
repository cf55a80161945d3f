"""Local search over a node plan: the pods of three nodes re-packed onto two or three cheaper
nodes. Pair moves and merges live in `implhub.sizing.packing`; this one finds the plans that
need a third node to change type at the same time (a large node split across two mid-size ones
and a small one, for example)."""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING

from implhub.sizing.fit import best_fit
from implhub.sizing.tightfit import could_hold, repair_fit

if TYPE_CHECKING:
    from implhub.sizing.packing import NodeType, _Item, _Node

def _two_bins(items: list[_Item], t1: NodeType, t2: NodeType) -> tuple[list[_Item], list[_Item]] | None:
    """First-fit decreasing of items into one node of t1 and one of t2, replicas apart."""
    from implhub.sizing.packing import _Node

    bins = [_Node(t1, []), _Node(t2, [])]
    for item in sorted(items, key=lambda i: max(i.cpu / t2.cpu, i.mem_gib / t2.mem_gib), reverse=True):
        for b in bins:
            if b.fits(item):
                b.add(item)
                break
        else:
            return None
    return bins[0].items, bins[1].items


def repack_pairs(nodes: list[_Node], types: list[NodeType], limit: int = 16) -> None:
    """Redistribute the pods of two nodes onto a cheaper pair of node types."""
    from implhub.sizing.packing import _Node

    if len(nodes) > limit or len(nodes) < 2:
        return
    improved = True
    rounds = 0
    while improved and rounds < 20:
        improved, rounds = False, rounds + 1
        for ai in range(len(nodes)):
            for bi in range(ai + 1, len(nodes)):
                a, b = nodes[ai], nodes[bi]
                current = a.type.price + b.type.price
                both = a.items + b.items
                cpu, mem = a.cpu_used + b.cpu_used, a.mem_used + b.mem_used
                for i1, t1 in enumerate(types):
                    for t2 in types[i1:]:
                        if t1.price + t2.price >= current - 1e-9:
                            break
                        if t1.cpu + t2.cpu < cpu or t1.mem_gib + t2.mem_gib < mem:
                            continue
                        split = _two_bins(both, t1, t2)
                        if split is not None:
                            nodes[ai], nodes[bi] = _Node(t1, split[0]), _Node(t2, split[1])
                            improved = True
                            break
                    if improved:
                        break
                if improved:
                    break
            if improved:
                break
    nodes[:] = [n for n in nodes if n.items]


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
            best = best_fit(bins, item)
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


class _OutOfSteps(Exception):
    pass


def exact_fit(items: list[_Item], kinds: list[NodeType], steps: list[int]) -> list[_Node] | None:
    """Place every item on one node of each type in `kinds` (replicas apart), by depth-first
    search with symmetric states skipped; `steps[0]` is the budget left (shared by the caller).
    None when there is no placement or the budget runs out."""
    from implhub.sizing.packing import _Node

    kinds = sorted(kinds, key=lambda t: (t.cpu, t.mem_gib), reverse=True)
    big = kinds[0]
    order = sorted(items, key=lambda i: max(i.cpu / big.cpu, i.mem_gib / big.mem_gib), reverse=True)
    cpu_free = [t.cpu for t in kinds]
    mem_free = [t.mem_gib for t in kinds]
    services: list[set[str]] = [set() for _ in kinds]
    where: list[int] = [0] * len(order)
    rest_cpu = [0.0] * (len(order) + 1)
    rest_mem = [0.0] * (len(order) + 1)
    for k in range(len(order) - 1, -1, -1):
        rest_cpu[k] = rest_cpu[k + 1] + order[k].cpu
        rest_mem[k] = rest_mem[k + 1] + order[k].mem_gib

    def place(k: int) -> bool:
        if k == len(order):
            return True
        steps[0] -= 1
        if steps[0] < 0:
            raise _OutOfSteps
        if rest_cpu[k] > sum(cpu_free) + 1e-9 or rest_mem[k] > sum(mem_free) + 1e-9:
            return False
        it = order[k]
        seen: set[tuple[int, float, float, bool]] = set()
        for b in range(len(kinds)):
            if it.service in services[b] or cpu_free[b] < it.cpu - 1e-9 or mem_free[b] < it.mem_gib - 1e-9:
                continue
            state = (id(kinds[b]), round(cpu_free[b], 6), round(mem_free[b], 6), bool(services[b]))
            if state in seen:
                continue
            seen.add(state)
            cpu_free[b] -= it.cpu
            mem_free[b] -= it.mem_gib
            services[b].add(it.service)
            where[k] = b
            if place(k + 1):
                return True
            cpu_free[b] += it.cpu
            mem_free[b] += it.mem_gib
            services[b].discard(it.service)
        return False

    try:
        if not place(0):
            return None
    except _OutOfSteps:
        return None
    bins = [_Node(t, []) for t in kinds]
    for k, it in enumerate(order):
        bins[where[k]].add(it)
    return [b for b in bins if b.items]


EXACT_NODE_LIMIT = 6  # plans of at most this many nodes get the type-set search
EXACT_STEPS = 6_000  # depth-first steps for one plan's type-set search, all type sets together
EXACT_TYPE_SETS = 120  # type sets tried at most, cheapest first
REPAIR_STEPS = 800  # overflow-repair moves for one plan's type-set search, all type sets together
REPAIR_STEPS_PER_SET = 150  # a set still overflowing after this many moves is left to the exact search


def cheaper_type_set(nodes: list[_Node], types: list[NodeType],
                     tried: dict[tuple[str, ...], list[_Node] | None] | None = None) -> list[_Node] | None:
    """For a small plan: the cheapest set of node types (one node fewer, as many, or one more)
    that holds every pod, tried cheapest first, each by best fit, then by overflow repair, then by
    depth-first search, within step budgets. None when no cheaper set is found. tried: the
    outcome per type set, shared by the calls on plans of the same pods (so a set that failed
    costs its budget once)."""
    from implhub.sizing.packing import _Node

    if not nodes or len(nodes) > EXACT_NODE_LIMIT:
        return None
    items = [i for n in nodes for i in n.items]
    current = sum(n.type.price for n in nodes)
    need_cpu, need_mem = sum(i.cpu for i in items), sum(i.mem_gib for i in items)
    big_cpu = max((i.cpu for i in items), default=0.0)
    big_mem = max((i.mem_gib for i in items), default=0.0)
    by_price = sorted(types, key=lambda t: t.price)
    cheapest = by_price[0].price
    sets: list[tuple[float, list[NodeType]]] = []

    def grow(start: int, size: int, chosen: list[NodeType], price: float, cpu: float, mem: float) -> None:
        if len(sets) > 20 * EXACT_TYPE_SETS:
            return
        if len(chosen) == size:
            if (cpu >= need_cpu and mem >= need_mem and price < current - 1e-9
                    and any(t.cpu >= big_cpu and t.mem_gib >= big_mem for t in chosen)):
                sets.append((price, list(chosen)))
            return
        for i in range(start, len(by_price)):
            t = by_price[i]
            if price + t.price + (size - len(chosen) - 1) * cheapest >= current - 1e-9:
                break
            chosen.append(t)
            grow(i, size, chosen, price + t.price, cpu + t.cpu, mem + t.mem_gib)
            chosen.pop()

    for size in range(max(2, len(nodes) - 1), len(nodes) + 2):
        grow(0, size, [], 0.0, 0.0, 0.0)
    sets.sort(key=lambda s: s[0])
    budget = [EXACT_STEPS]
    repairs = [REPAIR_STEPS]
    for _, kinds in sets[:EXACT_TYPE_SETS]:
        key = tuple(sorted(t.instance.instance_type for t in kinds))
        if tried is not None and key in tried:
            known = tried[key]
            if known is not None:
                return [_Node(n.type, list(n.items)) for n in known]
            continue
        if not could_hold(items, kinds):
            continue
        got = _bins(items, kinds)
        if got is None and repairs[0] > 0:  # a tight set: best fit misplaces a pod early
            got = repair_fit(items, kinds, repairs, REPAIR_STEPS_PER_SET)
        if got is None and budget[0] > 0:
            got = exact_fit(items, kinds, budget)
        if tried is not None:
            tried[key] = got
        if got is not None:
            return [_Node(n.type, list(n.items)) for n in got] if tried is not None else got
    return None
