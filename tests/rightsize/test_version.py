"""`implhub version check` and `implhub version refresh`."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from implhub.app import evidence, projects
from implhub.store import open_store
from implhub.store.models import Evidence
from tests.rightsize.conftest import dead_url, write

SLUG = "northwind-logistics"
TABLE = {"as_of": "2025-06-30", "releases": [
    {"version": "6.2.0", "released": "2025-04"}, {"version": "6.3.0", "released": "2025-04"},
    {"version": "6.4.0", "released": "2025-05"}, {"version": "6.4.3889", "released": "2025-06"}]}
GITHUB = [{"tag_name": "v6.4.3889", "published_at": "2025-06-20T10:00:00Z", "draft": False, "prerelease": False},
          {"tag_name": "v6.5.0", "published_at": "2025-07-02T10:00:00Z", "draft": False, "prerelease": False},
          {"tag_name": "v6.6.0-rc.1", "published_at": "2025-07-20T10:00:00Z", "draft": False, "prerelease": True},
          {"tag_name": "app-v2025.7.1", "published_at": "2025-07-21T10:00:00Z", "draft": False, "prerelease": False}]


@pytest.fixture
def served() -> Iterator[dict[str, str]]:
    """A loopback HTTP server publishing a release table and a GitHub releases list."""
    bodies = {"/table.json": json.dumps(TABLE), "/github.json": json.dumps(GITHUB), "/junk": "<html>nope</html>"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = bodies.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield {name: base + name for name in bodies}
    server.shutdown()
    server.server_close()


@pytest.fixture
def project(cli, tmp_path, demo_tdd_text):
    assert cli("project", "create", "--tdd", write(tmp_path, "tdd.yaml", demo_tdd_text)).exit_code == 0
    return SLUG


def _snapshot(db_url: str, version: str) -> None:
    from implhub.app.context import Ctx
    from implhub.settings import load_settings

    st = open_store(db_url)
    with st.session() as s:
        ctx = Ctx(session=s, settings=load_settings(), actor="tester@example.com")
        project = projects.get_or_raise(ctx, slug=SLUG)
        evidence.add(ctx, project=project, kind="instance_snapshot", environment="prod", source="https://sg.example",
                     data={"version": version, "repository_stats": {}, "code_hosts": [], "users": 10})
    st.dispose()


def _count(db_url: str, kind: str = "version_check") -> int:
    st = open_store(db_url)
    with st.session() as s:
        n = s.scalar(select(func.count()).select_from(Evidence).where(Evidence.kind == kind))
    st.dispose()
    return int(n or 0)


def test_it_counts_minors_behind_from_the_instance_snapshot(cli, project, served, db_url) -> None:
    assert cli("version", "refresh", "--url", served["/table.json"]).exit_code == 0
    _snapshot(db_url, "6.2.1")
    out = json.loads(cli("version", "check", SLUG, "--env", "prod", "--json").stdout)
    assert (out["running"], out["newest"], out["minors_behind"]) == ("6.2.1", "6.4.3889", 2)
    assert out["multi_version_upgrade"] is True and out["current"] is False
    assert out["version_source"].startswith("instance snapshot #")
    assert _count(db_url) == 1


def test_one_minor_behind_is_a_standard_upgrade_and_a_patch_behind_is_current(cli, project, served) -> None:
    cli("version", "refresh", "--url", served["/table.json"])
    one = json.loads(cli("version", "check", SLUG, "--env", "prod", "--version", "v6.3.0", "--json").stdout)
    assert (one["minors_behind"], one["upgrade"], one["multi_version_upgrade"]) == (1, "standard", False)
    patch = json.loads(cli("version", "check", SLUG, "--env", "prod", "--version", "6.4.0", "--json").stdout)
    assert (patch["current"], patch["upgrade"]) == (True, "patch")


def test_a_github_releases_list_refreshes_the_table_skipping_prereleases(cli, project, served) -> None:
    result = cli("version", "refresh", "--url", served["/github.json"], "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["newest"] == "6.5.0"
    out = json.loads(cli("version", "check", SLUG, "--env", "prod", "--version", "6.4.3889", "--json").stdout)
    assert out["minors_behind"] == 1 and out["newest_released"] == "2025-07-02"


def test_the_shipped_table_names_its_date_and_implies_skipped_minors(cli, project) -> None:
    from importlib.resources import files

    from ruamel.yaml import YAML

    out = json.loads(cli("version", "check", SLUG, "--env", "prod", "--version", "6.4.0", "--json").stdout)
    shipped = YAML(typ="safe").load((files("implhub") / "data" / "rightsize" / "releases.yaml").read_text())
    assert out["table_as_of"] == str(shipped["as_of"]) and out["table_source"] == "release table shipped with implhub"
    # minors are numbered 0, 1, 2, ... within a major: a listed x.N stands for x.0 .. x.N
    top: dict[int, int] = {}
    for r in shipped["releases"]:
        major, minor = (int(p) for p in str(r["version"]).split(".")[:2])
        top[major] = max(top.get(major, -1), minor)
    expected = sum(1 for major, hi in top.items() for minor in range(hi + 1) if (major, minor) > (6, 4))
    assert out["minors_behind"] == expected == len(out["missed"])
    assert out["multi_version_upgrade"] is (expected > 1)


def test_an_unparsable_version_exits_2_and_stores_nothing(cli, project, db_url) -> None:
    result = cli("version", "check", SLUG, "--env", "prod", "--version", "insiders-2025-06-01")
    assert result.exit_code == 2 and "--version" in result.stderr and "6.4.0" in result.stderr
    _snapshot(db_url, "dev build")
    result = cli("version", "check", SLUG, "--env", "prod")
    assert result.exit_code == 2 and "instance snapshot" in result.stderr
    assert _count(db_url) == 0


def test_without_a_snapshot_it_says_how_to_give_the_version(cli, project, db_url) -> None:
    result = cli("version", "check", SLUG, "--env", "prod")
    assert result.exit_code == 2 and "--version" in result.stderr
    assert f"implhub instance stats --url URL --project {SLUG} --env prod" in " ".join(result.stderr.split())
    assert cli("version", "check", SLUG, "--env", "nope", "--version", "6.4.0").exit_code == 2


def test_a_bad_or_unreachable_url_leaves_the_table_as_it_was(cli, project, served) -> None:
    before = json.loads(cli("version", "check", SLUG, "--env", "prod", "--version", "6.4.0", "--json").stdout)
    assert cli("version", "refresh", "--url", served["/junk"]).exit_code == 2
    assert cli("version", "refresh", "--url", dead_url() + "/x.json").exit_code == 2
    after = json.loads(cli("version", "check", SLUG, "--env", "prod", "--version", "6.4.0", "--json").stdout)
    assert after["newest"] == before["newest"] and after["table_source"] == before["table_source"]
