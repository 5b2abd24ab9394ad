"""The reconciliation arithmetic on hand-built months: one that balances, ones that don't."""

from __future__ import annotations

import datetime as dt

import pytest

from lawledger.core.reconciliation import (
    AgingRules,
    ItemType,
    LedgerBalance,
    OpenBankLine,
    OpenEntry,
    aging_bucket,
    reconcile,
)

D = dt.date(2026, 3, 31)


def _march(statement_balance_minor: int = 1_000_000, ledgers: tuple[LedgerBalance, ...] | None
           = None) -> object:
    entries = [OpenEntry("je_dep", dt.date(2026, 3, 30), 50_000, "deposit", method="check"),
               OpenEntry("je_old", dt.date(2026, 3, 10), 20_000, "deposit"),
               OpenEntry("je_101", dt.date(2026, 3, 25), -70_000, "disbursement", "101"),
               OpenEntry("je_090", dt.date(2025, 9, 1), -50_000, "disbursement", "90")]
    lines = [OpenBankLine("bl_fee", dt.date(2026, 3, 31), -1_500, "fee", "service charge")]
    # 10,000.00 + 700.00 in transit - 1,200.00 outstanding + 15.00 charged only by the bank
    ledgers = ledgers or (LedgerBalance("client", "M-0001", 900_000, dt.date(2026, 3, 30)),
                          LedgerBalance("client", "M-0002", 46_500, dt.date(2026, 3, 25)),
                          LedgerBalance("firm_funds", "firm_funds", 5_000, dt.date(2026, 1, 2)))
    return reconcile(as_of=D, statement_balance_minor=statement_balance_minor,
                     journal_balance_minor=951_500, open_entries=entries, open_bank_lines=lines,
                     ledgers=ledgers, is_trust=True,
                     rules=AgingRules(stale_check_days=180, transit_alert_days=10))


def test_a_month_that_balances_on_all_three_legs() -> None:
    figures = _march()
    assert figures.deposits_in_transit_minor == 70_000
    assert figures.outstanding_checks_minor == 120_000
    assert figures.bank_only_minor == -1_500
    assert figures.adjusted_bank_balance_minor == 951_500
    assert figures.journal_balance_minor == 951_500
    assert figures.client_ledgers_total_minor + figures.firm_ledgers_total_minor == 951_500
    assert figures.balanced and figures.problems() == []
    assert [(i.type, i.ref) for i in figures.items] == [
        (ItemType.DEPOSIT_IN_TRANSIT, "je_old"), (ItemType.DEPOSIT_IN_TRANSIT, "je_dep"),
        (ItemType.OUTSTANDING_CHECK, "je_090"), (ItemType.OUTSTANDING_CHECK, "je_101"),
        (ItemType.BANK_ONLY, "bl_fee")]


def test_a_wrong_statement_balance_does_not_balance_and_says_by_how_much() -> None:
    figures = _march(statement_balance_minor=1_001_000)
    assert not figures.balanced
    assert figures.bank_to_books_difference_minor == 1_000
    assert figures.problems() == ["adjusted_bank_balance_differs_from_journal"]


def test_sub_ledgers_that_do_not_add_up_to_the_journal_do_not_balance() -> None:
    ledgers = (LedgerBalance("client", "M-0001", 900_000), LedgerBalance("client", "M-0002", 46_000),
               LedgerBalance("firm_funds", "firm_funds", 5_000))
    figures = _march(ledgers=ledgers)
    assert figures.ledgers_difference_minor == 500
    assert figures.problems() == ["journal_differs_from_sub_ledgers"]


def test_a_negative_client_ledger_never_balances() -> None:
    ledgers = (LedgerBalance("client", "M-0001", 956_500), LedgerBalance("client", "M-0002", -10_000),
               LedgerBalance("firm_funds", "firm_funds", 5_000))
    figures = _march(ledgers=ledgers)
    assert [n.label for n in figures.negative_ledgers] == ["M-0002"]
    assert figures.problems() == ["negative_ledger"]


def test_outstanding_checks_are_aged_and_stale_ones_flagged() -> None:
    figures = _march()
    by_ref = {i.ref: i for i in figures.items}
    assert (by_ref["je_101"].age_days, by_ref["je_101"].aging_bucket) == (6, "0-30")
    assert (by_ref["je_090"].age_days, by_ref["je_090"].aging_bucket) == (211, "over_180")
    assert by_ref["je_090"].is_stale and not by_ref["je_101"].is_stale
    assert figures.stale_checks_minor == 50_000
    assert figures.check_aging_minor == {"0-30": 70_000, "31-60": 0, "61-90": 0, "91-180": 0,
                                         "over_180": 50_000}


def test_deposits_in_transit_older_than_the_alert_age_are_flagged() -> None:
    figures = _march()
    by_ref = {i.ref: i for i in figures.items}
    assert by_ref["je_old"].is_old and not by_ref["je_dep"].is_old
    assert figures.old_deposits_in_transit_minor == 20_000


@pytest.mark.parametrize(("age", "bucket"), [(0, "0-30"), (30, "0-30"), (31, "31-60"),
                                             (90, "61-90"), (91, "91-180"), (180, "91-180"),
                                             (181, "over_180")])
def test_aging_buckets_have_inclusive_upper_bounds(age: int, bucket: str) -> None:
    assert aging_bucket(age) == bucket


def test_an_item_dated_after_the_reconciliation_date_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        reconcile(as_of=D, statement_balance_minor=0, journal_balance_minor=0,
                  open_entries=[OpenEntry("je_x", dt.date(2026, 4, 1), 1, "deposit")],
                  open_bank_lines=[], ledgers=[], is_trust=True)


def test_an_operating_account_balances_bank_against_books_only() -> None:
    figures = reconcile(as_of=D, statement_balance_minor=10_000, journal_balance_minor=10_000,
                        open_entries=[], open_bank_lines=[],
                        ledgers=[LedgerBalance("fee_income", "fee_income", 123)], is_trust=False)
    assert figures.balanced
