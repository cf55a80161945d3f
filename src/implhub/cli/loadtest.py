"""`implhub loadtest`: profile, script, run, report, runs, k8s."""

from __future__ import annotations

import base64
import html
import json
import os
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from implhub.app import loadtest as svc
from implhub.app.projects import get_or_raise
from implhub.cli.common import (
    console,
    context,
    err_console,
    handle_errors,
    print_json,
    read_file_arg,
)
from implhub.errors import ExitCode, ValidationError

loadtest_app = typer.Typer(help="Load tests with k6: profiles from the design, scripts, runs and reports.", no_args_is_help=True)

KIND_HELP = "load (ramp, hold, ramp down), stress (every VU at once) or search (one VU, every query)"


def _read_structured(path: str, what: str) -> dict[str, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    text = read_file_arg(path)
    try:
        data = YAML(typ="safe").load(text)
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        raise ValidationError(f"cannot read the {what}: {exc.problem}; expected JSON or YAML", file=path, line=line) from None
    if not isinstance(data, dict):
        raise ValidationError(f"expected a mapping ({what})", file=path)
    return data


@loadtest_app.command("profile")
@handle_errors
def profile_cmd(
    slug: str,
    kind: str = typer.Option("load", "--kind", help=KIND_HELP),
    update: str | None = typer.Option(None, "--update", help="Store this edited profile (JSON or YAML) as a new version"),
    note: str = typer.Option("", "--note", help="Why the profile changed (with --update or --save)"),
    save: bool = typer.Option(False, "--save", help="Store the profile computed from the design as a new version"),
    model: str = typer.Option("vus", "--model", help="vus (20% of users) or arrival (searches per second per 1,000 users); with --save"),
    rps_per_1000: float | None = typer.Option(None, "--rps-per-1000", help="Arrival model: searches per second per 1,000 users"),
    version: int | None = typer.Option(None, "--version", help="Show this stored version"),
    versions: bool = typer.Option(False, "--versions", help="List the stored versions"),
    as_json: bool = typer.Option(False, "--json", help="Print the profile as JSON (edit it and store it with --update)"),
) -> None:
    """Show the load profile of a project (VUs, stages, mix, queries, thresholds), or store an edit."""
    with context() as ctx:
        if versions:
            rows = svc.list_profile_versions(ctx, slug=slug, kind=kind)
            out: dict[str, Any] = {"versions": rows}
        elif update:
            row = svc.update_profile(ctx, slug=slug, kind=kind, data=_read_structured(update, "profile"), note=note, filename=update)
            out = {"profile": row.data, "version": row.version, "source": f"stored version {row.version}"}
        elif save or model != "vus" or rps_per_1000 is not None:
            project = get_or_raise(ctx, slug=slug)
            data = svc.default_profile(ctx, project=project, kind=kind, model=model, rps_per_1000=rps_per_1000)
            if save:
                row = svc.update_profile(ctx, slug=slug, kind=kind, data=data, note=note or f"computed from the design ({model})")
                out = {"profile": row.data, "version": row.version, "source": f"stored version {row.version}"}
            else:
                out = {"profile": data, "version": None, "source": f"computed from the design ({model} model)"}
        else:
            out = svc.get_profile(ctx, slug=slug, kind=kind, version=version)
    if as_json:
        print_json(out)
        return
    if versions:
        for r in out["versions"]:
            typer.echo(f"{r['version']:>3}  {r['created_at'][:19]}  {r['created_by']:<20} {r['note']}")
        return
    p = out["profile"]
    console.print(f"[bold]{p['kind']}[/] profile ({out['source']}): {p['vus']:,} virtual users for {p['users']:,} users, model {p['model']}")
    if p.get("stages_s"):
        console.print("stages: " + ", ".join(f"{s['phase']} {s['duration']:g}s" for s in p["stages_s"]))
    console.print("mix: " + ", ".join(f"{m['share']:.0%} {m['type']} on {m['endpoint']}" for m in p["mix"]))
    console.print(f"queries: {p['query_source']}")
    if p.get("p95_targets_ms"):
        console.print("p95 targets: " + ", ".join(f"{t} < {ms:,} ms ({(p.get('p95_targets_source') or {}).get(t, '')})"
                                                   for t, ms in p["p95_targets_ms"].items()), highlight=False, markup=False)
    console.print(f"thresholds (Sourcegraph {p.get('sourcegraph_version') or 'unknown'}, range {p['thresholds_range']}):")
    for key, items in p["thresholds"].items():
        for item in items:
            expr = item if isinstance(item, str) else item["threshold"] + (" (abort on fail)" if item.get("abortOnFail") else "")
            console.print(f"  {key} {expr}", highlight=False)


@loadtest_app.command("script")
@handle_errors
def script_cmd(
    slug: str,
    kind: str = typer.Option("load", "--kind", help=KIND_HELP),
    out: str = typer.Option(..., "--out", help="Where to write the k6 script (- for stdout)"),
    duration_scale: float = typer.Option(1.0, "--duration-scale", help="Multiply stage durations and think times (0.1 = a tenth)"),
    vus: int | None = typer.Option(None, "--vus", help="Virtual users instead of the profile's"),
) -> None:
    """Write a self-contained k6 script (no remote imports) for the project's profile."""
    with context() as ctx:
        text, _eff = svc.make_script(ctx, slug=slug, kind=kind, duration_scale=duration_scale, vus=vus)
    if out == "-":
        typer.echo(text, nl=False)
        return
    Path(out).write_text(text, encoding="utf-8")
    err_console.print(f"wrote {out}; run it with: SRC_ENDPOINT=https://sourcegraph.example.com SRC_ACCESS_TOKEN=... k6 run --out json=points.ndjson.gz {out}", highlight=False)


@loadtest_app.command("run")
@handle_errors
def run_cmd(
    slug: str,
    url: str = typer.Option(..., "--url", help="The Sourcegraph instance, e.g. https://sourcegraph.example.com"),
    token_env: str = typer.Option("SRC_ACCESS_TOKEN", "--token-env", help="Environment variable that holds the access token"),
    kind: str = typer.Option("load", "--kind", help=KIND_HELP),
    env: str | None = typer.Option(None, "--env", help="Environment the run is evidence for (replica, prod, ...)"),
    duration_scale: float = typer.Option(1.0, "--duration-scale", help="Multiply stage durations and think times"),
    vus: int | None = typer.Option(None, "--vus", help="Virtual users instead of the profile's"),
    k6: str | None = typer.Option(None, "--k6", help="Path of the k6 binary (default: the one the k6 package installed)"),
    prometheus: str | None = typer.Option(None, "--prometheus", help="The instance's Prometheus: each service's headroom during the run"),
    namespace: str | None = typer.Option(None, "--namespace", help="Only this Kubernetes namespace (with --prometheus)"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
) -> None:
    """Run real k6 against an instance, keep the raw points and store the run; exit 1 when a threshold fails
    (or, with --prometheus, when a service ran above 80% of its resources or was OOM-killed)."""
    token = os.environ.get(token_env)
    if not token:
        raise ValidationError(f"the variable {token_env} is not set; export the access token in it", field="--token-env")
    with context() as ctx:
        _script, eff = svc.make_script(ctx, slug=slug, kind=kind, duration_scale=duration_scale, vus=vus)
        total = float(eff.get("duration_s") or 1.0)
        with Progress(TextColumn("[bold]k6[/] {task.description}"), BarColumn(), TextColumn("{task.fields[requests]} requests"),
                      TimeElapsedColumn(), console=err_console, transient=True) as bar:
            task = bar.add_task(f"{kind} test, {eff['vus']} VUs", total=total, requests=0)

            def progress(elapsed: float, requests: int) -> None:
                bar.update(task, completed=min(elapsed, total), requests=requests)

            ev = svc.run(ctx, slug=slug, url=url, token=token, kind=kind, environment=env, duration_scale=duration_scale,
                         vus=vus, k6=k6, progress=progress, prometheus=prometheus, namespace=namespace)
        rep = dict(ev.data)
    _show(rep, as_json)
    if not rep["passed"] or (rep.get("adequacy") or {}).get("adequate") is False:
        raise typer.Exit(int(ExitCode.FAILED))


CONTRACT_KEYS = ("run_id", "passed", "score", "types", "run_ids")


def _show(rep: dict[str, Any], as_json: bool) -> None:
    if as_json:
        out = {k: rep[k] for k in CONTRACT_KEYS}
        out.update({k: rep[k] for k in ("kind", "partial", "duration_s", "thresholds", "reading", "warnings", "instance",
                                        "services", "adequacy", "headroom", "headroom_error", "coverage", "strength") if k in rep})
        print_json(out)
        return
    flag = "[green]passed[/]" if rep["passed"] else "[red]failed[/]"
    console.print(f"run {rep['run_id']} ({rep.get('kind')}): {flag}, score {rep['score']}" + (" [yellow](partial)[/]" if rep.get("partial") else ""))
    if rep.get("instance"):
        console.print(f"instance tested: {rep['instance']['url']}, Sourcegraph {rep['instance']['version'] or 'version unknown'}",
                      highlight=False, markup=False)
    cov = rep.get("coverage")
    if isinstance(cov, dict):
        console.print(f"coverage: {cov['vus']:,} of {cov['required_vus']:,} VUs, hold {cov['hold_s']:g} of {cov['required_hold_s']:g} s: "
                      f"{rep.get('strength')}" + ("" if rep.get("strength") == "full" else " (does not count for exit criterion 5)"),
                      highlight=False)
    table = Table("type", "reqs", "rate/s", "target", "ok", "p50 ms", "p90", "p95", "p95 target", "result")
    for type_, e in rep["types"].items():
        target = e.get("target_rate_per_s")
        p95_target = e.get("p95_target_ms")
        table.add_row(type_, str(e["requests"]), f"{e['rate_per_s']:.3g}", "-" if not target else f"{target:.3g}",
                      f"{e['success_rate']:.1%}", f"{e['ttfb_ms']['p50']:.0f}", f"{e['ttfb_ms']['p90']:.0f}", f"{e['ttfb_ms']['p95']:.0f}",
                      "-" if p95_target is None else f"< {p95_target:,}", "pass" if e["passed"] else "FAIL")
    console.print(table)
    for e in rep["types"].values():
        for th in e["thresholds"] + [t for v in e["variants"].values() for t in v["thresholds"]]:
            if not th["passed"]:
                console.print(f"  [red]FAIL[/] {th['expr']} (observed {th['observed']})", highlight=False)
    for th in rep.get("thresholds", []):
        if not th["passed"]:
            console.print(f"  [red]FAIL[/] {th['expr']} (observed {th['observed']})", highlight=False)
    _show_headroom(rep)
    for r in rep.get("reading", []):
        console.print(f"[bold]{r['level']}:[/] {r['text']}", highlight=False)
    for w in rep.get("warnings", []):
        err_console.print(f"[yellow]warning:[/] {w}", highlight=False)


def _show_headroom(rep: dict[str, Any]) -> None:
    """The server's side beside the latency: per service its peaks against its limit."""
    if rep.get("headroom_error"):
        err_console.print(f"[yellow]warning:[/] {rep['headroom_error']}", highlight=False)
    services = rep.get("services") or {}
    if services:
        table = Table("service", "peak CPU / limit", "peak memory / limit", "throttled", "OOM kills", "80% rule")
        for key, sv in sorted(services.items()):
            ok = all(r is None or r <= 0.8 for r in (sv["cpu_peak_ratio"], sv["memory_peak_ratio"])) and not sv["oom_kills"]
            table.add_row(key, _pct(sv["cpu_peak_ratio"]), _pct(sv["memory_peak_ratio"]), f"{sv['throttled_ratio']:.0%}",
                          str(sv["oom_kills"]), "ok" if ok else "OVER")
        console.print(table)
    adequacy = rep.get("adequacy")
    if adequacy and adequacy.get("adequate") is not None:
        word = "[green]adequate[/]" if adequacy["adequate"] else "[red]not adequate[/]"
        console.print(f"resourcing: {word} (latency within targets: {'yes' if adequacy['latency_within_targets'] else 'no'}; "
                      f"every service under 80% with no OOM kill: {'yes' if adequacy['services_under_80'] else 'no'})")
        for reason in adequacy.get("reasons") or []:
            console.print(f"  {reason}", highlight=False, markup=False)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def html_report(rep: dict[str, Any], png: bytes) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(t)}</td><td>{e['requests']}</td><td>{e['rate_per_s']:.3g}</td><td>{e.get('target_rate_per_s') or '-'}</td>"
        f"<td>{e['success_rate']:.1%}</td><td>{e['ttfb_ms']['p50']:.0f}</td><td>{e['ttfb_ms']['p90']:.0f}</td><td>{e['ttfb_ms']['p95']:.0f}</td>"
        f"<td>{'-' if e.get('p95_target_ms') is None else e['p95_target_ms']}</td>"
        f"<td>{'pass' if e['passed'] else 'FAIL'}</td></tr>" for t, e in rep["types"].items())
    reading = "".join(f"<li><b>{html.escape(r['level'])}</b>: {html.escape(r['text'])}</li>" for r in rep.get("reading", []))
    return (f"<!doctype html><meta charset='utf-8'><title>Load test {html.escape(rep['run_id'])}</title>"
            f"<h1>Load test {html.escape(rep['run_id'])}: {'passed' if rep['passed'] else 'failed'}, score {rep['score']}</h1>"
            f"<p>runs merged: {html.escape(', '.join(rep['run_ids']))}; {rep.get('duration_s')} s{'; partial' if rep.get('partial') else ''}</p>"
            + (f"<p>instance tested: {html.escape(rep['instance']['url'])}, Sourcegraph "
               f"{html.escape(rep['instance']['version'] or 'version unknown')}</p>" if rep.get("instance") else "")
            + "<table border=1 cellpadding=4><tr><th>type</th><th>requests</th><th>rate/s</th><th>target/s</th><th>success</th>"
            f"<th>TTFB p50 ms</th><th>p90</th><th>p95</th><th>p95 target</th><th>result</th></tr>{rows}</table><ul>{reading}</ul>"
            f"<img alt='latency over time and virtual users' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"
            + _html_headroom(rep))


