"""End to end in a real browser (Playwright driving the system chromium; no browser download):
sign in with a one-time password, create a project from a TDD upload, update a task, refuse a
stale edit, share the plan, open the share link as the customer.

Screenshots go to IMPLHUB_SCREENSHOTS when it names a directory (for people to look at)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.net import free_port

CHROMIUM = os.environ.get("IMPLHUB_CHROMIUM", "/usr/bin/chromium")

pytestmark = [pytest.mark.browser, pytest.mark.web, pytest.mark.slow]


def _chromium_or_skip() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip(f"no chromium at {CHROMIUM} (Debian package 'chromium'; .ci/run installs it)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright (Python package) is not installed")
    return CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))


@pytest.fixture
def server(store, env, monkeypatch) -> Iterator[str]:
    import uvicorn

    from implhub.settings import load_settings
    from implhub.web.app import create_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("IMPLHUB_BASE_URL", base)
    app = create_app(load_settings(), store=store)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield base
    srv.should_exit = True
    thread.join(timeout=10)


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    target = os.environ.get("IMPLHUB_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def test_sign_in_create_update_share_and_open_as_the_customer(server, seed, demo_tdd_text, tmp_path) -> None:
    executable = _chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    from implhub.app import accounts

    otp = seed(lambda ctx: accounts.create_user(ctx, email="lead@example.com", role="admin").password)
    tdd = tmp_path / "northwind.yaml"
    tdd.write_text(demo_tdd_text)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        # sign in with the one-time password, then choose a password
        page.goto(server + "/")
        expect(page).to_have_url(server + "/login?next=/")
        _shot(page, tmp_path, "01-login")
        page.fill("input[name=email]", "lead@example.com")
        page.fill("input[name=password]", otp)
        page.click("button[type=submit]")
        expect(page).to_have_url(server + "/account/password")
        page.fill("input[name=current]", otp)
        page.fill("input[name=new]", "a long new password")
        page.fill("input[name=confirm]", "a long new password")
        page.click("main button[type=submit]")
        expect(page.locator("h1")).to_have_text("Implementations")

        # create a project from a TDD upload
        page.click("text=New project")
        page.set_input_files("input[name=tdd]", str(tdd))
        page.click("main button[type=submit]")
        expect(page.locator("h1")).to_contain_text("Northwind Logistics")
        _shot(page, tmp_path, "02-overview")
        slug = page.url.split("/projects/", 1)[1].split("?", 1)[0]

        # the plan: generate it, then update a task inline
        page.goto(f"{server}/projects/{slug}?tab=plan")
        page.click("text=Generate the plan")
        action = page.locator("form.plan-edit").first.get_attribute("action")
        row = f"tr#task-{action.rsplit('/', 1)[1]}"
        stale = browser.new_page()  # a second tab: loads the same task before the first saves
        stale.context.add_cookies(page.context.cookies())
        stale.goto(f"{server}/projects/{slug}?tab=plan")
        page.click(f"{row} details summary")
        page.select_option(f"{row} select[name=status]", "in_progress")
        page.click(f"{row} form.plan-edit button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator(f"{row} select[name=status]")).to_have_value("in_progress")
        _shot(page, tmp_path, "03-plan")
        stale.click(f"{row} details summary")
        stale.select_option(f"{row} select[name=status]", "done")
        stale.click(f"{row} form.plan-edit button[type=submit]")
        expect(stale.locator("body")).to_contain_text("reload and try again")
        stale.close()

        # share the plan from the customer view tab
        page.goto(f"{server}/projects/{slug}?tab=portal")
        page.click("#share-button")
        share_url = page.locator("#share-url").inner_text().strip()
        assert share_url.startswith(server + "/share/")
        _shot(page, tmp_path, "04-share")

        page.goto(server + "/")
        _shot(page, tmp_path, "05-portfolio")

        # open the link as the customer: a fresh browser with no session
        customer = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        customer.goto(share_url)
        expect(customer.locator("h1")).to_contain_text("Northwind Logistics")
        body = customer.locator("main").inner_text()
        assert "Image scanning takes a week per release" in body  # the external risk
        assert "Monorepo indexing exceeds zoekt memory" not in body  # the internal one
        assert "Priya Raman" not in body and "Stakeholders" not in body
        assert customer.locator("nav.tabs a[data-tab=overview]").count() == 0
        ics_url = customer.locator("#ics-url").inner_text().strip()
        assert ics_url == share_url + "/calendar.ics"
        feed = customer.request.get(ics_url)
        assert feed.ok and feed.text().startswith("BEGIN:VCALENDAR") and "Go-live" in feed.text()
        _shot(customer, tmp_path, "06-customer-view")
        browser.close()
