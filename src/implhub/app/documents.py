"""The three documents, rendered from one snapshot of the store so they never disagree: the
internal production design, the external plan, the handoff record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from implhub.app.context import Ctx
from implhub.app.evidence import evidence_dict, list_evidence
from implhub.app.exit_criteria import KINDS, estimates, evaluate, optional_app
from implhub.app.projects import get_or_raise
from implhub.documents import Document, handoff, internal, plan_doc, render
from implhub.errors import NotFound, ValidationError
from implhub.store.models import Project

DOCS = ("internal", "plan", "handoff")
FORMATS = {"internal": ("md", "html", "pdf"), "plan": ("md", "html", "pdf"), "handoff": ("md", "json", "html", "pdf")}
MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf",
         "json": "application/json"}


def _plan(ctx: Ctx, project: Project, view: str) -> dict[str, Any] | None:
    plan = optional_app("plan")
    if plan is None or not hasattr(plan, "get_plan"):
        return None
    try:
        result = plan.get_plan(ctx, project=project, view=view)
    except NotFound:  # no plan generated yet
        return None
    return result if isinstance(result, dict) and result.get("tasks") is not None else None


def _gantt(ctx: Ctx, project: Project) -> bytes | None:
    """The plan capability's own Gantt picture of the external view (baseline, critical path)."""
    plan = optional_app("plan")
    if plan is None or not hasattr(plan, "gantt"):
        return None
    try:
        data = plan.gantt(ctx, project=project, view="external", fmt="png")
    except NotFound:
        return None
    return data if isinstance(data, bytes) else None


def _logs(ctx: Ctx, project: Project, audience: str) -> dict[str, list[dict[str, Any]]] | None:
    """Risks, issues and expansion opportunities from the reporting capability's logs."""
    reporting = optional_app("reporting")
    if reporting is None or not hasattr(reporting, "list_entries"):
        return None
    out: dict[str, list[dict[str, Any]]] = {"risk": [], "issue": [], "expansion": []}
    for e in reporting.list_entries(ctx, project=project, audience=audience):
        if e.get("kind") in out:
            fields = e.get("fields") or {}
            out[e["kind"]].append({"title": e.get("title"), "status": e.get("status"), "visibility": e.get("visibility"),
                                   "owner": e.get("owner") if audience == "internal" else None,
                                   "description": e.get("description"), **fields})
    return out


def _codestats(ctx: Ctx, project: Project) -> dict[str, Any] | None:
    codestats = optional_app("codestats")
    if codestats is None or not hasattr(codestats, "summary"):
        return None
    result = codestats.summary(ctx, project=project)
    return result if isinstance(result, dict) else None


def snapshot(ctx: Ctx, project: Project, *, audience: str = "internal") -> dict[str, Any]:
    """Everything the documents read, as plain data. audience "external" leaves out every
    internal thing at the source (the plan engine filters again)."""
    snap: dict[str, Any] = {
        "project": {"slug": project.slug, "name": project.name, "state": project.state, "demo": project.demo,
                    "revision": project.current.number},
        "generated_at": ctx.now().isoformat(),
        "today": ctx.today().isoformat(),
        "design": project.design,
        "plan_external": _plan(ctx, project, "external"),
        "criteria": evaluate(ctx, project),
    }
    logs = _logs(ctx, project, audience)
    if logs is not None:
        snap["risks"] = logs["risk"]
        snap["issues"] = logs["issue"]
        snap["expansions"] = logs["expansion"]
    if audience == "external":
        design = snap["design"]
        design["risks"] = [r for r in design.get("risks") or [] if r.get("visibility") == "external"]
        design["stakeholders"] = [s for s in design.get("stakeholders") or [] if s.get("side") == "customer"]
        snap["environments"] = []
        snap["evidence"] = []
        return snap
    snap.update({
        "environments": [{"name": e.name, "kind": e.kind, "origin": e.origin, "data": e.data} for e in project.environments],
        "evidence": [evidence_dict(e) for kind in KINDS for e in list_evidence(ctx, project=project, kind=kind)],
        "estimates": estimates(ctx, project),
        "codestats": _codestats(ctx, project),
        "plan_internal": _plan(ctx, project, "internal"),
    })
    return snap


def build(ctx: Ctx, *, project: Project, doc: str) -> Document:
    if doc not in DOCS:
        raise ValidationError(f"expected a document internal, plan or handoff, got {doc!r}", field="DOC")
    if doc == "plan":
        snap = snapshot(ctx, project, audience="external")
        if snap["plan_external"] and snap["plan_external"].get("tasks"):
            snap["gantt_png"] = _gantt(ctx, project)
        return plan_doc.build(snap)
    snap = snapshot(ctx, project)
    return internal.build(snap) if doc == "internal" else handoff.build(snap)


def handoff_record(ctx: Ctx, *, project: Project) -> dict[str, Any]:
    return handoff.build_record(snapshot(ctx, project))


def render_doc(ctx: Ctx, *, slug: str, doc: str, fmt: str) -> tuple[Document, bytes]:
    project = get_or_raise(ctx, slug=slug)
    if doc in FORMATS and fmt not in FORMATS[doc]:
        raise ValidationError(f"expected a format {', '.join(FORMATS[doc])} for the {doc} document, got {fmt!r}", field="--format")
    document = build(ctx, project=project, doc=doc)
    if fmt == "json":
        import json

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
