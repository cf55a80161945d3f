"""`implhub size estimate|nodes|export`: the JSON contract, storage per environment, bad input."""

from __future__ import annotations

import json
from pathlib import Path

from implhub.app import evidence, projects
from implhub.app import sizing as app_sizing

EXPLICIT = ["--users", "2200", "--repos", "18000", "--total-gb", "1500", "--largest-gb", "60", "--largest-index-gb", "5",
            "--code-insights"]


def _project(cli, demo_tdd_text: str, tmp_path: Path) -> str:
    f = tmp_path / "tdd.yaml"
    f.write_text(demo_tdd_text)
    result = cli("project", "create", "--tdd", str(f))
    assert result.exit_code == 0, result.output
    return "northwind-logistics"


def test_it_prints_the_contract_for_explicit_inputs(cli) -> None:
    result = cli("size", "estimate", *EXPLICIT, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    for part in ("official", "recommended"):
        e = out[part]
        assert set(e["totals"]) >= {"vcpu", "memory_gb", "storage_gb", "instance_size"}
        for svc in e["services"].values():
            assert isinstance(svc["replicas"], int)
            assert set(svc["cpu"]) == {"request", "limit"} and set(svc["memory_gb"]) == {"request", "limit"}
            assert "storage_gb" in svc and "ephemeral_gb" in svc
    assert "codeintel-db" in out["official"]["services"] and "codeIntelDB" in out["recommended"]["services"]
    assert out["official"]["totals"]["instance_size"] == "M"


def test_a_project_estimate_is_appended_per_environment(cli, demo_tdd_text, tmp_path, store) -> None:
    slug = _project(cli, demo_tdd_text, tmp_path)
    first = cli("size", "estimate", "--project", slug, "--json")
    assert first.exit_code == 0, first.output
    again = cli("size", "estimate", slug, "--env", "staging", "--json")
    assert again.exit_code == 0, again.output
    third = cli("size", "estimate", slug, "--json")
    assert third.exit_code == 0
    with store.session() as s:
        from implhub.app.context import Ctx
        from implhub.settings import load_settings

        ctx = Ctx(session=s, settings=load_settings(), actor="t")
        p = projects.get_or_raise(ctx, slug=slug)
        rows = evidence.list_evidence(ctx, project=p, kind="size_estimate")
        assert sorted(r.environment or "" for r in rows) == ["prod", "prod", "staging"]
        latest = app_sizing.latest_estimate(ctx, project=slug, environment="prod")
        assert latest is not None and latest["evidence"]["id"] == max(r.id for r in rows if r.environment == "prod")
        staging = app_sizing.latest_estimate(ctx, project=p, environment="staging")
        assert staging is not None and staging["inputs"]["users"] < latest["inputs"]["users"]
        assert latest["chart_version"] == "6.4.0"  # the design's Sourcegraph version
        assert "symbols" not in latest["recommended"]["services"]
        assert app_sizing.latest_estimate(ctx, project=p, environment="dev") is None


def test_nodes_prints_pools_cost_and_placements(cli, demo_tdd_text, tmp_path) -> None:
    slug = _project(cli, demo_tdd_text, tmp_path)
    result = cli("size", "nodes", "--project", slug, "--cloud", "gcp", "--headroom", "0.1", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["cloud"] == "gcp" and plan["monthly_usd"] > 0
    assert all(set(p) >= {"instance_type", "count", "vcpu", "memory_gib", "hourly_usd"} for p in plan["pools"])
    assert {p["node"] for p in plan["placements"]} == {n["name"] for n in plan["nodes"]}
    assert plan["standard"]["instance_type"] == "n2-standard-32"


def test_export_writes_a_helm_override(cli, tmp_path) -> None:
    out = tmp_path / "override.yaml"
    result = cli("size", "export", *EXPLICIT, "--chart-version", "v6.0.0", "--format", "helm", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "gitserver:" in text and "symbols:" in text and "codeintel-db" not in text


def test_bad_input_exits_2_and_stores_nothing(cli, demo_tdd_text, tmp_path, store) -> None:
    slug = _project(cli, demo_tdd_text, tmp_path)
    cases = [
        ["size", "estimate", "--users", "10", "--repos", "10", "--total-gb", "5", "--largest-gb", "9"],
        ["size", "estimate", "--users", "10", "--repos", "0", "--total-gb", "5", "--largest-gb", "1"],
        ["size", "estimate", "--users", "-3", "--repos", "10", "--total-gb", "5", "--largest-gb", "1"],
        ["size", "estimate", "--project", slug, "--chart-version", "9.9.9"],
        ["size", "estimate", "--project", slug, "--env", "qa"],
        ["size", "nodes", "--project", slug, "--cloud", "ibm"],
        ["size", "estimate", "--users", "10"],
        ["size", "export", "--project", slug, "--format", "xml"],
    ]
    for args in cases:
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
    bad = tmp_path / "catalog.csv"
    bad.write_text("cloud,instance_type,vcpu,memory_gib,hourly_usd,region,source,date\naws,x1,8,lots,1,r,s,d\n")
    result = cli("size", "nodes", "--project", slug, "--catalog", str(bad))
    assert result.exit_code == 2 and "catalog.csv:2" in result.output
    with store.session() as s:
        from implhub.app.context import Ctx
        from implhub.settings import load_settings

        ctx = Ctx(session=s, settings=load_settings(), actor="t")
        p = projects.get_or_raise(ctx, slug=slug)
        assert evidence.list_evidence(ctx, project=p, kind="size_estimate") == []
        assert evidence.list_evidence(ctx, project=p, kind="node_plan") == []


def test_the_human_output_puts_both_sizings_and_the_pools_side_by_side(cli) -> None:
    est = cli("size", "estimate", *EXPLICIT)
    assert est.exit_code == 0, est.output
    assert "official totals: 32 vCPU, 128 GB" in est.output and "recommended totals:" in est.output
    nodes = cli("size", "nodes", *EXPLICIT, "--cloud", "azure")
    assert nodes.exit_code == 0, nodes.output
    assert "pools:" in nodes.output and "standard size M: one D32_v3" in nodes.output
    md = cli("size", "export", *EXPLICIT, "--format", "md")
    assert md.exit_code == 0 and md.output.startswith("## Sizing")


def test_the_estimate_table_reads_at_80_columns(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("size", "estimate", *EXPLICIT)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(ln) for ln in lines) <= 80
    assert "\u2026" not in result.output  # nothing cut off with an ellipsis
    for name in ("indexedSearchIndexer", "openTelemetry.gateway", "syntacticCodeIntel"):
        assert any(ln.split() and ln.split()[0] == name for ln in lines), name
