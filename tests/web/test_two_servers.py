"""Two `implhub serve` processes on one store (PostgreSQL or SQLite), as behind a load balancer:
concurrent saves of the same version, concurrent notes, concurrent numbered creations. Real
servers on loopback ports, real HTTP, the test store (PostgreSQL when IMPLHUB_TEST_DATABASE_URL
is set)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx

from implhub.app import accounts, projects
from implhub.app import plan as plan_app
from implhub.app.context import Ctx
from implhub.settings import load_settings
from implhub.store import Store
from tests.plan.conftest import SMALL_TDD
from tests.web.servers import Servers

TASK = "kickoff"


def seeded(store: Store) -> dict[str, Any]:
    """A project with a plan and an admin with an API token (no CSRF for Bearer requests)."""
    with store.session() as session:
        ctx = Ctx(session=session, settings=load_settings(), actor="tester@example.com")
        slug = projects.create(ctx, text=SMALL_TDD, filename="t.yaml").project.slug
        plan_app.generate(ctx, project=slug)
        accounts.create_user(ctx, email="admin@example.com", role="admin").user.must_change_password = False
        token = accounts.create_token(ctx, email="admin@example.com", name="t").secret
        task = plan_app.get_plan(ctx, project=slug)["tasks"][0]["id"]
    return {"slug": slug, "token": token, "task": task}


def race(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls at the same moment, one thread each."""
    barrier = threading.Barrier(len(calls))
    out: list[httpx.Response | BaseException] = [None] * len(calls)  # type: ignore[list-item]

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - reported below
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for r in out:
        if isinstance(r, BaseException):
            raise r
    return out  # type: ignore[return-value]


def _version(client: httpx.Client, url: str, slug: str, task: str) -> int:
    plan = client.get(f"{url}/api/projects/{slug}/plan").json()
    return int(next(t for t in plan["tasks"] if t["id"] == task)["version"])


def test_two_servers_saving_the_same_version_exactly_one_wins_every_round(servers: Servers, store: Store) -> None:
    s = seeded(store)
    a, b = servers.start(2)
    headers = {"Authorization": f"Bearer {s['token']}"}
    with httpx.Client(headers=headers, timeout=60) as ca, httpx.Client(headers=headers, timeout=60) as cb:
        for round_ in range(20):
            version = _version(ca, a, s["slug"], s["task"])
            status = ["in_progress", "blocked"]
            answers = race([
                lambda version=version, round_=round_, status=status: ca.patch(f"{a}/api/projects/{s['slug']}/plan/tasks/{s['task']}",
                                 json={"status": status[round_ % 2], "expected_version": version, "assignee": "from A"}),
                lambda version=version, round_=round_, status=status: cb.patch(f"{b}/api/projects/{s['slug']}/plan/tasks/{s['task']}",
                                 json={"status": status[(round_ + 1) % 2], "expected_version": version, "assignee": "from B"}),
            ])
            codes = sorted(r.status_code for r in answers)
            assert codes == [200, 409], f"round {round_}: {[(r.status_code, r.text[:300]) for r in answers]}"
            winner = next(r for r in answers if r.status_code == 200).json()
            loser = next(r for r in answers if r.status_code == 409).json()
            assert winner["version"] == version + 1
            assert loser["current_version"] == version + 1 and loser["field"] == "expected_version"
            # the stored task is the winner's, whole (no mix of both saves)
            stored = next(t for t in ca.get(f"{a}/api/projects/{s['slug']}/plan").json()["tasks"] if t["id"] == s["task"])
            assert (stored["status"], stored["assignee"], stored["version"]) == (winner["status"], winner["assignee"], version + 1)


def test_concurrent_notes_each_raise_the_version_by_exactly_one(servers: Servers, store: Store) -> None:
    s = seeded(store)
    a, b = servers.start(2)
    headers = {"Authorization": f"Bearer {s['token']}"}
    with httpx.Client(headers=headers, timeout=60) as client:
        before = _version(client, a, s["slug"], s["task"])
        answers = race([
            (lambda i=i: client.patch(f"{(a, b)[i % 2]}/api/projects/{s['slug']}/plan/tasks/{s['task']}", json={"note": f"note {i}"}))
            for i in range(12)
        ])
        assert [r.status_code for r in answers] == [200] * 12, [r.text[:200] for r in answers if r.status_code != 200]
        assert _version(client, a, s["slug"], s["task"]) == before + 12
        notes = next(t for t in client.get(f"{a}/api/projects/{s['slug']}/plan").json()["tasks"] if t["id"] == s["task"])["notes"]
        assert sorted(n["text"] for n in notes) == sorted(f"note {i}" for i in range(12))


