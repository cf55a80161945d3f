"""The Helm override: only keys the targeted chart has; it merges onto the chart's defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from implhub.sizing import data
from implhub.sizing.estimate import estimate
from implhub.sizing.export import compose_override, export, helm_override, markdown
from implhub.sizing.inputs import SizingInputs
from implhub.sizing.units import cpu_cores, gb, gi

INPUTS = SizingInputs(users=4500, repositories=38000, total_repo_size_gb=2600, largest_repo_size_gb=85, monorepos=2,
                      largest_index_size_gb=6, code_insights=False, concurrent_users=900)


def _paths(d: Any, prefix: str = "") -> list[str]:
    out = []
    for k, v in d.items():
        p = f"{prefix}.{k}" if prefix else str(k)
        out.append(p)
        if isinstance(v, dict) and v:
            out += _paths(v, p)
    return out


def unknown_keys(defaults: dict[str, Any], override: dict[str, Any]) -> list[str]:
    """The contract: every key exists in the chart version's values, except children of
    storageClass.parameters and of a service's env, which the chart passes through."""
    default_paths = set(_paths(defaults))

    def passed_through(p: str) -> bool:
        parts = p.split(".")
        return p.startswith("storageClass.parameters.") or (len(parts) > 2 and parts[1] == "env")

    return [p for p in _paths(override) if p not in default_paths and not passed_through(p)]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


@pytest.mark.parametrize("version", ["5.11.6271", "6.0.0", "6.4.0", "7.6.0"])
def test_the_override_merges_onto_the_chart_defaults_with_no_unknown_key(shared_ref: Path, version: str) -> None:
    defaults = YAML(typ="safe").load((shared_ref / "sourcegraph" / "helm" / f"values-v{version}.yaml").read_text())
    result = estimate(INPUTS, chart_version=version)
    override = YAML(typ="safe").load(helm_override(result))
    unknown = unknown_keys(defaults, override)
    assert unknown == []
    merged = _merge(defaults, override)
    rec = result["recommended"]["services"]
    assert merged["gitserver"]["replicaCount"] == rec["gitserver"]["replicas"]
    assert gb(merged["gitserver"]["resources"]["requests"]["memory"]) == rec["gitserver"]["memory_gb"]["request"]
    assert cpu_cores(merged["searcher"]["resources"]["limits"]["cpu"]) == rec["searcher"]["cpu"]["limit"]
    assert gi(merged["searcher"]["storageSize"]) == rec["searcher"]["storage_gb"]
    assert str(merged["searcher"]["storageSize"]).endswith("Gi") and "." not in str(merged["searcher"]["storageSize"])
    assert merged["codeInsightsDB"]["enabled"] is False
    assert ("symbols" in override) == (version in ("5.11.6271", "6.0.0"))


def test_every_value_has_its_why_as_a_comment() -> None:
    text = helm_override(estimate(INPUTS, chart_version="7.6.0"))
    values = [ln for ln in text.splitlines() if ":" in ln and not ln.lstrip().startswith("#")
              and not ln.rstrip().endswith(":")]
    assert values and all("#" in ln for ln in values)


def test_the_shipped_key_sets_drop_symbols_from_6_4() -> None:
    assert "symbols.replicaCount" in data.chart_keys("6.0.0")
    assert "symbols" not in data.chart_keys("6.4.0") and "repoUpdater" not in data.chart_keys("7.6.0")
    assert "codeIntelDB.storageSize" in data.chart_keys("7.6.0")


def test_the_compose_override_names_standard_services() -> None:
    doc = YAML(typ="safe").load(compose_override(estimate(INPUTS, chart_version="7.6.0")))
    assert {"gitserver-0", "zoekt-webserver-0", "searcher-0", "sourcegraph-frontend-0"} <= set(doc["services"])
    assert all(set(v) == {"cpus", "mem_limit"} for v in doc["services"].values())


def test_the_markdown_table_lists_services_totals_and_deviations() -> None:
    md = markdown(estimate(INPUTS, chart_version="7.6.0"), environment="prod")
    assert "| gitserver |" in md and "**Totals:**" in md and "Deviations" in md


def test_an_unknown_format_is_refused() -> None:
    from implhub.errors import ValidationError

    with pytest.raises(ValidationError, match="unknown format"):
        export(estimate(INPUTS, chart_version="7.6.0"), "xml")
