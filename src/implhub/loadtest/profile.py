"""Load profiles: the customer's design turned into a k6 test.

Sourcegraph's method: virtual users are 20% of the users the instance must support. A load test
ramps to them over 1 minute, holds 3 minutes, ramps down over 1; each virtual user sleeps 0-60 s,
sends one search, sleeps 0-30 s. The mix is 70% literal and 20% regexp on the stream API and 10%
a random type on a random endpoint; every streamed match is highlighted through GraphQL. A stress
test fires one search per virtual user at once (90 s at most); a search test runs one virtual
user through 30 iterations of every type's regular and expensive query.

The arrival-rate alternative drives a request rate instead of a user count: N searches per
second per 1,000 users (default: the rate the virtual-user model produces on average).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

from pydantic import BaseModel

from implhub.errors import ValidationError
from implhub.intake.schema import TDD
from implhub.loadtest.thresholds import default_thresholds, parse_thresholds

KINDS = ("load", "stress", "search")
SEARCH_TYPES = ("literal", "regexp", "structural", "unindexed")
ALL_TYPES = (*SEARCH_TYPES, "highlight")
VARIANTS = ("regular", "expensive")
VU_SHARE = 0.20
THINK_BEFORE_S = (0.0, 60.0)
THINK_AFTER_S = (0.0, 30.0)
#: mean seconds a load-test iteration takes without the search itself: 30 + 15
MEAN_THINK_S = (THINK_BEFORE_S[1] + THINK_AFTER_S[1]) / 2
#: searches per second per 1,000 users the virtual-user model produces on average
DEFAULT_RPS_PER_1000 = round(1000 * VU_SHARE / MEAN_THINK_S, 2)
LOAD_STAGES_S = ((60, "ramp"), (180, "hold"), (60, "down"))
STRESS_MAX_S = 90
SEARCH_ITERATIONS = 30
SEARCH_MAX_S = 32 * 60
HIGHLIGHT_MAX_PER_SEARCH = 10


def load_query_catalog() -> dict[str, Any]:
    from ruamel.yaml import YAML

    text = (files("implhub") / "data" / "loadtest" / "queries.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = YAML(typ="safe").load(text)
    return data


def _repo_filter(repo: str) -> str:
    escaped = "".join("\\" + c if c in ".+*?()[]{}|^$\\" else c for c in repo)
    return f"repo:^{escaped}$"


def build_queries(repos: list[str], languages: list[str],
                  repo_languages: dict[str, str] | None = None) -> tuple[dict[str, dict[str, list[str]]], str]:
    """Queries per variant and type. With the project's repositories and languages known, regular
    queries are scoped to its own repositories and use patterns of its own languages; expensive
    ones search everything in its main language. Without them, the shipped fallback set."""
    catalog = load_query_catalog()
    if not repos:
        fallback = {v: {t: list(catalog[v][t]) for t in SEARCH_TYPES} for v in VARIANTS}
        return fallback, "fallback queries (no repository names known for this project)"
    patterns: dict[str, dict[str, str]] = catalog["languages"]
    langs = [lang for lang in languages if lang in patterns] or ["Go"]
    regular: dict[str, list[str]] = {t: [] for t in SEARCH_TYPES}
    for i, repo in enumerate(repos[:10]):
        own = (repo_languages or {}).get(repo)
        lang = own if own in patterns else langs[i % len(langs)]
        p = patterns[lang]
        scope = _repo_filter(repo)
        regular["literal"].append(f"{scope} {p['literal']} count:10")
        regular["regexp"].append(f"{scope} {p['regexp']} patternType:regexp count:10")
        regular["structural"].append(f"{scope} {p['structural']} lang:{_lang_filter(lang)} patternType:structural count:10")
        regular["unindexed"].append(f"{scope} type:diff after:\"1 week ago\" {p['literal']} count:10")
    main = langs[0]
    p = patterns[main]
    expensive = {
        "literal": [f"{p['literal']} count:all"],
        "regexp": [f"{p['regexp']} lang:{_lang_filter(main)} patternType:regexp count:all"],
        "structural": [f"{p['structural']} lang:{_lang_filter(main)} patternType:structural count:all"],
        "unindexed": [f"type:diff after:\"1 month ago\" {p['literal']} select:commit.diff.added count:all"],
    }
    source = f"{min(len(repos), 10)} of the project's repositories; languages {', '.join(langs[:5])}"
    return {"regular": regular, "expensive": expensive}, source


def _lang_filter(lang: str) -> str:
    return {"C#": "csharp", "C++": "cpp"}.get(lang, lang.lower())


def _fmt_duration(seconds: float) -> str:
    ms = max(1, int(round(seconds * 1000)))
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def _users_and_version(design: TDD | Mapping[str, Any]) -> tuple[int, str | None]:
    """Users and target version of the design: the TDD model, or the scale/deployment sections of
    a partial design (a what-if profile before any project exists)."""
    if isinstance(design, TDD):
        return design.scale.users, design.deployment.sourcegraph_version
    part = TDDPart.model_validate(design)
    return part.scale.users or 0, part.deployment.sourcegraph_version


class _ScalePart(BaseModel):
    users: int | None = None


class _DeploymentPart(BaseModel):
    sourcegraph_version: str | None = None


class TDDPart(BaseModel):
    """The two sections of a design a profile needs; other keys are ignored."""

    scale: _ScalePart = _ScalePart()
    deployment: _DeploymentPart = _DeploymentPart()


def build_profile(
    design: TDD | Mapping[str, Any],
    *,
    kind: str,
    model: str = "vus",
    rps_per_1000: float | None = None,
    repos: list[str] | None = None,
    languages: list[str] | None = None,
    repo_languages: dict[str, str] | None = None,
    thresholds: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The default profile for a kind, computed from the design (a data dict the user may edit)."""
    if kind not in KINDS:
        raise ValidationError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}", field="--kind")
    if model not in ("vus", "arrival"):
        raise ValidationError(f"unknown model {model!r}; expected vus or arrival", field="--model")
    users, version = _users_and_version(design)
    if users <= 0 and kind != "search":
        raise ValidationError("the design has no user count; set scale.users in the TDD", field="scale.users")
    default, version_range = default_thresholds(kind, version)
    p95, p95_source = p95_targets(design, version)
    if thresholds is None:
        default = with_p95_targets(default, kind, p95)
    queries, query_source = build_queries(repos or [], languages or [], repo_languages)
    profile: dict[str, Any] = {
        "kind": kind,
        "users": users,
        "model": model if kind == "load" else "vus",
        "vus": max(1, round(users * VU_SHARE)) if kind != "search" else 1,
        "rps_per_1000": None,
        "stages_s": [],
        "max_duration_s": None,
        "iterations": None,
        "think_time_s": {"before": list(THINK_BEFORE_S), "after": list(THINK_AFTER_S)} if kind == "load" else {"before": [0, 0], "after": [0, 0]},
        "mix": [],
        "highlight": {"per_match": kind != "search", "max_per_search": HIGHLIGHT_MAX_PER_SEARCH},
        "queries": queries,
        "query_source": query_source,
        "sourcegraph_version": version,
        "thresholds_range": version_range,
        "thresholds": thresholds if thresholds is not None else default,
        "p95_targets_ms": p95,
        "p95_targets_source": p95_source,
    }
    if kind == "load":
        profile["mix"] = [
            {"type": "literal", "endpoint": "stream", "share": 0.7},
            {"type": "regexp", "endpoint": "stream", "share": 0.2},
            {"type": "random", "endpoint": "random", "share": 0.1},
        ]
        profile["stages_s"] = [{"duration": d, "phase": ph} for d, ph in LOAD_STAGES_S]
        if profile["model"] == "arrival":
            profile["rps_per_1000"] = rps_per_1000 if rps_per_1000 is not None else DEFAULT_RPS_PER_1000
            profile["think_time_s"] = {"before": [0, 0], "after": [0, 0]}
    elif kind == "stress":
        profile["mix"] = [{"type": "random", "endpoint": "stream", "share": 1.0}]
        profile["max_duration_s"] = STRESS_MAX_S
    else:
        profile["mix"] = [{"type": "all", "endpoint": "stream", "share": 1.0}]
        profile["iterations"] = SEARCH_ITERATIONS
        profile["max_duration_s"] = SEARCH_MAX_S
    validate_profile(profile)
    return profile


