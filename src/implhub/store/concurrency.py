"""Concurrency done by the database, for every door and every server on one store.

- `advance_version`: optimistic locking of a versioned row (`UPDATE ... SET version = version + 1
  WHERE id = :id AND version = :expected`, checking the row count). The loser of two concurrent
  saves of the same version gets `VersionConflict` (HTTP 409) carrying the stored version. Call it
  *before* changing the row's other columns: from then on the row is locked by this unit of work
  until it commits, so the rest of the change cannot interleave with another save.
- `next_number`: the next number of a numbered entry (R3, baseline 4, design revision 7) from a
  per-scope counter row advanced with one atomic UPDATE, so concurrent creations never collide.

Both work on SQLite (writers are serialised by the database lock; the driver opens the write
transaction at the first UPDATE, so the condition is evaluated on the newest committed row) and on
PostgreSQL (the UPDATE waits for the other transaction's row lock and re-checks its condition on
the committed row).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from implhub.errors import VersionConflict
from implhub.store.models.concurrency import NumberCounter


class Versioned(Protocol):
    id: Any
    version: Any


def advance_version(session: Session, row: Versioned, *, expected: int | None, what: str,
                    check: bool = True, who: Callable[[Any], str] | None = None) -> int:
    """Move `row` to its next version in the store, atomically, and return the new version.

    `expected`: the version the caller loaded (a form, a script's `expected_version`); when None,
    the version this unit of work read is used, so a read-modify-write never overwrites a save
    that happened in between. `check=False` for changes that cannot overwrite anything (an
    appended note): the version still grows by exactly one per change, however many run at once.
    `who(fresh_row_mapping)` words the conflict's author for the message."""
    model = type(row)
    table: Any = model
    loaded = int(row.version)
    condition = expected if expected is not None else loaded
    stmt = update(table).where(table.id == row.id)
    if check:
        if expected is not None and expected != loaded:
            # already stale when loaded: no need to touch the row
            _raise(session, table, row, condition, what, who)
        stmt = stmt.where(table.version == condition)
    stmt = stmt.values(version=table.version + 1).returning(table.version).execution_options(synchronize_session=False)
    new = session.execute(stmt).scalar_one_or_none()
    if new is None:
        _raise(session, table, row, condition, what, who)
    set_committed_value(row, "version", int(new))
    return int(new)


def _raise(session: Session, table: Any, row: Versioned, condition: int, what: str,
           who: Callable[[Any], str] | None) -> NoReturn:
    fresh = session.execute(select(table.__table__).where(table.id == row.id)).mappings().one_or_none()
    current = int(fresh["version"]) if fresh is not None else None
    by = f" by {who(fresh)}" if who is not None and fresh is not None else ""
    raise VersionConflict(f"{what} was changed{by} since you loaded it (now version {current}, you loaded version {condition}); "
                          "reload and try again", current_version=current)


def next_number(session: Session, *, scope: str, current_max: Callable[[], int | None]) -> int:
    """The next number in `scope`, unique even when several servers create entries at once.

    The counter row is created on first use (seeded with the entries already stored) and then
    advanced by one atomic UPDATE; the row stays locked until this unit of work commits, so the
    entry is stored before anyone else gets a number. Entries stored without the counter (older
    data) are respected: the number is never below their maximum + 1."""
    _ensure_counter(session, scope)
    stmt = (update(NumberCounter).where(NumberCounter.scope == scope).values(value=NumberCounter.value + 1)
            .returning(NumberCounter.value).execution_options(synchronize_session=False))
    number = int(session.execute(stmt).scalar_one())
    floor = int(current_max() or 0) + 1
    if number < floor:
        number = floor
        session.execute(update(NumberCounter).where(NumberCounter.scope == scope).values(value=number)
                        .execution_options(synchronize_session=False))
    return number


def _ensure_counter(session: Session, scope: str) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(NumberCounter).values(scope=scope, value=0).on_conflict_do_nothing(index_elements=["scope"]))
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(NumberCounter).values(scope=scope, value=0).on_conflict_do_nothing(index_elements=["scope"]))
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported stores
        if session.get(NumberCounter, scope) is None:
            session.execute(insert(NumberCounter).values(scope=scope, value=0))
