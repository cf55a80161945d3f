"""A project whose production environment is named "production" (not "prod") works in every
area: every lookup of the production environment goes by its kind."""

from __future__ import annotations

import json
from pathlib import Path

from implhub.app import evidence
from implhub.app.context import Ctx
from implhub.app.projects import create, production_environment, resolve_environment
from implhub.intake.template import template
from implhub.sizing.evidence import SizeEstimate

TDD = template("yaml").replace("  - name: prod\n    kind: prod", "  - name: production\n    kind: prod")


def test_the_template_names_its_production_environment_production() -> None:
    assert "name: production" in TDD and "name: prod\n" not in TDD


def test_production_is_found_by_kind(ctx: Ctx) -> None:
    project = create(ctx, text=TDD, filename="t.yaml", slug="acme").project
    prod = production_environment(project)
    assert prod is not None and prod.name == "production"
    assert resolve_environment(project, None).name == "production"
    # `--env prod` means the environment of kind prod when none is named prod
    assert resolve_environment(project, "prod").name == "production"


def test_every_main_command_works_on_a_production_environment(cli, ctx: Ctx, tmp_path: Path) -> None:
    create(ctx, text=TDD, filename="t.yaml", slug="acme")
    ctx.session.commit()

    est = cli("size", "estimate", "acme", "--json")
    assert est.exit_code == 0, est.output
    assert json.loads(est.stdout)["environment"] == "production"
    nodes = cli("size", "nodes", "acme", "--json")
    assert nodes.exit_code == 0, nodes.output
    assert json.loads(nodes.stdout)["environment"] == "production"
    out = tmp_path / "override.yaml"
    exported = cli("size", "export", "acme", "--format", "helm", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert out.read_text().strip()
    same = cli("size", "estimate", "acme", "--env", "prod", "--json")
    assert same.exit_code == 0 and json.loads(same.stdout)["environment"] == "production"

    replica = cli("replica", "plan", "acme", "--json")
    assert replica.exit_code == 0, replica.output
    sizing = json.loads(replica.stdout)["sizing"]
    assert sizing["status"] == "same as prod", sizing  # not "missing": the estimate of "production" is found
    assert sizing["replica_estimate"].startswith("stored")

    profile = cli("loadtest", "profile", "acme", "--json")
    assert profile.exit_code == 0, profile.output

    exit_ = cli("exit-criteria", "acme", "--json")
    assert exit_.exit_code in (0, 1), exit_.output
    report = json.loads(exit_.stdout)
    one = next(c for c in report["criteria"] if c["number"] == 1)
    assert not any("size estimate" in m and "missing" in m for m in one.get("missing", []))

    doc = tmp_path / "internal.md"
    internal = cli("doc", "internal", "acme", "--format", "md", "--out", str(doc))
    assert internal.exit_code == 0, internal.output
    assert "production" in doc.read_text()

    with_env = [e for e in (ev.environment for ev in _all(ctx)) if e]
    assert "production" in with_env and "prod" not in with_env


def _all(ctx: Ctx) -> list[evidence.Evidence]:
    from implhub.store.models import Project

    ctx.session.expire_all()
    project = ctx.session.query(Project).filter_by(slug="acme").one()
    assert evidence.latest(ctx, project=project, kind=SizeEstimate, environment="production") is not None
    return evidence.list_evidence(ctx, project=project)
