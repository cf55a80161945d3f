"""The exit engine: evidence and sign-offs in, the nine exit criteria out (no store, no HTTP)."""

from implhub.exit.criteria import (
    MAX_MINORS_BEHIND,
    SIGNABLE,
    TITLES,
    Criterion,
    Report,
    evaluate,
    open_items,
)

__all__ = ["MAX_MINORS_BEHIND", "SIGNABLE", "TITLES", "Criterion", "Report", "evaluate", "open_items"]
