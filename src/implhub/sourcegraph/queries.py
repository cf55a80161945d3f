"""The GraphQL operations implhub sends. Field names follow Sourcegraph's public schema
(cmd/frontend/graphqlbackend/schema.graphql); tests validate them against a subset of it."""

SITE_VERSION = """query SiteVersion {
    site {
        productVersion
    }
}"""

#: `corrupted` is recent: an older instance gets the query without it
REPOSITORY_STATS_FIELDS = ("gitDirBytes", "indexedLinesCount", "total", "cloned", "cloning", "notCloned",
                           "failedFetch", "indexed", "corrupted")


def repository_stats(fields: tuple[str, ...] = REPOSITORY_STATS_FIELDS) -> str:
    body = "\n".join(f"        {f}" for f in fields)
    return "query RepositoryStats {\n    repositoryStats {\n" + body + "\n    }\n}"


EXTERNAL_SERVICES = """query ExternalServices($after: String) {
    externalServices(first: 100, after: $after) {
        totalCount
        pageInfo {
            hasNextPage
            endCursor
        }
        nodes {
            id
            kind
            displayName
            repoCount
            lastSyncError
            lastSyncAt
            nextSyncAt
        }
    }
}"""

USER_COUNT = """query UserCount {
    users {
        totalCount
    }
}"""

ALL = {"SiteVersion": SITE_VERSION, "RepositoryStats": repository_stats(), "ExternalServices": EXTERNAL_SERVICES,
       "UserCount": USER_COUNT}
