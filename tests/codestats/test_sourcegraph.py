"""The Sourcegraph client against a fake instance (tests/fakes/sourcegraph_graphql.py), and
implhub's queries against the public schema subset."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from implhub.sourcegraph import InstanceError, SourcegraphClient, assess_progress, queries
from tests.fakes.sourcegraph_graphql import FakeSourcegraph


def client(fake: FakeSourcegraph, token: str | None = None) -> SourcegraphClient:
    return SourcegraphClient("https://sourcegraph.northwind.example", token or fake.token, transport=httpx.MockTransport(fake))


def test_it_reads_version_stats_code_hosts_and_users() -> None:
    fake = FakeSourcegraph()
    snap = client(fake).snapshot()
    assert snap["version"] == "6.4.0"
    assert snap["repository_stats"]["gitDirBytes"] == 2_791_728_742_400  # BigInt strings become ints
    assert snap["repository_stats"]["corrupted"] == 0
    assert [h["kind"] for h in snap["code_hosts"]] == ["GITLAB", "GITHUB"]  # two pages of one
    assert snap["code_hosts"][1]["last_sync_error"] == "rate limit exceeded"
    assert snap["users"] == 4312
    assert snap["missing_fields"] == []


def test_an_older_instance_gets_the_query_without_corrupted() -> None:
    fake = FakeSourcegraph(has_corrupted=False)
    snap = client(fake).snapshot()
    assert "corrupted" not in snap["repository_stats"]
    assert snap["repository_stats"]["cloned"] == 38000
    assert snap["missing_fields"] == ["corrupted"]


def test_a_user_who_is_not_site_admin_is_told_so() -> None:
    with pytest.raises(InstanceError, match="not a site admin"):
        client(FakeSourcegraph(site_admin=False)).snapshot()


def test_a_refused_token_is_explained_without_showing_it() -> None:
    fake = FakeSourcegraph()
    with pytest.raises(InstanceError) as info:
        client(fake, token="sgp_wrong_SECRET").snapshot()
    assert "401" in str(info.value) and "sgp_wrong_SECRET" not in str(info.value)


def test_a_url_that_is_not_sourcegraph_is_named() -> None:
    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>Welcome to nginx</html>")

    c = SourcegraphClient("https://intranet.example", "t", transport=httpx.MockTransport(html))
    with pytest.raises(InstanceError, match="does not look like Sourcegraph"):
        c.version()


def test_watching_stops_when_cloning_and_indexing_reach_the_totals() -> None:
    base = {"total": 100, "cloning": 10, "failedFetch": 0}
    history = [(0.0, {**base, "cloned": 50, "indexed": 40}), (60.0, {**base, "cloned": 100, "indexed": 100, "cloning": 0})]
    assert assess_progress(history, stall_after=600).done


def test_watching_says_how_long_it_has_been_stalled() -> None:
    stuck = {"total": 100, "cloning": 3, "cloned": 90, "indexed": 80, "failedFetch": 0}
    history = [(0.0, {**stuck, "cloned": 85}), (60.0, stuck), (400.0, stuck), (700.0, stuck)]
    verdict = assess_progress(history, stall_after=600)
    assert verdict.stalled and verdict.still_for == 640.0
    assert "10 min 40 s" in verdict.message


def test_implhubs_queries_validate_against_the_public_schema(shared_ref: Path) -> None:
    from graphql import build_schema, parse, validate

    schema = build_schema((shared_ref / "sourcegraph" / "graphql" / "schema-subset.graphql").read_text())
    for name, query in queries.ALL.items():
        assert validate(schema, parse(query)) == [], name
    # and the query an older instance gets
    assert validate(schema, parse(queries.repository_stats(queries.REPOSITORY_STATS_FIELDS[:-1]))) == []
