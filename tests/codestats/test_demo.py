"""The demo part scans a generated corpus for real and stores it, and the snapshot, as simulated."""

from __future__ import annotations

from implhub.app import codestats, evidence, projects
from implhub.app.demo import DemoEnv
from implhub.app.demo_parts import codestats as part


def test_the_demo_part_scans_its_generated_corpus_and_marks_everything_simulated(ctx, demo_tdd_text, tmp_path) -> None:
    project = projects.create(ctx, text=demo_tdd_text, filename="demo-tdd.yaml", slug="northwind-logistics").project
    lines = part.seed(ctx, project, DemoEnv(workdir=tmp_path))
    assert any("scanned 4 generated repositories" in line for line in lines)
    scan = evidence.latest(ctx, project=project, kind="codestats_scan")
    assert scan is not None and scan.simulated
    assert scan.data["totals"]["repositories"] == 4 and scan.data["failed"] == []
    assert all(r["bare"] for r in scan.data["repositories"])
    assert {"Python", "Go", "TypeScript", "Java"} <= set(scan.data["languages"])
    # the demo plan has code hosts being connected on staging and prod not built yet
    assert evidence.latest(ctx, project=project, kind="instance_snapshot", environment="prod") is None
    snap = evidence.latest(ctx, project=project, kind="instance_snapshot", environment="staging")
    assert snap is not None and snap.simulated
    stats = snap.data["repository_stats"]
    assert stats["total"] == project.design["scale"]["repositories"]
    assert stats["cloned"] + stats["cloning"] + stats["failedFetch"] == stats["total"]
    summary = codestats.summary(ctx, project=project)
    assert summary["repos_synced"]["simulated"] and summary["code_hosts"]["count"] == len(project.design["code_hosts"])
