"""Right-sizing from live usage (evidence kind "rightsize") and version currency (evidence kind
"version_check"), per environment: the evidence of exit criteria 8 and 9.

The doors call `run` and `check_version`; both load what they need, run the pure engine in
`implhub.rightsize`, and append one evidence record.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from implhub.app import evidence, projects, sizing
from implhub.app.context import Ctx
from implhub.app.rightsize_cost import monthly_cost
from implhub.codestats.evidence import InstanceSnapshot
from implhub.errors import ExternalServiceError, ImplhubError, NotFound, ValidationError
from implhub.rightsize import chart, match, queries, series, versions
from implhub.rightsize.current import Current, CurrentSource, combine
from implhub.rightsize.engine import (
    REPLICABLE,
    compare_with_estimate,
    evidence_strength,
    recommend,
    strategy_named,
)
from implhub.rightsize.override import render
from implhub.rightsize.quantity import format_cpu, format_memory
from implhub.sizing import official
from implhub.sizing.recommended import CHART_KEY
from implhub.store.models import Evidence, Project
from implhub.vocab import EvidenceKind

#: services a Sourcegraph deployment runs; one without samples in the window is reported as such
CORE_SERVICES = ("frontend", "gitserver", "indexedSearch", "indexedSearchIndexer", "searcher", "symbols",
                 "repoUpdater", "worker", "syntectServer", "preciseCodeIntel", "redisCache", "redisStore",
                 "pgsql", "codeIntelDB", "codeInsightsDB", "blobstore", "prometheus", "grafana")


def _data(name: str) -> Any:
    text = (files("implhub") / "data" / "rightsize" / name).read_text(encoding="utf-8")
    return YAML(typ="safe").load(text)


def keysets() -> dict[str, chart.KeySet]:
    return chart.load_keysets(_data("chart-keys.yaml"))


def container_rules() -> list[series.ContainerRule]:
    return series.parse_rules(_data("containers.yaml"))


# --- releases -----------------------------------------------------------------------------

def _refreshed_path(ctx: Ctx) -> Path:
    return ctx.settings.data_dir / "rightsize" / "releases.json"


def release_table(ctx: Ctx) -> versions.ReleaseTable:
    """The refreshed table in the data directory when there is one, else the shipped one."""
    path = _refreshed_path(ctx)
    if path.exists():
        raw = json.loads(path.read_text(encoding="utf-8"))
        return versions.parse_table(raw["table"], source=raw.get("source") or str(path))
    return versions.parse_table(_data("releases.yaml"), source="release table shipped with implhub")


def refresh_releases(ctx: Ctx, *, url: str, timeout: float = 20.0) -> dict[str, Any]:
    """Fetch a newer release table (our YAML/JSON shape or GitHub's releases JSON) and keep it in
    the data directory. Nothing is written unless the whole table parses."""
    try:
        resp = httpx.get(url, timeout=timeout, follow_redirects=True, headers={"Accept": "application/json, text/yaml"})
        resp.raise_for_status()
    except httpx.HTTPError as exc:
        raise ExternalServiceError(f"cannot fetch the release table: {exc}", field="--url") from None
    try:
        raw = YAML(typ="safe").load(resp.text)
    except YAMLError as exc:
        raise ValidationError(f"expected JSON or YAML: {exc}", file=url) from None
    table = versions.parse_table(raw, source=url)
    path = _refreshed_path(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"source": url, "fetched_at": ctx.now().isoformat(), "table": versions.table_dict(table)}
    path.write_text(json.dumps(body, indent=1), encoding="utf-8")
    return {"source": url, "as_of": table.as_of, "releases": len(table.releases),
            "newest": table.releases[-1].version.text, "path": str(path)}


# --- inputs -------------------------------------------------------------------------------

def _environment(project: Project, env: str | None) -> str:
    """The environment's name; a kind's name (prod, ...) or None finds it by kind."""
    return projects.resolve_environment(project, env).name


def fetch_prometheus(url: str, *, window: str, end: dt.datetime, namespace: str | None = None,
                     timeout: float = 30.0) -> dict[str, Any]:
    """Run every query against a Prometheus HTTP API; the responses keyed by query name."""
    window_s = queries.parse_window(window)
    end_s = int(end.timestamp())
    out: dict[str, Any] = {}
    base = url.rstrip("/")
    with httpx.Client(timeout=timeout) as client:
        for item in queries.plan(window, namespace=namespace):
            if item["kind"] == "range":
                params: dict[str, str | int] = {"query": item["expr"], "start": end_s - window_s, "end": end_s, "step": item["step"]}
                path = "/api/v1/query_range"
            else:
                params = {"query": item["expr"], "time": end_s}
                path = "/api/v1/query"
            try:
                resp = client.get(base + path, params=params)
            except httpx.HTTPError as exc:
                raise ExternalServiceError(
                    f"cannot reach Prometheus at {url}: {exc}; check the URL (Sourcegraph's Prometheus listens on "
                    "port 30090: kubectl port-forward svc/prometheus 9090:30090), or run the queries from "
                    "'implhub rightsize SLUG --print-queries' and pass the dump with --from-file", field="--prometheus") from None
            try:
                body = resp.json()
            except ValueError:
                raise ExternalServiceError(f"{url}{path} answered HTTP {resp.status_code} without JSON; is this a Prometheus?",
                                           field="--prometheus") from None
            if resp.status_code >= 400 and not isinstance(body, dict):
                raise ExternalServiceError(f"{url}{path} answered HTTP {resp.status_code}", field="--prometheus")
            out[str(item["name"])] = body
    return out


def load_dump(path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A dump directory (one `<query>.json` per query and meta.json, as --print-queries writes it)
    or one JSON file {"window", "step", "end", "responses": {query: response}}."""
    p = Path(path)
    if p.is_dir():
        meta_path = p / "meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        responses: dict[str, Any] = {}
        for name in queries.QUERY_NAMES:
            f = p / f"{name}.json"
            if f.exists():
                try:
                    responses[name] = json.loads(f.read_text(encoding="utf-8") or "null")
                except json.JSONDecodeError as exc:
                    raise ValidationError(f"not JSON: {exc.msg}", file=str(f), line=exc.lineno) from None
        return meta, responses
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError("file not found: expected the dump directory or JSON file", file=path) from None
    except json.JSONDecodeError as exc:
        raise ValidationError(f"not JSON: {exc.msg}", file=path, line=exc.lineno) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("responses"), dict):
        raise ValidationError('expected {"window": ..., "responses": {query name: Prometheus response}}', file=path)
    return {k: v for k, v in raw.items() if k != "responses"}, raw["responses"]


