"""Reconciliation due dates for every pack: month ends, quarters, five-week cycles, the 25th of
the next month, 15 working days (weekends skipped, public holidays when given)."""

from __future__ import annotations

import datetime as dt

import pytest

from lawledger.core.errors import InvalidInput
from lawledger.core.jurisdictions import codes, get_pack, next_reconciliation_due
from lawledger.core.jurisdictions.model import Period
from lawledger.core.jurisdictions.schedule import (
    ReconciliationDue,
    is_quarter_end,
    next_period_end,
    schedule,
)

D = dt.date.fromisoformat


@pytest.mark.parametrize(("period", "after", "expected"), [
    (Period.MONTH, "2026-01-31", "2026-02-28"),
    (Period.MONTH, "2028-01-31", "2028-02-29"),
    (Period.MONTH, "2026-03-15", "2026-03-31"),
    (Period.MONTH, "2026-12-31", "2027-01-31"),
    (Period.QUARTER, "2026-01-31", "2026-03-31"),
    (Period.QUARTER, "2026-03-31", "2026-06-30"),
    (Period.QUARTER, "2026-11-30", "2026-12-31"),
    (Period.QUARTER, "2026-12-31", "2027-03-31"),
    (Period.FIVE_WEEKS, "2026-03-31", "2026-05-05"),
    (Period.FIVE_WEEKS, "2026-12-10", "2027-01-14"),
])
def test_the_next_period_end_follows_the_last_one(period: Period, after: str,
                                                  expected: str) -> None:
    assert next_period_end(period, D(after)) == D(expected)


# (pack, last signed period end, today, expected (due date, overdue, kind))
DUE_TABLE = [
    # US states: the month's reconciliation is done before the following month ends.
    ("aba", "2026-01-31", "2026-02-15", ("2026-03-31", False, "monthly_three_way")),
    ("aba", "2026-01-31", "2026-03-31", ("2026-03-31", False, "monthly_three_way")),
    ("aba", "2026-01-31", "2026-04-01", ("2026-03-31", True, "monthly_three_way")),
    ("aba", "2025-11-30", "2025-12-15", ("2026-01-31", False, "monthly_three_way")),
    ("wa", "2028-01-31", "2028-02-01", ("2028-03-31", False, "monthly_three_way")),
    ("ca", "2026-05-31", "2026-07-31", ("2026-07-31", False, "monthly_reconciliation")),
    ("fl", "2026-05-31", "2026-08-01", ("2026-07-31", True, "monthly_three_way")),
    # North Carolina: monthly two-way, and quarterly three-way (which wins a tie).
    ("nc", "2026-01-31", "2026-02-10", ("2026-03-31", False, "monthly_two_way")),
    ("nc", "2026-02-28", "2026-03-10", ("2026-04-30", False, "quarterly_three_way")),
    ("nc", "2026-03-31", "2026-04-10", ("2026-05-31", False, "monthly_two_way")),
    # Ontario: by the 25th of the following month.
    ("on", "2026-02-28", "2026-04-25", ("2026-04-25", False, "monthly_trust_comparison")),
    ("on", "2026-02-28", "2026-04-26", ("2026-04-25", True, "monthly_trust_comparison")),
    ("on", "2025-11-30", "2026-01-02", ("2026-01-25", False, "monthly_trust_comparison")),
    ("on", "2026-01-31", "2026-02-01", ("2026-03-25", False, "monthly_trust_comparison")),
    # SRA: at least every five weeks from the last reconciliation.
    ("ew", "2026-03-31", "2026-05-05", ("2026-05-05", False, "five_weekly_reconciliation")),
    ("ew", "2026-03-31", "2026-05-06", ("2026-05-05", True, "five_weekly_reconciliation")),
    # NSW: within 15 working days of the month end (Saturdays and Sundays do not count).
    ("nsw", "2025-12-31", "2026-02-01", ("2026-02-20", False, "monthly_reconciliation_statements")),
    ("nsw", "2026-01-31", "2026-03-20", ("2026-03-20", False, "monthly_reconciliation_statements")),
    ("nsw", "2026-01-31", "2026-03-21", ("2026-03-20", True, "monthly_reconciliation_statements")),
    ("nsw", "2026-02-28", "2026-04-01", ("2026-04-21", False, "monthly_reconciliation_statements")),
    ("nsw", "2026-04-30", "2026-06-01", ("2026-06-19", False, "monthly_reconciliation_statements")),
]


