"""When each trust account's next reconciliation is due, and whether it is overdue.

A reconciliation covers a period ending on a period end (a month end, a quarter end, or for the
SRA's five-weekly rule the day 35 days after the last one). Given the period end of the last
signed reconciliation, the next period end of each cadence is the first one after it; its due date
is the cadence's deadline applied to that period end. An account never reconciled starts from the
period holding its first activity (`since`). A signed reconciliation locks the books through its
date, so every earlier period end is settled by it: only later periods can still be due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

from lawledger.core.jurisdictions.model import Pack, Period, month_length, next_month
from lawledger.core.jurisdictions.registry import get_pack

FIVE_WEEKS_DAYS = 35
_QUARTER_END_MONTHS = (3, 6, 9, 12)
_MAX_PERIODS_COUNTED = 1200  # a century of months: more than any firm has missed


class ReconciliationDue(NamedTuple):
    due_date: dt.date
    overdue: bool
    kind: str


@dataclass(frozen=True, slots=True)
class DuePeriod:
    kind: str
    label: str
    source: str
    period_end: dt.date
    due_date: dt.date
    overdue: bool
    periods_overdue: int  # periods (this one and later ones) already past their deadline


def month_end(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, month_length(day.year, day.month))


def is_quarter_end(day: dt.date) -> bool:
    return day.month in _QUARTER_END_MONTHS and day == month_end(day)


def next_period_end(period: Period, after: dt.date) -> dt.date:
    """The first period end strictly after `after`."""
    if period is Period.FIVE_WEEKS:
        return after + dt.timedelta(days=FIVE_WEEKS_DAYS)
    end = month_end(after)
    if end == after:
        year, month = next_month(after.year, after.month)
        end = dt.date(year, month, month_length(year, month))
    if period is Period.QUARTER:
        while end.month not in _QUARTER_END_MONTHS:
            year, month = next_month(end.year, end.month)
            end = dt.date(year, month, month_length(year, month))
    return end


def first_period_end(period: Period, since: dt.date) -> dt.date:
    """The end of the first period for an account whose first activity is on `since`."""
    if period is Period.FIVE_WEEKS:
        return since + dt.timedelta(days=FIVE_WEEKS_DAYS)
    return next_period_end(period, since - dt.timedelta(days=1))


def schedule(jurisdiction: str | Pack, last_signed_period_end: dt.date | None, today: dt.date,
             *, since: dt.date | None = None,
             holidays: Collection[dt.date] = ()) -> tuple[DuePeriod, ...]:
    """Every reconciliation duty of the pack: its next period, due date and how far behind."""
    pack = jurisdiction if isinstance(jurisdiction, Pack) else get_pack(jurisdiction)
    found = []
    for cadence in pack.cadences:
        if last_signed_period_end is not None:
            end = next_period_end(cadence.period, last_signed_period_end)
        else:
            end = first_period_end(cadence.period, since or today)
        due = cadence.deadline.due_on(end, holidays)
        behind, cursor, cursor_due = 0, end, due
        while cursor_due < today and behind < _MAX_PERIODS_COUNTED:
            behind += 1
            cursor = next_period_end(cadence.period, cursor)
            cursor_due = cadence.deadline.due_on(cursor, holidays)
        found.append(DuePeriod(cadence.kind, cadence.label, cadence.source, end, due,
                               today > due, behind))
    return tuple(found)


def next_reconciliation_due(jurisdiction: str | Pack, last_signed_period_end: dt.date | None,
                            today: dt.date, *, since: dt.date | None = None,
                            holidays: Collection[dt.date] = ()) -> ReconciliationDue:
    """(due date, overdue?, kind) of the earliest reconciliation duty still to do.

    On a tie the pack's first-listed cadence wins: packs list their most demanding duty first
    (North Carolina's quarterly three-way before its monthly two-way).
    """
    periods = schedule(jurisdiction, last_signed_period_end, today, since=since,
                       holidays=holidays)
    earliest = min(periods, key=lambda item: item.due_date)
    return ReconciliationDue(earliest.due_date, earliest.overdue, earliest.kind)