def parse_values(text: str, *, name: str, keyset: chart.KeySet) -> dict[str, Any]:
    try:
        values = YAML(typ="safe").load(text) or {}
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValidationError(f"not YAML: {getattr(exc, 'problem', exc)}", file=name,
                              line=mark.line + 1 if mark is not None else None) from None
    if not isinstance(values, dict):
        raise ValidationError("expected a map of Helm values", file=name)
    problems = chart.unknown_keys(values, keyset)
    if problems:
        raise ValidationError(f"{len(problems)} key(s) that chart {keyset.version} does not have (Helm would ignore them "
                              "silently); fix the spelling or pass the chart version in use with --chart-version",
                              file=name, details=problems)
    return values


def _estimate_currents(estimate: dict[str, Any] | None) -> dict[str, Current]:
    """Per chart key, the requests and limits of the stored estimate (its `recommended` services,
    keyed by chart key with a `resources` block), when it has them."""
    if not estimate:
        return {}
    out: dict[str, Current] = {}
    candidates: list[Any] = [estimate.get("helm_values"), estimate.get("values"), estimate.get("recommended"), estimate]
    for cand in candidates:
        if isinstance(cand, dict) and isinstance(cand.get("services"), list):
            for svc in cand["services"]:
                if isinstance(svc, dict) and svc.get("key") and isinstance(svc.get("resources"), dict):
                    out[svc["key"]] = Current.from_resources(svc["resources"], replicas=int(svc.get("replicas") or 1),
                                                             source=CurrentSource.ESTIMATE, where=svc["key"])
        elif isinstance(cand, dict):
            for key, svc in cand.items():
                if isinstance(svc, dict) and isinstance(svc.get("resources"), dict):
                    out[key] = Current.from_resources(svc["resources"], replicas=int(svc.get("replicaCount") or svc.get("replicas") or 1),
                                                      source=CurrentSource.ESTIMATE, where=key)
        if out:
            break
    return out


def latest_estimate(ctx: Ctx, project: Project, environment: str) -> dict[str, Any] | None:
    return sizing.latest_estimate(ctx, project=project, environment=environment)


# --- what runs now ------------------------------------------------------------------------

def _service_names(values: dict[str, Any], keyset: chart.KeySet) -> dict[str, str]:
    """The workload names a values file gives its services (`pgsql.name: main-db`)."""
    return {k: str(v["name"]) for k, v in values.items()
            if isinstance(v, dict) and isinstance(v.get("name"), str) and k in keyset.resources}


