"""One enum per vocabulary: every area's list is the vocabulary's list."""

from __future__ import annotations

from implhub.codehosts import KINDS
from implhub.exit import SIGNABLE
from implhub.intake import schema
from implhub.reporting.reminders import SIGNOFF_CRITERIA
from implhub.vocab import SIGNABLE_CRITERIA, Cloud, CodeHostKind, EnvironmentKind, ExitCriterion


def test_the_design_uses_the_shared_enums() -> None:
    assert schema.CodeHost.model_fields["kind"].annotation is CodeHostKind
    assert schema.EnvKind is EnvironmentKind
    assert schema.Deployment.model_fields["cloud"].annotation is Cloud


def test_the_code_host_clients_list_kinds_of_the_one_vocabulary() -> None:
    assert set(KINDS) <= set(CodeHostKind)
    # GitHub Enterprise speaks the GitHub REST API under /api/v3: the design's kind is listable
    assert CodeHostKind.github_enterprise in KINDS


def test_sourcegraph_external_service_kinds_map_onto_the_vocabulary() -> None:
    assert CodeHostKind.from_sourcegraph("BITBUCKETSERVER") is CodeHostKind.bitbucket_server
    assert CodeHostKind.from_sourcegraph("AZUREDEVOPS") is CodeHostKind.azure_devops
    assert CodeHostKind.from_sourcegraph("github-enterprise") is CodeHostKind.github_enterprise
    assert CodeHostKind.from_sourcegraph("OTHER") is CodeHostKind.other


def test_signable_criteria_are_one_list() -> None:
    assert set(SIGNABLE) == set(SIGNABLE_CRITERIA) == set(SIGNOFF_CRITERIA)
    assert [int(c) for c in ExitCriterion] == list(range(1, 10))


def test_a_production_environment_is_of_kind_prod_by_its_name() -> None:
    env = schema.Environment(name="production")
    assert env.kind == EnvironmentKind.prod
