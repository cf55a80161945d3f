"""The Gantt picture of a plan: forecast bars over their baseline, the critical path, milestones
as diamonds, and today's line. SVG text out, from the `plan show --json` task shape."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

COLOURS = {"done": "#1a7f37", "in_progress": "#6b2fd6", "blocked": "#c62828", "not_started": "#8e99ab"}


def _d(v: Any) -> dt.date | None:
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v)[:10]) if v else None
    except ValueError:
        return None


def _x(d: dt.date) -> float:
    return float(mdates.date2num(d))  # type: ignore[no-untyped-call]


def gantt_svg(tasks: list[dict[str, Any]], *, today: dt.date, title: str = "") -> bytes:
    rows = [t for t in tasks if _d(t.get("start")) and _d(t.get("finish"))]
    rows.sort(key=lambda t: (_d(t.get("start")) or today, _d(t.get("finish")) or today))
    height = 1.2 + 0.26 * max(len(rows), 1)
    fig, ax = plt.subplots(figsize=(10, height))
    try:
        for i, t in enumerate(rows):
            start, finish = _d(t["start"]), _d(t["finish"])
            assert start is not None and finish is not None
            b0, b1 = _d(t.get("baseline_start")), _d(t.get("baseline_finish"))
            if b0 and b1:
                ax.barh(i + 0.28, (b1 - b0).days + 1, left=_x(b0), height=0.16, color="#c9ced8")
            if t.get("milestone"):
                ax.plot(_x(finish) + 0.5, i, marker="D", markersize=7,
                        color=COLOURS.get(str(t.get("status")), "#8e99ab"), markeredgecolor="#15121f")
            else:
                ax.barh(i, (finish - start).days + 1, left=_x(start), height=0.5,
                        color=COLOURS.get(str(t.get("status")), "#8e99ab"),
                        edgecolor="#c62828" if t.get("critical") else "none", linewidth=1.4)
        labels = [str(t.get("title") or t.get("id"))[:48] for t in rows]
        ax.set_yticks(range(len(rows)), labels=labels, fontsize=7)
        ax.invert_yaxis()
        ax.axvline(_x(today), color="#b35c00", linestyle="--", linewidth=1)
        ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
        ax.tick_params(axis="x", labelsize=7, rotation=0)
        ax.grid(axis="x", color="#eef0f4")
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if title:
            ax.set_title(title, fontsize=9, loc="left")
        handles: list[Artist] = [Patch(color=c, label=s.replace("_", " ")) for s, c in COLOURS.items()]
        handles += [Patch(color="#c9ced8", label="baseline"), Patch(facecolor="white", edgecolor="#c62828", label="critical path"),
                    Line2D([0], [0], color="#b35c00", linestyle="--", label="today")]
        ax.legend(handles=handles, fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.35 / height * 4), ncol=7, frameon=False)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight")
        return buf.getvalue().encode("utf-8")
    finally:
        plt.close(fig)
