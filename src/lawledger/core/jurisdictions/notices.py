"""When a client notice is due: notice of receipt, annual accounting, trust account statement.

- Receipt (California rule 1.15(d)(1)): within 14 days of receiving the funds.
- Annual accounting (Washington RPC 1.15A(e)): at least once a year to each person for whom funds
  are held; the next one is due a year after the start of the period the last one did not cover.
- Trust account statement (Uniform General Rules rule 52(4)(c)): as soon as practicable after
  30 June each year, unless rule 52(5) excuses it (a zero balance at 30 June and no transaction in
  the previous twelve months, or no transaction since a statement given within them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lawledger.core.jurisdictions.model import NoticeRule
from lawledger.core.jurisdictions.retention import add_years


@dataclass(frozen=True, slots=True)
class StatementYear:
    period_start: dt.date
    period_end: dt.date
    due_on: dt.date


def receipt_due(rule: NoticeRule, received_on: dt.date) -> dt.date:
    return received_on + dt.timedelta(days=rule.within_days)


def annual_accounting_start(last_period_end: dt.date | None, first_held_on: dt.date) -> dt.date:
    """The first day the next annual accounting must cover."""
    if last_period_end is None or last_period_end < first_held_on:
        return first_held_on
    return last_period_end + dt.timedelta(days=1)


def annual_accounting_due(period_start: dt.date) -> dt.date:
    """At least annually: no later than a year after the uncovered period began."""
    return add_years(period_start, 1)


def last_statement_year(rule: NoticeRule, today: dt.date) -> StatementYear:
    """The most recent year to 30 June that has ended by `today`, and when its statement is due."""
    end_year = today.year if today > dt.date(today.year, 6, 30) else today.year - 1
    end = dt.date(end_year, 6, 30)
    return StatementYear(dt.date(end_year - 1, 7, 1), end,
                         end + dt.timedelta(days=rule.within_days))


def statement_required(*, balance_at_period_end_minor: int, last_transaction_on: dt.date | None,
                       last_statement_on: dt.date | None, period_end: dt.date) -> bool:
    """Rule 52(4)(c) with the two exceptions of rule 52(5)."""
    if balance_at_period_end_minor != 0:
        return True
    year_before = add_years(period_end, -1)
    if last_transaction_on is None or last_transaction_on <= year_before:
        return False  # 52(5)(a): nothing happened in the previous twelve months
    if last_statement_on is not None and year_before < last_statement_on <= period_end:
        return last_transaction_on > last_statement_on  # 52(5)(b)
    return True
