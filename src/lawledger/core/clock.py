"""The one clock seam. `recorded_at` times come from `now()`; tests move it with time-machine."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in UTC; firms' local dates are computed by the interface that knows the zone."""
    return now().date()
