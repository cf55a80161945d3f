"""Opening the store: engine, sessions, migrations."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from implhub.errors import ImplhubError

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// as people paste them; use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


@dataclass
class Store:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed at the end of the command or request, rolled back on any
        error, so a failed command leaves the store as it was."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def migrate(self) -> None:
        """Upgrade to the newest schema; a store already there costs one query."""
        with self.engine.begin() as conn:
            if _current_revision(conn) == _head_revision():
                return
            cfg = alembic_config(self.url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def dispose(self) -> None:
        self.engine.dispose()


@functools.lru_cache(maxsize=1)
def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _current_revision(conn: Connection) -> str | None:
    from alembic.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def open_store(url: str, *, migrate: bool = True) -> Store:
    try:
        engine = make_engine(url)
        if migrate:
            store = Store(url, engine, sessionmaker(engine, expire_on_commit=False))
            store.migrate()
            return store
    except ImplhubError:
        raise
    except Exception as exc:  # a URL or server the user gave us that we cannot use
        if isinstance(exc, (ModuleNotFoundError,)) or "connect" in str(exc).lower() or "could not" in str(exc).lower() or "unable to open" in str(exc).lower():
            raise ImplhubError(
                f"cannot open the store at {_redact(url)}: {str(exc).splitlines()[0]}",
                field="IMPLHUB_DATABASE_URL / --db",
            ) from None
        raise
    return Store(url, engine, sessionmaker(engine, expire_on_commit=False))


def _redact(url: str) -> str:
    import re

    return re.sub(r"://([^:/@]+):[^@]+@", r"://\1:***@", url)


def table_names(store: Store) -> list[str]:
    return sorted(inspect(store.engine).get_table_names())
