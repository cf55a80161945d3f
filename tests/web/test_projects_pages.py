"""Portfolio, project page tabs, TDD upload (new project and new revision), activity filters."""

from __future__ import annotations

from tests.web.conftest import make_project, make_user


def _admin(browser, seed):
    make_user(seed, "admin@example.com", "admin")
    b = browser()
    b.login("admin@example.com", "correct horse battery")
    return b


def test_it_creates_a_project_from_an_uploaded_tdd(browser, seed, tdd_text) -> None:
    b = _admin(browser, seed)
    b.get("/projects/new")
    resp = b.post("/projects/new", files={"tdd": ("example.yaml", tdd_text.encode(), "application/yaml")})
    assert resp.status_code == 303 and resp.headers["location"].startswith("/projects/example-corp")
    page = b.get("/projects/example-corp")
    assert page.status_code == 200 and "Example Corp" in page.text
    assert [p["slug"] for p in b.get("/api/projects").json()] == ["example-corp"]


def test_upload_errors_show_next_to_the_field_and_store_nothing(browser, seed, tdd_text) -> None:
    b = _admin(browser, seed)
    b.get("/projects/new")
    wrong_type = b.post("/projects/new", files={"tdd": ("tdd.pdf", b"%PDF-1.4", "application/pdf")})
    assert wrong_type.status_code == 422 and 'id="tdd-error"' in wrong_type.text and "expected a .yaml, .yml or .md" in wrong_type.text
    too_big = b.post("/projects/new", files={"tdd": ("big.yaml", b"a: 1\n" * 300_000, "application/yaml")})
    assert too_big.status_code == 422 and "larger than 1024 KB" in too_big.text
    binary = b.post("/projects/new", files={"tdd": ("x.yaml", b"\x00\x01\x02", "application/yaml")})
    assert binary.status_code == 422 and "binary" in binary.text
    invalid = tdd_text.replace("largest_repo_size_gb: 12", "largest_repo_size_gb: 9000")
    bad = b.post("/projects/new", files={"tdd": ("bad.yaml", invalid.encode(), "application/yaml")})
    assert bad.status_code == 422 and "bad.yaml" in bad.text and "largest_repo_size_gb" in bad.text
    taken = make_project(seed, tdd_text)
    dup = b.post("/projects/new", data={"slug": taken}, files={"tdd": ("t.yaml", tdd_text.encode(), "application/yaml")})
    assert dup.status_code == 422 and 'id="slug-error"' in dup.text and "exists already" in dup.text
    assert [p["slug"] for p in b.get("/api/projects").json()] == [taken]


