"""Best fit: the node an item fits on with the least room left (the tighter of CPU and memory,
as a share of the node), shared by the packer, its local search and the spare-node check."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from implhub.sizing.packing import _Item, _Node


def best_fit(nodes: Iterable[_Node], item: _Item) -> _Node | None:
    best: _Node | None = None
    best_slack = float("inf")
    for node in nodes:
        if node.fits(item):
            slack = max((node.type.cpu - node.cpu_used - item.cpu) / node.type.cpu,
                        (node.type.mem_gib - node.mem_used - item.mem_gib) / node.type.mem_gib)
            if slack < best_slack:
                best, best_slack = node, slack
    return best
