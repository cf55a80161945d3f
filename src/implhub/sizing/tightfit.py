"""Feasibility of a tight packing: can these pods go onto exactly these nodes (one of each type
given), replicas apart? Best fit and depth-first search give up on sets that are 95%+ full,
where one early misplaced pod only shows at the end; this search starts from a best-fit
assignment that may overflow and moves or swaps pods to drive the overflow to zero (tabu search:
a moved pod stays put for a few steps, so the search leaves a local minimum instead of cycling).
Deterministic: no randomness, ties broken by position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from implhub.sizing.packing import NodeType, _Item, _Node

EPS = 1e-9
TABU_TENURE = 7  # steps a moved pod may not move again
STALL_STEPS = 25  # a search whose overflow has not reached a new low for this many steps stops


def _overflow(used: float, cap: float) -> float:
    return used - cap if used > cap + EPS else 0.0


def could_hold(items: list[_Item], kinds: list[NodeType]) -> bool:
    """A quick necessary test: no service has more replicas than there are nodes, and in each
    dimension the pods too big for all but the k largest nodes fit those k nodes, in both
    dimensions. Rules out most too-small type sets before any search."""
    replicas: dict[str, int] = {}
    for it in items:
        replicas[it.service] = replicas.get(it.service, 0) + 1
    if max(replicas.values(), default=0) > len(kinds):
        return False
    for dim in ("cpu", "mem_gib"):
        ranked = sorted(kinds, key=lambda t: getattr(t, dim), reverse=True)
        for k in range(1, len(ranked) + 1):
            limit = getattr(ranked[k], dim) if k < len(ranked) else -1.0
            big = [it for it in items if getattr(it, dim) > limit + EPS]
            top = ranked[:k]
            if (sum(it.cpu for it in big) > sum(t.cpu for t in top) + EPS
                    or sum(it.mem_gib for it in big) > sum(t.mem_gib for t in top) + EPS):
                return False
    return True


def repair_fit(items: list[_Item], kinds: list[NodeType], budget: list[int], limit: int) -> list[_Node] | None:
    """One node of each type in `kinds` holding every item, or None when the search finds none
    within `limit` moves or the shared `budget[0]` runs out (decremented here)."""
    from implhub.sizing.packing import _Node

    if not items or not kinds:
        return None
    n_bins = len(kinds)
    cap_c = [t.cpu for t in kinds]
    cap_m = [t.mem_gib for t in kinds]
    # overflow in each dimension weighted by the inverse of the total capacity, so both count alike
    wc = 1.0 / sum(cap_c)
    wm = 1.0 / sum(cap_m)
    order = sorted(range(len(items)), key=lambda i: items[i].cpu * wc + items[i].mem_gib * wm, reverse=True)
    where = [-1] * len(items)
    used_c = [0.0] * n_bins
    used_m = [0.0] * n_bins
    svc: list[dict[str, int]] = [{} for _ in kinds]  # service -> pods of it on the bin

    def put(i: int, b: int) -> None:
        it = items[i]
        where[i] = b
        used_c[b] += it.cpu
        used_m[b] += it.mem_gib
        svc[b][it.service] = svc[b].get(it.service, 0) + 1

    def take(i: int) -> None:
        it, b = items[i], where[i]
        used_c[b] -= it.cpu
        used_m[b] -= it.mem_gib
        svc[b][it.service] -= 1
        if not svc[b][it.service]:
            del svc[b][it.service]

    def pen(b: int, dc: float, dm: float) -> float:
        return wc * _overflow(used_c[b] + dc, cap_c[b]) + wm * _overflow(used_m[b] + dm, cap_m[b])

    for i in order:  # best fit where it fits, else where it overflows least; replicas always apart
        it = items[i]
        open_bins = [b for b in range(n_bins) if it.service not in svc[b]]
        if not open_bins:
            return None  # more replicas than nodes
        best = min(open_bins, key=lambda b: (pen(b, it.cpu, it.mem_gib) - pen(b, 0.0, 0.0),
                                             (cap_c[b] - used_c[b] - it.cpu) * wc + (cap_m[b] - used_m[b] - it.mem_gib) * wm))
        put(i, best)
    tabu = [0] * len(items)
    step = 0
    lowest, improved_at = float("inf"), 0
    while True:
        total = sum(pen(b, 0.0, 0.0) for b in range(n_bins))
        if total <= EPS:
            break
        if total < lowest - EPS:
            lowest, improved_at = total, step
        if budget[0] <= 0 or step >= limit or step - improved_at > STALL_STEPS:
            return None
        budget[0] -= 1
        step += 1
        # the best step: any pod to another node (moves that leave the overflow as it is let full
        # nodes rearrange), or two pods swapped where one of their nodes overflows; a tabu pod
        # moves only when that reaches a new lowest overflow (aspiration)
        best_delta, best_move = float("inf"), None
        held_delta, held_move = float("inf"), None  # the best tabu move: taken when nothing else moves
        free_c = [cap_c[b] - used_c[b] for b in range(n_bins)]
        free_m = [cap_m[b] - used_m[b] for b in range(n_bins)]
        now = [pen(b, 0.0, 0.0) for b in range(n_bins)]
        on_over = [j for j in range(len(items)) if now[where[j]] > EPS]
        # written out rather than through pen(): this loop is the whole cost of the search
        for i, it in enumerate(items):
            a = where[i]
            later = range(i + 1, len(items))
            ic, im, isvc, tabu_i = it.cpu, it.mem_gib, it.service, tabu[i] > step
            fca, fma, svc_a = free_c[a], free_m[a], svc[a]
            left_a = (wc * (-ic - fca if -ic > fca + EPS else 0.0) + wm * (-im - fma if -im > fma + EPS else 0.0)
                      - now[a])
            for b in range(n_bins):  # move the pod
                if b == a or isvc in svc[b]:
                    continue
                fcb, fmb = free_c[b], free_m[b]
                delta = left_a + (wc * (ic - fcb if ic > fcb + EPS else 0.0)
                                  + wm * (im - fmb if im > fmb + EPS else 0.0) - now[b])
                if tabu_i and total + delta >= lowest - EPS:
                    if delta < held_delta - EPS:
                        held_delta, held_move = delta, (i, b, -1)
                elif delta < best_delta - EPS:
                    best_delta, best_move = delta, (i, b, -1)
            # swap it with a pod on another node, one of the two overflowing (each pair once)
            for j in (later if now[a] > EPS else on_over):
                b = where[j]
                if b == a or (j < i and now[b] > EPS):
                    continue
                jt = items[j]
                if jt.service == isvc or isvc in svc[b] or jt.service in svc_a:
                    continue
                dc, dm = jt.cpu - ic, jt.mem_gib - im
                if -EPS < dc < EPS and -EPS < dm < EPS:
                    continue  # pods of the same size: nothing changes
                fcb, fmb = free_c[b], free_m[b]
                delta = (wc * (dc - fca if dc > fca + EPS else 0.0) + wm * (dm - fma if dm > fma + EPS else 0.0)
                         - now[a] + wc * (-dc - fcb if -dc > fcb + EPS else 0.0)
                         + wm * (-dm - fmb if -dm > fmb + EPS else 0.0) - now[b])
                if (tabu_i or tabu[j] > step) and total + delta >= lowest - EPS:
                    if delta < held_delta - EPS:
                        held_delta, held_move = delta, (i, b, j)
                elif delta < best_delta - EPS:
                    best_delta, best_move = delta, (i, b, j)
        if best_move is None:
            best_move = held_move
        if best_move is None:
            return None
        i, b, j = best_move
        a = where[i]
        take(i)
        if j >= 0:
            take(j)
            put(j, a)
            tabu[j] = step + TABU_TENURE
        put(i, b)
        tabu[i] = step + TABU_TENURE
    bins = [_Node(t, []) for t in kinds]
    for i, b in enumerate(where):
        bins[b].add(items[i])
    return [b for b in bins if b.items]
