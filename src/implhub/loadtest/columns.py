"""Fold the columns of a scanned chunk (chunkscan.Scan) into the report's aggregate.

Each distinct tags object of the chunk is read once; every group, run span and latency series then
takes its points as one numpy array, so the cost per point stays in compiled code.
"""

from __future__ import annotations

import numpy as np

from implhub.loadtest.chunkscan import NAMES, Scan
from implhub.loadtest.points import Aggregate, new_acc
from implhub.loadtest.points import _tag as tag


def fold(agg: Aggregate, scanned: Scan, default_run: str) -> None:
    """Add a chunk's columns: each distinct tags object is read once, then every group, run and
    latency series takes its points as one array."""
    if not scanned.tags:
        return
    codes = scanned.tag_code
    group_of = np.empty(len(scanned.tags), dtype=np.int64)
    run_of = np.empty(len(scanned.tags), dtype=np.int64)
    group_ids: dict[tuple[str, str, str], int] = {}
    run_ids: dict[str, int] = {}
    for code, tags_b in enumerate(scanned.tags):
        type_ = tag(tags_b, b'"type":"').decode()
        if type_ == "setup":
            group_of[code] = -1
        else:
            key = (type_, tag(tags_b, b'"variant":"').decode(), tag(tags_b, b'"endpoint":"').decode())
            group_of[code] = group_ids.setdefault(key, len(group_ids))
        run_of[code] = run_ids.setdefault(tag(tags_b, b'"run_id":"').decode() or default_run, len(run_ids))
    group = group_of[codes]
    keep = group >= 0
    group, metric = group[keep], scanned.metric[keep].astype(np.int64)
    times, values, runs = scanned.time[keep], scanned.value[keep], run_of[codes][keep]
    if not len(group):
        return
    agg.points += len(group)
    for rid, r in run_ids.items():
        ts = times[runs == r]
        if not len(ts):
            continue
        lo, hi = float(ts.min()), float(ts.max())
        span = agg.spans.get(rid)
        if span is None:
            agg.spans[rid] = [lo, hi]
        else:
            span[0], span[1] = min(span[0], lo), max(span[1], hi)
        if agg.start is None or lo < agg.start:
            agg.start = lo
    width = len(NAMES)
    combined = group * width + metric
    order = np.argsort(combined, kind="stable")
    combined = combined[order]
    cuts = np.flatnonzero(np.diff(combined)) + 1
    keys = list(group_ids)
    for seg, c in zip(np.split(order, cuts), combined[np.concatenate(([0], cuts))].tolist(), strict=True):
        type_, variant, endpoint = keys[c // width]
        name = NAMES[c % width]
        gkey = (name, type_, variant, endpoint)
        acc = agg.groups.get(gkey)
        if acc is None:
            acc = agg.groups[gkey] = new_acc(name)
        acc.add_array(values[seg])
    ttfb = metric == NAMES.index("time_to_first_byte")
    for (type_, _v, _e), g in group_ids.items():
        sel = ttfb & (group == g)
        if sel.any():
            agg.timeline.add_latency_array(type_, times[sel], values[sel])
