"""Clients of the code hosts Sourcegraph connects to: list the repositories in scope with their
sizes, fork and archived flags. Each client pages through its host's REST API, honours its rate
limit headers (backs off, then resumes where it stopped) and never shows the token."""

from implhub.codehosts.base import HostError, Inventory, RepoInfo
from implhub.codehosts.hosts import KINDS, inventory

__all__ = ["KINDS", "HostError", "Inventory", "RepoInfo", "inventory"]
