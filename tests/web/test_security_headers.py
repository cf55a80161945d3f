"""Security headers over HTTP: every page, API answer, static file and /docs carries a strict
Content-Security-Policy, nosniff, no framing and a same-origin referrer; signed-in answers are
never cached; HSTS only behind an https base URL. /docs loads Swagger UI from implhub itself.
The status report page shows hostile markup as text (tests/hostile.py)."""

from __future__ import annotations

import re

import pytest

from tests import hostile
from tests.web.conftest import make_project, make_user


def _directives(csp: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _assert_secure(resp, *, where: str) -> None:
    h = resp.headers
    csp = _directives(h.get("content-security-policy", ""))
    assert csp, f"{where}: no Content-Security-Policy"
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts is not None, f"{where}: neither script-src nor default-src"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, f"{where}: {scripts}"
    assert "'unsafe-inline'" not in csp.get("default-src", [])
    assert csp.get("frame-ancestors") == ["'none'"], where
    assert h.get("x-frame-options") == "DENY", where
    assert h.get("x-content-type-options") == "nosniff", where
    assert h.get("referrer-policy") == "same-origin", where


def test_every_kind_of_answer_carries_the_headers(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    password = make_user(seed, "lead@example.com", "admin")
    anon = browser()
    for url in ("/login", "/static/app.css", "/static/app.js", "/docs", "/openapi.json", "/healthz", "/no-such-page"):
        resp = anon.get(url)
        assert resp.status_code in (200, 404), url
        _assert_secure(resp, where=url)
        assert "strict-transport-security" not in resp.headers  # the base URL is http
        assert resp.headers.get("cache-control") != "no-store", url  # nobody is signed in
    me = browser()
    me.login("lead@example.com", password)
    for url in ("/", f"/projects/{slug}", f"/projects/{slug}?tab=plan", "/api/projects", f"/api/projects/{slug}",
                f"/projects/{slug}/reports/status.html", f"/projects/{slug}/documents/internal.html"):
        resp = me.get(url)
        assert resp.status_code == 200, (url, resp.text[:300])
        _assert_secure(resp, where=url)
        assert resp.headers["cache-control"] == "no-store", url


def test_a_pdf_cannot_be_framed_or_sniffed_or_cached(browser, seed, tdd_text) -> None:
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        pytest.skip(f"WeasyPrint's system libraries are missing: {exc}")
    slug = make_project(seed, tdd_text)
    me = browser()
    me.login("lead@example.com", make_user(seed, "lead@example.com", "admin"))
    resp = me.get(f"/projects/{slug}/reports/status.pdf")
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
    h = resp.headers
    # the PDF viewer needs its object: only framing is refused by the policy
    assert _directives(h["content-security-policy"]) == {"frame-ancestors": ["'none'"]}
    assert (h["x-frame-options"], h["x-content-type-options"], h["cache-control"]) == ("DENY", "nosniff", "no-store")


def test_a_rendered_report_page_allows_only_its_own_style(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    me = browser()
    me.login("lead@example.com", make_user(seed, "lead@example.com", "admin"))
    resp = me.get(f"/projects/{slug}/reports/status.html")
    csp = _directives(resp.headers["content-security-policy"])
    assert csp["default-src"] == ["'none'"] and "script-src" not in csp  # no script at all
    assert csp["img-src"] == ["data:"]  # pictures only from the page itself: nothing fetched
    assert all(s.startswith("'sha256-") for s in csp["style-src"])  # exactly the report's own <style>


def test_the_web_pages_have_no_inline_script_or_style(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    me = browser()
    me.login("lead@example.com", make_user(seed, "lead@example.com", "admin"))
    for tab in ("design", "plan", "sizing", "logs", "documents", "portal", "exit"):
        page = me.get(f"/projects/{slug}?tab={tab}").text
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), tab
        assert not re.search(r"\son[a-z]+\s*=", page), tab
        assert " style=" not in page and "<style" not in page, tab


def test_hsts_behind_an_https_base_url(store, env, monkeypatch) -> None:
    from fastapi.testclient import TestClient

    from implhub.settings import load_settings
    from implhub.web.app import create_app

    monkeypatch.setenv("IMPLHUB_BASE_URL", "https://implhub.example.com")
    client = TestClient(create_app(load_settings(), store=store), base_url="https://implhub.example.com")
    assert client.get("/login").headers["strict-transport-security"].startswith("max-age=")


def test_docs_serve_swagger_ui_from_implhub_itself(browser) -> None:
    anon = browser()
    page = anon.get("/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/") for s in sources), sources  # nothing from another host
    assert "cdn" not in page.lower()
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # the initialisation is a static file
    for src in sources:
        resp = anon.get(src)
        assert resp.status_code == 200, src
        _assert_secure(resp, where=src)
    assert "SwaggerUIBundle" in anon.get("/static/swagger-init.js").text


@pytest.mark.parametrize("who", ["admin", "customer"])
def test_the_status_report_page_shows_hostile_text_as_text(browser, seed, demo_tdd_text, tmp_path, who) -> None:
    h = seed(lambda ctx: hostile.create(ctx, base_tdd=demo_tdd_text, tmp_path=tmp_path, image_port=9))
    if who == "admin":
        password = make_user(seed, "lead@example.com", "admin")
        email = "lead@example.com"
    else:
        password = make_user(seed, "cio@customer.example", "customer", project=h.slug)
        email = "cio@customer.example"
    me = browser()
    me.login(email, password)
    page = me.get(f"/projects/{h.slug}/reports/status.html").text
    for bad in ("<script>", "<img src=x", "<a rel=", 'href="file:', 'href="javascript', "<a href=\"http://phish"):
        assert bad not in page, bad
    assert "&lt;img src=x onerror=alert(" in page and "&lt;script&gt;" in page
    # the project page's tabs (autoescaped templates) too
    project_page = me.get(f"/projects/{h.slug}?tab=logs").text
    assert "<img src=x" not in project_page and "&lt;img src=x onerror=" in project_page