def _html_headroom(rep: dict[str, Any]) -> str:
    services = rep.get("services") or {}
    if not services:
        return ""
    from implhub.loadtest.headroom_chart import render_png as headroom_png

    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{_pct(s['cpu_peak_ratio'])}</td><td>{_pct(s['memory_peak_ratio'])}</td>"
                   f"<td>{s['throttled_ratio']:.0%}</td><td>{s['oom_kills']}</td></tr>" for k, s in sorted(services.items()))
    adequacy = rep.get("adequacy") or {}
    judged = adequacy.get("adequate")
    word = "not judged" if judged is None else "adequate" if judged else "not adequate"
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in adequacy.get("reasons") or [])
    chart = base64.b64encode(headroom_png(rep)).decode()
    return (f"<h2>Resourcing: {word}</h2><ul>{reasons}</ul>"
            "<table border=1 cellpadding=4><tr><th>service</th><th>peak CPU / limit</th><th>peak memory / limit</th>"
            f"<th>throttled</th><th>OOM kills</th></tr>{rows}</table>"
            f"<img alt='latency against the targets beside each service headroom' src='data:image/png;base64,{chart}'>")


@loadtest_app.command("report")
@handle_errors
def report_cmd(
    runs: list[str] = typer.Argument(..., help="Stored run ids or k6 NDJSON files (plain or .gz); several merge into one verdict"),
    kind: str | None = typer.Option(None, "--kind", help="Test kind for files without a stored profile (default load)"),
    thresholds: str | None = typer.Option(None, "--thresholds", help="k6 thresholds (JSON or YAML) instead of the profile's"),
    compare: str | None = typer.Option(None, "--compare", help="Another run (id or file) to compare with"),
    html_out: str | None = typer.Option(None, "--html", help="Write an HTML report with the charts here"),
    png_out: str | None = typer.Option(None, "--png", help="Write the latency and VU chart (PNG) here"),
    prometheus: str | None = typer.Option(None, "--prometheus", help="The instance's Prometheus: each service's headroom in the run's window"),
    namespace: str | None = typer.Option(None, "--namespace", help="Only this Kubernetes namespace (with --prometheus)"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
) -> None:
    """Compute the verdict from the raw points of one or more runs (merged), with charts; exit 1 when it fails."""
    th = _read_structured(thresholds, "thresholds") if thresholds else None
    with context() as ctx:
        rep = svc.report(ctx, runs=runs, kind=kind, thresholds=th, thresholds_source=thresholds or "thresholds")
        if prometheus is not None:
            if len(runs) != 1:
                raise ValidationError("--prometheus reads the window of one stored run; name one run id", field="--prometheus")
            from implhub.app import loadtest_headroom

            loadtest_headroom.add_to_report(rep, svc.find_run(ctx, run_id=runs[0]).data, prometheus, namespace=namespace)
        other = svc.report(ctx, runs=[compare], kind=kind, thresholds=th) if compare else None
    if html_out or png_out:
        from implhub.loadtest.charts import render_png

        png = render_png(rep)
        if png_out:
            Path(png_out).write_bytes(png)
        if html_out:
            Path(html_out).write_text(html_report(rep, png), encoding="utf-8")
    if other is not None:
        from implhub.loadtest.report import compare as compare_reports

        diff = compare_reports(other, rep)
        if as_json:
            print_json({**{k: rep[k] for k in CONTRACT_KEYS}, "comparison": diff})
        else:
            _show(rep, False)
            console.print(f"compared with {diff['old']}: score {diff['score'][0]} -> {diff['score'][1]}")
            for t, d in diff["types"].items():
                if "ttfb_ms_delta" in d:
                    console.print(f"  {t}: p50 {d['ttfb_ms_delta']['p50']:+.0f} ms, p95 {d['ttfb_ms_delta']['p95']:+.0f} ms, success {d['success_rate'][0]:.1%} -> {d['success_rate'][1]:.1%}")
    else:
        _show(rep, as_json)
    if not rep["passed"] or (rep.get("adequacy") or {}).get("adequate") is False:
        raise typer.Exit(int(ExitCode.FAILED))


@loadtest_app.command("runs")
@handle_errors
def runs_cmd(slug: str, env: str | None = typer.Option(None, "--env", help="Only runs on this environment"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """List a project's stored load-test runs, newest first."""
    with context() as ctx:
        project = get_or_raise(ctx, slug=slug)
        rows = [svc.run_dict(ev) for ev in svc.list_runs(ctx, project=project, environment=env)]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['run_id']:<34} {r['kind']:<7} {str(r['environment']):<10} {'pass' if r['passed'] else 'FAIL'} "
                   f"score {r['score']}{' partial' if r['partial'] else ''}{' simulated' if r['simulated'] else ''}")


@loadtest_app.command("k8s")
@handle_errors
def k8s_cmd(
    slug: str,
    parallelism: int = typer.Option(..., "--parallelism", help="Pods the k6 operator spreads the test over"),
    out: str = typer.Option(..., "--out", help="Directory for configmap.yaml and testrun.yaml"),
    kind: str = typer.Option("load", "--kind", help=KIND_HELP),
    namespace: str = typer.Option("default", "--namespace"),
    duration_scale: float = typer.Option(1.0, "--duration-scale", help="Multiply stage durations and think times"),
    vus: int | None = typer.Option(None, "--vus", help="Virtual users instead of the profile's (split across the pods)"),
    image: str | None = typer.Option(None, "--image", help="Runner image from a mirrored registry (default: the operator's grafana/k6)"),
    storage_class: str | None = typer.Option(None, "--storage-class",
                                             help="StorageClass of the points volume; it must offer ReadWriteMany"),
) -> None:
    """Write k6-operator manifests (a TestRun, the ConfigMap with the script and the ReadWriteMany
    PersistentVolumeClaim the pods write their points to) for one test over many pods."""
    from ruamel.yaml import YAML

    from implhub.loadtest.k8s import manifests

    with context() as ctx:
        text, eff = svc.make_script(ctx, slug=slug, kind=kind, duration_scale=duration_scale, vus=vus)
        run_id = svc.new_run_id(ctx, kind)
    docs = manifests(name=f"{slug}-{kind}"[:50].rstrip("-"), script=text, parallelism=parallelism, run_id=run_id, namespace=namespace,
                     image=image, storage_class=storage_class)
    from ruamel.yaml.scalarstring import LiteralScalarString

    docs[0]["data"]["test.js"] = LiteralScalarString(text)
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    yaml = YAML()
    yaml.default_flow_style = False
    written = []
    for doc, name in zip(docs, ("configmap.yaml", "testrun.yaml", "pvc.yaml"), strict=True):
        with open(d / name, "w", encoding="utf-8") as fh:
            yaml.dump(doc, fh)
        written.append(str(d / name))
    typer.echo(json.dumps({"run_id": run_id, "files": written, "vus": eff["vus"], "parallelism": parallelism}))
    err_console.print(f"apply with kubectl apply -f {out}; then merge the pods' points: implhub loadtest report /points/*.ndjson.gz --kind {kind}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(loadtest_app, name="loadtest")
