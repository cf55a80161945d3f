"""Charts of a report's timeline: latency over time per search type, and virtual users."""

from __future__ import annotations

import io
from typing import Any


def render_png(report: dict[str, Any], *, title: str | None = None) -> bytes:
    """A PNG with two panels: mean time to first byte per type over time, and VUs over time."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    tl = report.get("timeline") or {}
    fig = Figure(figsize=(9, 5.5), dpi=100)
    ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.4]})
    for type_, series in sorted((tl.get("latency_ms") or {}).items()):
        if series:
            ax1.plot([p[0] for p in series], [p[1] for p in series], label=type_, linewidth=1.2)
    ax1.set_ylabel("time to first byte, mean (ms)")
    if tl.get("latency_ms"):
        ax1.legend(loc="best", fontsize=8)
    ax1.grid(alpha=0.3)
    vus = tl.get("vus") or []
    ax2.step([p[0] for p in vus], [p[1] for p in vus], where="post", color="#555555")
    ax2.set_ylabel("virtual users")
    ax2.set_xlabel(f"seconds since start (buckets of {tl.get('bucket_s', 1)} s)")
    ax2.grid(alpha=0.3)
    verdict = "passed" if report.get("passed") else "failed"
    fig.suptitle(title or f"{report.get('kind') or 'load'} test {report.get('run_id')}: {verdict}, score {report.get('score')}")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
