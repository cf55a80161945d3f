"""The store: SQLAlchemy 2 models, Alembic migrations, sessions. SQLite (WAL) by default,
PostgreSQL for a team."""

from implhub.store.db import Store, open_store

__all__ = ["Store", "open_store"]
