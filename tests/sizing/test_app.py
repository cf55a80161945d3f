"""Application functions: inputs from the design and code statistics, per-environment profiles,
the demo part."""

from __future__ import annotations

from pathlib import Path

from implhub.app import evidence, projects
from implhub.app import sizing as app_sizing


def _project(ctx, demo_tdd_text: str):
    return projects.create(ctx, text=demo_tdd_text, filename="demo.yaml").project


def test_inputs_come_from_the_design_scale(ctx, demo_tdd_text) -> None:
    p = _project(ctx, demo_tdd_text)
    inp, meta = app_sizing.inputs_for(ctx, project=p, environment="prod")
    scale = p.design["scale"]
    assert (inp.users, inp.repositories, inp.total_repo_size_gb, inp.monorepos) == (
        scale["users"], scale["repositories"], scale["total_repo_size_gb"], scale["monorepos"])
    assert inp.code_insights is True and inp.indexable_bytes is None and meta["code_statistics"] is None


def test_smaller_environments_get_smaller_profiles(ctx, demo_tdd_text) -> None:
    # without per-environment figures in the design: the default rule of each kind
    text = demo_tdd_text.replace(", users: 25, repositories: 400}", "}").replace(", users: 50, repositories: 3800}", "}")
    p = _project(ctx, text)
    prod, _ = app_sizing.inputs_for(ctx, project=p, environment="prod")
    staging, _ = app_sizing.inputs_for(ctx, project=p, environment="staging")
    dev, meta = app_sizing.inputs_for(ctx, project=p, environment="dev")
    assert staging.users < prod.users and staging.repositories == prod.repositories
    assert dev.repositories < prod.repositories and dev.largest_repo_size_gb == prod.largest_repo_size_gb
    assert "dev:" in meta["profile"]


def test_the_design_says_how_large_dev_and_staging_are(ctx, demo_tdd_text) -> None:
    p = _project(ctx, demo_tdd_text)
    prod, _ = app_sizing.inputs_for(ctx, project=p, environment="prod")
    staging, meta = app_sizing.inputs_for(ctx, project=p, environment="staging")
    assert (staging.users, staging.repositories) == (50, 3800)
    assert staging.largest_repo_size_gb == prod.largest_repo_size_gb and staging.total_repo_size_gb < prod.total_repo_size_gb
    assert "from the design's environment" in meta["profile"]


def test_a_code_statistics_scan_sizes_zoekt_from_its_indexable_bytes(ctx, demo_tdd_text) -> None:
    p = _project(ctx, demo_tdd_text)
    scan = {"totals": {"repositories": 38000, "bytes": 900 * 10**9, "indexable_bytes": 120 * 10**9},
            "repositories": [{"path": "mono", "bytes": 40 * 10**9, "indexable_bytes": 9 * 10**9}]}
    evidence.add(ctx, project=p, kind="codestats_scan", data=scan, source="test scan")
    result = app_sizing.estimate(ctx, project=p, environment="prod")
    web = result["recommended"]["services"]["indexedSearch"]
    assert web["replicas"] * web["memory_gb"]["request"] >= 2.7 * 120
    assert "code statistics" in web["why"]["memory_gb"]
    idx = result["recommended"]["services"]["indexedSearchIndexer"]
    assert idx["memory_gb"]["request"] >= 9 * 1.2
    assert result["basis"]["code_statistics"].startswith("code statistics scan #")


def test_a_partial_scan_is_scaled_per_repository(ctx, demo_tdd_text) -> None:
    p = _project(ctx, demo_tdd_text)
    scan = {"totals": {"repositories": 3800, "bytes": 10**11, "indexable_bytes": 4 * 10**10}, "repositories": []}
    evidence.add(ctx, project=p, kind="codestats_scan", data=scan, source="sample scan")
    inp, meta = app_sizing.inputs_for(ctx, project=p, environment="prod")
    assert inp.indexable_bytes == 4 * 10**11 and inp.indexable_coverage == 0.1
    assert "3800 of 38000" in meta["code_statistics"]
    web = app_sizing.estimate(ctx, project=p, store=False)["recommended"]["services"]["indexedSearch"]
    assert web["replicas"] * web["memory_gb"]["request"] >= 2.7 * 400


def test_a_tiny_sample_drives_neither_zoekt_memory_nor_disk(ctx, demo_tdd_text) -> None:
    p = _project(ctx, demo_tdd_text)
    before = app_sizing.estimate(ctx, project=p, store=False)["recommended"]["services"]["indexedSearch"]
    # 4 of 38,000 repositories, each almost all indexable: scaled up it would be a huge corpus
    scan = {"totals": {"repositories": 4, "bytes": 4 * 10**9, "indexable_bytes": 4 * 10**9}, "repositories": []}
    evidence.add(ctx, project=p, kind="codestats_scan", data=scan, source="demo corpus")
    after = app_sizing.estimate(ctx, project=p, store=False)["recommended"]["services"]["indexedSearch"]
    assert (after["replicas"], after["memory_gb"], after["storage_gb"]) == (
        before["replicas"], before["memory_gb"], before["storage_gb"])
    assert "too small a sample" in after["why"]["memory_gb"] and "too small a sample" in after["why"]["storage_gb"]


def test_the_demo_part_sizes_three_environments_and_plans_prod_nodes(ctx, demo_tdd_text, tmp_path: Path) -> None:
    from implhub.app.demo import DemoEnv
    from implhub.app.demo_parts import sizing as part

    p = _project(ctx, demo_tdd_text)
    lines = part.seed(ctx, p, DemoEnv(workdir=tmp_path))
    assert any("node plan on AWS" in ln for ln in lines)
    for env in ("prod", "staging", "dev"):
        est = app_sizing.latest_estimate(ctx, project=p, environment=env)
        assert est is not None and est["evidence"]["simulated"] is True
    plan = evidence.latest(ctx, project=p, kind="node_plan", environment="prod")
    assert plan is not None and plan.simulated and plan.data["cloud"] == "aws"
