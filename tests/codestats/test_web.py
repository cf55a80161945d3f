"""The code statistics tab and API: internal only, showing each number's source."""

from __future__ import annotations

import pytest

from implhub.app import codestats
from implhub.app.projects import get_or_raise
from tests.codestats.corpus import working_tree
from tests.web.conftest import make_project, make_user

pytestmark = pytest.mark.web


def _seed_evidence(seed, slug: str, tmp_path) -> None:
    working_tree(tmp_path / "repos")

    def fn(ctx):
        codestats.scan(ctx, paths=[str(tmp_path / "repos")], project=slug, jobs=1)
        codestats.record_snapshot(ctx, project=get_or_raise(ctx, slug=slug), environment="prod", snapshot={
            "url": "https://sg.example.com", "version": "6.4.0", "users": 812, "code_hosts": [
                {"kind": "GITLAB", "name": "GitLab", "repositories": 4800, "last_sync_error": None}],
            "repository_stats": {"total": 5000, "cloned": 4990, "indexed": 4950, "failedFetch": 10,
                                 "indexedLinesCount": 912_345_678, "gitDirBytes": 10**12}})

    seed(fn)


def test_the_tab_shows_the_summary_with_sources_and_the_scan(browser, seed, tdd_text, tmp_path) -> None:
    slug = make_project(seed, tdd_text)
    _seed_evidence(seed, slug, tmp_path)
    make_user(seed, "ie@example.com", "internal")
    b = browser()
    b.login("ie@example.com", "correct horse battery")
    page = b.get(f"/projects/{slug}?tab=codestats")
    assert page.status_code == 200
    assert "Code statistics" in page.text
    assert "912,345,678" in page.text and "https://sg.example.com" in page.text
    assert "Python" in page.text and "scan of " in page.text
    api = b.get(f"/api/projects/{slug}/codestats").json()
    assert api["summary"]["lines_of_code"]["value"] == 912_345_678
    assert api["summary"]["repos_synced"]["value"] == 4990
    assert len(api["scans"]) == 1 and api["scans"][0]["data"]["totals"]["repositories"] == 1


def test_a_customer_gets_neither_the_tab_nor_the_api(browser, seed, tdd_text, tmp_path) -> None:
    slug = make_project(seed, tdd_text)
    _seed_evidence(seed, slug, tmp_path)
    make_user(seed, "cust@example.com", "customer", project=slug)
    b = browser()
    b.login("cust@example.com", "correct horse battery")
    page = b.get(f"/projects/{slug}?tab=codestats")
    assert "912,345,678" not in page.text
    assert b.get(f"/api/projects/{slug}/codestats").status_code in (401, 403)
