from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from implhub.app import evidence, exit_criteria, projects
from implhub.store import open_store
from implhub.store.models import Project
from implhub.store.models.exit import Handoff
from tests.documents.evidence import SPARSE_TDD, finish_plan, loadtest, populate

SLUG = "northwind-logistics"


def _demo(ctx, demo_tdd_text):
    return projects.create(ctx, text=demo_tdd_text, filename="demo.yaml", slug=SLUG).project


def _planned(ctx, project, *, through: str = "installed-prod") -> None:
    from implhub.app import plan

    plan.generate(ctx, project=project, start=ctx.today() - __import__("datetime").timedelta(days=60))
    finish_plan(ctx, project, through=through)


def _status(report) -> dict[int, str]:
    return {c["number"]: c["status"] for c in report["criteria"]}


def _sign_judgements(ctx, numbers=(2, 4, 6, 7)) -> None:
    for n in numbers:
        exit_criteria.sign(ctx, slug=SLUG, number=n, by="Luis Ortega", evidence_url=f"https://wiki.example.com/signoff/{n}")


def test_it_returns_the_contract_shape(ctx, demo_tdd_text) -> None:
    report = exit_criteria.evaluate(ctx, _demo(ctx, demo_tdd_text))
    assert set(report) == {"complete", "criteria"}
    assert [c["number"] for c in report["criteria"]] == list(range(1, 10))
    for c in report["criteria"]:
        assert set(c) == {"number", "title", "status", "evidence", "missing", "simulated_would_meet"}
        assert c["status"] in ("met", "not_met", "waived")
        assert isinstance(c["evidence"], list) and isinstance(c["missing"], list)
    assert report["complete"] is False


def test_a_sparse_design_misses_exactly_what_is_missing(ctx) -> None:
    project = projects.create(ctx, text=SPARSE_TDD, filename="sparse.yaml").project
    report = exit_criteria.evaluate(ctx, project)
    missing = {c["number"]: c["missing"] for c in report["criteria"]}
    assert [m.split(" (")[0] for m in missing[1]] == ["a plan with production's infrastructure tasks", "a node plan of prod's newest size estimate",
                                                     "two live instance snapshots of prod at least 24 hours apart"]
    assert [m.split(" (")[0] for m in missing[3]] == ["the scoped code hosts", "an instance snapshot of prod with its code hosts and repository statistics"]
    for n in (2, 4, 7):
        assert len(missing[n]) == 1 and missing[n][0].startswith("a sign-off that") and f"criterion sign sparse-co {n}" in missing[n][0]
    assert [m.split(" (")[0] for m in missing[5]] == ["a passing full-strength load test on prod or on a replica of the design's shape"]
    assert missing[6][0] == missing[5][0] and missing[6][1].startswith("a sign-off that the standard workflow checklist")
    assert len(missing[8]) == 1 and missing[8][0].startswith("a right-sizing of prod over at least 7 days of real usage")
    assert [m.split(" (")[0] for m in missing[9]] == ["a version check of prod"]
    assert set(_status(report).values()) == {"not_met"}


def test_evidence_and_sign_offs_complete_the_criteria(ctx, demo_tdd_text) -> None:
    project = _demo(ctx, demo_tdd_text)
    populate(ctx, project)
    _planned(ctx, project)
    report = exit_criteria.evaluate(ctx, project)
    assert _status(report) == {1: "met", 2: "not_met", 3: "met", 4: "not_met", 5: "met", 6: "not_met", 7: "not_met", 8: "met", 9: "met"}
    three = report["criteria"][2]["evidence"][0]
    assert three["kind"] == "instance_snapshot" and "38,000/38,000 cloned" in three["summary"]
    _sign_judgements(ctx)
    report = exit_criteria.evaluate(ctx, project)
    assert report["complete"] is True
    six = report["criteria"][5]["evidence"]
    assert [e["type"] for e in six] == ["evidence", "sign"] and six[1]["by"] == "Luis Ortega"


