"""A store made by an earlier release upgrades to the newest schema with its data intact.

The fixtures were made by `implhub demo` at schema revision 0010 (before the typed evidence
models): `store-0010.sqlite` on a fresh data directory, `store-0010.pg.sql` with
`pg_dump --no-owner --no-privileges --inserts` from the same demo on PostgreSQL. Keep them as they
are: they stand for a team's existing store.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from implhub.store import Store, open_store
from implhub.store.db import normalise_url
from implhub.store.models import Base, Evidence, Project
from tests.conftest import drop_database

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL = os.environ.get("IMPLHUB_TEST_DATABASE_URL")


def _assert_every_table_and_column(store: Store) -> None:
    insp = inspect(store.engine)
    tables = set(insp.get_table_names())
    for table in Base.metadata.sorted_tables:
        assert table.name in tables, f"table {table.name} missing after the upgrade"
        have = {c["name"] for c in insp.get_columns(table.name)}
        want = {c.name for c in table.columns}
        assert want <= have, f"{table.name}: columns {sorted(want - have)} missing after the upgrade"
    with store.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": False})
        assert compare_metadata(mc, Base.metadata) == []
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    from implhub.store.db import _head_revision

    assert head == _head_revision()


def _assert_demo_data_kept(store: Store) -> None:
    with store.session() as session:
        slugs = list(session.scalars(select(Project.slug)))
        kinds = sorted({e.kind for e in session.scalars(select(Evidence))})
    assert slugs == ["northwind-logistics"]
    assert {"size_estimate", "node_plan", "codestats_scan", "instance_snapshot", "loadtest_run",
            "rightsize", "version_check", "replica_corpus"} <= set(kinds)


@pytest.fixture
def old_sqlite(tmp_path: Path) -> str:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "store-0010.sqlite", path)
    return f"sqlite:///{path}"


def test_a_sqlite_store_of_revision_0010_upgrades_to_head(old_sqlite: str) -> None:
    store = open_store(old_sqlite)
    try:
        _assert_every_table_and_column(store)
        _assert_demo_data_kept(store)
    finally:
        store.dispose()


@pytest.fixture
def old_postgres() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("IMPLHUB_TEST_DATABASE_URL names no PostgreSQL server (the PostgreSQL pass sets it)")
    admin_url = normalise_url(PG_URL)
    name = f"implhub_old_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    # pg_dump's plain format: SQL plus psql meta-commands (\restrict ...), which are not SQL
    sql = "\n".join(line for line in (FIXTURES / "store-0010.pg.sql").read_text().splitlines()
                    if not line.startswith("\\"))
    # psycopg directly: without parameters it sends the script as it is (no '%' placeholders)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute(sql.encode())
    yield url
    drop_database(admin, name)
    admin.dispose()


def test_a_postgresql_store_of_revision_0010_upgrades_to_head(old_postgres: str) -> None:
    store = open_store(old_postgres)
    try:
        _assert_every_table_and_column(store)
        _assert_demo_data_kept(store)
    finally:
        store.dispose()
