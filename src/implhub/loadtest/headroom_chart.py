"""The adequacy chart: latency against the p95 targets beside each service's peak CPU and memory
against its limit, with Sourcegraph's 80% line."""

from __future__ import annotations

import io
from typing import Any

from implhub.loadtest.adequacy import SCALE_THRESHOLD


def render_png(rep: dict[str, Any]) -> bytes:
    """Two panels side by side: p95 time to first byte per search type against its target, and per
    service the peak CPU and memory as a share of its limit (OOM-killed services marked)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.8), dpi=100)
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.4]})
    types = [(t, e) for t, e in rep.get("types", {}).items() if e.get("requests") and e.get("p95_target_ms")]
    ys = range(len(types))
    ax1.barh([y + 0.2 for y in ys], [e["ttfb_ms"]["p95"] for _, e in types], height=0.4, label="p95 observed",
             color=["#2e7d32" if e.get("p95_within_target") else "#c62828" for _, e in types])
    ax1.barh([y - 0.2 for y in ys], [e["p95_target_ms"] for _, e in types], height=0.4, label="p95 target", color="#9e9e9e")
    ax1.set_yticks(list(ys), [t for t, _ in types])
    ax1.set_xlabel("time to first byte, ms")
    ax1.set_title("latency against the targets")
    ax1.legend(loc="best", fontsize=8)
    services = sorted((rep.get("services") or {}).items())
    ys2 = range(len(services))
    cpu = [s["cpu_peak_ratio"] or 0.0 for _, s in services]
    mem = [s["memory_peak_ratio"] or 0.0 for _, s in services]
    ax2.barh([y + 0.2 for y in ys2], [c * 100 for c in cpu], height=0.4, label="peak CPU", color="#1565c0")
    ax2.barh([y - 0.2 for y in ys2], [m * 100 for m in mem], height=0.4, label="peak memory", color="#6a1b9a")
    ax2.axvline(SCALE_THRESHOLD * 100, color="#c62828", linestyle="--", linewidth=1, label="80% rule")
    ax2.set_yticks(list(ys2), [k + (" (OOM)" if s["oom_kills"] else "") for k, s in services])
    ax2.set_xlabel("% of its limit (request without one)")
    ax2.set_title("server headroom during the run")
    ax2.legend(loc="best", fontsize=8)
    adequate = (rep.get("adequacy") or {}).get("adequate")
    word = {True: "adequate", False: "not adequate", None: "not judged"}[adequate]
    fig.suptitle(f"{rep.get('kind') or 'load'} test {rep.get('run_id')}: resourcing {word}")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
