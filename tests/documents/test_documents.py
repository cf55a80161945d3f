from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from implhub.app import documents, projects
from implhub.documents import plan_doc, render
from tests.documents.evidence import SPARSE_TDD, populate

SLUG = "northwind-logistics"


def _plan_available() -> bool:
    try:
        from implhub.app import plan  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


def _ready(ctx, demo_tdd_text):
    project = projects.create(ctx, text=demo_tdd_text, filename="demo.yaml", slug=SLUG).project
    populate(ctx, project)
    if _plan_available():
        from implhub.app import plan

        plan.generate(ctx, project=project)
    return project


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian package poppler-utils) is not installed")
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(data)
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _weasyprint_or_skip() -> None:
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        pytest.skip(f"WeasyPrint's system libraries are missing ({render.PDF_PACKAGES}): {exc}")


def test_a_sparse_design_lists_exactly_what_is_missing(ctx) -> None:
    project = projects.create(ctx, text=SPARSE_TDD, filename="sparse.yaml").project
    doc = documents.build(ctx, project=project, doc="internal")
    heads = [m.rsplit(" (", 1)[0] for m in doc.missing]
    assert heads == [
        "Production design: the environment strategy",
        "Production design: the target Sourcegraph version",
        "Production design: the production instance URL",
        "Resourcing (prod): a size estimate",
        "Resourcing (prod): a node plan",
        "Code statistics: the code hosts in scope",
        "Code statistics: lines of code",
        "Code statistics: repos synced",
        "Change management: the upgrade cadence",
        "Change management: how updates move dev -> prod",
        "Cloud platform: the region",
        "CI/CD stack: the CI/CD tools",
        "Usage and expansion: current usage",
        "Usage and expansion: expansion requirements",
        "POC: lessons learned",
        "POC: how production differs from the POC",
    ]
    md = render.render(doc, "md").decode()
    assert all(f"- [ ] {m}" in md for m in doc.missing)
    assert md.index("## Missing information") < md.index("## Production design")


def test_every_document_renders_in_every_format_with_nothing_missing(ctx, demo_tdd_text, tmp_path) -> None:
    _weasyprint_or_skip()
    project = _ready(ctx, demo_tdd_text)
    for doc in ("internal", "plan", "handoff"):
        built = documents.build(ctx, project=project, doc=doc)
        assert built.missing == [], (doc, built.missing)
        for fmt in documents.FORMATS[doc]:
            _, content = documents.render_doc(ctx, slug=SLUG, doc=doc, fmt=fmt)
            assert content, (doc, fmt)
            if fmt == "pdf":
                assert content.startswith(b"%PDF")
                text = _pdf_text(content, tmp_path)
                assert "Contents" in text and re.search(r"Page 2 of \d+", text)
    internal = documents.build(ctx, project=project, doc="internal").markdown
    for expected in ("indexedSearch.resources.limits.memory", "4 | 16", "812,345", "38,000 of 38,000 cloned",
                     "Prisma Cloud", "GitLab CI, Argo CD, Terraform".split(", ")[0], "Amazon RDS", "monorepo"):
        assert expected in internal, expected


def test_the_handoff_has_every_field_the_long_term_owner_needs(ctx, demo_tdd_text) -> None:
    project = _ready(ctx, demo_tdd_text)
    record = json.loads(documents.render_doc(ctx, slug=SLUG, doc="handoff", fmt="json")[1])
    pd = record["production_deployment"]
    assert pd["instance_url"] == "https://sourcegraph.northwind.example"
    assert pd["deployment_type"] == "kubernetes-helm" and pd["hosting_provider"] == "aws us-west-2"
    assert pd["instance_types"] == ["4 x m6i.4xlarge"]
    assert pd["total_cpu"] == 64.0 and pd["total_memory_gb"] == round(4 * 64 * 1.073741824, 1) and pd["total_disk_gb"] == 5400.0
    assert record["code_hosts"]["repositories"] == 38000 and record["code_hosts"]["monorepos"] == 2
    # the scan covered 3 of the design's 38,000 repositories: the design's 85 GB monorepo is the largest
    assert record["code_hosts"]["largest_repository_mb"] == 85000.0
    assert record["notes"]["agreed_limits"]["users"] == 5000
    assert record["logs"]["risks"] and record["missing"] == []
    if _plan_available():
        assert pd["infrastructure_start"] and pd["infrastructure_completion"]
    assert project.state == "active"


def test_the_external_plan_contains_nothing_internal(ctx, demo_tdd_text, tmp_path) -> None:
    if not _plan_available():
        pytest.skip("the plan capability is not installed")
    _weasyprint_or_skip()
    from implhub.app import plan

    project = _ready(ctx, demo_tdd_text)
    internal_tasks = [t["title"] for t in plan.get_plan(ctx, project=project, view="internal")["tasks"] if t["visibility"] == "internal"]
    external_tasks = [t["title"] for t in plan.get_plan(ctx, project=project, view="external")["tasks"]]
    assert internal_tasks and external_tasks
    internal_people = [s["name"] for s in project.design["stakeholders"] if s["side"] == "internal"]
    internal_people += [s["email"] for s in project.design["stakeholders"] if s["side"] == "internal"]
    internal_risks = [r["title"] for r in project.design["risks"] if r["visibility"] == "internal"]
    forbidden = [t for t in internal_tasks if t not in external_tasks] + internal_people + internal_risks
    texts = {fmt: documents.render_doc(ctx, slug=SLUG, doc="plan", fmt=fmt)[1] for fmt in ("md", "html", "pdf")}
    readable = {"md": texts["md"].decode(), "html": texts["html"].decode(), "pdf": _pdf_text(texts["pdf"], tmp_path)}

    def squeeze(text: str) -> str:  # table cells wrap in the PDF: compare without any whitespace
        return re.sub(r"\s+", "", text)

    for fmt, text in readable.items():
        leaked = [f for f in forbidden if squeeze(f) in squeeze(text)]
        assert leaked == [], (fmt, leaked)
        assert squeeze("Image scanning takes a week per release") in squeeze(text)  # the external risk is there
    assert external_tasks[0] in readable["md"]


