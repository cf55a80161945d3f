"""In a real chromium (Playwright, the system's chromium): an admin opens every page that shows a
project whose customer name and risks hold script payloads (tests/hostile.py). A dialog would
mean a script ran; a request to another host would mean a page fetched the network; a console
"Refused to ..." would mean the page breaks its own Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest

from tests import hostile
from tests.web.conftest import make_user
from tests.web.test_browser import _chromium_or_skip, server  # noqa: F401 - the live-server fixture

pytestmark = [pytest.mark.browser, pytest.mark.web, pytest.mark.slow]


def test_no_script_runs_when_an_admin_opens_the_hostile_pages(server, seed, demo_tdd_text, tmp_path) -> None:  # noqa: F811
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    from implhub.app import accounts

    with hostile.image_server() as (port, fetched):
        h = seed(lambda ctx: hostile.create(ctx, base_tdd=demo_tdd_text, tmp_path=tmp_path, image_port=port))
        password = make_user(seed, "lead@example.com", "admin")
        users_before = seed(lambda ctx: sorted(u.email for u in accounts.list_users(ctx)))
        dialogs: list[str] = []
        foreign: list[str] = []
        refused: list[str] = []

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
            page = browser.new_page()

            def on_dialog(dialog: Any) -> None:
                dialogs.append(f"{page.url}: {dialog.message}")
                dialog.dismiss()

            page.on("dialog", on_dialog)
            page.on("request", lambda r: None if r.url.startswith((server, "data:")) else foreign.append(r.url))
            page.on("console", lambda m: refused.append(f"{page.url}: {m.text}") if "Refused to" in m.text else None)
            page.goto(server + "/login")
            page.fill("input[name=email]", "lead@example.com")
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_load_state()

            pages = [f"/projects/{h.slug}/reports/status.html", f"/projects/{h.slug}/reports/status.html?audience=internal",
                     f"/projects/{h.slug}/documents/internal.html", f"/projects/{h.slug}/documents/plan.html",
                     f"/projects/{h.slug}/documents/handoff.html", "/"]
            pages += [f"/projects/{h.slug}?tab={tab}" for tab in ("overview", "design", "plan", "logs", "documents", "portal")]
            for url in pages:
                resp = page.goto(server + url)
                assert resp is not None and resp.status == 200, url
                page.wait_for_load_state("load")
            # the status report shows the risk as the text that was typed
            page.goto(f"{server}/projects/{h.slug}/reports/status.html")
            assert "<img src=x onerror=alert('onerror')>" in page.inner_text("body")

            # /docs: Swagger UI starts from implhub's own files under the same policy
            page.goto(server + "/docs")
            page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
            browser.close()

        assert dialogs == [], f"a script ran: {dialogs}"
        assert foreign == [], f"pages fetched other hosts: {foreign}"
        assert fetched == [], f"the image server was asked for {fetched}"
        assert refused == [], f"a page broke its Content-Security-Policy: {refused}"
        assert seed(lambda ctx: sorted(u.email for u in accounts.list_users(ctx))) == users_before
