"""Fixtures of the load-test tests: the web app on the test store (for the tab), and the demo project k6 runs test."""

import pytest

from tests.web.conftest import app, clock, seed  # noqa: F401

#: the project the k6 run tests create (the demo design)
RUN_SLUG = "northwind-logistics"


@pytest.fixture
def project(cli, tmp_path, demo_tdd_text, monkeypatch):
    """The demo design as a project, and the token a run reads from $SG_TOKEN."""
    tdd = tmp_path / "tdd.yaml"
    tdd.write_text(demo_tdd_text)
    assert cli("project", "create", "--tdd", str(tdd), "--slug", RUN_SLUG).exit_code == 0
    monkeypatch.setenv("SG_TOKEN", "secret-token")
    return RUN_SLUG
