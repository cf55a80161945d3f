"""The JSON keys of every API answer, recorded once, are kept: answers may grow, never rename.

The calls run against a copy of the revision-0010 demo store (tests/store/fixtures), upgraded to
head, so the answers are the ones a team's existing data gives. `api_keys.json` was recorded from
the code before the answers were declared as models; re-record only to ADD routes:
`IMPLHUB_RECORD_API_KEYS=1 pytest tests/web/test_api_snapshot.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from implhub.app.context import Ctx
from implhub.intake.template import template
from implhub.settings import load_settings
from implhub.store import open_store

FIXTURE = Path(__file__).parents[1] / "store" / "fixtures" / "store-0010.sqlite"
SNAPSHOT = Path(__file__).parent / "api_keys.json"
NOW = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)
SLUG = "northwind-logistics"
TDD = template("yaml").replace("name: Example Corp", "name: Snapshot Corp")

#: (label, method, url, json body or text body) in the order they run; later calls may use
#: values of earlier answers through {name} placeholders filled from `found`
CALLS: list[tuple[str, str, str, Any]] = [
    ("me", "GET", "/api/me", None),
    ("projects", "GET", "/api/projects", None),
    ("portfolio", "GET", "/api/portfolio", None),
    ("project", "GET", f"/api/projects/{SLUG}", None),
    ("portal", "GET", f"/api/projects/{SLUG}/portal", None),
    ("revisions", "GET", f"/api/projects/{SLUG}/revisions", None),
    ("activity", "GET", f"/api/projects/{SLUG}/activity", None),
    ("plan", "GET", f"/api/projects/{SLUG}/plan", None),
    ("plan external", "GET", f"/api/projects/{SLUG}/plan?view=external", None),
    ("baselines", "GET", f"/api/projects/{SLUG}/plan/baselines", None),
    ("sizing", "GET", f"/api/projects/{SLUG}/sizing", None),
    ("sizing prod", "GET", f"/api/projects/{SLUG}/sizing/prod", None),
    ("sizing what-if", "POST", "/api/sizing/estimate", {"users": 500, "repositories": 2000,
                                                        "total_repo_size_gb": 300, "largest_repo_size_gb": 20}),
    ("codestats", "GET", f"/api/projects/{SLUG}/codestats", None),
    ("codestats summary", "GET", f"/api/projects/{SLUG}/codestats/summary", None),
    ("replica", "GET", f"/api/projects/{SLUG}/replica", None),
    ("loadtest profile", "GET", f"/api/projects/{SLUG}/loadtest/profile", None),
    ("loadtest runs", "GET", f"/api/projects/{SLUG}/loadtest/runs", None),
    ("loadtest run", "GET", f"/api/projects/{SLUG}/loadtest/runs/load-demo-20261129", None),
    ("rightsize", "GET", f"/api/projects/{SLUG}/rightsize", None),
    ("rightsize prod", "GET", f"/api/projects/{SLUG}/rightsize/prod", None),
    ("version prod", "GET", f"/api/projects/{SLUG}/version/prod", None),
    ("exit criteria", "GET", f"/api/projects/{SLUG}/exit-criteria", None),
    ("logs", "GET", f"/api/projects/{SLUG}/logs", None),
    ("status report", "GET", f"/api/projects/{SLUG}/reports/status", None),
    ("status report internal", "GET", f"/api/projects/{SLUG}/reports/status?audience=internal", None),
    ("reminders", "GET", f"/api/projects/{SLUG}/reminders", None),
    ("portfolio report", "GET", "/api/reports/portfolio", None),
    ("tokens", "GET", "/api/tokens", None),
    ("shares", "GET", f"/api/projects/{SLUG}/shares", None),
    ("users", "GET", "/api/users", None),
    # changes, after every read
    ("sizing estimate", "POST", f"/api/projects/{SLUG}/sizing/prod/estimate", None),
    ("replica plan", "POST", f"/api/projects/{SLUG}/replica", None),
    ("loadtest profile put", "PUT", f"/api/projects/{SLUG}/loadtest/profile?kind=load", "{profile}"),
    ("exit sign", "POST", f"/api/projects/{SLUG}/exit-criteria/6/sign",
     {"by": "elena.sousa@sourcegraph.example", "evidence_url": "https://example.com/e"}),
    ("exit waive", "POST", f"/api/projects/{SLUG}/exit-criteria/9/waive",
     {"by": "elena.sousa@sourcegraph.example", "reason": "not needed for this customer"}),
    ("log add", "POST", f"/api/projects/{SLUG}/logs/risk",
     {"title": "Snapshot risk", "description": "d", "owner": "Priya Raman", "visibility": "external",
      "probability": "low", "impact": "low"}),
    ("log update", "PATCH", f"/api/projects/{SLUG}/logs/risk/{{log}}", {"status": "closed"}),
    ("plan task", "PATCH", f"/api/projects/{SLUG}/plan/tasks/{{task}}", {"status": "in_progress"}),
    ("baseline", "POST", f"/api/projects/{SLUG}/plan/baselines", {"label": "snapshot"}),
    # the shipped template has changed since this store was made (the image scan gates every
    # install): regenerating an entered plan then needs force
    ("plan generate", "POST", f"/api/projects/{SLUG}/plan/generate", {"force": True}),
    ("token create", "POST", "/api/tokens", {"name": "snapshot"}),
    ("share create", "POST", f"/api/projects/{SLUG}/shares", {}),
    ("share revoke", "POST", f"/api/projects/{SLUG}/shares/{{share}}/revoke", None),
    ("token revoke", "DELETE", "/api/tokens/{token}", None),
    ("user create", "POST", "/api/users", {"email": "new@northwind.example", "role": "customer",
                                           "project": SLUG}),
    ("project create", "POST", "/api/projects", TDD),
    ("design update", "PUT", "/api/projects/snapshot-corp/design", TDD.replace("- name: prod", "- name: production")),
    ("plan task add", "POST", f"/api/projects/{SLUG}/plan/tasks",
     {"id": "snapshot-check", "title": "Snapshot check", "duration": 1, "owner_role": "IE"}),
    ("plan task remove", "DELETE", f"/api/projects/{SLUG}/plan/tasks/snapshot-check", None),
    ("team load", "GET", "/api/team/load", None),
    ("project archive", "POST", "/api/projects/snapshot-corp/archive", {"reason": "a duplicate"}),
    ("project reopen", "POST", "/api/projects/snapshot-corp/reopen", {"reason": "archived by mistake"}),
]


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value: `a.b`, `a[].c` (list items merged)."""
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            out.add(path)
            out |= key_paths(v, path)
    elif isinstance(value, list):
        for item in value:
            out |= key_paths(item, f"{prefix}[]")
    return out


