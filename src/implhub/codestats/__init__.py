"""Code statistics engine: find git repositories, read the default branch from the object store,
count code, comment and blank lines per language, and say what Sourcegraph's search index holds.

Pure: paths in, a result dict out. Reads git through the `git` program; no store, no HTTP.
"""

from implhub.codestats.counter import LineCounts, count_lines
from implhub.codestats.languages import Language, detect_language, load_languages
from implhub.codestats.scan import ScanOptions, scan

__all__ = ["Language", "LineCounts", "ScanOptions", "count_lines", "detect_language", "load_languages", "scan"]
