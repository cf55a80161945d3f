"""The right-sizing tab, its override download and API: internal people only."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from tests.web.conftest import Browser, make_project, make_user

pytestmark = pytest.mark.web


@pytest.fixture
def demo_project(seed, demo_tdd_text, tmp_path):
    """The demo's right-sizing part on a fresh project: simulated usage through the real engine."""
    slug = make_project(seed, demo_tdd_text, slug="northwind-logistics")

    def fn(ctx):
        from implhub.app.demo import DemoEnv
        from implhub.app.demo_parts import rightsize
        from implhub.app.projects import get_or_raise

        return rightsize.seed(ctx, get_or_raise(ctx, slug=slug), DemoEnv(workdir=tmp_path / "demo"))

    lines = seed(fn)
    assert lines and "right-sizing of prod" in lines[0]
    return slug


def test_it_shows_flagged_services_the_changes_and_the_version(app, seed, demo_project) -> None:
    make_user(seed, "ie@example.com", "internal")
    b = Browser(app)
    assert b.login("ie@example.com", "correct horse battery").status_code == 303
    page = b.get(f"/projects/{demo_project}?tab=rightsize")
    assert page.status_code == 200
    assert "oom_killed" in page.text and "throttled" in page.text and "simulated" in page.text
    assert "Changes in the override" in page.text and "feature releases behind" in page.text
    assert "full strength" in page.text and "sourcegraph-80%" in page.text
    assert "Containers not matched to a Sourcegraph service" in page.text and "ingress-nginx" in page.text
    override = b.get(f"/projects/{demo_project}/rightsize/prod/override.yaml")
    assert override.status_code == 200 and "attachment" in override.headers["content-disposition"]
    api = b.get(f"/api/projects/{demo_project}/rightsize/prod").json()
    assert YAML(typ="safe").load(override.text) == api["data"]["override"]
    assert api["simulated"] is True and api["data"]["flagged"][0]["flags"][0] == "oom_killed"
    version = b.get(f"/api/projects/{demo_project}/version/prod").json()
    assert version["data"]["running"] == "6.4.0"
    assert b.get(f"/api/projects/{demo_project}/rightsize/staging").status_code == 404


def test_a_customer_cannot_reach_right_sizing(app, seed, demo_project) -> None:
    make_user(seed, "cust@example.com", "customer", project=demo_project)
    b = Browser(app)
    b.login("cust@example.com", "correct horse battery")
    assert "oom_killed" not in b.get(f"/projects/{demo_project}?tab=rightsize").text
    assert b.get(f"/projects/{demo_project}/rightsize/prod/override.yaml").status_code == 403
    assert b.get(f"/api/projects/{demo_project}/rightsize/prod").status_code == 403
    assert b.get(f"/api/projects/{demo_project}/rightsize").status_code == 403
    assert b.get(f"/api/projects/{demo_project}/version/prod").status_code == 403