def test_the_plan_engine_drops_internal_tasks_whatever_it_is_given(demo_tdd_text) -> None:
    import datetime as dt

    from implhub.documents.facts import Snapshot
    from implhub.exit.facts import ProjectFacts
    from implhub.intake.loader import load_tdd_text
    from implhub.intake.schema import TDD

    tasks = [{"id": "a", "title": "Public step", "visibility": "external", "start": "2026-12-01", "finish": "2026-12-02", "status": "done"},
             {"id": "b", "title": "Secret staffing call", "visibility": "internal", "start": "2026-12-01", "finish": "2026-12-03"}]
    design = load_tdd_text(demo_tdd_text, filename="demo.yaml").design
    design["risks"] = [{"title": "Hidden risk", "visibility": "internal"}, {"title": "Shown risk", "visibility": "external"}]
    now = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    facts = ProjectFacts(slug="x", name="X", design=TDD.model_validate(design), now=now)
    snap = Snapshot(facts=facts, generated_at=now, today=now.date(),
                    plan_external={"tasks": tasks, "health": "on_track", "forecast_finish": "2026-12-03"})
    doc = plan_doc.build(snap)
    assert "Public step" in doc.markdown and "Secret staffing call" not in doc.markdown
    assert "Shown risk" in doc.markdown and "Hidden risk" not in doc.markdown
    assert doc.assets["gantt.svg"][1].startswith(b"<?xml")


def test_cli_strict_fails_while_anything_is_missing_and_writes_nothing(cli, tmp_path) -> None:
    tdd = tmp_path / "sparse.yaml"
    tdd.write_text(SPARSE_TDD)
    assert cli("project", "create", "--tdd", str(tdd)).exit_code == 0
    out = tmp_path / "internal.md"
    r = cli("doc", "internal", "sparse-co", "--format", "md", "--out", str(out), "--strict")
    assert r.exit_code == 1 and "16 item(s) missing" in r.stderr and not out.exists()
    r = cli("doc", "internal", "sparse-co", "--format", "html", "--out", str(tmp_path / "i.html"))
    assert r.exit_code == 0 and "<nav class=\"toc\">" in (tmp_path / "i.html").read_text()
    r = cli("doc", "plan", "sparse-co", "--format", "pdf")
    assert r.exit_code == 2 and "--out" in r.stderr
    r = cli("doc", "handoff", "sparse-co", "--format", "xlsx")
    assert r.exit_code == 2 and "md, json" in r.stderr
    r = cli("doc", "handoff", "sparse-co", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["customer"] == "Sparse Co"


def test_markdown_output_keeps_its_picture_beside_it(ctx, demo_tdd_text, tmp_path) -> None:
    if not _plan_available():
        pytest.skip("the plan capability is not installed")
    _ready(ctx, demo_tdd_text)
    document, content = documents.render_doc(ctx, slug=SLUG, doc="plan", fmt="md")
    written = documents.write(document, content, "md", tmp_path / "plan.md")
    assert [p.name for p in written] == ["plan.md", "plan-gantt.png"]
    assert "](plan-gantt.png)" in (tmp_path / "plan.md").read_text()


def test_a_missing_pdf_library_names_the_debian_packages(monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(render.RenderError) as err:
        render.to_pdf("<p>x</p>")
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core" in err.value.render()


def test_a_replica_without_sizing_is_shown_but_not_counted_missing(ctx) -> None:
    from implhub.store.models import EnvironmentRow

    project = projects.create(ctx, text=SPARSE_TDD, filename="sparse.yaml").project
    before = documents.build(ctx, project=project, doc="internal").missing
    project.environments.append(EnvironmentRow(name="replica", kind="replica", origin="replica", data={}))
    ctx.session.flush()
    doc = documents.build(ctx, project=project, doc="internal")
    assert doc.missing == before
    assert "### replica (replica, internal)" in doc.markdown and "| replica | replica |" in doc.markdown


def test_the_internal_document_shows_latency_against_the_targets_and_the_resourcing(ctx, demo_tdd_text) -> None:
    from implhub.app import evidence as evidence_app

    project = _ready(ctx, demo_tdd_text)
    types = {"structural": {"requests": 40, "ttfb_ms": {"p50": 2100.0, "p90": 9000.0, "p95": 13250.4},
                            "p95_target_ms": 12000, "p95_within_target": False}}
    evidence_app.add(ctx, project=project, kind="loadtest_run", environment="prod", source="k6 against prod",
                     data={"run_id": "run-2", "passed": False, "score": 90.0, "types": types, "run_ids": ["run-2"],
                           "kind": "load", "partial": False,
                           "adequacy": {"adequate": False, "reasons": ["OOM-killed during the run: gitserver"]}})
    internal = documents.build(ctx, project=project, doc="internal").markdown
    assert "| structural | 12,000 | 13,250 | no |" in internal
    assert "Resourcing during that test: not adequate (OOM-killed during the run: gitserver)" in internal