def _service_of(path: str) -> str:
    return path.split(".resources.")[0] if ".resources." in path else path.rsplit(".", 1)[0]


def current_values(usage: series.Usage, keyset: chart.KeySet, *, values: dict[str, Any] | None, values_name: str | None,
                   est_currents: dict[str, Current]) -> tuple[dict[str, Current], str, list[str], list[str]]:
    """Per service what runs now, each figure from the first source that knows it: the values file
    given, kube-state-metrics, cAdvisor's spec series, the stored estimate, the chart defaults.
    Returns the currents, a one-line basis, the services expected to have samples, and where the
    values file disagrees with what the cluster runs."""
    defaults = keyset.defaults()
    merged = chart.merge(defaults, values) if values is not None else defaults
    if values is not None:
        expected = [k for k in keyset.resources if k in CORE_SERVICES and chart.enabled(merged, k)]
    elif est_currents:
        expected = [k for k in est_currents if k in keyset.resources and k in CORE_SERVICES]
    else:
        expected = [k for k in keyset.resources if k in CORE_SERVICES and chart.enabled(merged, k)]
    currents: dict[str, Current] = {}
    disagreements: list[str] = []
    used: dict[str, int] = {}
    for key in sorted(set(keyset.resources) | set(usage.services) | set(est_currents)):
        layers: list[Current] = []
        replicas = merged.get(key, {}).get("replicaCount") if isinstance(merged.get(key), dict) else None
        try:
            from_chart = Current.from_resources(chart.resources_at(merged, key), replicas=int(replicas or 1),
                                                source=CurrentSource.VALUES if values is not None else CurrentSource.CHART,
                                                where=key)
        except ValidationError as exc:  # a bad quantity in the values file: name the file
            raise ValidationError(exc.message, file=values_name, field=exc.field) from None
        if values is not None:
            layers.append(from_chart)
        su = usage.services.get(key)
        if su is not None and su.cluster:
            layers.append(Current.from_figures(su.cluster, source=CurrentSource.CLUSTER))
        if su is not None and su.cadvisor:
            layers.append(Current.from_figures(su.cadvisor, source=CurrentSource.CADVISOR))
        if key in est_currents:
            layers.append(est_currents[key])
        if values is None:
            layers.append(from_chart)
        # replicas: the values file, else the pods running at the end of the window, else the estimate
        running = su.pods_at_end() if su is not None else 0
        n = int(replicas) if values is not None and replicas else running or (
            est_currents[key].replicas if key in est_currents else int(replicas or 1))
        cur = combine(layers, replicas=n)
        currents[key] = cur
        if su is not None:
            used[cur.source] = used.get(cur.source, 0) + 1
        if values is not None and su is not None and len(layers) > 1 and layers[1].source in (CurrentSource.CLUSTER,
                                                                                            CurrentSource.CADVISOR):
            disagreements += _disagree(key, from_chart, layers[1], values_name or "the values file")
    seen = [f"{src} for {n} service(s)" for src, n in sorted(used.items(), key=lambda x: -x[1])]
    basis = ("; ".join(seen) or "no service seen") + (f" (values file {values_name} on chart {keyset.version})" if values is not None
                               else f" (chart {keyset.version})")
    return currents, basis, expected, disagreements


def _disagree(key: str, given: Current, running: Current, name: str) -> list[str]:
    out = []
    for fig in sorted(running.known):
        a, b = given.value(fig), running.value(fig)
        if (a is None) != (b is None) or (a is not None and b is not None and abs(a - b) > 0.01 * max(a, b)):
            fmt = format_cpu if fig.endswith("cpu") else format_memory
            out.append(f"{key}.resources.{fig}: {name} says {fmt(a) if a is not None else 'unset'}, the cluster runs "
                       f"{fmt(b) if b is not None else 'unset'} ({running.source}); the values file is used")
    return out