def test_concurrent_risk_status_saves_of_one_version_exactly_one_wins(servers: Servers, store: Store) -> None:
    s = seeded(store)
    a, b = servers.start(2)
    headers = {"Authorization": f"Bearer {s['token']}"}
    with httpx.Client(headers=headers, timeout=60) as client:
        ref = client.post(f"{a}/api/projects/{s['slug']}/logs/risk", json={"title": "Slow SSO"}).json()["ref"]
        for round_ in range(10):
            version = next(e for e in client.get(f"{a}/api/projects/{s['slug']}/logs").json() if e["ref"] == ref)["version"]
            answers = race([
                lambda version=version: client.patch(f"{a}/api/projects/{s['slug']}/logs/risk/{ref}?expected_version={version}", json={"status": "mitigated"}),
                lambda version=version: client.patch(f"{b}/api/projects/{s['slug']}/logs/risk/{ref}?expected_version={version}", json={"status": "occurred"}),
            ])
            assert sorted(r.status_code for r in answers) == [200, 409], f"round {round_}: {[r.text[:200] for r in answers]}"
            assert next(r for r in answers if r.status_code == 409).json()["current_version"] == version + 1


def test_concurrent_creations_of_numbered_entries_all_succeed_with_distinct_numbers(servers: Servers, store: Store) -> None:
    s = seeded(store)
    a, b = servers.start(2)
    headers = {"Authorization": f"Bearer {s['token']}"}
    with httpx.Client(headers=headers, timeout=60) as client:
        risks = race([
            (lambda i=i: client.post(f"{(a, b)[i % 2]}/api/projects/{s['slug']}/logs/risk", json={"title": f"risk {i}"}))
            for i in range(8)
        ])
        baselines = race([
            (lambda i=i: client.post(f"{(a, b)[i % 2]}/api/projects/{s['slug']}/plan/baselines", json={"label": f"b{i}"}))
            for i in range(6)
        ])
        assert [r.status_code for r in risks + baselines] == [201] * 14, [r.text[:300] for r in risks + baselines if r.status_code != 201]
        assert sorted(r.json()["number"] for r in risks) == list(range(1, 9))
        assert sorted(r.json()["number"] for r in baselines) == list(range(2, 8))  # baseline 1 was taken at generation


def test_two_servers_saving_the_web_task_form_of_one_version_exactly_one_wins(servers: Servers, store: Store) -> None:
    import re

    s = seeded(store)
    with store.session() as session:
        ctx = Ctx(session=session, settings=load_settings(), actor="tester@example.com")
        user = accounts.get_user_or_raise(ctx, email="admin@example.com")
        user.password_hash = accounts.hash_password("correct horse battery")
    a, b = servers.start(2)
    with httpx.Client(base_url=a, timeout=60) as ca:
        token = re.search(r'name="csrf-token" content="([^"]+)"', ca.get("/login").text)
        assert token
        assert ca.post("/login", data={"email": "admin@example.com", "password": "correct horse battery",
                                       "csrf_token": token.group(1)}).status_code == 303
        # the same browser session (cookies) reaches both servers, as behind a balancer
        with httpx.Client(base_url=b, timeout=60, cookies=ca.cookies) as cb:
            bearer = {"Authorization": f"Bearer {s['token']}"}
            url = f"/projects/{s['slug']}/plan/tasks/{s['task']}"
            with httpx.Client(headers=bearer, timeout=60) as api:
                for round_ in range(10):
                    version = _version(api, a, s["slug"], s["task"])
                    form = {"csrf_token": token.group(1), "expected_version": str(version), "status": "in_progress"}
                    data_a, data_b = {**form, "assignee": f"a{round_}"}, {**form, "assignee": f"b{round_}"}
                    answers = race([lambda d=data_a: ca.post(url, data=d), lambda d=data_b: cb.post(url, data=d)])  # type: ignore[misc]
                    assert sorted(r.status_code for r in answers) == [303, 409], f"round {round_}: {[r.text[:300] for r in answers]}"
