"""The customer portal's promise: a customer account and a share-link visitor walk EVERY page and
API route of the app (enumerated from app.routes) and never see an internal task, note, person,
risk, sizing, cost or load test; every change they try on the project is refused."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from typing import Any

import pytest

from tests.web.conftest import Browser, make_user

MARKERS = {
    "sizing": "SIZING-MARKER-4711",
    "load test": "LOADTEST-MARKER-4711",
    "cost": "COST-MARKER-4711",
    "internal note": "INTERNAL-NOTE-MARKER-4711",
}
#: values tried for path parameters; unknown parameters get "x"
PARAM_VALUES: dict[str, list[str]] = {
    # png is left out: pixels cannot be searched, and the svg of the same picture is
    "fmt": ["md", "csv", "xlsx", "ics", "svg", "pdf", "html", "json", "docx"],
    "format": ["md", "csv", "xlsx", "pdf", "html", "json"],
    "doc": ["plan", "internal", "handoff", "status"],
    "kind": ["risk", "issue", "decision", "expansion", "size_estimate", "loadtest_run"],
    "environment": ["prod", "dev", "replica"],
    "env": ["prod", "dev", "replica"],
    "share_id": ["1"],
    "token_id": ["1"],
    "number": ["1"],
    "ref": ["1"],
    "id": ["1"],
}


def _seed_internal_items(seed, demo_tdd_text: str) -> dict[str, Any]:
    from implhub.app import evidence, plan, projects

    def fn(ctx):
        project = projects.create(ctx, text=demo_tdd_text, filename="demo-tdd.yaml", slug="northwind").project
        plan.generate(ctx, project=project)
        internal = plan.get_plan(ctx, project=project, view="internal")
        external_titles = {t["title"] for t in internal["tasks"] if t["visibility"] == "external"}
        internal_tasks = [t for t in internal["tasks"] if t["visibility"] == "internal" and t["title"] not in external_titles]
        plan.set_task(ctx, project=project, task_id=internal_tasks[0]["id"], note=MARKERS["internal note"], note_visibility="internal")
        ext = next(t for t in internal["tasks"] if t["visibility"] == "external")
        plan.set_task(ctx, project=project, task_id=ext["id"], note=MARKERS["internal note"] + " on an external task",
                      note_visibility="internal")
        for kind, marker in (("size_estimate", MARKERS["sizing"]), ("node_plan", MARKERS["cost"]), ("loadtest_run", MARKERS["load test"])):
            evidence.add(ctx, project=project, kind=kind, data={"marker": marker, "monthly_cost_usd": 12345.67},
                         source=f"test {marker}", environment="prod", summary=f"{kind} {marker}")
        design = project.design
        people = [s for s in design["stakeholders"] if s["side"] == "internal"]
        risks = [r["title"] for r in design["risks"] if r["visibility"] == "internal"]
        return {"slug": project.slug, "internal_titles": [t["title"] for t in internal_tasks],
                "internal_ids": [t["id"] for t in internal_tasks], "external_id": ext["id"],
                "people": [p["name"] for p in people] + [p["email"] for p in people], "risks": risks}

    return seed(fn)  # type: ignore[no-any-return]


def _texts(resp) -> str:
    """The readable content of a response, whatever its format."""
    ctype = resp.headers.get("content-type", "")
    body = resp.content
    if body[:2] == b"PK":  # xlsx, docx: zipped XML
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    if "pdf" in ctype or body[:5] == b"%PDF-":
        if shutil.which("pdftotext") is None:
            pytest.skip("pdftotext (poppler-utils) is needed to read the PDF responses")
        out = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True)
        return out.stdout.decode("utf-8", "replace")
    if "image/png" in ctype:
        return ""  # pixels: the SVG of the same picture is checked as text
    return body.decode("utf-8", "replace")


def all_routes(routes, prefix: str = ""):
    """(path, methods) of every route, including those of included routers (FastAPI keeps those
    as lazily built branches)."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from all_routes(original.routes, prefix + route.include_context.prefix)
        elif getattr(route, "path", None):
            yield prefix + route.path, set(getattr(route, "methods", None) or {"GET"})


