"""Business days: Monday to Friday, less any holidays the firm names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection


def is_business_day(day: dt.date, holidays: Collection[dt.date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_business_days(start: dt.date, days: int, holidays: Collection[dt.date] = ()) -> dt.date:
    """The date `days` business days after `start` (start itself is day zero)."""
    if days < 0:
        raise ValueError("add_business_days counts forward only")
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_business_day(current, holidays):
            remaining -= 1
    return current


def parse_iso_date(text: str, *, param: str = "date") -> dt.date:
    from lawledger.core.errors import InvalidInput

    try:
        if not isinstance(text, str) or len(text.strip()) != 10:
            raise ValueError
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{param}: {text!r} is not a date; write it as YYYY-MM-DD",
                           param=param) from None
