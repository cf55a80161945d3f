"""Shared fixtures.

Storage tests run against SQLite by default and against PostgreSQL when
IMPLHUB_TEST_DATABASE_URL names a server (`.ci/run` does both). Each PostgreSQL test gets a fresh
database cloned from a migrated template, so tests never see each other's rows.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from typer.testing import CliRunner

from implhub.app.context import Ctx
from implhub.settings import load_settings
from implhub.store import Store, open_store
from implhub.store.db import normalise_url

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("IMPLHUB_TEST_DATABASE_URL")
FROZEN_NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def shared_reference() -> Path | None:
    """../shared/reference beside the clone, when present (a user's clone does not have it)."""
    env = os.environ.get("IMPLHUB_SHARED_DIR")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared", ROOT.parent.parent / "shared"]:
        if (cand / "reference").is_dir():
            return cand / "reference"
    return None


@pytest.fixture
def shared_ref() -> Path:
    ref = shared_reference()
    if ref is None:
        pytest.skip("../shared/reference is not beside this clone (it exists only on the team's machines)")
    return ref


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        if {"store", "ctx", "db_url", "cli"} & set(names):
            item.add_marker(pytest.mark.db)


_template_db: dict[str, str] = {}


def _pg_admin_url() -> str:
    assert PG_URL
    return normalise_url(PG_URL)


def _pg_template() -> str:
    if "name" not in _template_db:
        name = f"implhub_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        base = _pg_admin_url().rsplit("/", 1)[0]
        st = open_store(f"{base}/{name}")
        st.dispose()
        _template_db["name"] = name
    return _template_db["name"]


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'implhub.db'}"
        return
    template = _pg_template()
    name = f"implhub_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    base = _pg_admin_url().rsplit("/", 1)[0]
    yield f"{base}/{name}"
    drop_database(admin, name)
    admin.dispose()


def drop_database(admin: Engine, name: str) -> None:
    """Drop a test database, ending the sessions a server under test may still hold on it."""
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if PG_URL and "name" in _template_db:
        admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_template_db["name"]}"'))
        admin.dispose()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    st = open_store(db_url)
    yield st
    st.dispose()


@pytest.fixture
def env(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment of a CLI run: its own data dir and store, a fixed actor."""
    values = {"IMPLHUB_DATA_DIR": str(tmp_path / "data"), "IMPLHUB_DATABASE_URL": db_url, "IMPLHUB_USER": "tester@example.com"}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    for k in ("IMPLHUB_BASE_URL", "IMPLHUB_SMTP_HOST", "IMPLHUB_SCALE_THRESHOLDS", "IMPLHUB_PLAN_TEMPLATE"):
        monkeypatch.delenv(k, raising=False)
    return values


@pytest.fixture
def ctx(store: Store, env: dict[str, str]) -> Iterator[Ctx]:
    """A unit of work with a pinned clock (2026-11-30 09:00 UTC). Committed at the end."""
    with store.session() as session:
        yield Ctx(session=session, settings=load_settings(), actor="tester@example.com", clock=lambda: FROZEN_NOW)


class Cli:
    """Runs `implhub` in-process against the test store."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        from implhub.cli import common
        from implhub.cli.main import app

        result = self.runner.invoke(app, ["--db", self.db_url, *args], input=input, catch_exceptions=False)
        common.set_db(None)  # --db is process state: do not let it leak into the next test
        st = common._stores.pop(self.db_url, None)
        if st is not None:
            st.dispose()
        return result


@pytest.fixture
def cli(db_url: str, env: dict[str, str]) -> Iterator[Cli]:
    from implhub.cli import common

    runner = Cli(db_url)
    yield runner
    st = common._stores.pop(db_url, None)
    if st is not None:
        st.dispose()


@pytest.fixture
def tdd_text() -> str:
    from implhub.intake.template import template

    return template("yaml")


@pytest.fixture
def demo_tdd_text() -> str:
    from implhub.app.demo import demo_tdd_text

    return demo_tdd_text()