def official_floors(ctx: Ctx, project: Project, environment: str, currents: dict[str, Current]) -> dict[str, tuple[float, str]]:
    """Per chart key, the official estimator's memory limit per pod for the design (its total over
    its replicas spread over the replicas running): the least an OOM-killed limit becomes."""
    try:
        inputs, _ = sizing.inputs_for(ctx, project=project, environment=environment)
        if inputs.users <= 0 and inputs.repositories <= 0:
            return {}
        est = official.estimate(inputs)
    except ImplhubError:
        return {}  # the design lacks the scale to size from: no floor
    out: dict[str, tuple[float, str]] = {}
    for name, svc in est["services"].items():
        key = CHART_KEY.get(name)
        limit_gb = float((svc.get("memory_gb") or {}).get("limit") or 0)
        if key is None or limit_gb <= 0:
            continue
        official_n = int(svc.get("replicas") or 1)
        running = currents[key].replicas if key in currents else official_n
        per_pod = limit_gb * 1e9 * official_n / max(running, 1)
        spread = f" ({limit_gb:g} GB x {official_n} replica(s) over {running})" if official_n != running else ""
        out[key] = (per_pod, f"the official estimate for the design, {per_pod / 1e9:.3g} GB per pod{spread}")
    return out


# --- the run ------------------------------------------------------------------------------

def run(ctx: Ctx, *, slug: str, environment: str, prometheus: str | None = None, dump: str | None = None,
        window: str = "14d", values_text: str | None = None, values_name: str | None = None,
        chart_version: str | None = None, namespace: str | None = None, end: dt.datetime | None = None,
        simulated: bool = False, source: str | None = None, strategy: str = "krr-simple",
        keep_cpu_limits: bool = False, allow_memory_cut: bool = False) -> dict[str, Any]:
    """Read usage, recommend, compare with the estimate, store the evidence; returns its data."""
    project = projects.get_or_raise(ctx, slug=slug)
    environment = _environment(project, environment)
    if (prometheus is None) == (dump is None):
        raise ValidationError("give exactly one of --prometheus URL or --from-file DUMP", field="--prometheus")
    chosen = strategy_named(strategy, keep_cpu_limits=keep_cpu_limits, allow_memory_cut=allow_memory_cut)
    window_s = queries.parse_window(window)
    version_text = chart_version or project.design_model.deployment.sourcegraph_version or "7.6.0"
    keyset = chart.pick(keysets(), str(version_text), field="--chart-version")
    values = parse_values(values_text, name=values_name or "values", keyset=keyset) if values_text is not None else None
    end = end or ctx.now()
    if prometheus is not None:
        responses = fetch_prometheus(prometheus, window=window, end=end, namespace=namespace)
        origin = prometheus
    else:
        assert dump is not None
        meta, responses = load_dump(dump)
        if meta.get("window"):
            window = str(meta["window"])
            window_s = queries.parse_window(window, field=f"{dump}: window")
        if meta.get("end"):
            end = dt.datetime.fromtimestamp(float(meta["end"]), dt.UTC)
        origin = dump
    rules = match.with_names(container_rules(), _service_names(values or {}, keyset))
    repo = ((values or {}).get("sourcegraph") or {}).get("image", {}).get("repository") if isinstance(
        (values or {}).get("sourcegraph"), dict) else None
    usage = series.collect(responses, rules, source=origin, repositories=(str(repo),) if repo else ())

    estimate = latest_estimate(ctx, project, environment)
    est_currents = _estimate_currents(estimate)
    currents, basis, expected, disagreements = current_values(usage, keyset, values=values, values_name=values_name,
                                                              est_currents=est_currents)
    external = {str(x.service).lower() for x in project.design_model.externalized_services}
    if "postgresql" in external:  # the design runs the databases outside the cluster
        expected = [k for k in expected if k not in ("pgsql", "codeIntelDB")]
    unknown_to_chart = sorted(k for k in usage.services if k not in keyset.resources)
    replicable = frozenset(k for k in REPLICABLE if "replicaCount" in keyset.second_level.get(k.split(".")[0], frozenset()))
    result = recommend(usage, currents, expected=expected, window=queries.render_window(window_s), strategy=chosen,
                       floors=official_floors(ctx, project, environment, currents), replicable=replicable)
    # an override may only name keys this chart version has
    result["changes"] = [c for c in result["changes"] if _service_of(c["path"]) not in unknown_to_chart]
    result["override"] = _tree(result["changes"])
    problems = chart.unknown_keys(result["override"], keyset) + _not_in_sizing_keys(result["changes"], keyset.version)
    if problems:  # a bug, not bad input: the engine built a key the chart lacks
        raise AssertionError("override has unknown keys: " + "; ".join(problems))

    taken = ctx.now()
    result.update({
        "environment": environment,
        "source": source or origin,
        "namespace": namespace,
        "window_end": end.isoformat(),
        "window_start": (end - dt.timedelta(seconds=window_s)).isoformat(),
        "computed_at": taken.isoformat(),
        "chart_version": keyset.version,
        "current_basis": basis,
        "current_disagreements": disagreements,
        **evidence_strength(usage.services.values(), window_s),
        "not_in_chart": unknown_to_chart,
        "comparison": {"estimate_found": bool(est_currents),
                       "services": compare_with_estimate(result, est_currents)},
        "cost": monthly_cost(ctx, project=project, result=result),
        "plan": _plan_summary(result),
        # one entry per service with a recommendation (what exit criterion 8 counts)
        "recommendations": [{"key": s["key"], "service": s["service"], "flags": s["flags"], "recommended": s["recommended"]}
                            for s in result["services"] if s["status"] == "ok"],
    })
    result["override_yaml"] = render(result["changes"], header=_override_header(project, result))
    evidence.add(ctx, project=project, kind=EvidenceKind.rightsize, data=result, source=result["source"], environment=environment,
                 simulated=simulated, summary=f"right-sizing of {environment} over {result['window']}: "
                 f"{len(result['changes'])} change(s), {len(result['flagged'])} flagged"
                 + ("" if result["full_strength"] else f", partial evidence ({result['window_days']:g} days)")
                 + (" (simulated)" if simulated else ""))
    return result


