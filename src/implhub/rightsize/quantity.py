"""Kubernetes resource quantities: CPU in cores, memory in bytes, and back.

Formatting rounds up (a request never ends below the computed need): CPU to whole millicores,
memory to whole MiB.
"""

from __future__ import annotations

import math
import re

from implhub.errors import ValidationError

_MEM_SUFFIX: dict[str, float] = {
    "": 1, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}
_NUM = r"[+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_MEM_RE = re.compile(rf"^({_NUM})(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E)?$")
_CPU_RE = re.compile(rf"^({_NUM})(m)?$")
MIB = 2**20


def parse_cpu(value: object, *, field: str = "cpu") -> float:
    """'500m' -> 0.5, '2' -> 2.0, 1.5 -> 1.5 (cores)."""
    if isinstance(value, bool):
        raise ValidationError(f"expected a CPU quantity such as 500m or 2, got {value!r}", field=field)
    if isinstance(value, int | float):
        return float(value)
    m = _CPU_RE.match(str(value).strip())
    if not m:
        raise ValidationError(f"expected a CPU quantity such as 500m or 2, got {value!r}", field=field)
    n = float(m.group(1))
    return n / 1000 if m.group(2) else n


def parse_memory(value: object, *, field: str = "memory") -> float:
    """'4Gi' -> 4294967296, '2G' -> 2e9, 1024 -> 1024 (bytes)."""
    if isinstance(value, bool):
        raise ValidationError(f"expected a memory quantity such as 512Mi or 4G, got {value!r}", field=field)
    if isinstance(value, int | float):
        return float(value)
    m = _MEM_RE.match(str(value).strip())
    if not m:
        raise ValidationError(f"expected a memory quantity such as 512Mi or 4G, got {value!r}", field=field)
    return float(m.group(1)) * _MEM_SUFFIX[m.group(2) or ""]


def ceil_millicores(cores: float) -> int:
    # a tiny epsilon so 0.25 (stored as 0.25000000000000006 after arithmetic) stays 250m
    return math.ceil(round(cores * 1000, 6))


def ceil_mib(num_bytes: float) -> int:
    return math.ceil(round(num_bytes / MIB, 6))


def format_cpu(cores: float) -> str:
    milli = ceil_millicores(cores)
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def format_memory(num_bytes: float) -> str:
    mib = ceil_mib(num_bytes)
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"


def human_cpu(cores: float | None) -> str:
    return "-" if cores is None else (f"{cores:.2f}" if cores < 10 else f"{cores:.1f}")


def human_memory(num_bytes: float | None) -> str:
    if num_bytes is None:
        return "-"
    gib = num_bytes / 2**30
    return f"{gib:.2f} GiB" if gib >= 1 else f"{num_bytes / MIB:.0f} MiB"


def exact_memory(num_bytes: float) -> str:
    """The quantity a manifest most likely said for this many bytes (8e9 -> 8G), else MiB rounded up."""
    n = round(num_bytes)
    if n > 0 and abs(num_bytes - n) < 1e-6:
        for size, suffix in ((2**30, "Gi"), (10**9, "G"), (2**20, "Mi"), (10**6, "M")):
            if n % size == 0:
                return f"{n // size}{suffix}"
    return format_memory(num_bytes)
