"""The bulk path (`ledger.bulk`): the same rules and results as the services, a batch at a time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, transaction

from lawledger.audit.models import AuditRecord
from lawledger.audit.verify import verify_chain
from lawledger.core.access import Role
from lawledger.core.errors import (
    ClientLedgerOverdraft,
    CurrencyMismatch,
    DuplicateCheckNumber,
    NotFound,
    PeriodLocked,
    PermissionDenied,
    UnclearedFunds,
)
from lawledger.core.ledger import EntryKind
from lawledger.ledger import bulk
from lawledger.ledger.bulk import BulkEntry, bulk_post
from lawledger.ledger.models import JournalEntry, LedgerAccount, Posting
from lawledger.ledger.queries import client_ledger_report
from tests import factories
from tests.access_matrix import build_matrix
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def firm() -> dict[str, str]:
    made = factories.trust_firm()
    made["other"] = factories.matter()
    return made


def _counts() -> tuple[int, int, int]:
    return JournalEntry.objects.count(), Posting.objects.count(), AuditRecord.objects.count()


def _ledger(matter: str) -> list[tuple[str, str, str, str]]:
    report = client_ledger_report(OPERATOR, matter, "IOLTA")
    return [(e["date"], e["kind"], e["amount"], e["running_balance"]) for e in report["entries"]]


def test_a_batch_gives_the_same_ledger_as_posting_each_entry_through_the_services(
        firm: dict[str, str]) -> None:
    by_service, by_bulk = firm["matter"], firm["other"]
    factories.deposit(by_service, "1000.00", date="2026-03-10")
    factories.disburse(by_service, "250.00", date="2026-03-12", check_number="101")
    factories.deposit(by_service, "40.00", date="2026-03-11")
    factories.disburse(by_service, "700.00", date="2026-03-12")
    result = bulk_post(actor=OPERATOR, account="IOLTA", entries=[
        BulkEntry(EntryKind.DEPOSIT, D(2026, 3, 10), 100000, by_bulk, payor="Client"),
        BulkEntry(EntryKind.DISBURSEMENT, D(2026, 3, 12), 25000, by_bulk, payee="Court clerk",
                  check_number="102"),
        BulkEntry(EntryKind.DEPOSIT, D(2026, 3, 11), 4000, by_bulk, payor="Client"),
        BulkEntry(EntryKind.DISBURSEMENT, D(2026, 3, 12), 70000, by_bulk, payee="Court clerk"),
    ])
    assert result.posted == 4
    assert result.batches == 1
    assert _ledger(by_bulk) == _ledger(by_service) == [
        ("2026-03-10", "deposit", "1000.00", "1000.00"),
        ("2026-03-11", "deposit", "40.00", "1040.00"),
        ("2026-03-12", "disbursement", "-250.00", "790.00"),
        ("2026-03-12", "disbursement", "-700.00", "90.00"),
    ]
    def after(matter: str) -> list[int]:
        return list(Posting.objects.filter(ledger_account__matter__number=matter)
                    .order_by("entry_id").values_list("balance_after_minor", flat=True))

    # The balance after each posting follows recording order, as `post` stores it.
    assert after(by_bulk) == after(by_service) == [100000, 75000, 79000, 9000]
    client = LedgerAccount.objects.get(matter__number=by_bulk)
    assert (client.balance_minor, client.version, client.last_entry_date) == (9000, 4, D(2026, 3, 12))
    entry = JournalEntry.objects.get(check_number="102")
    assert (entry.payee, entry.method, entry.purpose) == ("Court clerk", "check", None)


def test_it_refuses_an_overdraft_naming_the_entry_and_writes_nothing_of_the_batch(
        firm: dict[str, str]) -> None:
    factories.deposit(firm["matter"], "100.00")
    before = _counts()
    with pytest.raises(ClientLedgerOverdraft, match=r"^entry 2: client ledger M-\d+ would go"):
        bulk_post(actor=OPERATOR, account="IOLTA", entries=[
            BulkEntry(EntryKind.DEPOSIT, D(2026, 3, 11), 5000, firm["matter"], payor="Client"),
            BulkEntry(EntryKind.DISBURSEMENT, D(2026, 3, 12), 15001, firm["matter"], payee="X"),
        ])
    assert _counts() == before
    assert factories.balance(firm["matter"]) == "100.00"


def test_it_refuses_a_backdated_payment_that_overdraws_a_later_point_of_the_stored_timeline(
        firm: dict[str, str]) -> None:
    factories.deposit(firm["matter"], "100.00", date="2026-03-10")
    factories.disburse(firm["matter"], "80.00", date="2026-03-20")
    with pytest.raises(ClientLedgerOverdraft, match="on 2026-03-20"):
        bulk_post(actor=OPERATOR, account="IOLTA", entries=[
            BulkEntry(EntryKind.DISBURSEMENT, D(2026, 3, 15), 5000, firm["matter"], payee="X")])
    bulk_post(actor=OPERATOR, account="IOLTA", entries=[
        BulkEntry(EntryKind.DISBURSEMENT, D(2026, 3, 15), 2000, firm["matter"], payee="X")])
    assert factories.balance(firm["matter"]) == "0.00"


def test_it_checks_a_backdated_entry_against_the_entries_before_it_in_the_same_batch(
        firm: dict[str, str]) -> None:
    entries = [
        BulkEntry(EntryKind.DEPOSIT, D(2026, 3, 10), 10000, firm["matter"], payor="Client"),
        BulkEntry(EntryKind.DISBURSEMENT, D(2026, 3, 20), 8000, firm["matter"], payee="X"),
        BulkEntry(EntryKind.DISBURSEMENT, D(2026, 3, 15), 5000, firm["matter"], payee="X"),
    ]
    with pytest.raises(ClientLedgerOverdraft, match=r"^entry 3: .* on 2026-03-20: it holds 20.00"):
        bulk_post(actor=OPERATOR, account="IOLTA", entries=entries)
    assert JournalEntry.objects.count() == 0


def test_earlier_batches_stay_posted_when_a_later_batch_is_refused(firm: dict[str, str]) -> None:
    entries = [BulkEntry(EntryKind.DEPOSIT, D(2026, 3, 10), 1000, firm["matter"], payor="C"),
               BulkEntry(EntryKind.DEPOSIT, D(2026, 3, 11), 1000, firm["matter"], payor="C"),
               BulkEntry(EntryKind.DEPOSIT, D(2026, 3, 12), 1000, firm["matter"], payor="C"),
               BulkEntry(EntryKind.DISBURSEMENT, D(2026, 3, 13), 9999, firm["matter"], payee="X")]
    with pytest.raises(ClientLedgerOverdraft) as caught:
        bulk_post(actor=OPERATOR, account="IOLTA", entries=entries, batch_size=2)
    assert caught.value.message.endswith("(2 entries in 1 earlier batches were posted)")
    assert caught.value.message.startswith("entry 4: ")
    assert factories.balance(firm["matter"]) == "20.00"


def test_it_writes_one_audit_record_per_batch_and_the_chain_verifies(firm: dict[str, str]) -> None:
    entries = [BulkEntry(EntryKind.DEPOSIT, D(2026, 3, day), 1000, firm["matter"], payor="C")
               for day in range(1, 6)]
    before = AuditRecord.objects.count()
    result = bulk_post(actor=OPERATOR, account="IOLTA", entries=entries, batch_size=2)
    assert (result.posted, result.batches) == (5, 3)
    records = list(AuditRecord.objects.filter(event="trust.bulk_posted").order_by("seq"))
    assert AuditRecord.objects.count() - before == 3
    assert [r.details["entries"] for r in records] == [2, 2, 1]
    assert records[0].details["kinds"] == {"deposit": 2}
    assert records[-1].details["last"] == result.last_entry
    assert verify_chain().ok


def test_it_refuses_entries_dated_inside_a_signed_off_period(firm: dict[str, str]) -> None:
    from lawledger.ledger.accounts import get_bank_account
    from lawledger.ledger.services import period_lock_record

    factories.deposit(firm["matter"], "100.00", date="2026-03-10")
    with transaction.atomic():
        period_lock_record(actor=OPERATOR, account=get_bank_account("IOLTA"),
                           through_date=D(2026, 3, 31))
    with pytest.raises(PeriodLocked, match="locked through 2026-03-31"):
        bulk_post(actor=OPERATOR, account="IOLTA", entries=[
            BulkEntry(EntryKind.DEPOSIT, D(2026, 4, 1), 1000, firm["matter"], payor="C"),
            BulkEntry(EntryKind.DEPOSIT, D(2026, 3, 31), 1000, firm["matter"], payor="C")])
    assert factories.balance(firm["matter"]) == "100.00"


def test_the_database_refuses_what_the_bulk_path_would_let_through(
        firm: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from lawledger.ledger.accounts import get_bank_account
    from lawledger.ledger.services import period_lock_record

    with transaction.atomic():
        period_lock_record(actor=OPERATOR, account=get_bank_account("IOLTA"),
                           through_date=D(2026, 3, 31))
    monkeypatch.setattr(bulk._Batch, "_period_locks", lambda self: {})  # the rule switched off
    with pytest.raises(DatabaseError, match="period_locked"):
        bulk_post(actor=OPERATOR, account="IOLTA", entries=[
            BulkEntry(EntryKind.DEPOSIT, D(2026, 3, 1), 1000, firm["matter"], payor="C")])
    assert JournalEntry.objects.count() == 0


def test_it_refuses_a_check_number_used_before_or_twice_in_the_batch(firm: dict[str, str]) -> None:
    factories.deposit(firm["matter"], "100.00")
    factories.disburse(firm["matter"], "1.00", check_number="500")
    for numbers in (["500"], ["501", "501"]):
        with pytest.raises(DuplicateCheckNumber):
            bulk_post(actor=OPERATOR, account="IOLTA", entries=[
                BulkEntry(EntryKind.DISBURSEMENT, D(2026, 3, 21), 100, firm["matter"], payee="X",
                          check_number=number) for number in numbers])
    assert factories.balance(firm["matter"]) == "99.00"


def test_it_refuses_a_deposit_to_a_closed_matter(firm: dict[str, str]) -> None:
    from lawledger.firm.services import matter_close

    matter_close(actor=OPERATOR, matter=firm["other"])
    with pytest.raises(Exception, match="is closed") as caught:
        bulk_post(actor=OPERATOR, account="IOLTA", entries=[
            BulkEntry(EntryKind.DEPOSIT, D(2026, 3, 1), 1000, firm["other"], payor="C")])
    assert caught.value.code == "matter_closed"  # type: ignore[attr-defined]


def test_the_uncleared_funds_policy_holds_or_warns_as_for_the_services(
        firm: dict[str, str]) -> None:
    from lawledger.firm.services import firm_set

    entries = [BulkEntry(EntryKind.DEPOSIT, D(2026, 3, 10), 10000, firm["matter"], payor="C"),
               BulkEntry(EntryKind.DISBURSEMENT, D(2026, 3, 11), 5000, firm["matter"], payee="X")]
    firm_set(actor=OPERATOR, key="uncleared_funds", value="hold")
    with pytest.raises(UnclearedFunds, match=r"^entry 2: "):
        bulk_post(actor=OPERATOR, account="IOLTA", entries=entries)
    firm_set(actor=OPERATOR, key="uncleared_funds", value="warn")
    result = bulk_post(actor=OPERATOR, account="IOLTA", entries=entries)
    assert result.warnings == [
        f"entry 2: uncleared_funds: {firm['matter']}: 100.00 USD of the balance rests on deposits "
        "not yet cleared; cleared funds available on 2026-03-11 are 0.00"]


def test_an_earned_fee_needs_an_operating_account_in_the_same_currency(
        firm: dict[str, str]) -> None:
    factories.operating_account("Euro operating", currency="EUR")
    factories.deposit(firm["matter"], "100.00")
    with pytest.raises(CurrencyMismatch):
        bulk_post(actor=OPERATOR, account="IOLTA", operating_account="Euro operating", entries=[
            BulkEntry(EntryKind.EARNED_FEE, D(2026, 3, 21), 100, firm["matter"])])
    factories.operating_account()
    bulk_post(actor=OPERATOR, account="IOLTA", operating_account="Operating", entries=[
        BulkEntry(EntryKind.EARNED_FEE, D(2026, 3, 21), 100, firm["matter"], invoice_ref="INV-1")])
    assert factories.balance(firm["matter"]) == "99.00"


def test_only_roles_that_may_record_trust_money_bulk_post_and_walls_hide_matters() -> None:
    matrix = build_matrix()
    factories.trust_account()
    deposit = [BulkEntry(EntryKind.DEPOSIT, D(2026, 3, 1), 1000, matrix.matter, payor="C")]
    allowed = {"admin", "bookkeeper"}
    for who, principal in matrix.principals.items():
        if principal is None:
            continue
        before = _counts()[:2]
        if who in allowed:
            assert bulk_post(actor=principal, account="IOLTA", entries=deposit).posted == 1
            continue
        expected = NotFound if who == "admin_walled" else PermissionDenied
        with pytest.raises(expected):
            bulk_post(actor=principal, account="IOLTA", entries=deposit)
        assert _counts()[:2] == before, who
    assert matrix.principals["bookkeeper"] is not None
    assert matrix.principals["admin"].role is Role.ADMIN  # type: ignore[union-attr]