def p95_targets(design: TDD | Mapping[str, Any], version: str | None) -> tuple[dict[str, int], dict[str, str]]:
    """The p95 time-to-first-byte target per search type (ms): the design's `search_targets`, else
    Sourcegraph's search-test threshold for the version (regular queries), and where each came from."""
    suite, version_range = default_thresholds("search", version)
    agreed: Mapping[str, Any] = (design.search_targets.model_dump(exclude_none=True) if isinstance(design, TDD)
                                 else design.get("search_targets") or {})
    targets: dict[str, int] = {}
    source: dict[str, str] = {}
    for t in SEARCH_TYPES:
        if agreed.get(t):
            targets[t], source[t] = int(agreed[t]), "design (search_targets)"
            continue
        for th in parse_thresholds({k: v for k, v in suite.items() if k == f"time_to_first_byte{{type:{t},variant:regular}}"}):
            if th.aggregation == "p(95)":
                targets[t] = int(th.value)
                source[t] = f"Sourcegraph's search-test threshold (versions {version_range})"
    return targets, source


def with_p95_targets(thresholds: dict[str, Any], kind: str, targets: dict[str, int]) -> dict[str, Any]:
    """The thresholds with each type's p95 target enforced beside the suite's median: for the
    search test on its regular queries, for load and stress tests on every query of the type."""
    out = dict(thresholds)
    for t, ms in targets.items():
        key = f"time_to_first_byte{{type:{t},variant:regular}}" if kind == "search" else f"time_to_first_byte{{type:{t}}}"
        kept = [x for x in out.get(key, []) if not (isinstance(x, str) and x.replace(" ", "").startswith("p(95)<"))]
        out[key] = [f"p(95)<{ms}", *kept]
    return out


