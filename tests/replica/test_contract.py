"""The contract scripts rely on: `replica corpus OUT --project SLUG --repos N --total-gb X
--largest-gb Y` writes N repositories named from the design, `replica serve` serves each under a
design code host name, the GitLab listings add up to N, and every `repo:` filter of the load
profile matches a served repository."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest

from implhub.app import codestats, evidence, projects
from implhub.app import replica as svc
from implhub.app.demo_parts.codestats import build_corpus
from implhub.replica.server import make_server
from tests.replica.conftest import needs_git

SLUG = "northwind-logistics"
HOSTS = ("gitlab.northwind.example", "github.northwind.example")


@pytest.fixture
def project(ctx, demo_tdd_text, tmp_path: Path):
    needs_git()
    p = projects.create(ctx, text=demo_tdd_text, filename="demo-tdd.yaml", slug=SLUG).project
    build_corpus(tmp_path / "gitserver", seed=1)  # scanned: the load profile queries these names
    codestats.scan(ctx, paths=[str(tmp_path / "gitserver")], project=SLUG, jobs=1)
    ctx.session.commit()
    return p


def test_a_scaled_replica_of_the_design_answers_the_contract(cli, ctx, project, tmp_path: Path) -> None:
    out = tmp_path / "replica"
    result = cli("replica", "corpus", str(out), "--project", SLUG, "--repos", "24", "--total-gb", "0.004",
                 "--largest-gb", "0.0006", "--history", "4", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    names = [r["name"] for r in report["repositories"]]
    assert len(names) == 24 and all(n.split("/")[0] in HOSTS and len(n.split("/")) == 3 for n in names)
    assert report["scaled"] is True and report["design"]["repositories"] == 38000
    assert report["end_date"] and report["target"]["end_date"] == report["end_date"]
    stored = evidence.latest(ctx, project=project, kind="replica_corpus")
    assert stored is not None and stored.data["scaled"] is True and stored.data["design"]["total_bytes"] == 2600 * 10**9

    server = make_server(out, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        served = [n.removesuffix(".git") for n in server.names]
        assert sorted(served) == sorted(names)
        listed = subprocess.run(["git", "ls-remote", f"{server.url}/{names[1]}"], capture_output=True, text=True,
                                env={"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin:/usr/local/bin"})
        assert listed.returncode == 0 and "refs/heads/main" in listed.stdout, listed.stderr
        total = 0
        for host in HOSTS:
            with urllib.request.urlopen(f"{server.url}/{host}/api/v4/projects?per_page=10&page=1", timeout=30) as resp:
                total += int(resp.headers["X-Total"])
        assert total == 24
        assert svc.gitlab_hosts(out, list(server.projects)) == ["gitlab.northwind.example"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

    profile = cli("loadtest", "profile", SLUG, "--json")
    assert profile.exit_code == 0, profile.output
    queries = [q for variant in json.loads(profile.stdout)["profile"]["queries"].values() for qs in variant.values() for q in qs]
    filters = [m.group(1) for q in queries for m in re.finditer(r"(?:^|\s)repo:(\S+)", q)]
    assert filters  # the profile is scoped to the customer's repositories
    for f in filters:
        assert any(re.search(f, n) for n in served), f"{f} matches no served repository"


def test_scale_takes_a_factor_of_the_design(ctx, project) -> None:
    spec, _ = svc.spec_for(ctx, project=project, scale=0.001)
    assert spec.repositories == 38 and spec.total_bytes == int(2600 * 10**9 * 0.001)
    assert spec.scaled and spec.scale == 0.001 and spec.design == {"repositories": 38000, "total_bytes": 2600 * 10**9,
                                                                   "largest_bytes": 85 * 10**9, "monorepos": 2}
    assert spec.largest_bytes <= spec.total_bytes and spec.monorepos == 2
    assert {h.name for h in spec.hosts} == set(HOSTS)
    assert "gitlab.northwind.example/platform/shipment-router" in spec.required
    full, _ = svc.spec_for(ctx, project=project)
    assert not full.scaled and full.repositories == 38000
    # history calibrated from the scan: newest-tree bytes against the git directories' sizes
    scan = evidence.latest(ctx, project=project, kind="codestats_scan")
    assert scan is not None
    rows = scan.data["repositories"]
    measured = sum(r["bytes"] for r in rows) / sum(r["git_dir_bytes"] for r in rows)
    assert abs(spec.tree_ratio - min(20.0, max(0.05, measured))) < 0.001
    assert "codestats_scan" in svc.tree_ratio(ctx, project)[1]


def test_scale_needs_a_project_and_a_sane_factor(cli, ctx, project, tmp_path: Path) -> None:
    alone = cli("replica", "corpus", str(tmp_path / "a"), "--scale", "0.1", "--repos", "3", "--total-gb", "1", "--largest-gb", "0.5")
    assert alone.exit_code == 2 and "--project" in alone.stderr
    big = cli("replica", "corpus", str(tmp_path / "b"), "--project", SLUG, "--scale", "2")
    assert big.exit_code == 2 and "--scale" in big.stderr
    bad_date = cli("replica", "corpus", str(tmp_path / "c"), "--project", SLUG, "--scale", "0.001", "--end-date", "30/11/2026")
    assert bad_date.exit_code == 2 and "--end-date" in bad_date.stderr
    assert not any((tmp_path / d).exists() for d in ("a", "b", "c"))


def test_a_stored_profile_that_queries_local_paths_is_named_with_the_fix(ctx, project) -> None:
    """A profile stored before scans recorded code host names queries paths on disk: the replica
    cannot hold those names, and says how to refresh the profile."""
    from implhub.app import loadtest
    from implhub.errors import ValidationError

    data = loadtest.get_profile(ctx, slug=SLUG, kind="search")["profile"]
    data["queries"]["regular"]["literal"] = [r"repo:^\.local/share/implhub/demo/codestats/gitserver/gitlab\.northwind\.example/a/b$ x"]
    loadtest.update_profile(ctx, slug=SLUG, kind="search", data=data)
    with pytest.raises(ValidationError) as info:
        svc.spec_for(ctx, project=project, scale=0.001)
    assert ".local/share" in info.value.message and f"loadtest profile {SLUG} --kind search --save" in info.value.message