def test_uncloned_repositories_and_an_unconnected_host_are_named(ctx, demo_tdd_text) -> None:
    from tests.documents.evidence import snapshot

    project = _demo(ctx, demo_tdd_text)
    snap = snapshot(total=38000, cloned=37000, indexed=36000)
    snap["code_hosts"] = snap["code_hosts"][:1]
    evidence.add(ctx, project=project, kind="instance_snapshot", environment="prod", source="sg", data=snap)
    three = exit_criteria.evaluate(ctx, project)["criteria"][2]
    assert three["status"] == "not_met"
    assert three["missing"] == ["code host github-enterprise https://github.northwind.example is not connected on prod",
                                "1,000 of 38,000 repositories not cloned on prod", "2,000 of 38,000 repositories not indexed on prod"]


def test_partial_or_failing_runs_do_not_count(ctx, demo_tdd_text) -> None:
    project = _demo(ctx, demo_tdd_text)
    evidence.add(ctx, project=project, kind="loadtest_run", environment="prod", source="k6", data=loadtest(partial=True))
    evidence.add(ctx, project=project, kind="loadtest_run", environment="prod", source="k6", data=loadtest(passed=False))
    five = exit_criteria.evaluate(ctx, project)["criteria"][4]
    assert five["status"] == "not_met" and "failed (score 0.41)" in five["missing"][-1]
    assert five["evidence"][0]["strength"] == "full" and five["evidence"][0]["counts"] is True


def test_a_version_two_minors_behind_is_not_current(ctx, demo_tdd_text) -> None:
    project = _demo(ctx, demo_tdd_text)
    evidence.add(ctx, project=project, kind="version_check", environment="prod", source="releases",
                 data={"running": "6.2.0", "newest": "6.4.1", "minors_behind": 2})
    nine = exit_criteria.evaluate(ctx, project)["criteria"][8]
    assert nine["status"] == "not_met" and nine["missing"] == ["upgrade prod from 6.2.0 to within 1 minor release of 6.4.1"]


def test_a_waiver_counts_but_shows_as_waived(ctx, demo_tdd_text) -> None:
    project = _demo(ctx, demo_tdd_text)
    exit_criteria.waive(ctx, slug=SLUG, number=9, by="Hannah Okafor", reason="the customer pins 6.4 until the Q2 freeze ends")
    nine = exit_criteria.evaluate(ctx, project)["criteria"][8]
    assert nine["status"] == "waived"
    assert nine["evidence"][-1]["type"] == "waive" and nine["missing"] == ["a version check of prod (implhub version check northwind-logistics --env prod)"]


def _write(tmp_path: Path, text: str) -> str:
    p = tmp_path / "tdd.yaml"
    p.write_text(text)
    return str(p)


def test_cli_refuses_bad_sign_offs_and_stores_nothing(cli, tmp_path, demo_tdd_text, db_url) -> None:
    cli("project", "create", "--tdd", _write(tmp_path, demo_tdd_text))
    r = cli("criterion", "sign", SLUG, "3", "--by", "Luis Ortega", "--evidence", "https://x.example/1")
    assert r.exit_code == 2 and "decided by evidence" in r.stderr
    r = cli("criterion", "sign", SLUG, "2", "--by", "Luis Ortega", "--evidence", "not a url")
    assert r.exit_code == 2 and "expected an http(s) URL" in r.stderr
    r = cli("criterion", "sign", SLUG, "2", "--by", "Luis Ortega")
    assert r.exit_code == 2 and "--evidence" in r.stderr
    r = cli("criterion", "waive", SLUG, "9", "--by", "Luis Ortega")
    assert r.exit_code == 2 and "reason" in r.stderr
    r = cli("criterion", "sign", SLUG, "2", "--by", "Random Person", "--evidence", "https://x.example/2")
    assert r.exit_code == 2 and "'Random Person' is not a stakeholder of northwind-logistics" in r.stderr
    r = cli("criterion", "waive", SLUG, "9", "--by", "random@example.com", "--reason", "x")
    assert r.exit_code == 2 and "not a stakeholder" in r.stderr
    r = cli("criterion", "waive", SLUG, "10", "--by", "Luis Ortega", "--reason", "x")
    assert r.exit_code == 2 and "1..9" in r.stderr
    report = json.loads(cli("exit-criteria", SLUG, "--json").stdout)
    assert all(c["evidence"] == [] or c["number"] == 7 for c in report["criteria"])