@pytest.mark.parametrize(("code", "last", "today", "expected"), DUE_TABLE)
def test_the_next_reconciliation_is_due_as_the_pack_says(code: str, last: str, today: str,
                                                         expected: tuple[str, bool, str]) -> None:
    due = next_reconciliation_due(code, D(last), D(today))
    assert due == ReconciliationDue(D(expected[0]), expected[1], expected[2])
    assert (due.due_date, due.overdue, due.kind) == (D(expected[0]), expected[1], expected[2])


def test_nsw_working_days_skip_the_public_holidays_the_firm_names() -> None:
    easter = {D("2026-04-03"), D("2026-04-06")}
    due = next_reconciliation_due("nsw", D("2026-02-28"), D("2026-04-22"), holidays=easter)
    assert due == ReconciliationDue(D("2026-04-23"), False, "monthly_reconciliation_statements")


def test_an_account_never_reconciled_starts_from_its_first_activity() -> None:
    assert next_reconciliation_due("aba", None, D("2026-03-20"), since=D("2026-03-10")) == (
        D("2026-04-30"), False, "monthly_three_way")
    assert next_reconciliation_due("ew", None, D("2026-03-20"), since=D("2026-03-10")) == (
        D("2026-04-14"), False, "five_weekly_reconciliation")
    assert next_reconciliation_due("on", None, D("2026-03-01"), since=D("2026-03-01")) == (
        D("2026-04-25"), False, "monthly_trust_comparison")


def test_it_counts_every_period_already_past_its_deadline() -> None:
    (monthly,) = schedule("aba", D("2025-12-31"), D("2026-05-02"))
    assert (monthly.period_end, monthly.due_date, monthly.periods_overdue) == (
        D("2026-01-31"), D("2026-02-28"), 3)  # January, February and March are all late
    (sra,) = schedule("ew", D("2026-01-01"), D("2026-03-20"))
    assert (sra.due_date, sra.periods_overdue) == (D("2026-02-05"), 2)


def test_north_carolina_lists_its_three_duties() -> None:
    duties = schedule("nc", D("2026-01-31"), D("2026-05-01"))
    assert [(d.kind, d.period_end, d.due_date, d.overdue, d.source) for d in duties] == [
        ("quarterly_three_way", D("2026-03-31"), D("2026-04-30"), True, "rule 1.15-3(d)(1)"),
        ("quarterly_review", D("2026-03-31"), D("2026-04-30"), True, "rule 1.15-3(i)"),
        ("monthly_two_way", D("2026-02-28"), D("2026-03-31"), True, "rule 1.15-3(d)(2)"),
    ]


def test_quarter_ends_are_the_last_days_of_march_june_september_december() -> None:
    assert [is_quarter_end(D(d)) for d in ("2026-03-31", "2026-06-30", "2026-09-30",
                                           "2026-12-31", "2026-03-30", "2026-04-30")] == [
        True, True, True, True, False, False]


def test_every_pack_has_a_due_date_and_an_unknown_code_is_refused() -> None:
    assert codes() == ("aba", "wa", "ca", "fl", "nc", "ew", "on", "nsw")
    for code in codes():
        assert next_reconciliation_due(code, D("2026-01-31"), D("2026-01-31")).due_date > D(
            "2026-01-31")
    with pytest.raises(InvalidInput) as refused:
        get_pack("xx")
    assert refused.value.param == "jurisdiction"
