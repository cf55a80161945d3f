"""Criteria 8 and 9 of `implhub exit-criteria` read the right-sizing and version-check evidence."""

from __future__ import annotations

import datetime as dt
import json

from implhub.app.demo_parts.rightsize import _dump
from tests.rightsize.conftest import write

SLUG = "northwind-logistics"


def test_exit_criteria_8_and_9_show_this_evidence(cli, tmp_path, demo_tdd_text) -> None:
    assert cli("project", "create", "--tdd", write(tmp_path, "tdd.yaml", demo_tdd_text)).exit_code == 0
    before = {c["number"]: c for c in json.loads(cli("exit-criteria", SLUG, "--json").stdout)["criteria"]}
    assert before[8]["evidence"] == [] and before[9]["evidence"] == []
    # a dump in the --from-file shape (the demo's simulated week of usage)
    dump = _dump(dt.datetime(2026, 11, 29, 9, tzinfo=dt.UTC), {}, seed=1)
    path = write(tmp_path, "dump.json", json.dumps(dump))
    ran = cli("rightsize", SLUG, "--env", "prod", "--from-file", path, "--json")
    assert ran.exit_code == 0, ran.output
    result = json.loads(ran.stdout)
    assert result["window"] == "14d" and result["window_end"].startswith("2026-11-29T09:00")
    # 14 days of samples: full-strength evidence; a dump in today's shape without the new series is read
    assert result["window_days"] == 14 and result["full_strength"] is True and result["warnings"] == []
    assert "kube_limits" in result["empty_queries"]
    assert cli("version", "check", SLUG, "--env", "prod", "--version", "6.4.0").exit_code == 0
    after = {c["number"]: c for c in json.loads(cli("exit-criteria", SLUG, "--json").stdout)["criteria"]}
    c8 = json.dumps(after[8]["evidence"])
    assert "rightsize" in c8 and f"{len(result['recommendations'])} recommendation(s)" in c8
    assert "version_check" in json.dumps(after[9]["evidence"]) and "6.4.0" in json.dumps(after[9]["evidence"])
