"""The documents tell what the typed facts say: capacity over every node of the newest node plan,
the design's largest repository, production's infrastructure dates from its plan tasks, the
replica as an internal environment, the design's real deviations first, one evaluation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import event

from implhub.app import documents, evidence, facts, plan, projects
from implhub.exit import criteria as criteria_engine
from implhub.store.models import EnvironmentRow
from tests.documents.evidence import SCAN, SPARSE_TDD, estimate, populate

SLUG = "northwind-logistics"
MIXED = {"pools": [{"instance_type": "m6a.8xlarge", "count": 2, "vcpu": 32, "memory_gib": 128, "hourly_usd": 1.3824},
                   {"instance_type": "r6a.2xlarge", "count": 1, "vcpu": 8, "memory_gib": 64, "hourly_usd": 0.4536}],
         "monthly_usd": 2349.0, "placements": []}


def _demo(ctx: Any, text: str) -> Any:
    return projects.create(ctx, text=text, filename="demo.yaml", slug=SLUG).project


def _handoff(ctx: Any) -> dict[str, Any]:
    return json.loads(documents.render_doc(ctx, slug=SLUG, doc="handoff", fmt="json")[1])


def test_capacity_sums_every_node_of_every_pool(ctx, demo_tdd_text) -> None:
    project = _demo(ctx, demo_tdd_text)
    est = evidence.add(ctx, project=project, kind="size_estimate", environment="prod", source="s", data=estimate(53.9, 180.0))
    evidence.add(ctx, project=project, kind="node_plan", environment="prod", source="s", data={**MIXED, "estimate_evidence_id": est.id})
    internal = documents.build(ctx, project=project, doc="internal").markdown
    assert "| Node capacity (vCPU / GiB) | 72 / 320 |" in internal  # 2 x 32 + 8 vCPU, not 32 + 8
    pd = _handoff(ctx)["production_deployment"]
    assert pd["total_cpu"] == 72.0 and pd["instance_types"] == ["2 x m6a.8xlarge", "1 x r6a.2xlarge"]


def test_a_node_plan_older_than_the_newest_estimate_is_flagged_and_not_used(ctx, demo_tdd_text) -> None:
    project = _demo(ctx, demo_tdd_text)
    old = evidence.add(ctx, project=project, kind="size_estimate", environment="prod", source="s", data=estimate(40.0, 150.0))
    evidence.add(ctx, project=project, kind="node_plan", environment="prod", source="s", data={**MIXED, "estimate_evidence_id": old.id})
    packed = {"pools": [{"instance_type": "m6a.8xlarge", "count": 3, "vcpu": 32, "memory_gib": 128}], "totals": {"vcpu": 96, "memory_gib": 384}}
    evidence.add(ctx, project=project, kind="size_estimate", environment="prod", source="s", data={**estimate(60.0, 200.0), "node_plan": packed})
    internal = documents.build(ctx, project=project, doc="internal").markdown
    assert "| Node capacity (vCPU / GiB) | 96 / 384 |" in internal and "The stored node plan is stale" in internal
    pd = _handoff(ctx)["production_deployment"]
    assert pd["total_cpu"] == 96.0 and pd["node_plan_stale"] is True


def test_the_handoff_capacity_is_what_size_nodes_says(cli, tmp_path, demo_tdd_text) -> None:
    tdd = tmp_path / "tdd.yaml"
    tdd.write_text(demo_tdd_text)
    assert cli("project", "create", "--tdd", str(tdd)).exit_code == 0
    nodes = json.loads(cli("size", "nodes", SLUG, "--env", "prod", "--json").stdout)
    record = json.loads(cli("doc", "handoff", SLUG, "--format", "json").stdout)
    assert record["production_deployment"]["total_cpu"] == nodes["totals"]["vcpu"]
    assert record["production_deployment"]["instance_types"] == [f"{p['count']} x {p['instance_type']}" for p in nodes["pools"]]
    internal = cli("doc", "internal", SLUG, "--format", "md").stdout
    assert f"| Node capacity (vCPU / GiB) | {nodes['totals']['vcpu']:,.0f} / {nodes['totals']['memory_gib']:,.0f} |" in internal


def test_the_largest_repository_comes_from_the_design_unless_a_full_scan_covers_it(ctx, demo_tdd_text) -> None:
    project = _demo(ctx, demo_tdd_text)
    evidence.add(ctx, project=project, kind="codestats_scan", source="scan of 3 repositories", data=SCAN)
    record = _handoff(ctx)
    assert record["code_hosts"]["largest_repository_mb"] == 85000.0 and record["sources"]["largest_repository_mb"] == "the TDD"
    small = projects.create(ctx, text=SPARSE_TDD.replace("repositories: 300", "repositories: 2"), filename="s.yaml").project
    evidence.add(ctx, project=small, kind="codestats_scan", source="scan of every repository", data=SCAN)
    rec = json.loads(documents.render_doc(ctx, slug=small.slug, doc="handoff", fmt="json")[1])
    assert rec["code_hosts"]["largest_repository_mb"] == 7.5 and "a full scan" in rec["sources"]["largest_repository_mb"]


def test_infrastructure_dates_come_from_productions_infrastructure_tasks(ctx, demo_tdd_text) -> None:
    project = _demo(ctx, demo_tdd_text)
    plan.generate(ctx, project=project, start=ctx.today())
    tasks = {t["id"]: t for t in plan.get_plan(ctx, project=project)["tasks"]}
    pd = _handoff(ctx)["production_deployment"]
    assert pd["infrastructure_start"] == tasks["infra-prod"]["start"]
    assert pd["infrastructure_completion"] == tasks["installed-prod"]["finish"]
    assert pd["infrastructure_start"] != tasks["exit-1"]["start"]  # never a criterion's title


def test_the_replica_is_an_internal_environment(ctx, demo_tdd_text) -> None:
    project = _demo(ctx, demo_tdd_text)
    project.environments.append(EnvironmentRow(name="replica", kind="replica", origin="replica", data={}))
    ctx.session.flush()
    internal = documents.build(ctx, project=project, doc="internal").markdown
    assert "Deployed in 3 customer environment(s): dev, prod, staging." in internal
    assert "Internal: replica (replica, added by implhub to stand in for production)." in internal
    envs = {e["name"]: e["customer"] for e in _handoff(ctx)["production_deployment"]["environments"]}
    assert envs == {"dev": True, "staging": True, "prod": True, "replica": False}


def test_deviations_lead_with_the_designs_real_deviations(ctx, demo_tdd_text) -> None:
    project = _demo(ctx, demo_tdd_text)
    populate(ctx, project)
    md = documents.build(ctx, project=project, doc="internal").markdown
    section = md[md.index("### Deviations from the standard deployment"):md.index("## Resourcing per environment")]
    for expected in ("Amazon RDS for PostgreSQL 16", "Amazon S3", "Air-gapped prod cluster", "Prisma Cloud"):
        assert expected in section, expected
    assert section.index("Amazon RDS") < section.index("Air-gapped") < section.index("indexedSearch.resources.limits.memory")


def test_a_document_evaluates_the_criteria_once_in_a_few_statements(ctx, demo_tdd_text, monkeypatch) -> None:
    project = _demo(ctx, demo_tdd_text)
    populate(ctx, project)
    plan.generate(ctx, project=project, start=ctx.today() - dt.timedelta(days=10))
    calls: list[int] = []
    original = criteria_engine.evaluate

    def counting(f: Any) -> Any:
        calls.append(1)
        return original(f)

    monkeypatch.setattr(facts, "evaluate", counting)
    bind = ctx.session.get_bind()
    statements: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    for doc, most in (("internal", 30), ("handoff", 25), ("plan", 20)):  # 78, 72 and 56 before one facts layer
        statements.clear()
        calls.clear()
        event.listen(bind, "before_cursor_execute", listen)
        try:
            documents.build(ctx, project=project, doc=doc)
        finally:
            event.remove(bind, "before_cursor_execute", listen)
        assert len(calls) == 1, (doc, len(calls))
        assert len(statements) <= most, (doc, len(statements))


def test_no_application_module_probes_for_another(tmp_path: Path) -> None:
    import implhub.app.documents as d
    import implhub.app.exit_criteria as e

    for module in (d, e):
        text = Path(str(module.__file__)).read_text()
        assert "importlib" not in text and "optional_app" not in text and "hasattr(" not in text, module.__name__


def test_production_is_found_by_its_kind_whatever_it_is_called(ctx, demo_tdd_text) -> None:
    text = demo_tdd_text.replace("{name: prod, kind: prod,", "{name: production, kind: prod,")
    assert "name: production" in text
    project = _demo(ctx, text)
    est = evidence.add(ctx, project=project, kind="size_estimate", environment="production", source="s", data=estimate(53.9, 180.0))
    evidence.add(ctx, project=project, kind="node_plan", environment="production", source="s", data={**MIXED, "estimate_evidence_id": est.id})
    one = exit_criteria_report(ctx, project)[0]
    assert any("node plan of production's newest size estimate" in e.get("summary", "") for e in one["evidence"])
    assert _handoff(ctx)["production_deployment"]["total_cpu"] == 72.0


def exit_criteria_report(ctx: Any, project: Any) -> list[dict[str, Any]]:
    return list(facts.report(ctx, project)["criteria"])
