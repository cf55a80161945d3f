"""Names from the design, recent commits up to the end date, a language mix that holds, and a
newest tree calibrated apart from history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from implhub.errors import ValidationError
from implhub.replica import gitops
from implhub.replica.corpus import STATE_DIR, CorpusResult, generate
from implhub.replica.names import HostSpec, assign
from implhub.replica.shape import CorpusSpec, plan
from tests.replica.conftest import DESIGNED, needs_git


def test_repositories_are_named_host_org_repo_from_the_design(designed_corpus: CorpusResult) -> None:
    names = [r.name for r in designed_corpus.repos]
    hosts = {h.name: h for h in DESIGNED.hosts}
    for name in names:
        host, org, repo = name.split("/")
        assert host in hosts and repo
        if hosts[host].organizations:
            assert org in hosts[host].organizations
        assert (Path(designed_corpus.out_dir) / f"{name}.git" / "HEAD").is_file()
    assert set(DESIGNED.required) <= set(names)
    assert names[0] == "gitlab.northwind.example/platform/monorepo"  # on the host with most repositories
    on_gitlab = sum(1 for n in names if n.startswith("gitlab."))
    assert on_gitlab == round(25 * 30500 / 38000)  # in proportion to the design's counts


def test_names_never_hold_a_local_path() -> None:
    with pytest.raises(ValidationError) as info:
        assign(5, [], [".local/share/implhub/demo/gitlab.example.com/a/b"], 0, seed=1)
    assert "gitlab.example.com/group/repo" in info.value.message
    with pytest.raises(ValidationError) as too_few:
        assign(2, [HostSpec("gitlab.example.com")], ["gitlab.example.com/a/b", "gitlab.example.com/a/c"], 1, seed=1)
    assert too_few.value.field == "--repos"


def test_the_language_mix_is_within_5_points_of_the_target(designed_corpus: CorpusResult) -> None:
    achieved = designed_corpus.to_dict()["achieved"]["languages"]
    for lang, share in DESIGNED.languages.items():
        assert abs(achieved.get(lang, 0.0) - share) <= 0.05, (lang, achieved)


def test_the_newest_commits_lie_in_the_week_before_the_end_date(designed_corpus: CorpusResult) -> None:
    end = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC).timestamp()
    shapes = {s.name: s for s in plan(DESIGNED)}
    recent = 0
    for r in designed_corpus.repos:
        newest = int(gitops.run(["log", "-1", "--format=%ct", "main"], git_dir=Path(r.path)).strip())
        assert newest == r.last_commit_at and newest <= end
        if shapes[r.name].active:
            assert end - 7 * 86400 < newest, r.name
            recent += 1
        else:  # quiet for a week to a year, as many repositories on a real code host
            assert end - 372 * 86400 < newest <= end - 7 * 86400, r.name
    # the queried repositories and the monorepo always have recent commits
    assert all(shapes[n].active for n in DESIGNED.required) and shapes[designed_corpus.repos[0].name].active
    assert 3 <= recent < len(designed_corpus.repos)
    oldest = min(int(gitops.run(["log", "--reverse", "--format=%ct", "main"], git_dir=Path(r.path)).split()[0])
                 for r in designed_corpus.repos)
    assert oldest < end - 60 * 86400  # history reaches back months, not days


def test_the_newest_tree_and_history_are_calibrated_apart(designed_corpus: CorpusResult) -> None:
    report = designed_corpus.to_dict()
    ratio = report["achieved"]["tree_ratio"]
    assert abs(ratio - DESIGNED.tree_ratio) <= 0.35 * DESIGNED.tree_ratio, ratio
    # history holds blobs no longer in the newest tree (files rewritten by later commits)
    repo = Path(designed_corpus.repos[1].path)
    every = set(gitops.run(["rev-list", "--objects", "--all"], git_dir=repo).split())
    tree = {line.split()[2] for line in gitops.run(["ls-tree", "-r", "main"], git_dir=repo).splitlines()}
    assert len(every) > 2 * len(tree)
    for r in report["repositories"]:
        assert r["tree_bytes"] > 0


def test_a_lower_tree_ratio_gives_a_smaller_newest_tree(tmp_path: Path) -> None:
    needs_git()
    base = CorpusSpec(repositories=3, total_bytes=1_200_000, largest_bytes=500_000, history=10, seed=3, end_date="2026-11-30")
    lean = generate(tmp_path / "lean", dataclasses.replace(base, tree_ratio=0.6)).to_dict()["achieved"]
    rich = generate(tmp_path / "rich", dataclasses.replace(base, tree_ratio=2.5)).to_dict()["achieved"]
    assert lean["tree_ratio"] < 0.9 < 1.6 < rich["tree_ratio"]
    # the total holds either way (history-heavy repositories pack less predictably: within 10%)
    assert abs(lean["deviation"]["total_bytes"]) <= 0.10 and abs(rich["deviation"]["total_bytes"]) <= 0.05


def test_the_end_date_defaults_to_today_and_a_resume_keeps_it(tmp_path: Path) -> None:
    needs_git()
    spec = CorpusSpec(repositories=2, total_bytes=100_000, largest_bytes=60_000, history=3, seed=2)
    out = tmp_path / "c"
    first = generate(out, spec, today=dt.date(2026, 11, 20))
    manifest = json.loads((out / STATE_DIR / "manifest.json").read_text())
    assert manifest["end_date"] == manifest["spec"]["end_date"] == "2026-11-20"
    # a later run (the next day) resumes the same corpus: same commits, nothing redone
    marker = next((out / STATE_DIR / "done").rglob("*.json"))
    marker.unlink()
    again = generate(out, spec, today=dt.date(2026, 11, 21))
    assert [r.head for r in again.repos] == [r.head for r in first.repos]
    assert again.spec.end_date == "2026-11-20"


def test_type_diff_after_one_week_ago_finds_commits_on_a_corpus_written_today(tmp_path: Path) -> None:
    needs_git()
    spec = CorpusSpec(repositories=2, total_bytes=100_000, largest_bytes=60_000, monorepos=1, history=4, seed=5)
    result = generate(tmp_path / "c", spec)
    monorepo = result.repos[0]
    recent = subprocess.run(["git", "--git-dir", monorepo.path, "log", "--since=1 week ago", "--format=%H", "main"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert recent, monorepo.name


def test_hosts_and_required_names_are_part_of_the_specification() -> None:
    shapes = plan(DESIGNED)
    again = plan(CorpusSpec.from_dict(json.loads(json.dumps(DESIGNED.to_dict()))))
    assert [s.name for s in shapes] == [s.name for s in again]
