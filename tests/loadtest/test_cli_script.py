"""Profiles kept and versioned, the script k6 accepts, and the k6-operator manifests."""

from __future__ import annotations

import json
import re
import subprocess
import tarfile
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from implhub.app.loadtest import find_k6

SLUG = "northwind-logistics"


@pytest.fixture
def project(cli, tmp_path, demo_tdd_text):
    tdd = tmp_path / "tdd.yaml"
    tdd.write_text(demo_tdd_text)
    assert cli("project", "create", "--tdd", str(tdd), "--slug", SLUG).exit_code == 0
    return SLUG


def test_the_script_is_self_contained_and_k6_accepts_it(cli, project, tmp_path) -> None:
    for kind in ("load", "stress", "search"):
        out = tmp_path / f"{kind}.js"
        result = cli("loadtest", "script", SLUG, "--kind", kind, "--out", str(out))
        assert result.exit_code == 0, result.output
        text = out.read_text()
        imports = re.findall(r"^import .* from '([^']+)';", text, flags=re.M)
        assert imports and all(i.startswith("k6") for i in imports)  # nothing fetched at run time
        assert "SRC_ENDPOINT" in text and "SRC_ACCESS_TOKEN" in text and "/.api/search/stream" in text and "/.api/graphql" in text
        inspected = subprocess.run([find_k6(), "inspect", str(out)], capture_output=True, text=True, timeout=60)
        assert inspected.returncode == 0, inspected.stderr
        options = json.loads(inspected.stdout)
        assert "time_to_first_byte{type:literal}" in json.dumps(options["thresholds"]) or kind == "search"
    load_options = json.loads(subprocess.run([find_k6(), "inspect", str(tmp_path / "load.js")], capture_output=True, text=True).stdout)
    stages = load_options["scenarios"]["main"]["stages"]
    assert [s["target"] for s in stages] == [900, 900, 0]  # 20% of the design's 4,500 users
    archive = tmp_path / "load.tar"
    done = subprocess.run([find_k6(), "archive", "-O", str(archive), str(tmp_path / "load.js")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with tarfile.open(archive) as tar:
        assert any(n.endswith("load.js") for n in tar.getnames())


def test_profiles_are_stored_as_versions_and_an_edit_is_validated(cli, project, tmp_path) -> None:
    computed = json.loads(cli("loadtest", "profile", SLUG, "--kind", "load", "--json").stdout)
    assert computed["version"] is None and computed["profile"]["vus"] == 900
    saved = json.loads(cli("loadtest", "profile", SLUG, "--kind", "load", "--save", "--json").stdout)
    assert saved["version"] == 1
    edited = computed["profile"] | {"vus": 50}
    f = tmp_path / "p.json"
    f.write_text(json.dumps(edited))
    assert cli("loadtest", "profile", SLUG, "--kind", "load", "--update", str(f), "--note", "customer caps at 250 users").exit_code == 0
    assert json.loads(cli("loadtest", "profile", SLUG, "--json").stdout)["profile"]["vus"] == 50
    assert json.loads(cli("loadtest", "profile", SLUG, "--version", "1", "--json").stdout)["profile"]["vus"] == 900
    versions = json.loads(cli("loadtest", "profile", SLUG, "--versions", "--json").stdout)["versions"]
    assert [v["version"] for v in versions] == [1, 2] and versions[1]["note"] == "customer caps at 250 users"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(edited | {"thresholds": {"checks": ["rate>>1"]}}))
    refused = cli("loadtest", "profile", SLUG, "--update", str(bad))
    assert refused.exit_code == 2 and "bad.json" in refused.stderr and "rate>>1" in refused.stderr
    assert len(json.loads(cli("loadtest", "profile", SLUG, "--versions", "--json").stdout)["versions"]) == 2
    arrival = json.loads(cli("loadtest", "profile", SLUG, "--model", "arrival", "--rps-per-1000", "3", "--json").stdout)
    assert arrival["profile"]["model"] == "arrival" and arrival["version"] is None


def test_k8s_writes_a_testrun_and_the_configmap_with_the_script(cli, project, tmp_path) -> None:
    result = cli("loadtest", "k8s", SLUG, "--parallelism", "4", "--out", str(tmp_path / "k8s"))
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    yaml = YAML(typ="safe")
    cm = yaml.load(Path(tmp_path / "k8s" / "configmap.yaml").read_text())
    tr = yaml.load(Path(tmp_path / "k8s" / "testrun.yaml").read_text())
    assert cm["kind"] == "ConfigMap" and "/.api/search/stream" in cm["data"]["test.js"]
    assert tr["kind"] == "TestRun" and tr["apiVersion"] == "k6.io/v1alpha1" and tr["spec"]["parallelism"] == 4
    assert tr["spec"]["script"]["configMap"] == {"name": cm["metadata"]["name"], "file": "test.js"}
    assert f"run_id={info['run_id']}" in tr["spec"]["arguments"] and "$(POD_NAME)" in tr["spec"]["arguments"]
    assert cli("loadtest", "k8s", SLUG, "--parallelism", "0", "--out", str(tmp_path / "x")).exit_code == 2


def test_k8s_writes_the_readwritemany_claim_the_pods_share_and_takes_a_mirrored_image(cli, project, tmp_path) -> None:
    out = tmp_path / "k8s"
    image = "registry.corp.example:5000/mirror/grafana/k6:0.49.0"
    result = cli("loadtest", "k8s", SLUG, "--parallelism", "4", "--out", str(out), "--image", image, "--storage-class", "efs-sc")
    assert result.exit_code == 0, result.output
    yaml = YAML(typ="safe")
    tr = yaml.load((out / "testrun.yaml").read_text())
    pvc = yaml.load((out / "pvc.yaml").read_text())
    assert pvc["kind"] == "PersistentVolumeClaim" and pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    assert pvc["spec"]["storageClassName"] == "efs-sc" and pvc["spec"]["resources"]["requests"]["storage"]
    # the claim the runner pods mount is this one
    assert tr["spec"]["runner"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    assert tr["spec"]["runner"]["image"] == image
    default = cli("loadtest", "k8s", SLUG, "--parallelism", "2", "--out", str(tmp_path / "d"))
    assert default.exit_code == 0 and "storageClassName" not in yaml.load((tmp_path / "d" / "pvc.yaml").read_text())["spec"]
    bad = cli("loadtest", "k8s", SLUG, "--parallelism", "2", "--out", str(tmp_path / "b"), "--image", "Not An Image")
    assert bad.exit_code == 2 and "--image" in bad.stderr


def test_the_json_output_edited_goes_back_with_update(cli, project, tmp_path) -> None:
    # the docs' loop: `profile --json > load.json`, edit, `profile --update load.json`
    shown = json.loads(cli("loadtest", "profile", SLUG, "--kind", "load", "--json").stdout)
    shown["profile"]["vus"] = 500
    f = tmp_path / "load.json"
    f.write_text(json.dumps(shown))
    result = cli("loadtest", "profile", SLUG, "--kind", "load", "--update", str(f), "--note", "cap at 500 VUs")
    assert result.exit_code == 0, result.stderr
    assert json.loads(cli("loadtest", "profile", SLUG, "--json").stdout)["profile"]["vus"] == 500
    nokind = tmp_path / "nokind.json"
    nokind.write_text(json.dumps({"vus": 10}))
    refused = cli("loadtest", "profile", SLUG, "--kind", "load", "--update", str(nokind))
    assert refused.exit_code == 2 and "nokind.json" in refused.stderr and "kind" in refused.stderr
    assert len(json.loads(cli("loadtest", "profile", SLUG, "--versions", "--json").stdout)["versions"]) == 1
