"""How long a trust record must be kept, under a pack's retention rule.

The period runs from a different event in each jurisdiction (the record's own date, the end of
the representation, the final distribution of the funds, the last transaction on the same ledger,
the end of the record's fiscal year). Whatever the rule, nothing is released while the matter it
belongs to still holds trust money: a ledger with a balance is a live record, and purging part of
it would leave the balance without its history. `keep_until` answers None while the period has
not started; the reason says what must happen first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lawledger.core.jurisdictions.model import Retention, RetentionStart


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What the rule needs to know about one trust record (a journal entry) and its matter."""

    record_date: dt.date
    has_matter: bool = False
    matter_closed_on: dt.date | None = None      # None while the matter is open
    matter_balance_minor: int = 0                # trust money the matter still holds, any account
    matter_last_entry_on: dt.date | None = None  # the last entry on the matter's ledgers


@dataclass(frozen=True, slots=True)
class KeepUntil:
    date: dt.date | None  # the last day the record must be kept; None: not yet known
    reason: str

    def allows_purge_on(self, day: dt.date) -> bool:
        return self.date is not None and day > self.date


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def keep_until(rule: Retention, facts: RecordFacts) -> KeepUntil:
    if facts.has_matter and facts.matter_balance_minor != 0:
        return KeepUntil(None, "the matter still holds trust money")
    start = rule.runs_from
    if start is RetentionStart.END_OF_FISCAL_YEAR:
        end_year = facts.record_date.year + rule.years
        return KeepUntil(dt.date(end_year, 12, 31), f"the end of fiscal year {end_year} "
                         f"({rule.years} years plus the current year)")
    if start is RetentionStart.RECORD_DATE or not facts.has_matter:
        # A record of no matter (a bank charge, interest) runs from its own date.
        return _from(rule, facts.record_date, "the record's date")
    if start is RetentionStart.END_OF_REPRESENTATION:
        if facts.matter_closed_on is None:
            return KeepUntil(None, "the representation has not ended (the matter is open)")
        return _from(rule, facts.matter_closed_on, "the end of the representation")
    last = facts.matter_last_entry_on or facts.record_date
    if start is RetentionStart.FINAL_DISTRIBUTION:
        # The balance is zero (checked above): the last entry is the final distribution.
        return _from(rule, last, "the final distribution of the funds")
    return _from(rule, last, "the last transaction in the record")


def _from(rule: Retention, start: dt.date, what: str) -> KeepUntil:
    return KeepUntil(add_years(start, rule.years),
                     f"{rule.years} years after {what} ({start.isoformat()})")


def matter_keep_until(rule: Retention, record_dates: list[dt.date], *, closed_on: dt.date | None,
                      balance_minor: int) -> KeepUntil:
    """The date until which every trust record of one matter must be kept (the latest of them)."""
    if not record_dates:
        return KeepUntil(None, "the matter has no trust records")
    last = max(record_dates)
    results = [keep_until(rule, RecordFacts(day, True, closed_on, balance_minor, last))
               for day in sorted(set(record_dates))]
    if any(result.date is None for result in results):
        return next(result for result in results if result.date is None)
    return max(results, key=lambda result: result.date or dt.date.min)
