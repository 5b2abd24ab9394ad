"""Until when the firm must keep each trust record, and the report of what becomes purgeable."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from lawledger.core.ledger import EntryKind
from lawledger.firm.services import firm_set, matter_close
from lawledger.jurisdictions.queries import (
    entry_keep_until,
    matter_keep_until,
    may_purge_entry,
    retention_report,
)
from lawledger.ledger.models import JournalEntry
from lawledger.ledger.services import trust_firm_entry_record, trust_refund_record
from tests import factories
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


@pytest.fixture
def books() -> dict[str, str]:
    with time_machine.travel(dt.datetime(2019, 1, 2, 9, tzinfo=dt.UTC), tick=False):
        factories.firm(uncleared_funds="off")
        factories.trust_account()
        closed = factories.matter(factories.client("Closed Ltd"), "Finished sale")
        held = factories.matter(factories.client("Holding Ltd"), "Ongoing lease")
        other = factories.matter(factories.client("Third Ltd"), "Side matter")
    deposit = factories.deposit(closed, "400.00", date="2019-01-10").entry
    trust_refund_record(actor=OPERATOR, matter=closed, amount="400.00", account="IOLTA",
                        date="2019-06-01", payee="Closed Ltd")
    with time_machine.travel(dt.datetime(2019, 6, 30, 9, tzinfo=dt.UTC), tick=False):
        matter_close(actor=OPERATOR, matter=closed)
    factories.deposit(held, "900.00", date="2019-02-01")
    from lawledger.ledger.services import trust_transfer_record

    transfer = trust_transfer_record(actor=OPERATOR, from_matter=held, to_matter=other,
                                     amount="100.00", date="2019-03-01").entry
    trust_firm_entry_record(actor=OPERATOR, kind=EntryKind.FIRM_DEPOSIT, account="IOLTA",
                            amount="50.00", date="2019-02-01")
    trust_firm_entry_record(actor=OPERATOR, kind=EntryKind.BANK_CHARGE, account="IOLTA",
                            amount="15.00", date="2019-02-28")
    return {"closed": closed, "held": held, "other": other, "deposit": deposit.public_id,
            "transfer": transfer.public_id}


def test_under_the_aba_records_are_kept_five_years_after_the_representation(
        books: dict[str, str]) -> None:
    kept = entry_keep_until(books["deposit"])
    assert (kept.date, kept.reason) == (
        D("2024-06-30"), "5 years after the end of the representation (2019-06-30)")
    assert not may_purge_entry(books["deposit"], on=D("2024-06-30"))
    assert may_purge_entry(books["deposit"], on=D("2024-07-01"))
    assert matter_keep_until(books["closed"]).date == D("2024-06-30")
    assert matter_keep_until(books["held"]).reason == "the matter still holds trust money"
    # A transfer belongs to both its matters: the one still holding money keeps it.
    assert entry_keep_until(books["transfer"]).date is None
    charge = JournalEntry.objects.get(kind="bank_charge")
    assert entry_keep_until(charge).date == D("2024-02-28")


def test_the_same_records_under_other_packs(books: dict[str, str]) -> None:
    expected = {"wa": ("2026-01-10", "2026-06-01"), "ca": ("2024-06-01", "2024-06-01"),
                "fl": ("2025-06-30", "2025-06-30"), "nc": ("2025-01-10", "2025-06-01"),
                "ew": ("2025-01-10", "2025-06-01"), "on": ("2029-12-31", "2029-12-31"),
                "nsw": ("2026-06-01", "2026-06-01")}
    for code, (entry_date, matter_date) in expected.items():
        firm_set(actor=OPERATOR, key="jurisdiction", value=code)
        assert (str(entry_keep_until(books["deposit"]).date),
                str(matter_keep_until(books["closed"]).date)) == (entry_date, matter_date), code


@time_machine.travel(dt.datetime(2024, 12, 1, 9, tzinfo=dt.UTC), tick=False)
def test_the_report_says_what_becomes_purgeable_and_when(books: dict[str, str]) -> None:
    report = retention_report(OPERATOR)
    assert report["rule"] == {"years": 5, "runs_from": "end_of_representation",
                              "summary": "5 years after the representation ends",
                              "source": "ABA Model Rule 1.15(a); Model Rules for Client Trust "
                                        "Account Records, rule 1"}
    assert [(row["matter"], row["records"], row["keep_until"], row["purgeable_now"])
            for row in report["matters"]] == [
        (books["closed"], 2, "2024-06-30", True), (books["held"], 2, None, False),
        (books["other"], 1, None, False)]
    assert report["firm_records"] == [{
        "account": "IOLTA", "year": 2019, "records": 2, "keep_until": "2024-02-28",
        "purgeable_now": True, "reason": "5 years after the record's date (2019-02-28)"}]
    assert report["matters"][2]["reason"] == "the matter still holds trust money"
    later = retention_report(OPERATOR, through=D("2024-05-01"))
    assert (later["matters"], len(later["firm_records"])) == ([], 1)
