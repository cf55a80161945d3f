"""Sign-in throttling counted in the store, so the limit holds across processes and servers.

Each attempt is counted *before* its password is checked, by one atomic UPDATE per key that
returns the new count: of forty concurrent guesses against a limit of five, exactly five are
checked. Counting runs in its own short transaction (committed at once) so a failed sign-in is
remembered even though its request fails, and the counter row is not held locked while the
password hash is computed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, case, update
from sqlalchemy.orm import Session

from implhub.store.models.concurrency import ThrottleCounter


def _ensure(conn: object, key: str, now: dt.datetime) -> None:
    from sqlalchemy import Connection

    assert isinstance(conn, Connection)
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    conn.execute(insert(ThrottleCounter).values(key=key, window_start=now, count=0).on_conflict_do_nothing(index_elements=["key"]))


def count_attempt(engine: Engine, keys: list[str], *, now: dt.datetime, window: dt.timedelta) -> dict[str, int]:
    """Count one attempt against each key; returns key -> attempts in the current window,
    this one included. A window starts at the first attempt after the previous one ended."""
    since = now - window
    out: dict[str, int] = {}
    with engine.begin() as conn:
        for key in sorted(keys):  # one order everywhere: two keys never deadlock
            _ensure(conn, key, now)
            stale = ThrottleCounter.window_start < since
            stmt = (update(ThrottleCounter).where(ThrottleCounter.key == key)
                    .values(count=case((stale, 1), else_=ThrottleCounter.count + 1),
                            window_start=case((stale, now), else_=ThrottleCounter.window_start))
                    .returning(ThrottleCounter.count))
            out[key] = int(conn.execute(stmt).scalar_one())
    return out


def forgive(session: Session, *, reset: list[str], decrement: list[str]) -> None:
    """After a successful sign-in, in the sign-in's own unit of work (it stands or falls with
    it): the account's failures are forgotten (`reset`), and the address gets back the attempt
    it was charged (`decrement`)."""
    for key in sorted(reset):
        session.execute(update(ThrottleCounter).where(ThrottleCounter.key == key).values(count=0)
                        .execution_options(synchronize_session=False))
    for key in sorted(decrement):
        session.execute(update(ThrottleCounter).where(ThrottleCounter.key == key)
                        .values(count=case((ThrottleCounter.count > 0, ThrottleCounter.count - 1), else_=0))
                        .execution_options(synchronize_session=False))
