"""`implhub codestats scan|hosts` and `implhub instance stats` end to end (the hosts and the
instance are fakes served on 127.0.0.1)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from implhub.store import open_store
from implhub.store.models import ActivityEntry, Evidence
from tests.codestats.corpus import bare_clone, corrupt_repo, working_tree
from tests.fakes.codehosts import TOKEN, FakeGitLab, make_repos
from tests.fakes.http_server import serve
from tests.fakes.sourcegraph_graphql import FakeSourcegraph


@pytest.fixture
def project(cli, tmp_path, tdd_text) -> str:
    p = tmp_path / "t.yaml"
    p.write_text(tdd_text)
    assert cli("project", "create", "--tdd", str(p)).exit_code == 0
    return "example-corp"


def evidence_rows(db_url: str, kind: str) -> list[Evidence]:
    st = open_store(db_url)
    with st.session() as s:
        rows = list(s.scalars(select(Evidence).where(Evidence.kind == kind)))
        s.expunge_all()
    st.dispose()
    return rows


def test_scan_json_follows_the_contract_and_is_stored(cli, tmp_path, project, db_url) -> None:
    wt = working_tree(tmp_path / "repos")
    bare_clone(wt, tmp_path / "repos" / "router.git")
    result = cli("codestats", "scan", str(tmp_path / "repos"), "--project", project, "--jobs", "1", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {"repositories", "files", "bytes", "code", "comment", "blank", "indexable_files", "indexable_bytes",
            "indexable_lines"} <= set(out["totals"])
    assert {"files", "code", "comment", "blank"} <= set(out["languages"]["Python"])
    assert {"path", "bare", "files", "bytes", "code", "comment", "blank", "indexable_files",
            "indexable_bytes"} <= set(out["repositories"][0])
    assert {r["bare"] for r in out["repositories"]} == {True, False}
    [row] = evidence_rows(db_url, "codestats_scan")
    assert row.data["totals"] == out["totals"] and row.source.startswith("scan of ")
    assert not row.simulated


def test_scan_csv_prints_a_row_per_repository(cli, tmp_path) -> None:
    working_tree(tmp_path / "repos")
    result = cli("codestats", "scan", str(tmp_path / "repos"), "--jobs", "1", "--csv")
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1
    assert rows[0]["bare"] == "False" and rows[0]["branch"] == "main" and int(rows[0]["files"]) == 9
    assert int(rows[0]["indexable_files"]) == 7


def test_a_corrupt_repository_exits_1_after_scanning_the_rest(cli, tmp_path) -> None:
    working_tree(tmp_path / "repos")
    corrupt_repo(tmp_path / "repos")
    result = cli("codestats", "scan", str(tmp_path / "repos"), "--jobs", "1", "--json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["totals"]["repositories"] == 1 and out["failed"][0]["path"].endswith("broken.git")
    assert "broken.git" in result.stderr


def test_a_missing_path_exits_2_and_stores_nothing(cli, tmp_path, project, db_url) -> None:
    result = cli("codestats", "scan", str(tmp_path / "absent"), "--project", project)
    assert result.exit_code == 2 and "absent" in result.stderr
    assert evidence_rows(db_url, "codestats_scan") == []


def test_hosts_inventories_a_gitlab_and_keeps_the_token_out(cli, project, db_url, monkeypatch) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    fake = FakeGitLab(make_repos(45))
    with serve(fake) as url:
        result = cli("codestats", "hosts", "--kind", "gitlab", "--url", url, "--token-env", "GITLAB_TOKEN",
                     "--scope", "platform", "--project", project, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["repositories"] == 45 and out["largest"]["name"] == "northwind/service-004"
    assert TOKEN not in result.output
    [row] = evidence_rows(db_url, "codehost_inventory")
    assert row.data["repositories"] == 45 and TOKEN not in json.dumps(row.data) and TOKEN not in row.source
    st = open_store(db_url)
    with st.session() as s:
        summaries = " ".join(s.scalars(select(ActivityEntry.summary)))
    st.dispose()
    assert TOKEN not in summaries


def test_hosts_refuses_a_token_passed_as_the_variable_name(cli) -> None:
    result = cli("codestats", "hosts", "--kind", "github", "--url", "https://github.com", "--token-env", "ghp_abc-123!")
    assert result.exit_code == 2 and "NAME of an environment variable" in result.stderr


def test_a_host_that_refuses_the_token_exits_2(cli, monkeypatch) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", "wrong-SECRET")
    with serve(FakeGitLab(make_repos(3))) as url:
        result = cli("codestats", "hosts", "--kind", "gitlab", "--url", url, "--token-env", "GITLAB_TOKEN")
    assert result.exit_code == 2
    assert "401" in result.stderr and "wrong-SECRET" not in result.output


def test_instance_stats_stores_a_snapshot_on_the_environment(cli, project, db_url, monkeypatch) -> None:
    fake = FakeSourcegraph(has_corrupted=False)
    monkeypatch.setenv("SRC_ACCESS_TOKEN", fake.token)
    with serve(fake) as url:
        result = cli("instance", "stats", "--url", url, "--token-env", "SRC_ACCESS_TOKEN", "--project", project,
                     "--env", "prod", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["version"] == "6.4.0" and out["missing_fields"] == ["corrupted"]
    [row] = evidence_rows(db_url, "instance_snapshot")
    assert row.environment == "prod" and row.data["users"] == 4312


def test_instance_stats_rejects_an_unknown_environment(cli, project, monkeypatch) -> None:
    monkeypatch.setenv("SRC_ACCESS_TOKEN", "x")
    result = cli("instance", "stats", "--url", "http://127.0.0.1:9", "--token-env", "SRC_ACCESS_TOKEN",
                 "--project", project, "--env", "qa")
    assert result.exit_code == 2 and "no environment 'qa'" in result.stderr


def test_instance_stats_explains_a_non_admin_token(cli, monkeypatch) -> None:
    fake = FakeSourcegraph(site_admin=False)
    monkeypatch.setenv("SRC_ACCESS_TOKEN", fake.token)
    with serve(fake) as url:
        result = cli("instance", "stats", "--url", url, "--token-env", "SRC_ACCESS_TOKEN")
    assert result.exit_code == 2 and "site admin" in result.stderr


def test_watch_polls_until_cloning_and_indexing_reach_the_totals(cli, project, db_url, monkeypatch) -> None:
    base = {"gitDirBytes": 10, "indexedLinesCount": 5, "total": 100, "notCloned": 0, "failedFetch": 0, "corrupted": 0}
    fake = FakeSourcegraph(stats=[{**base, "cloned": 40, "cloning": 60, "indexed": 10},
                                  {**base, "cloned": 90, "cloning": 10, "indexed": 70},
                                  {**base, "cloned": 100, "cloning": 0, "indexed": 100}])
    monkeypatch.setenv("SRC_ACCESS_TOKEN", fake.token)
    with serve(fake) as url:
        result = cli("instance", "stats", "--url", url, "--token-env", "SRC_ACCESS_TOKEN", "--watch", "--interval", "0",
                     "--project", project, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["watch"]["done"] and out["watch"]["polls"] == 3
    assert "cloned and indexed" in result.stderr
    [row] = evidence_rows(db_url, "instance_snapshot")
    assert row.data["repository_stats"]["indexed"] == 100


def test_watch_stops_on_a_stall_with_exit_1(cli, monkeypatch) -> None:
    stuck = {"gitDirBytes": 10, "indexedLinesCount": 5, "total": 100, "cloned": 60, "cloning": 5, "notCloned": 35,
             "failedFetch": 0, "indexed": 50, "corrupted": 0}
    fake = FakeSourcegraph(stats=[stuck])
    monkeypatch.setenv("SRC_ACCESS_TOKEN", fake.token)
    with serve(fake) as url:
        result = cli("instance", "stats", "--url", url, "--token-env", "SRC_ACCESS_TOKEN", "--watch", "--interval", "0",
                     "--stall-minutes", "0")
    assert result.exit_code == 1
    assert "stalled" in result.stderr


def test_the_summary_prefers_the_instance_then_scans_then_the_design(cli, tmp_path, project, db_url, monkeypatch) -> None:
    from implhub.app import codestats
    from implhub.app.context import Ctx
    from implhub.settings import load_settings

    def summary() -> dict:  # type: ignore[type-arg]
        st = open_store(db_url)
        with st.session() as s:
            out = codestats.summary(Ctx(session=s, settings=load_settings(), actor="t"), project=project)
        st.dispose()
        return out

    first = summary()
    assert first["code_hosts"]["basis"] == "design" and first["code_hosts"]["count"] >= 1
    assert first["repos_synced"]["value"] is None
    working_tree(tmp_path / "repos")
    cli("codestats", "scan", str(tmp_path / "repos"), "--project", project, "--jobs", "1")
    second = summary()
    assert second["lines_of_code"]["basis"] == "scan" and second["lines_of_code"]["value"] > 0
    assert second["lines_of_code"]["source"].startswith("scan of") and second["lines_of_code"]["date"]
    fake = FakeSourcegraph()
    monkeypatch.setenv("SRC_ACCESS_TOKEN", fake.token)
    with serve(fake) as url:
        cli("instance", "stats", "--url", url, "--token-env", "SRC_ACCESS_TOKEN", "--project", project)
    third = summary()
    assert third["lines_of_code"] == {**third["lines_of_code"], "basis": "instance", "value": 1_824_551_203}
    assert third["repos_synced"]["value"] == 38000 and third["code_hosts"]["count"] == 2
    assert third["code_hosts"]["simulated"] is False
    st = open_store(db_url)
    with st.session() as s:
        assert s.scalar(select(func.count()).select_from(Evidence)) == 2
    st.dispose()
