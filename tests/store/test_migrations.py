"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from implhub.store.models import Base


def test_migrations_match_the_models(store) -> None:
    with store.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(mc, Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_a_second_open_is_a_no_op(db_url) -> None:
    from implhub.store import open_store
    from implhub.store.db import table_names

    first = open_store(db_url)
    tables = table_names(first)
    first.dispose()
    second = open_store(db_url)
    assert table_names(second) == tables
    assert {"projects", "design_revisions", "environments", "evidence", "activity_log"} <= set(tables)
    second.dispose()
