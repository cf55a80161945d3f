"""`implhub user`, `implhub token`, `implhub share`."""

from __future__ import annotations

import json

from implhub.store import open_store


def _project(cli, tmp_path, tdd_text) -> str:
    p = tmp_path / "t.yaml"
    p.write_text(tdd_text)
    return str(cli("project", "create", "--tdd", str(p)).stdout.strip())


def test_user_create_prints_a_one_time_password_stored_only_as_a_hash(cli, db_url) -> None:
    result = cli("user", "create", "Ana@Example.com", "--role", "admin")
    assert result.exit_code == 0, result.output
    password = result.stdout.strip().rsplit(" ", 1)[-1]
    assert len(password) == 16
    from implhub.store.models.accounts import User
    st = open_store(db_url)
    with st.session() as s:
        user = s.query(User).one()
        assert user.email == "ana@example.com" and user.must_change_password
        assert password not in user.password_hash and user.password_hash.startswith("$argon2id$")
    st.dispose()
    listed = json.loads(cli("user", "list", "--json").stdout)
    assert [u["email"] for u in listed] == ["ana@example.com"]
    assert password not in cli("user", "list", "--json").stdout


def test_user_create_rejects_bad_input_and_stores_nothing(cli, tmp_path, tdd_text) -> None:
    bad_role = cli("user", "create", "a@example.com", "--role", "boss")
    assert bad_role.exit_code == 2 and "--role" in bad_role.stderr and "admin, internal, customer" in bad_role.stderr
    no_project = cli("user", "create", "c@example.com", "--role", "customer")
    assert no_project.exit_code == 2 and "--project" in no_project.stderr
    unknown = cli("user", "create", "c@example.com", "--role", "customer", "--project", "nope")
    assert unknown.exit_code == 2 and "no project 'nope'" in unknown.stderr
    assert cli("user", "create", "not-an-email", "--role", "admin").exit_code == 2
    assert json.loads(cli("user", "list", "--json").stdout) == []
    slug = _project(cli, tmp_path, tdd_text)
    ok = cli("user", "create", "c@example.com", "--role", "customer", "--project", slug, "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["projects"] == [slug]
    again = cli("user", "create", "c@example.com", "--role", "customer", "--project", slug)
    assert again.exit_code == 2 and "exists already" in again.stderr


def test_share_create_prints_the_url_from_the_base_url_and_list_never_shows_it(cli, tmp_path, tdd_text, monkeypatch) -> None:
    slug = _project(cli, tmp_path, tdd_text)
    monkeypatch.setenv("IMPLHUB_BASE_URL", "https://hub.example.com/")
    result = cli("share", "create", slug, "--expires-days", "14", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["url"].startswith("https://hub.example.com/share/") and out["ics_url"] == out["url"] + "/calendar.ics"
    plain = cli("share", "create", slug).stdout.strip()
    assert plain.startswith("https://hub.example.com/share/")
    listed = cli("share", "list", slug, "--json").stdout
    assert out["url"].rsplit("/", 1)[-1] not in listed and plain.rsplit("/", 1)[-1] not in listed
    assert [s["state"] for s in json.loads(listed)] == ["active", "active"]
    assert cli("share", "revoke", slug, str(out["id"])).exit_code == 0
    assert [s["state"] for s in json.loads(cli("share", "list", slug, "--json").stdout)] == ["revoked", "active"]
    assert cli("share", "create", slug, "--expires-days", "0").exit_code == 2
    assert cli("share", "revoke", slug, "99").exit_code == 2


def test_token_create_prints_the_token_once(cli) -> None:
    cli("user", "create", "bot@example.com", "--role", "internal")
    token = cli("token", "create", "bot@example.com", "--name", "ci").stdout.strip()
    assert token.startswith("ihp_")
    listed = cli("token", "list", "--json").stdout
    assert token not in listed and json.loads(listed)[0]["name"] == "ci"
    assert cli("token", "revoke", "1").exit_code == 0
    assert json.loads(cli("token", "list", "--json").stdout)[0]["revoked"] is True


def test_every_cli_change_is_in_the_activity_log(cli, tmp_path, tdd_text) -> None:
    slug = _project(cli, tmp_path, tdd_text)
    cli("share", "create", slug)
    from implhub.cli.common import context

    with context() as ctx:
        from implhub.app import activity
        from implhub.app.projects import get_or_raise

        actions = [e.action for e in activity.list_entries(ctx, project=get_or_raise(ctx, slug=slug))]
    assert actions[0] == "share.create"


def test_the_demo_prints_an_admin_password_that_signs_in_and_a_working_share_link(cli, store, env) -> None:
    import re

    from implhub.settings import load_settings
    from implhub.web.app import create_app
    from tests.web.conftest import Browser

    result = cli("demo")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    password = re.search(r"admin@implhub\.example one-time password \(shown once\): (\S+)", flat)
    share = re.search(r"share link, 30 days, shown once\): (\S+)", flat)
    assert password and share, flat[-600:]
    app = create_app(load_settings(), store=store)
    b = Browser(app)
    first = b.login("admin@implhub.example", password.group(1), new_password="my own password")
    assert first.status_code == 303
    assert b.get("/").status_code == 200 and "Northwind Logistics" in b.get("/").text
    visitor = Browser(app)
    opened = visitor.get(share.group(1).removeprefix("http://127.0.0.1:8000"))
    assert opened.headers["location"] == "/projects/northwind-logistics"
    assert "Image scanning takes a week per release" in visitor.get("/projects/northwind-logistics").text
