"""The optional organisations/groups of a code host: kept as written, bad paths named."""

from __future__ import annotations

import pytest

from implhub.errors import ValidationError
from implhub.intake.loader import load_tdd_text
from implhub.intake.template import template


def _with_orgs(orgs: str) -> str:
    text = template("yaml")
    line = next(x for x in text.splitlines() if x.strip().startswith("organizations:"))
    return text.replace(line, f"    organizations: {orgs}", 1)


def test_it_keeps_the_organisations_of_a_code_host() -> None:
    loaded = load_tdd_text(_with_orgs("[platform, data/pipelines]"), filename="t.yaml")
    assert loaded.design["code_hosts"][0]["organizations"] == ["platform", "data/pipelines"]


def test_a_design_without_organisations_still_loads() -> None:
    loaded = load_tdd_text(template("yaml"), filename="t.yaml")
    assert loaded.design["code_hosts"][0].get("organizations", []) == []


def test_it_names_the_field_of_a_bad_organisation() -> None:
    with pytest.raises(ValidationError) as exc:
        load_tdd_text(_with_orgs('["platform", "../etc"]'), filename="bad.yaml")
    assert "organizations" in exc.value.render() and "group path" in exc.value.render()
