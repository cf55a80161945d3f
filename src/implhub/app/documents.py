"""The three documents, rendered from one snapshot of the store so they never disagree: the
internal production design, the external plan, the handoff record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from implhub.app import codestats, facts, plan, reporting
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise
from implhub.documents import Document, handoff, internal, plan_doc, render
from implhub.documents.facts import Snapshot
from implhub.documents.handoff_record import HandoffRecord
from implhub.errors import NotFound, ValidationError
from implhub.exit.facts import ProjectFacts
from implhub.store.models import Project

DOCS = ("internal", "plan", "handoff")
FORMATS = {"internal": ("md", "html", "pdf"), "plan": ("md", "html", "pdf"), "handoff": ("md", "json", "html", "pdf")}
MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf",
         "json": "application/json"}


def _plan(ctx: Ctx, project: Project, view: str) -> dict[str, Any] | None:
    try:
        result = plan.get_plan(ctx, project=project, view=view)
    except NotFound:  # no plan generated yet
        return None
    return result if result.get("tasks") is not None else None


def _gantt(ctx: Ctx, project: Project) -> bytes | None:
    """The plan capability's own Gantt picture of the external view (baseline, critical path)."""
    try:
        return plan.gantt(ctx, project=project, view="external", fmt="png")
    except NotFound:
        return None


def _logs(ctx: Ctx, project: Project, audience: str) -> dict[str, list[dict[str, Any]]]:
    """Risks, issues and expansion opportunities from the reporting capability's logs."""
    out: dict[str, list[dict[str, Any]]] = {"risk": [], "issue": [], "expansion": []}
    for e in reporting.list_entries(ctx, project=project, audience=audience):
        if e.get("kind") in out:
            fields = e.get("fields") or {}
            out[e["kind"]].append({"title": e.get("title"), "status": e.get("status"), "visibility": e.get("visibility"),
                                   "owner": e.get("owner") if audience == "internal" else None,
                                   "description": e.get("description"), **fields})
    return out


def _external(f: ProjectFacts) -> ProjectFacts:
    """The facts a customer may read: the design without internal risks or internal people, no
    environments, evidence, sign-offs or plan rows (the external plan view carries the tasks)."""
    design = f.design.model_copy(update={"risks": [r for r in f.design.risks if r.visibility == "external"],
                                         "stakeholders": [s for s in f.design.stakeholders if s.side == "customer"]})
    return f.model_copy(update={"design": design, "environments": [], "evidence": [], "signoffs": [], "tasks": None})


def snapshot(ctx: Ctx, project: Project, *, audience: str = "internal") -> Snapshot:
    """Everything the documents read, loaded once: the facts and the criteria evaluated on them
    (the plan views read the same evaluation). audience "external" leaves out every internal
    thing at the source (the plan engine filters again)."""
    with facts.scope():
        f, report = facts.facts_and_report(ctx, project)
        logs = _logs(ctx, project, audience)
        snap = Snapshot(facts=f, generated_at=ctx.now(), today=ctx.today(), criteria=report,
                        plan_external=_plan(ctx, project, "external"),
                        risks=logs["risk"], issues=logs["issue"], expansions=logs["expansion"])
        if audience == "external":
            snap.facts = _external(f)
            return snap
        snap.codestats = codestats.summary(ctx, project=project)
        snap.plan_internal = _plan(ctx, project, "internal")
        return snap


def build(ctx: Ctx, *, project: Project, doc: str) -> Document:
    if doc not in DOCS:
        raise ValidationError(f"expected a document internal, plan or handoff, got {doc!r}", field="DOC")
    with facts.scope():  # one evaluation of the criteria, whichever views read them
        if doc == "plan":
            snap = snapshot(ctx, project, audience="external")
            if snap.plan_external and snap.plan_external.get("tasks"):
                snap.gantt_png = _gantt(ctx, project)
            return plan_doc.build(snap)
        snap = snapshot(ctx, project)
        return internal.build(snap) if doc == "internal" else handoff.build(snap)


def list_external(ctx: Ctx, *, project: str) -> list[dict[str, Any]]:
    """The documents a customer may download (the external plan document, once there is a plan)."""
    p = get_or_raise(ctx, slug=project)
    if not plan.has_plan(ctx, project=p):
        return []
    return [{"title": "Implementation plan (document)", "format": fmt, "url": f"/projects/{p.slug}/documents/plan.{fmt}"}
            for fmt in FORMATS["plan"]]


def handoff_record(ctx: Ctx, *, project: Project) -> dict[str, Any]:
    """The handoff record, checked against its model before anyone stores or sends it (a renamed
    key fails here, not in the long-term owner's hands)."""
    record = handoff.build_record(snapshot(ctx, project))
    HandoffRecord.model_validate(record)
    return record


def render_doc(ctx: Ctx, *, slug: str, doc: str, fmt: str) -> tuple[Document, bytes]:
    project = get_or_raise(ctx, slug=slug)
    if doc in FORMATS and fmt not in FORMATS[doc]:
        raise ValidationError(f"expected a format {', '.join(FORMATS[doc])} for the {doc} document, got {fmt!r}", field="--format")
    document = build(ctx, project=project, doc=doc)
    if fmt == "json":
        return document, (json.dumps(document.data, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    return document, render.render(document, fmt)


def write(document: Document, content: bytes, fmt: str, out: Path) -> list[Path]:
    """Write the document; Markdown gets its pictures beside it (NAME-gantt.svg)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    written = [out]
    if fmt == "md" and document.assets:
        text = content.decode("utf-8")
        for name, (_mime, data) in document.assets.items():
            asset = out.with_name(f"{out.stem}-{name}")
            asset.write_bytes(data)
            written.append(asset)
            text = text.replace(f"]({name})", f"]({asset.name})")
        content = text.encode("utf-8")
    out.write_bytes(content)
    return written
