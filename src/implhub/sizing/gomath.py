"""Rounding exactly as the official estimator (written in Go) rounds."""

from __future__ import annotations

import math


def go_round(x: float) -> float:
    """Go's math.Round: halves away from zero (2.5 -> 3, -2.5 -> -3), unlike Python's round()."""
    if math.isnan(x) or math.isinf(x):
        return x
    t = math.trunc(x)
    if abs(x - t) >= 0.5:
        return t + math.copysign(1.0, x)
    return float(t)


def resource_round(x: float) -> float:
    """Values above 1 to the nearest integer; values up to 1 to the nearest quarter."""
    if x == 0:
        return 0.0
    if x > 1:
        return go_round(x)
    return go_round(x * 4) / 4
