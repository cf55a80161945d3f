"""The exit engine: typed project facts in, the nine exit criteria out (no store, no HTTP)."""

from implhub.exit.criteria import (
    MAX_MINORS_BEHIND,
    SIGNABLE,
    SIMULATED_LABEL,
    TITLES,
    Criterion,
    Report,
    evaluate,
    open_items,
)
from implhub.exit.facts import ProjectFacts

__all__ = ["MAX_MINORS_BEHIND", "SIGNABLE", "SIMULATED_LABEL", "TITLES", "Criterion", "ProjectFacts", "Report", "evaluate",
           "open_items"]
