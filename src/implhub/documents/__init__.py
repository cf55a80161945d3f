"""The documents engine: a snapshot of the store in, documents out (no store, no HTTP).

- `internal.build(snapshot)`: the internal production design document
- `plan_doc.build(snapshot)`: the external project plan (external items only)
- `handoff.build(snapshot)`: the record for the long-term owner
- `render`: Markdown -> HTML (a printable layout) -> PDF (WeasyPrint)
"""

from implhub.documents.model import Document

__all__ = ["Document"]
