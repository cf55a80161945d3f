"""The web form and the API refuse a second project for a customer with an active one, naming
it, unless asked for a second one on purpose."""

from __future__ import annotations

import pytest

from tests.web.conftest import make_project, make_user

pytestmark = pytest.mark.web


def test_the_form_and_the_api_name_the_existing_project(browser, seed, tdd_text) -> None:
    first = make_project(seed, tdd_text)
    make_user(seed, "admin@example.com", "admin")
    b = browser()
    b.login("admin@example.com", "correct horse battery")
    b.get("/projects/new")
    again = b.post("/projects/new", files={"tdd": ("t.yaml", tdd_text.encode(), "application/yaml")})
    assert again.status_code == 409 and first in again.text and 'id="tdd-error"' in again.text
    api = b.client.post("/api/projects", content=tdd_text, headers={"Content-Type": "text/plain", "X-CSRF-Token": b.csrf})
    assert api.status_code == 409 and first in api.json()["error"]
    assert [p["slug"] for p in b.get("/api/projects").json()] == [first]
    on_purpose = b.post("/projects/new", data={"new": "true"}, files={"tdd": ("t.yaml", tdd_text.encode(), "application/yaml")})
    assert on_purpose.status_code == 303, on_purpose.text
    assert len(b.get("/api/projects").json()) == 2
