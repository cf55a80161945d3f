"""`implhub plan ...` end to end through the CLI, checked through JSON and the store."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from sqlalchemy import func, select

from implhub.store import open_store
from implhub.store.models import ActivityEntry
from implhub.store.models.plan import PlanNote, PlanTaskRow
from tests.plan.conftest import LARGE_TDD, SMALL_TDD, write

TASK_KEYS = {"id", "title", "visibility", "owner_role", "start", "finish", "baseline_start", "baseline_finish",
             "status", "health", "critical", "depends_on", "milestone"}


def show(cli, slug, *args):
    result = cli("plan", "show", slug, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_it_generates_the_demo_plan_in_the_contract_shape(cli, demo_project) -> None:
    result = cli("plan", "generate", demo_project, "--start", "2026-11-30")
    assert result.exit_code == 0, result.output
    plan = show(cli, demo_project)
    assert plan["health"] in {"on_track", "at_risk", "late", "done"}
    dt.date.fromisoformat(plan["forecast_finish"])
    for t in plan["tasks"]:
        assert TASK_KEYS <= set(t)
        assert t["status"] in {"not_started", "in_progress", "blocked", "done"}
        assert dt.date.fromisoformat(t["start"]) <= dt.date.fromisoformat(t["finish"])
        assert dt.date.fromisoformat(t["start"]).weekday() < 5
    ids = {t["id"] for t in plan["tasks"]}
    # the demo has dev, staging, prod and exceptional scale (2,600 GB of code)
    assert {"install-dev", "install-staging", "install-prod", "replica-build", "k6-validation"} <= ids
    assert {f"exit-{n}" for n in range(1, 10)} <= ids
    assert all(t["baseline_finish"] for t in plan["tasks"])  # the first baseline is automatic
    assert any(t["critical"] for t in plan["tasks"])


def test_the_external_view_shows_no_internal_task_note_or_person(cli, demo_project) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-02")
    cli("plan", "set", demo_project, "kickoff", "--actual-start", "2026-11-04", "--actual-end", "2026-11-04")
    cli("plan", "set", demo_project, "design-confirm", "--status", "in_progress", "--actual-start", "2026-11-05",
        "--assignee", "Priya Raman", "--note", "waiting on the RDS decision")
    cli("plan", "set", demo_project, "plan-shared", "--assignee", "Luis Ortega", "--note", "shared in the weekly call",
        "--note-visibility", "external")
    internal = show(cli, demo_project)
    external = show(cli, demo_project, "--view", "external")
    hidden = {t["id"] for t in internal["tasks"] if t["visibility"] == "internal"}
    assert hidden and not hidden & {t["id"] for t in external["tasks"]}
    text = json.dumps(external)
    for secret in ("Priya Raman", "waiting on the RDS decision", "replica", "k6", "tester@example.com", *hidden):
        assert secret not in text
    by = {t["id"]: t for t in external["tasks"]}
    assert by["plan-shared"]["assignee"] == "Luis Ortega"  # a customer-side person may be shown
    assert [n["text"] for n in by["plan-shared"]["notes"]] == ["shared in the weekly call"]
    # infra-prod waits on the internal k6 validation, which waits on the replica...: the
    # external view points at the nearest external tasks instead
    assert set(by["infra-prod"]["depends_on"]) == {"test-users-dev", "test-users-staging", "design-confirm"}
    assert set(by["kickoff"]["depends_on"]) == {"prerequisites"}


def test_a_slip_reschedules_successors_and_shows_against_the_baseline(cli, demo_project, clock) -> None:
    clock.set("2026-11-13T18:00:00")  # a Friday; 10:00 at the customer (Los Angeles)
    cli("plan", "generate", demo_project, "--start", "2026-11-02")
    before = {t["id"]: t for t in show(cli, demo_project)["tasks"]}
    cli("plan", "set", demo_project, "prerequisites", "--actual-start", "2026-11-02", "--actual-end", "2026-11-02")
    cli("plan", "set", demo_project, "staffing", "--actual-start", "2026-11-02", "--actual-end", "2026-11-02")
    # the plan draft took until the 13th instead of two days
    result = cli("plan", "set", demo_project, "plan-draft", "--actual-start", "2026-11-02", "--actual-end", "2026-11-13")
    assert result.exit_code == 0, result.output
    after = {t["id"]: t for t in show(cli, demo_project)["tasks"]}
    assert after["plan-draft"]["finish"] == "2026-11-13" and after["plan-draft"]["status"] == "done"
    assert after["kickoff"]["start"] == "2026-11-16"  # the next working day
    assert after["kickoff"]["baseline_start"] == before["kickoff"]["baseline_start"] == "2026-11-04"
    assert after["handoff"]["finish"] > after["handoff"]["baseline_finish"]
    assert after["handoff"]["health"] in {"at_risk", "late"}


def test_set_records_every_change_in_the_activity_log(cli, demo_project, db_url) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-02")
    result = cli("plan", "set", demo_project, "design-confirm", "--status", "blocked", "--assignee", "Luis Ortega", "--note", "no DNS yet")
    assert result.exit_code == 0, result.output
    st = open_store(db_url)
    with st.session() as s:
        actions = [e.action for e in s.scalars(select(ActivityEntry).order_by(ActivityEntry.id))]
        update = s.scalar(select(ActivityEntry).where(ActivityEntry.action == "plan.task.update"))
        assert update.entity_id == "design-confirm" and update.actor == "tester@example.com"
        assert update.before == {"status": "not_started", "assignee": None}
        assert update.after == {"status": "blocked", "assignee": "Luis Ortega"}
    st.dispose()
    assert actions[-3:] == ["plan.generate", "plan.task.update", "plan.note.add"]


def test_a_stale_edit_is_refused_and_nothing_is_stored(cli, demo_project, db_url) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-02")
    version = {t["id"]: t for t in show(cli, demo_project)["tasks"]}["kickoff"]["version"]
    assert cli("plan", "set", demo_project, "kickoff", "--note", "first", "--expected-version", str(version)).exit_code == 0
    stale = cli("plan", "set", demo_project, "kickoff", "--status", "done", "--expected-version", str(version))
    assert stale.exit_code == 2 and "reload" in stale.stderr
    st = open_store(db_url)
    with st.session() as s:
        row = s.scalar(select(PlanTaskRow).where(PlanTaskRow.task_id == "kickoff"))
        assert row.status == "not_started" and row.version == version + 1
    st.dispose()


def test_bad_updates_name_the_task_and_store_nothing(cli, demo_project, db_url) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-02")
    cases = [
        (("kickof", "--status", "done"), "did you mean kickoff"),
        (("kickoff", "--status", "finished"), "unknown status"),
        (("kickoff", "--actual-start", "2026-11-10", "--actual-end", "2026-11-09"), "kickoff.actual_end"),
        (("kickoff", "--actual-start", "2026-10-01"), "before the project starts"),
        (("kickoff", "--actual-start", "2031-01-01"), "in the future"),
        (("kickoff", "--actual-start", "yesterday"), "expected a date"),
    ]
    for args, message in cases:
        result = cli("plan", "set", demo_project, *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
    st = open_store(db_url)
    with st.session() as s:
        assert s.scalar(select(func.count()).select_from(PlanTaskRow).where(PlanTaskRow.status != "not_started")) == 0
        assert s.scalar(select(func.count()).select_from(ActivityEntry).where(ActivityEntry.action.like("plan.task%"))) == 0
    st.dispose()


def test_regenerating_over_actuals_says_what_would_change_and_needs_force(cli, tmp_path, demo_project, demo_tdd_text, db_url) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-02")
    cli("plan", "set", demo_project, "kickoff", "--actual-start", "2026-11-04", "--actual-end", "2026-11-04", "--note", "went well")
    # the design loses its staging environment
    smaller = "".join(line for line in demo_tdd_text.splitlines(keepends=True) if "{name: staging," not in line)
    assert smaller != demo_tdd_text
    assert cli("project", "update", demo_project, "--tdd", write(tmp_path, "v2.yaml", smaller)).exit_code == 0
    refused = cli("plan", "generate", demo_project)
    assert refused.exit_code == 2
    assert "--force" in refused.stderr and "- install-staging" in refused.stderr
    assert "install-staging" in {t["id"] for t in show(cli, demo_project)["tasks"]}
    forced = cli("plan", "generate", demo_project, "--force")
    assert forced.exit_code == 0, forced.output
    plan = {t["id"]: t for t in show(cli, demo_project)["tasks"]}
    assert "install-staging" not in plan
    assert plan["kickoff"]["status"] == "done" and plan["kickoff"]["finish"] == "2026-11-04"
    st = open_store(db_url)
    with st.session() as s:
        assert [n.text for n in s.scalars(select(PlanNote))] == ["went well"]
    st.dispose()


def test_baselines_are_kept_and_listed(cli, demo_project) -> None:
    cli("plan", "generate", demo_project, "--start", "2026-11-02")
    assert cli("plan", "baseline", demo_project, "--label", "after kickoff").exit_code == 0
    rows = json.loads(cli("plan", "baseline", demo_project, "--list", "--json").stdout)
    assert [r["number"] for r in rows] == [1, 2] and rows[1]["label"] == "after kickoff"
    first = show(cli, demo_project, "--baseline", "1")
    assert first["baseline"] == 1


def test_every_export_format_for_a_small_and_a_very_large_customer(cli, tmp_path, store) -> None:
    import icalendar
    import openpyxl

    from implhub.app import plan as svc
    from implhub.app.context import Ctx
    from implhub.settings import load_settings

    slugs = []
    for name, text in (("small.yaml", SMALL_TDD), ("large.yaml", LARGE_TDD)):
        slug = cli("project", "create", "--tdd", write(tmp_path, name, text)).stdout.strip()
        generated = cli("plan", "generate", slug, "--start", "2027-01-04", "--blackout", "2027-01-06..2027-01-07")
        assert generated.exit_code == 0, generated.output
        if slug == "mega-bank":
            assert "timebox" in generated.stderr  # a critical path that does not fit is said loudly
        exported = cli("plan", "export", slug, "--view", "external", "--format", "png", "--out", str(tmp_path / f"{slug}.png"))
        assert exported.exit_code == 0, exported.output
        assert (tmp_path / f"{slug}.png").read_bytes()[:4] == b"\x89PNG"
        slugs.append(slug)
    with store.session() as session:
        ctx = Ctx(session=session, settings=load_settings(), actor="tester@example.com")
        for slug in slugs:
            for view in ("external", "internal"):
                plan = svc.get_plan(ctx, project=slug, view=view)
                files = {fmt: svc.export(ctx, project=slug, view=view, fmt=fmt) for fmt in ("md", "csv", "xlsx", "ics", "svg")}
                cal = icalendar.Calendar.from_ical(files["ics"])
                events = list(cal.walk("VEVENT"))
                expected = [t for t in plan["tasks"] if t["milestone"] or t["deadline"]]
                assert len(events) == len(expected) + 1  # plus the end of the timebox
                assert all(e.get("uid") and e.get("dtstart") for e in events)
                (tmp_path / "p.xlsx").write_bytes(files["xlsx"])
                ids = [r[0] for r in openpyxl.load_workbook(tmp_path / "p.xlsx")["Plan"].iter_rows(min_row=5, values_only=True)]
                assert ids == [t["id"] for t in plan["tasks"]]
                rows = list(csv.DictReader(io.StringIO(files["csv"].decode())))
                assert [r["id"] for r in rows] == ids
                assert b"<svg" in files["svg"][:500]
                if view == "external":
                    for fmt in ("md", "csv", "ics", "svg"):
                        assert b"replica" not in files[fmt].lower() and b"k6" not in files[fmt]
            # 2027-01-06 and 07 are blackout days: no task starts on them
            assert not {t["start"] for t in svc.get_plan(ctx, project=slug)["tasks"]} & {"2027-01-06", "2027-01-07"}


def test_spreadsheet_cells_cannot_carry_formulas(cli, tmp_path, demo_project) -> None:
    import openpyxl

    cli("plan", "generate", demo_project, "--start", "2026-11-02")
    cli("plan", "set", demo_project, "kickoff", "--assignee", '=HYPERLINK("http://evil.example","x")')
    cli("plan", "export", demo_project, "--view", "internal", "--format", "csv", "--out", str(tmp_path / "p.csv"))
    cli("plan", "export", demo_project, "--view", "internal", "--format", "xlsx", "--out", str(tmp_path / "p.xlsx"))
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO((tmp_path / "p.csv").read_text()))}
    assert rows["kickoff"]["assignee"].startswith("'=")
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx")["Plan"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value.startswith("'") for c in cells)


def test_a_project_without_a_plan_says_how_to_make_one(cli, demo_project) -> None:
    result = cli("plan", "show", demo_project)
    assert result.exit_code == 2 and "implhub plan generate" in result.stderr


def test_blackout_dates_move_the_schedule(cli, tmp_path) -> None:
    slug = cli("project", "create", "--tdd", write(tmp_path, "small.yaml", SMALL_TDD)).stdout.strip()
    cli("plan", "generate", slug, "--start", "2026-11-30")
    before = show(cli, slug)
    result = cli("plan", "blackout", slug, "--add", "2026-12-01..2026-12-03", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == ["2026-12-01", "2026-12-02", "2026-12-03"]
    after = show(cli, slug)
    assert after["blackout"] == ["2026-12-01", "2026-12-02", "2026-12-03"]
    starts = {t["start"] for t in after["tasks"]}
    assert not starts & {"2026-12-01", "2026-12-02", "2026-12-03"}
    assert after["forecast_finish"] > before["forecast_finish"]
    bad = cli("plan", "blackout", slug, "--add", "2026-12-09..2026-12-01")
    assert bad.exit_code == 2 and "ends before it starts" in bad.stderr


def test_what_counts_as_exceptional_is_configurable(cli, tmp_path, monkeypatch) -> None:
    slug = cli("project", "create", "--tdd", write(tmp_path, "small.yaml", SMALL_TDD)).stdout.strip()
    cli("plan", "generate", slug, "--start", "2026-11-30")
    assert not any(t["id"].startswith("replica") for t in show(cli, slug)["tasks"])
    monkeypatch.setenv("IMPLHUB_SCALE_THRESHOLDS", write(tmp_path, "thresholds.yaml", "users: 250\n"))
    result = cli("plan", "generate", slug)
    assert result.exit_code == 0, result.output
    assert "+ replica-build" in result.stdout and "+ k6-validation" in result.stdout
