"""Bounds on what a person or a script may enter, shared by every door.

A date far from today (year 357) makes every calendar walk of the plan take minutes; an id
beyond the database's integer range makes the driver fail; a control character in a name breaks
the calendar feed and the documents. Each check names the field and says what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from urllib.parse import urlparse

from implhub.errors import NotFound, ValidationError

#: dates a plan, an actual, a blackout day or a due date may take: this many years around today
DATE_YEARS = 10
#: the range of the stores' INTEGER columns (PostgreSQL int4; SQLite accepts more but must agree)
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1
#: C0 controls, DEL and C1 controls; tab and line breaks are allowed in free text
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def date_window(today: dt.date, years: int = DATE_YEARS) -> tuple[dt.date, dt.date]:
    def shift(y: int) -> dt.date:
        try:
            return today.replace(year=today.year + y)
        except ValueError:  # 29 February
            return today.replace(year=today.year + y, day=28)

    return shift(-years), shift(years)


def check_date(day: dt.date, *, today: dt.date, field: str, years: int = DATE_YEARS) -> dt.date:
    """Refuse a date more than `years` years before or after today."""
    low, high = date_window(today, years)
    if not low <= day <= high:
        raise ValidationError(f"{day.isoformat()} is too far from today (not within {years} years of it); expected a date from {low.isoformat()} to {high.isoformat()}",
                              field=field)
    return day


def check_dates(days: Iterable[dt.date], *, today: dt.date, field: str) -> None:
    for day in days:
        check_date(day, today=today, field=field)


def in_db_range(value: int) -> bool:
    return DB_INT_MIN <= value <= DB_INT_MAX


def db_id(value: int, *, what: str, field: str | None = None) -> int:
    """An id or number used to look a row up: outside the database's range nothing can have it,
    so it is simply not found (404), never a driver error (500)."""
    if not in_db_range(value):
        raise NotFound(f"no {what} {value}", field=field)
    return value


def check_text(value: str, *, field: str, single_line: bool = False) -> str:
    """Refuse NUL and other control characters (and line breaks in one-line fields)."""
    m = CONTROL_CHARS.search(value)
    if m:
        raise ValidationError(f"contains the control character {m.group(0)!r} at position {m.start() + 1}; "
                              "remove it (only tabs and line breaks are allowed in text)", field=field)
    if single_line:
        m = _LINE_BREAK.search(value)
        if m:
            raise ValidationError(f"contains a line break at position {m.start() + 1}; expected a single line", field=field)
    return value


def check_http_url(value: str, *, field: str) -> str:
    """Only http(s) links with a host: a javascript: or data: link in a document is a script."""
    u = urlparse(value.strip())
    if u.scheme.lower() not in ("http", "https") or not u.netloc:
        raise ValidationError(f"expected an http:// or https:// link, got {value!r}", field=field)
    return value
