"""Tables that make concurrent doors safe: counters that number entries without a race, and
the sign-in throttle's counters (shared by every process and server on one store)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from implhub.store.models.base import Base, utcnow


class NumberCounter(Base):
    """The last number handed out in one scope (risks of a project, its baselines, ...). The row is
    advanced with one atomic UPDATE, so two concurrent creations never get the same number."""

    __tablename__ = "number_counters"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class ThrottleCounter(Base):
    """Failed (or in-flight) sign-ins of one key (`email:...` or `ip:...`) in the current window.
    Counted before the password is checked, in one atomic UPDATE, so concurrent guesses cannot
    get past the limit."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(default=utcnow)
    count: Mapped[int] = mapped_column(default=0)
