"""Working days between two dates for a country (weekends and public holidays)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(country: str, years: tuple[int, ...]) -> frozenset[dt.date]:
    try:
        return frozenset(holidays.country_holidays(country, years=list(years)).keys())
    except NotImplementedError:
        return frozenset()


def is_working_day(day: dt.date, country: str = "US") -> bool:
    return day.weekday() < 5 and day not in _holidays(country, (day.year,))


def working_days_between(start: dt.date, end: dt.date, country: str = "US") -> int:
    """Working days after `start` up to and including `end` (negative when end < start)."""
    if end == start:
        return 0
    sign = 1 if end > start else -1
    lo, hi = (start, end) if sign > 0 else (end, start)
    n = 0
    day = lo + dt.timedelta(days=1)
    while day <= hi:
        if is_working_day(day, country):
            n += 1
        day += dt.timedelta(days=1)
    return sign * n


def add_working_days(start: dt.date, days: int, country: str = "US") -> dt.date:
    day = start
    step = 1 if days >= 0 else -1
    left = abs(days)
    while left:
        day += dt.timedelta(days=step)
        if is_working_day(day, country):
            left -= 1
    return day