def validate_profile(profile: dict[str, Any], *, source: str = "profile") -> None:
    """Raise a ValidationError naming the field when an edited profile cannot drive a test."""
    def need(cond: bool, field: str, msg: str) -> None:
        if not cond:
            raise ValidationError(msg, file=source, field=field)

    need(profile.get("kind") in KINDS, "kind", f"expected one of {', '.join(KINDS)}")
    need(profile.get("model") in ("vus", "arrival"), "model", "expected vus or arrival")
    need(isinstance(profile.get("vus"), int) and profile["vus"] >= 1, "vus", "expected a whole number of virtual users >= 1")
    if profile["kind"] == "load":
        stages: list[Any] = profile.get("stages_s") or []
        need(isinstance(stages, list) and len(stages) > 0, "stages_s", "expected a list of {duration, phase}")
        for i, st in enumerate(stages):
            need(isinstance(st, dict) and isinstance(st.get("duration"), (int, float)) and st["duration"] > 0,
                 f"stages_s[{i}].duration", "expected seconds > 0")
            need(st.get("phase") in ("ramp", "hold", "down"), f"stages_s[{i}].phase", "expected ramp, hold or down")
        if profile["model"] == "arrival":
            need(isinstance(profile.get("rps_per_1000"), (int, float)) and profile["rps_per_1000"] > 0,
                 "rps_per_1000", "expected searches per second per 1,000 users > 0")
    mix: list[Any] = profile.get("mix") or []
    need(isinstance(mix, list) and len(mix) > 0, "mix", "expected a list of {type, endpoint, share}")
    total = 0.0
    for i, m in enumerate(mix):
        need(isinstance(m, dict) and m.get("type") in (*SEARCH_TYPES, "random", "all"), f"mix[{i}].type",
             "expected literal, regexp, structural, unindexed, random or all")
        need(m.get("endpoint") in ("stream", "graphql", "random"), f"mix[{i}].endpoint", "expected stream, graphql or random")
        need(isinstance(m.get("share"), (int, float)) and m["share"] > 0, f"mix[{i}].share", "expected a share > 0")
        total += float(m["share"])
    need(abs(total - 1.0) < 1e-6, "mix", f"the shares add up to {total:g}; expected 1")
    think = profile.get("think_time_s", {})
    for side in ("before", "after"):
        rng = think.get(side)
        need(isinstance(rng, list) and len(rng) == 2 and 0 <= rng[0] <= rng[1], f"think_time_s.{side}", "expected [min, max] seconds")
    queries: dict[str, Any] = profile.get("queries") or {}
    need(isinstance(queries, dict), "queries", "expected {regular: {type: [query...]}, expensive: {...}}")
    for v in VARIANTS:
        for t in SEARCH_TYPES:
            qs = queries.get(v, {}).get(t)
            need(isinstance(qs, list) and len(qs) > 0 and all(isinstance(q, str) and q.strip() for q in qs),
                 f"queries.{v}.{t}", "expected a non-empty list of queries")
            for q in qs:
                need("\b" not in q, f"queries.{v}.{t}", f"{q!r} holds a backspace character; write a regexp word boundary as \\b")
    try:
        parse_thresholds(profile.get("thresholds"), field="thresholds")
    except ValidationError as exc:
        raise ValidationError(exc.message, file=source, field=exc.field) from None


