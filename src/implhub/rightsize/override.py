"""The Helm override as YAML: only the changes, each preceded by its reason as a comment.

A removed limit is written as `null`, which Helm's merge turns into "delete the chart default".
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap


def render(changes: list[dict[str, Any]], *, header: list[str]) -> str:
    root = CommentedMap()
    for c in changes:
        parts = c["path"].split(".")
        node = root
        for part in parts[:-1]:
            if part not in node:
                node[part] = CommentedMap()
            node = node[part]
        node[parts[-1]] = c["to"]
        indent = 2 * (len(parts) - 1)
        was = "unset" if c["from"] is None else c["from"]
        node.yaml_set_comment_before_after_key(parts[-1], before=f"{c['reason']} (was {was})", indent=indent)
    yaml = YAML()
    yaml.width = 4096
    yaml.representer.add_representer(
        type(None), lambda r, _d: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    buf = io.StringIO()
    if root:
        yaml.dump(root, buf)
    head = "".join(f"# {line}\n" for line in header)
    return head + (buf.getvalue() if root else "{}\n")
