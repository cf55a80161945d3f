"""The code host clients against fakes of each host's REST API (see tests/fakes/codehosts.py for
which published description each fake follows)."""

from __future__ import annotations

import httpx
import pytest

from implhub.codehosts import HostError, inventory
from tests.fakes.codehosts import (
    GITHUB_MINIMAL_REPOSITORY_REQUIRED,
    TOKEN,
    FakeAzureDevOps,
    FakeBitbucketCloud,
    FakeBitbucketServer,
    FakeGerrit,
    FakeGitHub,
    FakeGitLab,
    FakeHost,
    github_repo,
    make_repos,
)

REPOS = make_repos(130)
EXPECTED_FORKS = sum(r.fork for r in REPOS)
EXPECTED_ARCHIVED = sum(r.archived for r in REPOS)


def run(fake: FakeHost, kind: str, url: str, scopes: list[str], token: str = TOKEN, sleeps: list[float] | None = None):
    waits = sleeps if sleeps is not None else []
    return inventory(kind, url, token, scopes, transport=httpx.MockTransport(fake), sleep=waits.append,
                     clock=lambda: float(fake.now))


CASES = [
    ("github", "https://github.com", ["northwind"], FakeGitHub, True),
    ("gitlab", "https://gitlab.northwind.example", ["platform"], FakeGitLab, True),
    ("bitbucket-server", "https://bitbucket.northwind.example", ["NW"], FakeBitbucketServer, True),
    ("bitbucket-cloud", "https://bitbucket.org", ["northwind"], FakeBitbucketCloud, True),
    ("azure-devops", "https://dev.azure.com", ["northwind/Platform"], FakeAzureDevOps, True),
    ("gerrit", "https://review.northwind.example", [], FakeGerrit, False),
]


@pytest.mark.parametrize(("kind", "url", "scopes", "fake_cls", "sizes"), CASES, ids=[c[0] for c in CASES])
def test_it_counts_sizes_forks_and_archived_across_pages(kind, url, scopes, fake_cls, sizes) -> None:
    fake = fake_cls(REPOS)
    inv = run(fake, kind, url, scopes).to_dict()
    assert inv["repositories"] == len(REPOS)
    # Bitbucket Cloud has no archived repositories
    assert inv["archived"] == (0 if kind == "bitbucket-cloud" else EXPECTED_ARCHIVED)
    if kind != "gerrit":  # Gerrit has no forks
        assert inv["forks"] == EXPECTED_FORKS
    if sizes:
        assert inv["total_bytes"] == sum(r.size_bytes // 1024 * 1024 if kind == "github" else r.size_bytes for r in REPOS)
        assert inv["largest"]["name"].endswith("service-004")
    else:
        assert inv["total_bytes"] is None and inv["notes"]
    assert inv["requests"] > 1  # it paged


def test_github_pages_follow_the_link_header_and_answer_minimal_repositories() -> None:
    fake = FakeGitHub(REPOS)
    run(fake, "github", "https://github.com", ["northwind"])
    assert fake.seen[0].startswith("https://api.github.com/orgs/northwind/repos?")
    assert "page=2" in fake.seen[1]
    assert set(GITHUB_MINIMAL_REPOSITORY_REQUIRED) <= set(github_repo(0, REPOS[0]))


def test_github_enterprise_uses_the_api_v3_prefix() -> None:
    fake = FakeGitHub(REPOS[:3])
    run(fake, "github", "https://github.northwind.example", [])
    assert fake.seen[0].startswith("https://github.northwind.example/api/v3/user/repos")


def test_it_backs_off_on_githubs_rate_limit_and_resumes_where_it_stopped() -> None:
    fake = FakeGitHub(REPOS, rate_limit_at={1})
    waits: list[float] = []
    inv = run(fake, "github", "https://github.com", ["northwind"], sleeps=waits)
    assert waits == [42.0]  # x-ratelimit-reset minus now
    assert len(inv.repos) == len(REPOS)
    assert fake.seen[1] == fake.seen[2]  # the same page again, not from the start
    assert inv.waited_seconds == 42.0


def test_it_honours_retry_after_on_a_429() -> None:
    fake = FakeGitLab(REPOS, rate_limit_at={0, 2})
    waits: list[float] = []
    inv = run(fake, "gitlab", "https://gitlab.example", ["platform"], sleeps=waits)
    assert waits == [5.0, 5.0]
    assert len(inv.repos) == len(REPOS)


def test_server_errors_are_retried_then_reported() -> None:
    fake = FakeAzureDevOps(REPOS, fail_with=503)
    waits: list[float] = []
    with pytest.raises(HostError, match="503"):
        run(fake, "azure-devops", "https://dev.azure.com", ["northwind"], sleeps=waits)
    assert len(waits) == 5 and waits == sorted(waits)


@pytest.mark.parametrize(("kind", "url", "scopes", "fake_cls", "sizes"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_token_is_explained_and_never_shown(kind, url, scopes, fake_cls, sizes) -> None:
    fake = fake_cls(REPOS)
    wrong = "tok_wrong_SECRET_999"
    with pytest.raises(HostError) as info:
        run(fake, kind, url, scopes, token=wrong)
    assert "401" in str(info.value) and "token" in str(info.value)
    assert wrong not in str(info.value)


def test_a_forbidden_answer_says_what_access_is_needed() -> None:
    fake = FakeBitbucketCloud(REPOS, fail_with=403)
    with pytest.raises(HostError, match="read access"):
        run(fake, "bitbucket-cloud", "https://bitbucket.org", ["northwind"])


def test_gerrit_authenticates_with_user_and_http_password() -> None:
    fake = FakeGerrit(REPOS, token="svc:SECRET")
    inv = run(fake, "gerrit", "https://review.example", ["northwind"], token="svc:SECRET")
    assert len(inv.repos) == len(REPOS)
    assert all("/a/projects/" in u and "p=northwind" in u for u in fake.seen)


def test_the_designs_github_enterprise_kind_lists_through_the_github_api() -> None:
    """A TDD names `github-enterprise` (implhub.vocab.CodeHostKind); the client takes that kind as
    it is and speaks GitHub's REST API under /api/v3."""
    fake = FakeGitHub(REPOS[:3])
    run(fake, "github-enterprise", "https://github.northwind.example", [])
    assert fake.seen[0].startswith("https://github.northwind.example/api/v3/user/repos")
