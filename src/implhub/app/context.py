from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from implhub.settings import Settings


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Ctx:
    """What an application function needs from its door: a session (one unit of work), who is
    acting and through which door, the settings, and the clock (passed in so tests pin time)."""

    session: Session
    settings: Settings
    actor: str
    via: str = "cli"  # cli | web | api | system
    clock: Callable[[], dt.datetime] = field(default=_utcnow)

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.clock().date()
