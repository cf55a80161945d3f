"""Kubernetes quantities: parse the chart's strings, write the values an override sets."""

from __future__ import annotations

import math

from implhub.errors import ValidationError

_SUFFIX = {
    "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
    "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40,
}
GIB = 2.0**30


def cpu_cores(q: str | int | float) -> float:
    s = str(q).strip()
    if s.endswith("m"):
        return float(s[:-1]) / 1000
    return float(s)


def bytes_of(q: str | int | float) -> float:
    s = str(q).strip()
    for suf in sorted(_SUFFIX, key=len, reverse=True):
        if suf and s.endswith(suf):
            return float(s[: -len(suf)]) * _SUFFIX[suf]
    try:
        return float(s)
    except ValueError:
        raise ValidationError(f"not a Kubernetes quantity: {q!r}") from None


def gb(q: str | int | float) -> float:
    """A memory quantity in GB (10^9 bytes)."""
    return bytes_of(q) / 1e9


def gi(q: str | int | float) -> float:
    return bytes_of(q) / GIB


def whole_gi(gb_value: float) -> int:
    """The smallest whole number of GiB holding gb_value GB."""
    return max(1, math.ceil(gb_value * 1e9 / GIB - 1e-9))


def cpu_quantity(cores: float) -> str:
    if cores >= 1 and float(cores).is_integer():
        return str(int(cores))
    return f"{int(round(cores * 1000))}m"


def memory_quantity(gb_value: float) -> str:
    """GB as the chart writes memory: whole G, else M."""
    if float(gb_value).is_integer():
        return f"{int(gb_value)}G"
    return f"{int(round(gb_value * 1000))}M"
