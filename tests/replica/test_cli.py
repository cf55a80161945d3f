"""`implhub replica corpus|serve|plan` through the CLI, checked through the Python API."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from implhub.app import evidence, projects
from implhub.app import replica as svc
from implhub.replica.gitops import git_dir_bytes
from tests.replica.conftest import needs_git


def test_corpus_json_follows_the_contract(cli, tmp_path: Path) -> None:
    needs_git()
    out = tmp_path / "corpus"
    result = cli("replica", "corpus", str(out), "--repos", "4", "--total-gb", "0.0003", "--largest-gb", "0.0001",
                 "--monorepos", "1", "--languages", "go:60,ts:40", "--history", "3", "--seed", "2", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["target"]["repositories"] == 4 and report["target"]["total_bytes"] == 300_000
    assert report["target"]["languages"] == {"go": 0.6, "ts": 0.4}
    assert set(report["achieved"]) >= {"repositories", "total_bytes", "largest_bytes"}
    assert report["achieved"]["largest_bytes"] == 100_000
    assert report["achieved"]["total_bytes"] == sum(git_dir_bytes(Path(r["path"])) for r in report["repositories"])
    assert all(set(r) >= {"name", "path", "bytes"} for r in report["repositories"])


def test_corpus_rejects_impossible_shapes_and_writes_nothing(cli, tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    result = cli("replica", "corpus", str(out), "--repos", "10", "--total-gb", "1", "--largest-gb", "2")
    assert result.exit_code == 2 and "larger than the total" in result.stderr
    assert not out.exists()
    missing = cli("replica", "corpus", str(out), "--repos", "10")
    assert missing.exit_code == 2 and "--total-gb" in missing.stderr


def test_serve_says_when_the_port_is_in_use(cli, tmp_path: Path) -> None:
    needs_git()
    from implhub.replica.gitops import init_bare

    init_bare(tmp_path / "one.git")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("replica", "serve", str(tmp_path), "--port", str(port))
    assert result.exit_code == 2 and f"port {port}" in result.stderr and "in use" in result.stderr


def test_plan_records_the_replica_environment(cli, ctx, tdd_text) -> None:
    projects.create(ctx, text=tdd_text, filename="t.yaml", slug="acme")
    ctx.session.commit()
    result = cli("replica", "plan", "acme", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["origin"] == "replica" and out["kind"] == "replica"
    assert out["corpus"]["repositories"] == 5000 and out["corpus"]["total_bytes"] == 250 * 10**9
    assert out["corpus"]["largest_bytes"] == 12 * 10**9 and out["corpus"]["monorepos"] == 1
    assert out["load_profile"]["kind"] == "load" and out["load_profile"]["vus"] == 200
    assert out["sizing"]["status"] in ("same as prod", "missing", "unavailable")
    assert out["plan"]["status"] in ("planned", "not in the plan", "no plan", "unavailable")
    ctx.session.expire_all()
    project = projects.get_or_raise(ctx, slug="acme")
    row = next(e for e in project.environments if e.name == "replica")
    assert row.origin == "replica" and row.data["replica"]["corpus"]["repositories"] == 5000
    text = cli("replica", "plan", "acme")
    assert text.exit_code == 0 and "replica" in text.stdout and "5,000 repos" in text.stdout


def test_a_later_design_revision_keeps_the_replica(ctx, tdd_text) -> None:
    projects.create(ctx, text=tdd_text, filename="t.yaml", slug="acme")
    svc.plan(ctx, project="acme")
    newer = tdd_text.replace("repositories: 5000", "repositories: 6000")
    result = projects.update(ctx, slug="acme", text=newer, filename="v2.yaml")
    assert result.revision.number == 2
    env = svc.get(ctx, project="acme")
    assert env is not None and env["origin"] == "replica"
    assert [e.name for e in result.project.environments if e.origin == "replica"] == ["replica"]
    # planning again follows the new design
    assert svc.plan(ctx, project="acme")["corpus"]["repositories"] == 6000


def test_the_language_mix_comes_from_the_newest_scan(ctx, tdd_text) -> None:
    project = projects.create(ctx, text=tdd_text, filename="t.yaml", slug="acme").project
    evidence.add(ctx, project=project, kind="codestats_scan", source="scan of the customer's mirror",
                 data={"languages": {"Go": {"code": 600}, "TypeScript": {"code": 300}, "Markdown": {"code": 900}, "Java": {"code": 100}}})
    out = svc.plan(ctx, project=project)
    assert out["corpus"]["languages"] == {"go": 0.6, "ts": 0.3, "java": 0.1}
    assert out["corpus"]["languages_source"].startswith("codestats_scan")


def test_plan_of_an_unknown_project_is_a_clear_error(cli) -> None:
    result = cli("replica", "plan", "nope")
    assert result.exit_code == 2 and "no project 'nope'" in result.stderr


def test_corpus_from_a_project_refuses_when_the_disk_is_too_small(cli, ctx, tdd_text, tmp_path: Path, monkeypatch) -> None:
    from implhub.replica import corpus

    monkeypatch.setattr(corpus, "_free_bytes", lambda _path: 100 * 10**9)
    projects.create(ctx, text=tdd_text, filename="t.yaml", slug="acme")
    ctx.session.commit()
    out = tmp_path / "corpus"
    result = cli("replica", "corpus", str(out), "--project", "acme")
    # the template's design asks for 250 GB of repositories; 100 GB are free
    assert result.exit_code == 2
    assert "not enough free disk space" in result.stderr and "100.00 GB are available" in result.stderr
    assert not out.exists()


def test_the_replica_is_sized_exactly_as_prod(ctx, tdd_text) -> None:
    from implhub.app import sizing

    projects.create(ctx, text=tdd_text, filename="t.yaml", slug="acme")
    assert svc.plan(ctx, project="acme")["sizing"]["status"] == "missing"
    assert sizing.latest_estimate(ctx, project="acme", environment="replica") is None
    sizing.estimate(ctx, project="acme", environment="prod", chart_version="6.4.0")
    out = svc.plan(ctx, project="acme")
    assert out["sizing"]["status"] == "same as prod"
    prod = sizing.latest_estimate(ctx, project="acme", environment="prod")
    replica = sizing.latest_estimate(ctx, project="acme", environment="replica")
    assert replica is not None and prod is not None
    assert replica["chart_version"] == "6.4.0"
    assert replica["recommended"]["totals"] == prod["recommended"]["totals"]
    assert replica["recommended"]["services"] == prod["recommended"]["services"]