def _not_in_sizing_keys(changes: list[dict[str, Any]], version: str) -> list[str]:
    """Every path of the override must also be a key path of the chart version in the sizing
    capability's key set (every key of the chart defaults), where that file is shipped."""
    try:
        raw = json.loads((files("implhub") / "data" / "sizing" / "chart_keys.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, OSError, ValueError):
        return []
    paths = set((raw.get("versions") or {}).get(version) or [])
    if not paths:
        return []
    return [f"{c['path']}: not a key path of chart {version}" for c in changes
            if c["path"] not in paths and c["path"].rsplit(".", 1)[0] not in paths]


def _tree(changes: list[dict[str, Any]]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for c in changes:
        node = tree
        parts = c["path"].split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = c["to"]
    return tree


def _override_header(project: Project, result: dict[str, Any]) -> list[str]:
    return [f"Right-sizing override for {project.name}, environment {result['environment']}, chart {result['chart_version']}",
            f"From usage {result['window_start'][:16]} .. {result['window_end'][:16]} UTC ({result['window']}), source {result['source']}",
            f"Strategy: {result['strategy']['name']}",
            "Only the changes; apply with: helm upgrade ... -f values.yaml -f this-file.yaml"]


def _plan_summary(result: dict[str, Any]) -> str:
    n = len(result["changes"])
    flagged = ", ".join(f"{f['service']} ({' '.join(f['flags'])})" for f in result["flagged"]) or "none"
    missing = ", ".join(result["no_data"]) or "none"
    return f"{n} change(s) in the override; flagged first: {flagged}; no data: {missing}"


# --- version check ------------------------------------------------------------------------

def check_version(ctx: Ctx, *, slug: str, environment: str, version: str | None = None,
                  simulated: bool = False) -> dict[str, Any]:
    """The running version (the latest instance snapshot, or `version`) against the release
    table; stored as evidence kind "version_check"."""
    project = projects.get_or_raise(ctx, slug=slug)
    environment = _environment(project, environment)
    if version is not None:
        running, origin = version, "given with --version"
        field = "--version"
    else:
        snap = evidence.latest_stored(ctx, project=project, kind=InstanceSnapshot, environment=environment)
        if snap is None or not snap.data.version:
            target = project.design_model.deployment.sourcegraph_version
            raise NotFound(f"no instance snapshot with a version for {environment}; take one with 'implhub instance "
                           f"stats --url URL --project {project.slug} --env {environment}', or pass --version"
                           + (f" (the design targets {target})" if target else ""), field="--env")
        running, origin = str(snap.data.version), f"instance snapshot #{snap.id} of {snap.taken_at.date().isoformat()}"
        field = f"instance snapshot #{snap.id}: version"
        simulated = simulated or snap.simulated
    table = release_table(ctx)
    data = versions.check(running, table, field=field)
    data.update({"environment": environment, "version_source": origin, "checked_at": ctx.now().isoformat()})
    evidence.add(ctx, project=project, kind=EvidenceKind.version_check, data=data, source=origin, environment=environment,
                 simulated=simulated, summary=f"version check of {environment}: {data['running']}, {data['verdict']}")
    return data


def latest(ctx: Ctx, *, project: Project, kind: str, environment: str | None = None) -> Evidence | None:
    return evidence.latest(ctx, project=project, kind=kind, environment=environment)
