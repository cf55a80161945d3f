from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from implhub.store import open_store
from implhub.store.models import ActivityEntry, DesignRevision, Project


def _write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_it_creates_a_project_and_prints_its_slug(cli, tmp_path, tdd_text) -> None:
    result = cli("project", "create", "--tdd", _write(tmp_path, "t.yaml", tdd_text))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "example-corp"
    listed = json.loads(cli("project", "list", "--json").stdout)
    assert [p["slug"] for p in listed] == ["example-corp"]
    shown = json.loads(cli("project", "show", "example-corp", "--json").stdout)
    assert shown["design"]["scale"]["repositories"] == 5000
    assert shown["design"]["stakeholders"][0]["role"] == "IE"
    assert [e["name"] for e in shown["environments"]] == ["dev", "prod"]


def test_bad_tdd_stores_nothing_and_exits_2(cli, tmp_path, tdd_text, db_url) -> None:
    bad = tdd_text.replace("largest_repo_size_gb: 12", "largest_repo_size_gb: 9000")
    result = cli("project", "create", "--tdd", _write(tmp_path, "bad.yaml", bad))
    assert result.exit_code == 2
    assert "bad.yaml:" in result.stderr and "scale" in result.stderr
    st = open_store(db_url)
    with st.session() as s:
        assert s.scalar(select(func.count()).select_from(Project)) == 0
        assert s.scalar(select(func.count()).select_from(ActivityEntry)) == 0
    st.dispose()


def test_update_keeps_every_revision_and_shows_the_change(cli, tmp_path, tdd_text) -> None:
    cli("project", "create", "--tdd", _write(tmp_path, "t.yaml", tdd_text))
    newer = tdd_text.replace("  users: 1000   ", "  users: 1500   ", 1)
    result = cli("project", "update", "example-corp", "--tdd", _write(tmp_path, "t2.yaml", newer))
    assert result.exit_code == 0, result.output
    assert "~ scale.users: 1000 -> 1500" in result.stdout
    revs = json.loads(cli("project", "revisions", "example-corp", "--json").stdout)
    assert [r["number"] for r in revs] == [1, 2]
    diff = json.loads(cli("project", "diff", "example-corp", "1", "2", "--json").stdout)
    assert diff == [{"path": "scale.users", "kind": "changed", "before": 1000, "after": 1500}]


def test_update_never_removes_an_environment_another_capability_added(cli, tmp_path, tdd_text, db_url) -> None:
    from implhub.store.models import EnvironmentRow

    cli("project", "create", "--tdd", _write(tmp_path, "t.yaml", tdd_text))
    st = open_store(db_url)
    with st.session() as s:
        project = s.scalar(select(Project))
        project.environments.append(EnvironmentRow(name="replica", kind="replica", origin="replica", data={}))
    without_dev = tdd_text.replace("  - name: dev\n    kind: dev\n", "")
    result = cli("project", "update", "example-corp", "--tdd", _write(tmp_path, "t2.yaml", without_dev), "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("project", "show", "example-corp", "--json").stdout)
    assert sorted(e["name"] for e in shown["environments"]) == ["prod", "replica"]
    st.dispose()


def test_every_change_lands_in_the_activity_log(cli, tmp_path, tdd_text, db_url) -> None:
    cli("project", "create", "--tdd", _write(tmp_path, "t.yaml", tdd_text))
    cli("project", "update", "example-corp", "--tdd", _write(tmp_path, "t2.yaml", tdd_text.replace("region: us-east-1", "region: us-west-2")))
    st = open_store(db_url)
    with st.session() as s:
        entries = s.scalars(select(ActivityEntry).order_by(ActivityEntry.id)).all()
        assert [e.action for e in entries] == ["project.create", "design.revise"]
        assert {e.actor for e in entries} == {"tester@example.com"}
        assert entries[1].before == {"deployment.region": "us-east-1"}
        assert entries[1].after == {"deployment.region": "us-west-2"}
        assert s.scalar(select(func.count()).select_from(DesignRevision)) == 2
    st.dispose()


def test_markdown_tdd_imports(cli, tmp_path) -> None:
    from implhub.intake.template import template

    result = cli("project", "create", "--tdd", _write(tmp_path, "t.md", template("md")), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["design"]["poc"]["production_differences"] == ["How production differs from the trial."]


def test_tdd_schema_and_template_commands(cli) -> None:
    schema = json.loads(cli("tdd", "schema").stdout)
    assert "customer" in schema["properties"] and "scale" in schema["required"]
    assert "customer:" in cli("tdd", "template").stdout
    assert cli("tdd", "template", "--format", "md").stdout.startswith("---")


def test_unknown_project_is_a_clear_error(cli) -> None:
    result = cli("project", "show", "nope")
    assert result.exit_code == 2
    assert "no project 'nope'" in result.stderr


def test_demo_loads_the_demo_implementation(cli) -> None:
    result = cli("demo")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("project", "show", "northwind-logistics", "--json").stdout)
    assert shown["design"]["scale"]["users"] == 4500
    assert len(shown["design"]["code_hosts"]) == 2
    assert shown["warnings"] == []
    assert shown["exceptional_scale"]["exceptional"] is True


def test_a_second_project_for_the_same_customer_is_refused_naming_the_first(cli, tmp_path, tdd_text, db_url) -> None:
    first = cli("project", "create", "--tdd", _write(tmp_path, "t.yaml", tdd_text))
    assert first.exit_code == 0, first.output
    # the same customer typed with other case and spacing is the same customer
    assert "name: Example Corp" in tdd_text
    renamed = tdd_text.replace("name: Example Corp", "name: \"example  CORP\"", 1)
    again = cli("project", "create", "--tdd", _write(tmp_path, "t2.yaml", renamed))
    assert again.exit_code == 2
    assert "example-corp" in again.stderr and "--new" in again.stderr
    st = open_store(db_url)
    with st.session() as s:
        assert s.scalar(select(func.count()).select_from(Project)) == 1
    st.dispose()
    on_purpose = cli("project", "create", "--tdd", _write(tmp_path, "t3.yaml", tdd_text), "--new")
    assert on_purpose.exit_code == 0, on_purpose.output
    assert on_purpose.stdout.strip() == "example-corp-2"
