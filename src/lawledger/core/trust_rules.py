"""The trust rules that protect a client's money, as pure functions.

I3 on the effective-date timeline: entries are ordered by (effective date, recording order); a new
entry dated D is recorded now, so it lands after every entry dated D or earlier and before every
entry dated after D. Its change applies to the balance at the end of D and to every later point,
so it is allowed only if the lowest of those points plus the change stays at or above zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from lawledger.core.calendar import add_business_days


def lowest_balance_from(balance_at_end_of_date: int, later_deltas: Iterable[int]) -> int:
    """The lowest running balance from the end of date D onwards, given the later changes in order."""
    running = balance_at_end_of_date
    lowest = running
    for delta in later_deltas:
        running += delta
        lowest = min(lowest, running)
    return lowest


def timeline_allows(balance_at_end_of_date: int, later_deltas: Iterable[int], delta: int) -> bool:
    """May a change of `delta` dated D be recorded without any point of the timeline going negative?"""
    if delta >= 0:
        return True
    return lowest_balance_from(balance_at_end_of_date, later_deltas) + delta >= 0


@dataclass(frozen=True, slots=True)
class DepositFacts:
    effective_date: dt.date
    amount_minor: int
    cleared_on: dt.date | None  # the bank statement date that showed it, if any
    reversed_on: dt.date | None = None


def is_cleared(deposit: DepositFacts, as_of: dt.date, clearing_business_days: int,
               holidays: Collection[dt.date] = ()) -> bool:
    """Cleared for use on `as_of`: the bank showed it by then, or enough business days passed."""
    if deposit.cleared_on is not None and deposit.cleared_on <= as_of:
        return True
    return as_of >= add_business_days(deposit.effective_date, clearing_business_days, holidays)


def uncleared_total(deposits: Iterable[DepositFacts], as_of: dt.date, clearing_business_days: int,
                    holidays: Collection[dt.date] = ()) -> int:
    """The part of a ledger's balance on `as_of` that rests on deposits not yet cleared."""
    total = 0
    for deposit in deposits:
        if deposit.effective_date > as_of:
            continue
        if deposit.reversed_on is not None and deposit.reversed_on <= as_of:
            continue
        if not is_cleared(deposit, as_of, clearing_business_days, holidays):
            total += deposit.amount_minor
    return total
