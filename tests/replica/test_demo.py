"""The demo part: the replica environment of the demo project and a miniature corpus."""

from __future__ import annotations

from pathlib import Path

from implhub.app import evidence, projects
from implhub.app import replica as svc
from implhub.app.demo import DemoEnv
from implhub.app.demo_parts import replica as part
from tests.replica.conftest import needs_git


def test_the_demo_records_the_replica_and_a_simulated_corpus(ctx, demo_tdd_text, tmp_path: Path) -> None:
    needs_git()
    project = projects.create(ctx, text=demo_tdd_text, filename="demo-tdd.yaml", slug="northwind-logistics", demo=True).project
    lines = part.seed(ctx, project, DemoEnv(workdir=tmp_path))
    env = svc.get(ctx, project=project)
    assert env is not None and env["origin"] == "replica" and env["corpus"]["repositories"] == 38000
    corpora = evidence.list_evidence(ctx, project=project, kind="replica_corpus")
    assert len(corpora) == 1 and corpora[0].simulated and corpora[0].environment == "replica"
    achieved = corpora[0].data["achieved"]
    assert achieved["repositories"] == part.MINI_REPOS and achieved["largest_bytes"] == corpora[0].data["target"]["largest_bytes"]
    assert any("miniature replica corpus" in line for line in lines)


def test_the_demo_corpus_is_named_from_the_design_and_holds_the_profiles_repositories(ctx, demo_tdd_text, tmp_path: Path) -> None:
    needs_git()
    from implhub.app.demo_parts import codestats as codestats_part

    project = projects.create(ctx, text=demo_tdd_text, filename="demo-tdd.yaml", slug="northwind-logistics", demo=True).project
    codestats_part.seed(ctx, project, DemoEnv(workdir=tmp_path))
    part.seed(ctx, project, DemoEnv(workdir=tmp_path))
    stored = evidence.latest(ctx, project=project, kind="replica_corpus")
    assert stored is not None and stored.data["scaled"] is True and stored.data["design"]["repositories"] == 38000
    assert set(stored.data["hosts"]) == {"gitlab.northwind.example", "github.northwind.example"}
    served = {p.relative_to(tmp_path / "replica-corpus").as_posix().removesuffix(".git")
              for p in (tmp_path / "replica-corpus").glob("*/*/*.git")}
    assert "gitlab.northwind.example/platform/shipment-router" in served and len(served) == part.MINI_REPOS
