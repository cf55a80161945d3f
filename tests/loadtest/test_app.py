"""Application functions: the demo's simulated run, the newest run per environment, and queries
drawn from a code statistics scan."""

from __future__ import annotations

import gzip
import json
import statistics

import pytest

from implhub.app import evidence, projects
from implhub.app import loadtest as svc
from implhub.app.demo import DemoEnv
from implhub.app.demo_parts import loadtest as part


@pytest.fixture
def project(ctx, demo_tdd_text):
    return projects.create(ctx, text=demo_tdd_text, filename="demo.yaml", slug="northwind-logistics").project


def test_the_demo_run_is_simulated_on_the_replica_and_matches_its_points(ctx, project, tmp_path) -> None:
    lines = part.seed(ctx, project, DemoEnv(workdir=tmp_path, seed=42))
    assert "simulated" in lines[0] and "not a k6 run" in lines[0]
    run = svc.latest_run(ctx, project=project, environment="replica")
    assert run is not None and run["simulated"] is True and run["kind"] == "loadtest_run"
    data = run["data"]
    assert data["kind"] == "load" and data["partial"] is False and data["profile"]["vus"] == 900
    assert svc.latest_run(ctx, project=project, environment="prod") is None
    values: dict[str, list[float]] = {}
    checks: dict[str, list[float]] = {}
    with gzip.open(ctx.settings.data_dir / data["raw_points"], "rt") as fh:
        for line in fh:
            obj = json.loads(line)
            t = obj["data"]["tags"].get("type")
            if obj["metric"] == "time_to_first_byte":
                values.setdefault(t, []).append(obj["data"]["value"])
            elif obj["metric"] == "checks":
                checks.setdefault(t, []).append(obj["data"]["value"])
    for type_, vals in values.items():
        got = data["types"][type_]
        assert got["requests"] == len(vals)
        assert got["ttfb_ms"]["p50"] == pytest.approx(statistics.median(vals), abs=1e-3)
        assert got["success_rate"] == pytest.approx(sum(checks[type_]) / len(checks[type_]), abs=1e-4)
    # the same run reported again from its stored id gives the same numbers
    assert svc.report(ctx, runs=[data["run_id"]])["types"] == data["types"]


def test_queries_are_drawn_from_the_newest_code_statistics_scan(ctx, project) -> None:
    evidence.add(ctx, project=project, kind="codestats_scan", source="scan of a test corpus", data={
        "repositories": [{"name": "gitlab.northwind.example/platform/routing"}, {"name": "gitlab.northwind.example/data/etl"}],
        "languages": [{"language": "Python", "code": 1000}, {"language": "Java", "code": 90000}],
    })
    prof = svc.get_profile(ctx, slug=project.slug, kind="load")["profile"]
    assert prof["queries"]["regular"]["literal"][0] == r"repo:^gitlab\.northwind\.example/platform/routing$ public static void count:10"
    assert "Java, Python" in prof["query_source"]


def test_updating_a_profile_is_logged_with_before_and_after(ctx, project) -> None:
    from implhub.app.activity import list_entries

    first = svc.default_profile(ctx, project=project, kind="stress")
    svc.update_profile(ctx, slug=project.slug, kind="stress", data=first, note="as computed")
    svc.update_profile(ctx, slug=project.slug, kind="stress", data=first | {"vus": 10}, note="smaller")
    entries = [e for e in list_entries(ctx, project=project) if e.action == "loadtest.profile"]
    assert [e.entity_id for e in entries] == ["stress:2", "stress:1"]
    assert entries[0].before["vus"] == 900 and entries[0].after["vus"] == 10


@pytest.mark.parametrize("item, name", [
    ({"path": "/srv/scan/gitserver/github.example.com/data/etl.git"}, "github.example.com/data/etl"),
    ({"name": "gitlab.example.com/platform/api"}, "gitlab.example.com/platform/api"),
    ({"path": "/home/me/checkouts/team/service"}, "team/service"),
    ("bitbucket.example.com/PROJ/repo", "bitbucket.example.com/PROJ/repo"),
    ({"path": ""}, None),
])
def test_scanned_paths_become_sourcegraph_repository_names(item, name) -> None:
    assert svc.repo_name(item) == name


def test_each_repository_is_queried_in_its_own_main_language(ctx, project) -> None:
    evidence.add(ctx, project=project, kind="codestats_scan", source="scan", data={
        "repositories": [{"path": "/scan/gitlab.example.com/a/small", "code": 10, "languages": {"Go": 10}},
                         {"path": "/scan/gitlab.example.com/b/big.git", "code": 900, "languages": {"Python": 800, "Go": 100}}],
        "languages": {"Go": {"code": 110}, "Python": {"code": 800}},
    })
    literal = svc.get_profile(ctx, slug=project.slug, kind="load")["profile"]["queries"]["regular"]["literal"]
    assert literal == [r"repo:^gitlab\.example\.com/b/big$ def __init__ count:10", r"repo:^gitlab\.example\.com/a/small$ context.Context count:10"]
