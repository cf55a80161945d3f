"""Code statistics engine: find git repositories, read the default branch from the object store,
count code, comment and blank lines per language, and say what Sourcegraph's search index holds.

Pure: paths in, a result dict out. Reads git through the `git` program; no store, no HTTP.
"""

from __future__ import annotations

from implhub.codestats.scan import ScanOptions, scan

TYPE_CHECKING = False  # (typing is not imported: a scan's start-up is part of its time)
if TYPE_CHECKING:
    from typing import Any

    from implhub.codestats.counter import LineCounts, count_lines
    from implhub.codestats.languages import Language, detect_language, load_languages

#: implhub's own line counter and language table load on first use: a scan whose working trees
#: scc counts needs neither, and importing them is part of every scan's start-up
_LAZY = {"LineCounts": "counter", "count_lines": "counter",
         "Language": "languages", "detect_language": "languages", "load_languages": "languages"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = ["Language", "LineCounts", "ScanOptions", "count_lines", "detect_language", "load_languages", "scan"]