def effective(profile: dict[str, Any], *, duration_scale: float = 1.0, vus: int | None = None) -> dict[str, Any]:
    """The profile as one run executes it: durations and think times scaled, VUs overridden, and
    the k6 scenario and the target rates worked out."""
    if duration_scale <= 0:
        raise ValidationError("expected a positive factor such as 0.1", field="--duration-scale")
    if vus is not None and vus < 1:
        raise ValidationError("expected at least 1 virtual user", field="--vus")
    p = copy.deepcopy(profile)
    p["duration_scale"] = duration_scale
    if vus is not None:
        p["vus"] = vus
    n = int(p["vus"])
    think = {k: [x * duration_scale for x in v] for k, v in p["think_time_s"].items()}
    p["think_time_s"] = think
    kind = p["kind"]
    targets: dict[str, float | None] = {t: None for t in ALL_TYPES}
    if kind == "load":
        stages = [{"duration": s["duration"] * duration_scale, "phase": s["phase"]} for s in p["stages_s"]]
        p["stages_s"] = stages
        total_s = sum(s["duration"] for s in stages)
        if p["model"] == "arrival":
            rate = p["rps_per_1000"] * max(p["users"], 1) / 1000.0
            k6_stages, level = [], 0.0
            for s in stages:
                level = 0.0 if s["phase"] == "down" else rate
                k6_stages.append({"duration": _fmt_duration(s["duration"]), "target": round(level, 3)})
            p["scenario"] = {"executor": "ramping-arrival-rate", "startRate": 0, "timeUnit": "1s",
                             "preAllocatedVUs": n, "maxVUs": n * 2, "stages": k6_stages}
            # ramps average half the rate
            expected = sum(rate * s["duration"] * (1.0 if s["phase"] == "hold" else 0.5) for s in stages)
        else:
            k6_stages = [{"duration": _fmt_duration(s["duration"]), "target": 0 if s["phase"] == "down" else n} for s in stages]
            p["scenario"] = {"executor": "ramping-vus", "startVUs": 0, "stages": k6_stages, "gracefulRampDown": _fmt_duration(max(1.0, 30 * duration_scale))}
            iteration_s = (sum(think["before"]) + sum(think["after"])) / 2 + 0.5
            vu_seconds = sum(n * s["duration"] * (1.0 if s["phase"] == "hold" else 0.5) for s in stages)
            expected = vu_seconds / iteration_s
        total_rate = expected / total_s if total_s else 0.0
        shares = _type_shares(p["mix"])
        for t in SEARCH_TYPES:
            targets[t] = round(total_rate * shares[t], 4)
        p["duration_s"] = total_s
    elif kind == "stress":
        p["scenario"] = {"executor": "per-vu-iterations", "vus": n, "iterations": 1,
                         "maxDuration": _fmt_duration(p["max_duration_s"] * duration_scale)}
        p["duration_s"] = p["max_duration_s"] * duration_scale
    else:
        iterations = max(1, round(p["iterations"] * min(1.0, duration_scale)))
        p["iterations"] = iterations
        p["scenario"] = {"executor": "shared-iterations", "vus": n, "iterations": iterations,
                         "maxDuration": _fmt_duration(p["max_duration_s"] * duration_scale)}
        p["duration_s"] = p["max_duration_s"] * duration_scale
    p["targets_per_s"] = targets
    return p


def _type_shares(mix: list[dict[str, Any]]) -> dict[str, float]:
    shares = dict.fromkeys(SEARCH_TYPES, 0.0)
    for m in mix:
        if m["type"] in ("random", "all"):
            for t in SEARCH_TYPES:
                shares[t] += float(m["share"]) / len(SEARCH_TYPES)
        else:
            shares[m["type"]] += float(m["share"])
    return shares
