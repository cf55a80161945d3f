"""In a real browser (Playwright driving the system chromium): a customer signs in to the
portal, confirms a milestone, declines the production design with a comment; the team sees who
and when in the plan, and the confirmation is in the activity log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from implhub.store.models import ActivityEntry
from tests.web import test_browser as _browser

pytestmark = [pytest.mark.browser, pytest.mark.web, pytest.mark.slow]

server = _browser.server  # the web app on a free loopback port, served by uvicorn


def _sign_in(page, base: str, email: str, otp: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", otp)
    page.click("button[type=submit]")
    page.fill("input[name=current]", otp)
    page.fill("input[name=new]", "a long new password")
    page.fill("input[name=confirm]", "a long new password")
    page.click("main button[type=submit]")


def test_a_customer_confirms_a_milestone_in_the_portal(server, seed, store, demo_tdd_text, tmp_path) -> None:
    executable = _browser._chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    from implhub.app import accounts, plan, projects

    def setup(ctx):
        slug = projects.create(ctx, text=demo_tdd_text, filename="demo.yaml").project.slug
        plan.generate(ctx, project=slug, start=dt.date(2026, 11, 2))
        customer = accounts.create_user(ctx, email="luis.ortega@northwind.example", role="customer", project=slug,
                                        name="Luis Ortega").password
        lead = accounts.create_user(ctx, email="lead@example.com", role="admin").password
        return slug, customer, lead

    slug, customer_otp, lead_otp = seed(setup)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        _sign_in(page, server, "luis.ortega@northwind.example", customer_otp)
        page.goto(f"{server}/projects/{slug}?tab=plan")
        row = page.locator("tr#task-kickoff")
        expect(row).to_contain_text("Implementation Project Manager (IPM)")  # the owner by role
        expect(row).to_contain_text("awaiting the customer's confirmation")
        row.locator("button[value=confirmed]").click()
        page.wait_for_load_state()
        expect(page.locator("tr#task-kickoff")).to_contain_text("confirmed by Luis Ortega on")
        design = page.locator("tr#task-design-confirm")
        design.locator("input[name=comment]").fill("Production needs a second region first")
        design.locator("button[value=declined]").click()
        page.wait_for_load_state()
        expect(page.locator("tr#task-design-confirm")).to_contain_text("declined by Luis Ortega on")
        expect(page.locator("tr#task-design-confirm")).to_contain_text("Production needs a second region first")
        _browser._shot(page, tmp_path, "07-customer-confirms")
        assert not [e for e in errors if "Content Security Policy" in e]

        # the team sees who and when in its own view of the plan
        team = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        _sign_in(team, server, "lead@example.com", lead_otp)
        team.goto(f"{server}/projects/{slug}?tab=plan")
        expect(team.locator("tr#task-kickoff")).to_contain_text("confirmed by Luis Ortega")
        assert team.locator("tr#task-kickoff form.plan-confirm").count() == 0  # only the customer answers
        browser.close()

    with store.session() as s:
        entries = list(s.scalars(select(ActivityEntry).where(ActivityEntry.action.in_(["plan.confirm", "plan.decline"]))))
    assert {(e.action, e.entity_id, e.actor) for e in entries} == {
        ("plan.confirm", "kickoff", "luis.ortega@northwind.example"),
        ("plan.decline", "design-confirm", "luis.ortega@northwind.example")}
