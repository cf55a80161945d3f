"""Sizing that follows the design: externalized services, storage class, N-1 node plan, whole
cost, environment tiers. The contract of `size export --format helm` and `size nodes --json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.sizing.test_helm import unknown_keys

EXTERNAL_PODS = ("pgsql", "codeIntelDB", "blobstore")


def _project(cli, text: str, tmp_path: Path) -> str:
    f = tmp_path / "tdd.yaml"
    f.write_text(text)
    result = cli("project", "create", "--tdd", str(f))
    assert result.exit_code == 0, result.output
    return "northwind-logistics"


@pytest.mark.db
def test_the_override_disables_what_the_design_externalizes(cli, demo_tdd_text, tmp_path, shared_ref) -> None:
    slug = _project(cli, demo_tdd_text, tmp_path)
    out = tmp_path / "override.yaml"
    result = cli("size", "export", slug, "--env", "prod", "--format", "helm", "--out", str(out))
    assert result.exit_code == 0, result.output
    override = YAML(typ="safe").load(out.read_text())
    for key in EXTERNAL_PODS:  # postgresql, codeintel-db and object-storage in the demo design
        assert override[key]["enabled"] is False, key
    assert override["pgsql"]["auth"]["existingSecret"] and override["codeIntelDB"]["auth"]["existingSecret"]
    for consumer in ("frontend", "worker", "preciseCodeIntel"):
        assert override[consumer]["env"]["PRECISE_CODE_INTEL_UPLOAD_BACKEND"]["value"] == "S3"
    assert override["storageClass"]["provisioner"] == "ebs.csi.aws.com"
    assert override["storageClass"]["type"] == "gp3"
    assert override["storageClass"]["parameters"]["throughput"] == "500"  # the POC lesson (gp2 too slow, 500 MB/s)
    defaults = YAML(typ="safe").load((shared_ref / "sourcegraph" / "helm" / "values-v6.4.0.yaml").read_text())
    assert unknown_keys(defaults, override) == []


@pytest.mark.db
def test_the_prod_node_plan_contract(cli, demo_tdd_text, tmp_path) -> None:
    slug = _project(cli, demo_tdd_text, tmp_path)
    result = cli("size", "nodes", slug, "--env", "prod", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    pods = [p for n in plan["nodes"] for p in n["pods"]]
    for key in EXTERNAL_PODS:
        assert not any(p == key or p.startswith(f"{key}-") for p in pods), key
    # the node with the most allocatable CPU is lost: the others still cover every request
    lost = max(plan["nodes"], key=lambda n: n["allocatable"]["cpu"])
    others = [n for n in plan["nodes"] if n is not lost]
    for res in ("cpu", "memory_gib"):
        assert sum(n["allocatable"][res] for n in others) >= sum(n["requested"][res] for n in plan["nodes"]), res
    cost = plan["cost"]
    assert set(cost) == {"compute_usd", "storage_usd", "other_usd", "total_usd"}
    assert plan["monthly_usd"] == cost["total_usd"]
    assert cost["total_usd"] == pytest.approx(cost["compute_usd"] + cost["storage_usd"] + cost["other_usd"], abs=0.01)
    assert cost["storage_usd"] > 0 and cost["other_usd"] > 0
    hourly = sum(p["count"] * p["hourly_usd"] for p in plan["pools"])
    assert cost["compute_usd"] == pytest.approx(hourly * 730, abs=0.01)
    assert plan["cost_detail"]["price_region"] == "us-west-2"
    assert plan["resilience"]["survives_one_node_loss"] and plan["resilience"]["spare_monthly_usd"] >= 0
    for pool in plan["pools"]:
        assert 1 <= pool["min_nodes"] == pool["count"] < pool["max_nodes"]


@pytest.mark.db
def test_dev_and_staging_are_sized_from_their_own_design_fields(cli, demo_tdd_text, tmp_path) -> None:
    slug = _project(cli, demo_tdd_text, tmp_path)
    plans: dict[str, Any] = {}
    for env in ("dev", "staging", "prod"):
        result = cli("size", "nodes", slug, "--env", env, "--json")
        assert result.exit_code == 0, result.output
        plans[env] = json.loads(result.output)
    est = json.loads(cli("size", "estimate", slug, "--env", "dev", "--json").output)
    assert (est["inputs"]["users"], est["inputs"]["repositories"]) == (25, 400)
    assert est["recommended"]["services"]["frontend"]["replicas"] == 1
    assert est["recommended"]["services"]["preciseCodeIntel"]["env"]["NUM_WORKERS"] == "1"
    assert plans["dev"]["resilience"]["spare_node"] is False
    assert plans["dev"]["cost"]["total_usd"] < 0.35 * plans["prod"]["cost"]["total_usd"]
    assert plans["staging"]["cost"]["total_usd"] < 0.6 * plans["prod"]["cost"]["total_usd"]


def test_parity_sizes_an_environment_like_production(ctx, demo_tdd_text) -> None:
    from implhub.app import projects
    from implhub.app import sizing as app_sizing

    text = demo_tdd_text.replace('purpose: "UAT with 50 test users, image-scan gate", users: 50, repositories: 3800',
                                 'purpose: "UAT", parity: true')
    p = projects.create(ctx, text=text, filename="demo.yaml").project
    staging = app_sizing.estimate(ctx, project=p, environment="staging", store=False)
    prod = app_sizing.estimate(ctx, project=p, environment="prod", store=False)
    assert staging["inputs"] == prod["inputs"]
    assert staging["node_plan"]["resilience"]["spare_node"] is True
    assert staging["recommended"]["services"]["frontend"]["replicas"] == prod["recommended"]["services"]["frontend"]["replicas"]


def test_the_internal_document_lists_what_the_customer_provides(ctx, demo_tdd_text) -> None:
    from implhub.app import projects
    from implhub.app import sizing as app_sizing
    from implhub.sizing.external import document_section

    p = projects.create(ctx, text=demo_tdd_text, filename="demo.yaml").project
    est = app_sizing.estimate(ctx, project=p, environment="prod", store=False)
    lines, missing = document_section(est)
    text = "\n".join(lines)
    assert "What the customer provides" in text and "PostgreSQL 16 or later" in text
    rows = {x["replaces"][0]: x for x in est["externalized"]}
    assert rows["pgsql"]["connections"] > 0 and rows["pgsql"]["vcpu"] and rows["pgsql"]["memory_gb"]
    assert rows["codeIntelDB"]["storage_gb"] >= 200  # the volume it would have had in the cluster
    assert any("bucket" in m for m in missing) and any("OTLP endpoint" in m for m in missing)


def test_on_prem_keeps_the_customers_storage_class_and_asks_for_its_name(ctx, demo_tdd_text) -> None:
    from implhub.app import projects
    from implhub.app import sizing as app_sizing
    from implhub.sizing.export import helm_override

    p = projects.create(ctx, text=demo_tdd_text.replace("  cloud: aws\n", "  cloud: on-prem\n", 1), filename="d.yaml").project
    est = app_sizing.estimate(ctx, project=p, environment="prod", store=False)
    sc = YAML(typ="safe").load(helm_override(est))["storageClass"]
    assert sc["create"] is False and "provisioner" not in sc
    assert any("StorageClass" in m for m in est["missing"])
    named = demo_tdd_text.replace("  cloud: aws\n", "  cloud: on-prem\n  storage_class: fast-ssd\n", 1)
    p2 = projects.create(ctx, text=named.replace("Northwind Logistics", "Northwind Two"), filename="d.yaml").project
    est2 = app_sizing.estimate(ctx, project=p2, environment="prod", store=False)
    assert YAML(typ="safe").load(helm_override(est2))["storageClass"]["name"] == "fast-ssd"
    assert not any("StorageClass" in m for m in est2["missing"])


@pytest.mark.parametrize("cloud,provisioner", [("gcp", "pd.csi.storage.gke.io"), ("azure", "disk.csi.azure.com")])
def test_each_cloud_gets_its_csi_driver(cloud: str, provisioner: str) -> None:
    from implhub.sizing.deployment import DeploymentDesign
    from implhub.sizing.storage import storage_class

    sc = storage_class(DeploymentDesign(cloud=cloud), cloud)
    assert sc.create and sc.provisioner == provisioner
    if cloud == "azure":
        assert sc.parameters["skuName"] == "PremiumV2_LRS" and sc.type is None
    else:
        assert sc.type == "pd-ssd"


def test_a_region_missing_from_the_price_table_is_named() -> None:
    from implhub.sizing.cost import price_region

    used, note = price_region("aws", "eu-west-3")
    assert used == "us-east-1" and "eu-west-3" in note and "us-east-1" in note
    assert price_region("aws", "us-west-2")[0] == "us-west-2"


def test_traces_go_to_the_customers_collector_once_the_design_names_it(ctx, demo_tdd_text) -> None:
    from implhub.app import projects
    from implhub.app import sizing as app_sizing
    from implhub.sizing.export import helm_override

    without = projects.create(ctx, text=demo_tdd_text, filename="d.yaml").project
    est = app_sizing.estimate(ctx, project=without, environment="prod", store=False)
    assert "openTelemetry" not in YAML(typ="safe").load(helm_override(est))
    text = demo_tdd_text.replace("provider: customer's Jaeger}", "provider: customer's Jaeger, endpoint: otel.northwind.example:4317}")
    text = text.replace("Northwind Logistics", "Northwind Three")
    named = projects.create(ctx, text=text, filename="d.yaml").project
    est2 = app_sizing.estimate(ctx, project=named, environment="prod", store=False)
    exporters = YAML(typ="safe").load(helm_override(est2))["openTelemetry"]["gateway"]["config"]["traces"]["exporters"]
    assert exporters == {"otlp": {"endpoint": "otel.northwind.example:4317"}}
    assert not any("OTLP endpoint" in m for m in est2["missing"])