def test_an_uploaded_revision_shows_its_diff_on_the_design_tab(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    b = _admin(browser, seed)
    b.get(f"/projects/{slug}?tab=design")
    newer = tdd_text.replace("region: us-east-1", "region: eu-west-1")
    resp = b.post(f"/projects/{slug}/design", files={"tdd": ("v2.yaml", newer.encode(), "application/yaml")})
    assert resp.status_code == 303 and "from=1&to=2" in resp.headers["location"]
    page = b.get(resp.headers["location"]).text
    assert "deployment.region" in page and "us-east-1" in page and "eu-west-1" in page
    same = b.post(f"/projects/{slug}/design", files={"tdd": ("v2.yaml", newer.encode(), "application/yaml")})
    assert "unchanged=1" in same.headers["location"]
    bad = b.post(f"/projects/{slug}/design", files={"tdd": ("v3.txt", b"x", "text/plain")})
    assert bad.status_code == 422 and 'id="tdd-error"' in bad.text
    assert [r["number"] for r in b.get(f"/api/projects/{slug}/revisions").json()] == [1, 2]


def test_the_portfolio_filters_and_sorts(browser, seed, tdd_text) -> None:
    make_project(seed, tdd_text, slug="alpha")
    make_project(seed, tdd_text.replace("name: Example Corp", "name: Zeta Corp").replace("cloud: aws", "cloud: gcp"), slug="zeta")
    b = _admin(browser, seed)
    rows = b.get("/api/portfolio", params={"sort": "name"}).json()
    assert [r["slug"] for r in rows] == ["alpha", "zeta"]
    assert [r["slug"] for r in b.get("/api/portfolio", params={"sort": "name", "desc": "true"}).json()] == ["zeta", "alpha"]
    assert [r["slug"] for r in b.get("/api/portfolio", params={"cloud": "gcp"}).json()] == ["zeta"]
    ie = rows[0]["people"][0]
    assert {r["slug"] for r in b.get("/api/portfolio", params={"person": ie["name"].split()[0], "role": ie["role"]}).json()} == {"alpha", "zeta"}
    assert b.get("/api/portfolio", params={"person": "nobody-like-this"}).json() == []
    assert b.get("/api/portfolio", params={"health": "late"}).json() == []
    page = b.get("/", params={"cloud": "gcp"}).text
    assert 'data-slug="zeta"' in page and 'data-slug="alpha"' not in page


def test_the_activity_tab_filters_by_who_and_door(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    b = _admin(browser, seed)
    b.get(f"/projects/{slug}?tab=portal")
    b.post(f"/projects/{slug}/shares", {"expires_days": "5"})
    web_only = b.get(f"/projects/{slug}", params={"tab": "activity", "via": "web"}).text
    assert "share.create" in web_only and "project.create" not in web_only
    by_tester = b.get(f"/projects/{slug}", params={"tab": "activity", "actor": "tester@example.com"}).text
    assert "project.create" in by_tester and "share.create" not in by_tester
    api = b.get(f"/api/projects/{slug}/activity", params={"via": "web"}).json()
    assert [e["action"] for e in api] == ["share.create"] and api[0]["actor"] == "admin@example.com"


def test_every_tab_of_the_project_page_renders(browser, seed, demo_tdd_text) -> None:
    from implhub.web.tabs import ordered

    slug = make_project(seed, demo_tdd_text)
    b = _admin(browser, seed)
    for tab in ordered():
        page = b.get(f"/projects/{slug}", params={"tab": tab.key})
        assert page.status_code == 200, (tab.key, page.text[:500])
        assert f'class="active" data-tab="{tab.key}"' in page.text


def test_every_sort_link_of_the_portfolio_opens(browser, seed, tdd_text) -> None:
    import html
    import re

    make_project(seed, tdd_text, slug="alpha")
    b = _admin(browser, seed)
    links = [html.unescape(h) for h in re.findall(r'href="(\?[^"]*sort=[^"]*)"', b.get("/").text)]
    assert len(links) >= 5
    for link in links:
        resp = b.get("/" + link)
        assert resp.status_code == 200, (link, resp.text[:200])
        assert 'data-slug="alpha"' in resp.text


def test_environments_without_their_own_cloud_show_the_deployments(browser, seed, demo_tdd_text) -> None:
    import re

    slug = make_project(seed, demo_tdd_text)
    b = _admin(browser, seed)
    page = b.get(f"/projects/{slug}?tab=environments").text
    rows = re.findall(r"<tr><td>(\w+)</td>.*?</tr>", page, re.S)
    assert rows == ["dev", "staging", "prod"]
    assert page.count("aws us-west-2 <span class=\"muted\">(deployment)</span>") == 3


def test_the_portfolio_counts_the_risks_still_open_in_the_risk_log(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    b = _admin(browser, seed)
    designed = len(b.get(f"/api/projects/{slug}").json()["design"]["risks"])
    assert designed >= 1
    assert b.get("/api/portfolio").json()[0]["open_risks"] == designed
    b.get(f"/projects/{slug}?tab=logs")
    assert b.post(f"/projects/{slug}/logs/risk", {"title": "Quota request pending"}).status_code == 303
    assert b.get("/api/portfolio").json()[0]["open_risks"] == designed + 1
    logged = b.get(f"/api/projects/{slug}/logs").json()
    first = next(e for e in (logged if isinstance(logged, list) else logged["entries"]) if e["ref"] == "R1")
    b.get(f"/projects/{slug}?tab=logs")
    assert b.post(f"/projects/{slug}/logs/risk/R1", {"status": "closed", "version": str(first["version"])}).status_code == 303
    assert b.get("/api/portfolio").json()[0]["open_risks"] == designed
    assert f'<div class="v">{designed}</div>' in b.get(f"/projects/{slug}").text


def test_the_log_forms_are_labelled_in_plain_english(browser, seed, tdd_text) -> None:
    slug = make_project(seed, tdd_text)
    page = _admin(browser, seed).get(f"/projects/{slug}?tab=logs").text
    for label in ("Add a risk", "Add an issue", "Add a decision", "Add an expansion"):
        assert f"<summary>{label}</summary>" in page
    assert "Add a issue" not in page and "Add a expansion" not in page


def test_an_unknown_page_gets_the_error_page_and_the_api_keeps_json(browser, seed) -> None:
    b = _admin(browser, seed)
    page = b.get("/no-such-page")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "there is no page at /no-such-page" in page.text and "Sign out" in page.text
    api = b.get("/api/no-such-thing")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


def test_the_customer_view_offers_a_calendar_only_once_there_is_a_plan(browser, seed, tdd_text) -> None:
    from implhub.app import plan

    slug = make_project(seed, tdd_text)
    b = _admin(browser, seed)
    before = b.get(f"/projects/{slug}?tab=portal").text
    assert f"/projects/{slug}/calendar.ics" not in before and "No plan yet" in before
    assert b.get(f"/projects/{slug}/calendar.ics").status_code == 404
    seed(lambda ctx: plan.generate(ctx, project=slug))
    after = b.get(f"/projects/{slug}?tab=portal").text
    assert f"/projects/{slug}/calendar.ics" in after and "No plan yet" not in after
    assert b.get(f"/projects/{slug}/calendar.ics").status_code == 200


def test_status_badges_never_break_inside_narrow_table_cells(browser) -> None:
    import re

    css = browser().get("/static/app.css").text
    rule = re.search(r"^\.badge \{([^}]*)\}", css, re.M)
    assert rule and "white-space:nowrap" in rule.group(1).replace(" ", "")
