"""Deciding when watching an instance can stop: cloning and indexing reached the totals, or
nothing moved for too long."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WatchVerdict:
    done: bool
    stalled: bool
    #: seconds since cloned or indexed last changed
    still_for: float
    message: str


def assess_progress(history: list[tuple[float, dict[str, Any]]], *, stall_after: float) -> WatchVerdict:
    """history: (seconds, repository_stats) oldest first."""
    if not history:
        return WatchVerdict(False, False, 0.0, "no snapshot yet")
    now, last = history[-1]
    total = int(last.get("total") or 0)
    cloned = int(last.get("cloned") or 0)
    indexed = int(last.get("indexed") or 0)
    failed = int(last.get("failedFetch") or 0)
    cloning = int(last.get("cloning") or 0)
    if total and cloned >= total and indexed >= total:
        return WatchVerdict(True, False, 0.0, f"all {total:,} repositories cloned and indexed")
    if total and cloning == 0 and cloned + failed >= total and indexed >= cloned:
        return WatchVerdict(True, False, 0.0, f"{cloned:,} of {total:,} cloned and indexed; {failed:,} failed to fetch")
    since = now
    for t, stats in reversed(history[:-1]):
        if (int(stats.get("cloned") or 0), int(stats.get("indexed") or 0)) != (cloned, indexed):
            break
        since = t
    still = now - since
    if still >= stall_after:
        return WatchVerdict(False, True, still,
                            f"stalled: cloned {cloned:,}/{total:,} and indexed {indexed:,}/{total:,} have not moved for "
                            f"{int(still // 60)} min {int(still % 60)} s")
    return WatchVerdict(False, False, still, f"cloned {cloned:,}/{total:,}, indexed {indexed:,}/{total:,}")