def test_project_complete_refuses_until_every_criterion_holds(cli, tmp_path, demo_tdd_text, db_url) -> None:
    cli("project", "create", "--tdd", _write(tmp_path, demo_tdd_text))
    r = cli("project", "complete", SLUG)
    assert r.exit_code == 1 and "not complete" in r.stderr and "1. Full production infrastructure" in r.stderr
    st = open_store(db_url)
    with st.session() as s:
        project = s.scalar(select(Project).where(Project.slug == SLUG))
        assert project.state == "active" and s.scalars(select(Handoff)).all() == []
        from implhub.app.context import Ctx
        from implhub.settings import load_settings

        c = Ctx(session=s, settings=load_settings(), actor="t")
        populate(c, project)
        _planned(c, project, through="validation-prod")
    st.dispose()
    for n in (2, 4, 6):
        assert cli("criterion", "sign", SLUG, str(n), "--by", "Luis Ortega", "--evidence", f"https://wiki.example.com/{n}").exit_code == 0
    r = cli("project", "complete", SLUG)
    assert r.exit_code == 1 and "go-live milestone 'Go-live' (golive) is not done" in r.stderr
    assert cli("plan", "set", SLUG, "golive", "--status", "done").exit_code == 0
    r = cli("project", "complete", SLUG)
    assert r.exit_code == 1 and "7. The production infrastructure is staged" in r.stderr
    assert cli("criterion", "sign", SLUG, "7", "--by", "elena.sousa@sourcegraph.example", "--evidence", "https://wiki.example.com/7").exit_code == 0
    assert json.loads(cli("exit-criteria", SLUG, "--json").stdout)["complete"] is True
    r = cli("project", "complete", SLUG, "--json")
    assert r.exit_code == 0, r.output
    handoff = json.loads(r.stdout)
    assert handoff["kind"] == "complete" and handoff["open_items"] == []
    assert handoff["record"]["production_deployment"]["instance_types"] == ["4 x m6i.4xlarge"]
    assert json.loads(cli("project", "show", SLUG, "--json").stdout)["state"] == "complete"
    assert cli("project", "complete", SLUG).exit_code == 2
    r = cli("plan", "set", SLUG, "handoff", "--status", "done")
    assert r.exit_code == 2 and "is complete: its plan cannot change any more" in r.stderr
    r = cli("project", "update", SLUG, "--tdd", _write(tmp_path, demo_tdd_text.replace("users: 4500", "users: 4700")))
    assert r.exit_code == 2 and "its design cannot change" in r.stderr
    assert json.loads(cli("project", "show", SLUG, "--json").stdout)["revision"] == 1


def test_close_at_the_timebox_records_what_was_left_open(cli, tmp_path, demo_tdd_text) -> None:
    cli("project", "create", "--tdd", _write(tmp_path, demo_tdd_text))
    assert cli("project", "close", SLUG, "--reason", "bored").exit_code == 2
    r = cli("project", "close", SLUG, "--reason", "timebox", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["kind"] == "timebox" and len(out["open_items"]) == 9
    assert out["criteria"]["complete"] is False
    assert json.loads(cli("project", "show", SLUG, "--json").stdout)["state"] == "closed"
    r = cli("criterion", "sign", SLUG, "2", "--by", "Luis Ortega", "--evidence", "https://x.example/2")
    assert r.exit_code == 2 and "closed" in r.stderr
