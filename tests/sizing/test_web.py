"""The sizing tab and its downloads: internal people see official vs recommended; customers nothing."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from tests.web.conftest import Browser, make_project, make_user

pytestmark = pytest.mark.web


@pytest.fixture
def sized(seed, demo_tdd_text):
    slug = make_project(seed, demo_tdd_text, slug="northwind")

    def fn(ctx):
        from implhub.app import sizing

        sizing.nodes(ctx, project=slug, environment="prod")
        return slug

    return seed(fn)


def test_it_shows_official_and_recommended_side_by_side(app, seed, sized) -> None:
    make_user(seed, "ie@example.com", "internal")
    b = Browser(app)
    assert b.login("ie@example.com", "correct horse battery").status_code == 303
    page = b.get(f"/projects/{sized}?tab=sizing")
    assert page.status_code == 200
    assert "Official estimator" in page.text and "Recommended" in page.text
    assert "gitserver" in page.text and "Deviations" in page.text and "Node plan" in page.text
    helm = b.get(f"/projects/{sized}/sizing/prod/export.helm")
    assert helm.status_code == 200 and "attachment" in helm.headers["content-disposition"]
    assert "gitserver" in YAML(typ="safe").load(helm.text)
    api = b.get(f"/api/projects/{sized}/sizing/prod")
    assert api.status_code == 200 and api.json()["recommended"]["totals"]["nodes"] >= 1


def test_a_customer_cannot_reach_sizing(app, seed, sized) -> None:
    make_user(seed, "cust@example.com", "customer", project=sized)
    b = Browser(app)
    b.login("cust@example.com", "correct horse battery")
    assert "Official estimator" not in b.get(f"/projects/{sized}?tab=sizing").text
    assert b.get(f"/projects/{sized}/sizing/prod/export.helm").status_code == 403
    assert b.get(f"/api/projects/{sized}/sizing/prod").status_code == 403
    assert b.get(f"/api/projects/{sized}/sizing").status_code == 403
