"""Working days of one project: weekends, the public holidays of the customer's country (and
region) from the `holidays` library, and the project's own blackout dates."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

from implhub.errors import ValidationError


@lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str | None, year: int) -> frozenset[dt.date]:
    import holidays

    try:
        found = holidays.country_holidays(country, subdiv=subdivision, years=[year])
    except NotImplementedError:
        raise ValidationError(f"the holidays library does not know country {country!r}", field="customer.country") from None
    except Exception:  # an unknown subdivision: fall back to the national holidays
        found = holidays.country_holidays(country, years=[year])
    return frozenset(found.keys())


class WorkCalendar:
    """Maps working-day indexes (0 = the first working day on or after `start`) to dates."""

    def __init__(self, *, start: dt.date, country: str = "US", subdivision: str | None = None,
                 blackout: Iterable[dt.date] = ()) -> None:
        self.origin = start
        self.country = country
        self.subdivision = subdivision
        self.blackout = frozenset(blackout)
        self._days: list[dt.date] = []
        self._cursor = start
        self._extend(260)

    def is_working(self, day: dt.date) -> bool:
        return (day.weekday() < 5 and day not in self.blackout
                and day not in _holidays(self.country, self.subdivision, day.year))

    def _extend(self, count: int) -> None:
        day = self._cursor
        target = len(self._days) + count
        while len(self._days) < target:
            if self.is_working(day):
                self._days.append(day)
            day += dt.timedelta(days=1)
        self._cursor = day

    def day(self, index: int) -> dt.date:
        """The date of working day `index` (indexes before 0 count back from the start)."""
        if index < 0:
            day, n = self.origin, 0
            while n > index:
                day -= dt.timedelta(days=1)
                if self.is_working(day):
                    n -= 1
            return day
        if index >= len(self._days):
            self._extend(index - len(self._days) + 260)
        return self._days[index]

    def _ensure(self, date: dt.date) -> None:
        while self._cursor <= date:
            self._extend(260)

    def index_on_or_after(self, date: dt.date) -> int:
        """The first working day on or after `date`."""
        if date < self.origin:
            return -self._count_back(date)
        self._ensure(date)
        return bisect.bisect_left(self._days, date)

    def index_on_or_before(self, date: dt.date) -> int:
        """The last working day on or before `date`."""
        if date < self.origin:
            return -self._count_back(date) - (0 if self.is_working(date) else 1)
        self._ensure(date)
        return bisect.bisect_right(self._days, date) - 1

    def _count_back(self, date: dt.date) -> int:
        """Working days in [date, origin)."""
        n, day = 0, date
        while day < self.origin:
            if self.is_working(day):
                n += 1
            day += dt.timedelta(days=1)
        return n

    def working_days_between(self, first: dt.date, last: dt.date) -> int:
        """Working days in [first, last], both inclusive."""
        if last < first:
            return 0
        return self.index_on_or_before(last) - self.index_on_or_after(first) + 1
