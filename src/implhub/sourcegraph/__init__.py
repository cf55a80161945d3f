"""Client of a live Sourcegraph instance over its GraphQL API (POST /.api/graphql)."""

from implhub.sourcegraph.client import InstanceError, SourcegraphClient
from implhub.sourcegraph.watch import WatchVerdict, assess_progress

__all__ = ["InstanceError", "SourcegraphClient", "WatchVerdict", "assess_progress"]
