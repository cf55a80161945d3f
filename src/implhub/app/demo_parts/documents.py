"""The documents capability's part of the demo: the internal design, the external plan and the
handoff record rendered from the demo's store into the demo work directory."""

from __future__ import annotations

from implhub.app import documents as svc
from implhub.app.context import Ctx
from implhub.app.demo_env import DemoEnv
from implhub.store.models import Project

#: PDF is the slow format: the internal design and the plan get one, the handoff stays text
RENDER = {"internal": ("md", "html", "pdf"), "plan": ("md", "html", "pdf"), "handoff": ("md", "json")}


def seed(ctx: Ctx, project: Project, env: DemoEnv) -> list[str]:
    out = env.workdir / "documents"
    lines: list[str] = []
    for doc, formats in RENDER.items():
        missing = 0
        for fmt in formats:
            document, content = svc.render_doc(ctx, slug=project.slug, doc=doc, fmt=fmt)
            svc.write(document, content, fmt, out / f"{project.slug}-{doc}.{fmt}")
            missing = len(document.missing)
        lines.append(f"document {doc}: {', '.join(formats)} in {out}" + (f" ({missing} item(s) missing)" if missing else ""))
    return lines