@pytest.fixture
def client(tmp_path: Path, env: dict[str, str]) -> Iterator[TestClient]:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    store = open_store(f"sqlite:///{path}")
    from implhub.app import accounts
    from implhub.web.app import create_app

    with store.session() as session:
        ctx = Ctx(session=session, settings=load_settings(), actor="admin@implhub.example", clock=lambda: NOW)
        admin = accounts.get_user_or_raise(ctx, email="admin@implhub.example")
        admin.must_change_password = False
        raw = accounts.create_token(ctx, email="admin@implhub.example", name="snapshot").secret
    app = create_app(load_settings(), store=store, clock=lambda: NOW)
    with TestClient(app, base_url="http://testserver") as c:
        c.headers["Authorization"] = f"Bearer {raw}"
        yield c
    store.dispose()


def answers(client: TestClient) -> dict[str, Any]:
    found: dict[str, Any] = {}
    out: dict[str, Any] = {}
    for label, method, url, body in CALLS:
        url = url.format(**found)
        kw: dict[str, Any] = {}
        if isinstance(body, str) and body == "{profile}":
            kw["json"] = found["profile"]
        elif isinstance(body, str):
            kw["content"] = body
            kw["headers"] = {"Content-Type": "text/plain"}
        elif body is not None:
            kw["json"] = body
        resp = client.request(method, url, **kw)
        assert resp.status_code < 300, f"{label}: {method} {url} -> {resp.status_code} {resp.text[:300]}"
        data = resp.json()
        out[label] = data
        if label == "loadtest profile":
            found["profile"] = data.get("profile", data)
        if label == "plan":
            found["task"] = next(t["id"] for t in data["tasks"] if t.get("status") == "not_started")
        if label == "log add":
            found["log"] = data["ref"]
        if label == "token create":
            found["token"] = data["id"]
        if label == "share create":
            found["share"] = data["id"]
    return out


def empty_lists(value: Any, prefix: str = "") -> set[str]:
    """Key paths of the lists that are empty in this answer (their items' keys cannot be seen)."""
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            out |= empty_lists(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, list):
        if not value:
            out.add(prefix)
        for item in value:
            out |= empty_lists(item, f"{prefix}[]")
    return out


#: keys taken out of an answer on purpose, with why (a security fix is not a renamed key)
REMOVED_ON_PURPOSE = {
    ("status report", "decisions[].decided_by"): "an internal person's e-mail: the customer's report no longer carries it",
}


def test_every_recorded_key_of_every_api_answer_is_still_there(client: TestClient) -> None:
    data = answers(client)
    got = {label: sorted(key_paths(d)) for label, d in data.items()}
    if os.environ.get("IMPLHUB_RECORD_API_KEYS"):
        SNAPSHOT.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    recorded: dict[str, list[str]] = json.loads(SNAPSHOT.read_text())
    assert set(recorded) <= set(got)
    for label, keys in recorded.items():
        # an empty list in this answer (nothing finished this week) hides its items' keys; that
        # is the data, not the shape
        empty = empty_lists(data[label])
        missing = sorted(k for k in set(keys) - set(got[label])
                         if (label, k) not in REMOVED_ON_PURPOSE and not any(k.startswith(f"{e}[]") for e in empty))
        assert not missing, f"{label}: keys gone from the answer: {missing}"


def _api_operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path template, operation) of every /api route, from /openapi.json."""
    doc = client.get("/openapi.json").json()
    return [(method.upper(), path, op) for path, ops in doc["paths"].items() if path.startswith("/api/")
            for method, op in ops.items()]


BINARY = {"/api/projects/{slug}/documents/{doc}", "/api/projects/{slug}/plan/export",
          "/api/projects/{slug}/sizing/{environment}/export.{fmt}"}


def test_every_json_api_route_is_in_the_snapshot(client: TestClient) -> None:
    """A new route is added to CALLS (and recorded), so its keys are kept from then on."""
    called = {(m, u.split("?")[0]) for _, m, u, _ in CALLS}

    def covered(method: str, path: str) -> bool:
        rx = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        return any(m == method and rx.match(u) for m, u in called)

    operations = _api_operations(client)
    assert len(operations) > 40
    missing = [(m, p) for m, p, _ in operations if p not in BINARY and not covered(m, p)]
    assert not missing, f"routes without a recorded answer: {missing}"


def test_openapi_describes_every_json_answer(client: TestClient) -> None:
    """Each JSON route declares its answer as a model: /openapi.json names it, not a bare object."""
    bare = []
    for method, path, op in _api_operations(client):
        if path in BINARY:
            continue
        ok = next(v for k, v in op["responses"].items() if k.startswith("2"))
        schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
        if not ref:
            bare.append(f"{method} {path}")
    assert not bare, f"answers without a declared model: {bare}"
