"""The Gantt picture (matplotlib, no display): forecast bars coloured by health over thin
baseline bars, the critical path outlined, milestones as diamonds, today and the end of the
timebox as vertical lines."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

COLOURS = {"on_track": "#2e9e52", "at_risk": "#e08a00", "late": "#d32f2f", "done": "#8fb89a"}
CRITICAL_EDGE = "#6b2fd6"


def render(plan: dict[str, Any], *, title: str, fmt: str = "svg", non_working: list[dt.date] | None = None) -> bytes:
    """`non_working`: weekends, public holidays and blackout dates to shade."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    tasks = plan["tasks"]
    n = max(1, len(tasks))
    fig, ax = plt.subplots(figsize=(13, 1.6 + 0.27 * n), dpi=110)
    one = dt.timedelta(days=1)

    def d(s: str) -> dt.date:
        return dt.date.fromisoformat(s)

    dates = [d(t[k]) for t in tasks for k in ("start", "finish", "baseline_start", "baseline_finish") if t.get(k)]
    dates += [d(plan["today"])] + ([d(plan["timebox_end"])] if plan.get("timebox_end") else [])
    first, last = min(dates), max(dates) + dt.timedelta(days=2)

    def num(day: dt.date) -> float:
        return float((day - first).days)

    for i, t in enumerate(tasks):
        y = n - 1 - i
        if t.get("baseline_start") and t.get("baseline_finish"):
            b0, b1 = d(t["baseline_start"]), d(t["baseline_finish"]) + one
            if t.get("milestone"):
                ax.plot([num(b1 - one)], [y - 0.28], marker="d", markersize=6, color="#b7bcc6", zorder=2)
            else:
                ax.barh(y - 0.28, num(b1) - num(b0), left=num(b0), height=0.16,
                        color="#b7bcc6", zorder=2)
        start, finish = d(t["start"]), d(t["finish"])
        colour = COLOURS.get(t.get("health", ""), "#888888")
        edge = CRITICAL_EDGE if t.get("critical") and t.get("status") != "done" else "none"
        if t.get("milestone"):
            ax.plot([num(finish)], [y + 0.05], marker="D", markersize=9, color=colour,
                    markeredgecolor=edge if edge != "none" else colour, markeredgewidth=1.6, zorder=4)
        else:
            ax.barh(y + 0.05, num(finish + one) - num(start), left=num(start),
                    height=0.5, color=colour, edgecolor=edge, linewidth=1.6 if edge != "none" else 0, zorder=3)
    labels = [_short(("◆ " if t.get("milestone") else "") + t["title"]) for t in tasks]
    ax.set_yticks(list(range(n - 1, n - 1 - len(tasks), -1)) if tasks else [])
    ax.set_yticklabels(labels, fontsize=8)
    for label, t in zip(ax.get_yticklabels(), tasks, strict=False):
        if t.get("critical") and t.get("status") != "done":
            label.set_fontweight("bold")
    for day in non_working or []:
        if first <= day <= last:
            ax.axvspan(num(day), num(day) + 1, color="#f1f2f5", linewidth=0, zorder=0)
    today = d(plan["today"])
    ax.axvline(num(today), color="#1d2330", linewidth=1, linestyle="-", zorder=5)
    ax.text(num(today), n - 0.3, " today", fontsize=8, va="bottom", color="#1d2330")
    if plan.get("timebox_end"):
        end = d(plan["timebox_end"])
        ax.axvline(num(end + one), color="#c62828", linewidth=1, linestyle="--", zorder=5)
        ax.text(num(end + one), n - 0.3, " timebox end", fontsize=8, va="bottom", color="#c62828")
    monday = first - dt.timedelta(days=first.weekday())
    ticks = [monday + dt.timedelta(weeks=k) for k in range((last - monday).days // 7 + 1)]
    step = max(1, len(ticks) // 16)
    ax.set_xticks([num(x) for x in ticks[::step]])
    ax.set_xticklabels([x.strftime("%d %b") for x in ticks[::step]])
    ax.set_xlim(num(first) - 1, num(last))
    ax.tick_params(axis="x", labelsize=8, rotation=0)
    ax.grid(axis="x", color="#e3e6ec", linewidth=0.8, zorder=0)
    ax.set_ylim(-0.8, n - 0.2 + 0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"{title}: plan ({plan['view']} view) - health {plan['health'].replace('_', ' ')}, "
                 f"forecast finish {plan['forecast_finish']}" + (f", baseline {plan['baseline_finish']}" if plan.get("baseline_finish") else ""),
                 fontsize=10, loc="left")
    legend: list[Any] = [Patch(color=COLOURS[h], label=h.replace("_", " ")) for h in ("on_track", "at_risk", "late", "done")]
    legend += [Patch(color="#b7bcc6", label="baseline"),
               Patch(facecolor="white", edgecolor=CRITICAL_EDGE, linewidth=1.6, label="critical path"),
               Line2D([], [], marker="D", linestyle="none", color="#555555", label="milestone")]
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.04 - 0.5 / n), ncol=7, fontsize=8, frameon=False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return buf.getvalue()


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
