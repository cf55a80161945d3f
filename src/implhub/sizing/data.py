"""Loading the shipped sizing data (src/implhub/data/sizing/), with errors that name file and line."""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from ruamel.yaml import YAML

from implhub.errors import ValidationError

CLOUDS = ("aws", "gcp", "azure")


def _text(name: str) -> str:
    return (files("implhub") / "data" / "sizing" / name).read_text(encoding="utf-8")


@functools.cache
def reference_points() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(_text("reference_points.yaml"))
    return data


@functools.cache
def instance_sizes() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(_text("instance_sizes.yaml"))
    return data


@functools.cache
def _chart_keys_raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_text("chart_keys.json"))
    return data


@functools.cache
def _chart_defaults_raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_text("chart_defaults.json"))
    return data


def chart_versions() -> list[str]:
    return sorted(_chart_keys_raw()["versions"], key=version_tuple)


def version_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.lstrip("v").split(".") if p.isdigit())


def resolve_chart_version(version: str | None, *, exact: bool = True) -> str:
    """The shipped chart version for `version` (with or without a leading v). With exact=False a
    newer application version maps to the newest shipped chart version not above it."""
    known = chart_versions()
    if version is None or version == "":
        return known[-1]
    v = version.strip().lstrip("v")
    if v in known:
        return v
    if not exact:
        try:
            want = version_tuple(v)
        except ValueError:
            want = ()
        older = [k for k in known if version_tuple(k) <= want] if want else []
        if older:
            return older[-1]
    raise ValidationError(f"unknown chart version {version!r}; expected one of {', '.join(known)}",
                          field="--chart-version")


def chart_keys(version: str) -> frozenset[str]:
    return frozenset(_chart_keys_raw()["versions"][resolve_chart_version(version)])


def chart_defaults(version: str) -> dict[str, Any]:
    data: dict[str, Any] = _chart_defaults_raw()["versions"][resolve_chart_version(version)]
    return data


@dataclass(frozen=True)
class Instance:
    cloud: str
    instance_type: str
    vcpu: float
    memory_gib: float
    hourly_usd: float
    region: str
    source: str
    date: str


def parse_catalog(text: str, *, filename: str = "instances.csv") -> list[Instance]:
    """Parse an instance catalog (CSV, '#' comment lines). A bad row raises naming file and line."""
    lines = text.splitlines()
    body = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    if not body:
        raise ValidationError("the catalog has no header row", file=filename)
    header_line, header = body[0]
    cols = next(csv.reader([header]))
    expected = ["cloud", "instance_type", "vcpu", "memory_gib", "hourly_usd", "region", "source", "date"]
    if cols != expected:
        raise ValidationError(f"expected the header {','.join(expected)}", file=filename, line=header_line)
    out: list[Instance] = []
    seen: set[tuple[str, str]] = set()
    for lineno, ln in body[1:]:
        row = next(csv.reader(io.StringIO(ln)))
        if len(row) != len(expected):
            raise ValidationError(f"expected {len(expected)} fields, got {len(row)}", file=filename, line=lineno)
        cloud, itype, vcpu, mem, price, region, source, date = (c.strip() for c in row)
        if cloud not in CLOUDS:
            raise ValidationError(f"unknown cloud {cloud!r}; expected one of {', '.join(CLOUDS)}",
                                  file=filename, line=lineno, field="cloud")
        nums: list[float] = []
        for name, raw in (("vcpu", vcpu), ("memory_gib", mem), ("hourly_usd", price)):
            try:
                val = float(raw)
            except ValueError:
                raise ValidationError(f"expected a number, got {raw!r}", file=filename, line=lineno, field=name) from None
            if not val > 0:
                raise ValidationError(f"expected a number above 0, got {raw!r}", file=filename, line=lineno, field=name)
            nums.append(val)
        if not itype:
            raise ValidationError("instance_type is empty", file=filename, line=lineno, field="instance_type")
        if not source or not date:
            raise ValidationError("every price needs its public source and date", file=filename, line=lineno,
                                  field="source" if not source else "date")
        if (cloud, itype) in seen:
            raise ValidationError(f"{itype} appears twice for {cloud}", file=filename, line=lineno, field="instance_type")
        seen.add((cloud, itype))
        out.append(Instance(cloud, itype, nums[0], nums[1], nums[2], region, source, date))
    return out


@functools.cache
def shipped_catalog() -> tuple[Instance, ...]:
    return tuple(parse_catalog(_text("instances.csv")))


def catalog_for(cloud: str, catalog: Sequence[Instance] | None = None) -> list[Instance]:
    if cloud not in CLOUDS:
        raise ValidationError(f"unknown cloud {cloud!r}; expected one of {', '.join(CLOUDS)}", field="--cloud")
    rows = [i for i in (catalog if catalog is not None else shipped_catalog()) if i.cloud == cloud]
    if not rows:
        raise ValidationError(f"the instance catalog has no rows for {cloud}", field="--cloud")
    return rows