def _urls(app, seeded: dict[str, Any], share_token: str) -> list[tuple[str, str, str]]:
    """(method, template, url) for every route of the app and every tried parameter value."""
    out: list[tuple[str, str, str]] = []
    for path, methods in all_routes(app.routes):
        if path.startswith("/static") or path in ("/docs/oauth2-redirect",):
            continue
        names = re.findall(r"{([^}:]+)(?::[^}]*)?}", path)
        combos = [path]
        for name in names:
            if name == "slug":
                values = [seeded["slug"]]
            elif name == "token":
                values = [share_token]
            elif name == "task_id":
                values = [seeded["internal_ids"][0], seeded["external_id"]]
            elif name == "email":
                values = ["admin@example.com"]
            else:
                values = PARAM_VALUES.get(name, ["x"])
            combos = [re.sub(r"{" + name + r"(?::[^}]*)?}", v, c, count=1) for c in combos for v in values]
        if path == "/projects/{slug}":  # the project page: every tab, including ones the customer may not see
            from implhub.web.tabs import ordered

            combos += [f"{c}?tab={t.key}" for c in combos for t in ordered()]
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            out += [(method, path, c) for c in combos]
    return out


def _walk(b: Browser, app, seeded: dict[str, Any], share_token: str, *, try_changes: bool = True) -> dict[str, Any]:
    forbidden = {**{f"internal task {t!r}": t for t in seeded["internal_titles"]},
                 **{f"internal person {p!r}": p for p in seeded["people"]},
                 **{f"internal risk {r!r}": r for r in seeded["risks"]},
                 **{k: v for k, v in MARKERS.items()}}
    leaks: list[str] = []
    changed: list[str] = []
    seen_ok = 0
    statuses: list[str] = []
    for method, template, url in _urls(app, seeded, share_token):
        if method == "GET":
            resp = b.get(url)
            statuses.append(f"{resp.status_code} {url}")
            if resp.status_code != 200:
                continue
            seen_ok += 1
            text = _texts(resp)
            leaks += [f"GET {url}: {what}" for what, needle in forbidden.items() if needle in text]
        elif try_changes and "{slug}" in template:
            resp = b.post(url) if method == "POST" else b.client.request(method, url, headers={"X-CSRF-Token": b.csrf})
            if resp.status_code < 400:
                changed.append(f"{method} {url} -> {resp.status_code}")
    return {"leaks": leaks, "changed": changed, "ok_pages": seen_ok, "statuses": statuses}


@pytest.fixture
def seeded(seed, demo_tdd_text):
    return _seed_internal_items(seed, demo_tdd_text)


@pytest.fixture
def share_token(seed, seeded) -> str:
    from implhub.app import accounts

    url = seed(lambda ctx: accounts.create_share(ctx, slug=seeded["slug"], expires_days=30).url)
    return str(url).rsplit("/", 1)[-1]


def _client(app) -> Browser:
    from fastapi.testclient import TestClient

    b = Browser(app)
    b.client = TestClient(app, base_url="http://testserver", follow_redirects=False, raise_server_exceptions=False)
    return b


def test_a_customer_account_never_sees_an_internal_item_on_any_route(app, seed, seeded, share_token) -> None:
    make_user(seed, "admin@example.com", "admin")
    make_user(seed, "hannah@northwind.example", "customer", project=seeded["slug"])
    b = _client(app)
    assert b.login("hannah@northwind.example", "correct horse battery").status_code == 303
    # the portal itself shows the external part
    portal = b.get(f"/projects/{seeded['slug']}")
    assert portal.status_code == 200
    assert "Image scanning takes a week per release" in portal.text  # the external risk
    result = _walk(b, app, seeded, share_token)
    assert result["leaks"] == []
    assert result["changed"] == []
    assert result["ok_pages"] >= 5, result["statuses"]


def test_a_share_link_visitor_never_sees_an_internal_item_on_any_route(app, seed, seeded, share_token) -> None:
    b = _client(app)
    opened = b.get(f"/share/{share_token}")
    assert opened.status_code == 303 and opened.headers["location"] == f"/projects/{seeded['slug']}"
    portal = b.get(f"/projects/{seeded['slug']}")
    assert portal.status_code == 200 and "Milestones" in portal.text
    result = _walk(b, app, seeded, share_token)
    assert result["leaks"] == []
    assert result["changed"] == []
    assert result["ok_pages"] >= 5


def test_the_walk_would_catch_a_leak(app, seed, seeded, share_token) -> None:
    """The same walk as an internal user finds the internal items: the check is not blind."""
    make_user(seed, "admin@example.com", "admin")
    b = _client(app)
    b.login("admin@example.com", "correct horse battery")
    result = _walk(b, app, seeded, share_token, try_changes=False)
    found = " ".join(result["leaks"])
    assert "internal person" in found and "internal task" in found and "internal risk" in found
