"""The shared vocabularies: one enum per list of names that more than one area uses.

Every area imports these instead of spelling the names itself, so a list cannot drift apart (the
code host kinds once existed as three lists of 10, 6 and 7 names). Values are the strings stored in
the database and written in the TDD; they never change (extend, never rename).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class EnvironmentKind(StrEnum):
    """What an environment is for. Lookups of "the production environment" go by kind, never by
    name: a project may call it prod, production, prd-eu, ..."""

    dev = "dev"
    staging = "staging"
    prod = "prod"
    replica = "replica"
    other = "other"


#: the kind an environment gets from its name when the TDD does not say
KIND_FROM_NAME: dict[str, EnvironmentKind] = {
    "dev": EnvironmentKind.dev, "development": EnvironmentKind.dev,
    "staging": EnvironmentKind.staging, "stage": EnvironmentKind.staging,
    "prod": EnvironmentKind.prod, "production": EnvironmentKind.prod,
    "replica": EnvironmentKind.replica,
}


class CodeHostKind(StrEnum):
    """Code hosts a design may name (Sourcegraph's supported code hosts)."""

    github = "github"
    github_enterprise = "github-enterprise"
    gitlab = "gitlab"
    bitbucket_server = "bitbucket-server"
    bitbucket_cloud = "bitbucket-cloud"
    azure_devops = "azure-devops"
    gerrit = "gerrit"
    perforce = "perforce"
    gitolite = "gitolite"
    other = "other"

    @classmethod
    def from_sourcegraph(cls, kind: str) -> CodeHostKind:
        """The kind of a Sourcegraph external service (GraphQL `ExternalServiceKind`: GITHUB,
        BITBUCKETSERVER, AZUREDEVOPS, ...) or of a design entry, whichever spelling it has."""
        key = kind.strip().lower().replace("_", "").replace("-", "").replace(" ", "")
        return _SOURCEGRAPH_KINDS.get(key, cls.other)


_SOURCEGRAPH_KINDS: dict[str, CodeHostKind] = {
    "github": CodeHostKind.github, "githubenterprise": CodeHostKind.github_enterprise,
    "gitlab": CodeHostKind.gitlab, "bitbucketserver": CodeHostKind.bitbucket_server,
    "bitbucketcloud": CodeHostKind.bitbucket_cloud, "azuredevops": CodeHostKind.azure_devops,
    "gerrit": CodeHostKind.gerrit, "perforce": CodeHostKind.perforce, "gitolite": CodeHostKind.gitolite,
}


class Cloud(StrEnum):
    aws = "aws"
    gcp = "gcp"
    azure = "azure"
    on_prem = "on-prem"
    other = "other"


class ExitCriterion(IntEnum):
    """The nine exit criteria of an implementation, numbered as the process publishes them."""

    production_live = 1
    admins_trained = 2
    code_hosts_synced = 3
    features_working = 4
    performance = 5
    workflow_tests = 6
    staged_for_expansion = 7
    right_sized = 8
    current_version = 9


#: criteria a named person may sign off: the ones that are a judgement (2, 4, 6, 7) and 8, whose
#: published wording accepts "a plan is in place to right-size it" (a plan is signed, not measured)
SIGNABLE_CRITERIA: tuple[ExitCriterion, ...] = (
    ExitCriterion.admins_trained, ExitCriterion.features_working, ExitCriterion.workflow_tests,
    ExitCriterion.staged_for_expansion, ExitCriterion.right_sized,
)


class EvidenceKind(StrEnum):
    """The `kind` of an evidence row; each has a pydantic model owned by the engine that makes it
    (see `implhub.app.evidence.MODELS`)."""

    codestats_scan = "codestats_scan"
    codehost_inventory = "codehost_inventory"
    instance_snapshot = "instance_snapshot"
    size_estimate = "size_estimate"
    node_plan = "node_plan"
    loadtest_run = "loadtest_run"
    rightsize = "rightsize"
    version_check = "version_check"
    replica_corpus = "replica_corpus"
