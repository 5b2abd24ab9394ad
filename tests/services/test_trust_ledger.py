"""The trust ledger's commands: each rule refuses with its code and leaves nothing behind."""

from __future__ import annotations

import pytest

from lawledger.core.access import Role
from lawledger.core.errors import (
    AlreadyReversed,
    ClientLedgerOverdraft,
    CurrencyMismatch,
    DuplicateCheckNumber,
    FirmLedgerOverdraft,
    IdempotencyKeyReused,
    InvalidInput,
    MatterNotClosable,
    NotFound,
    PeriodLocked,
    PermissionDenied,
    UnclearedFunds,
)
from lawledger.core.ledger import EntryKind
from lawledger.ledger import services
from lawledger.ledger.models import JournalEntry, LedgerAccount, Posting
from tests import factories
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int]:
    return JournalEntry.objects.count(), Posting.objects.count()


@pytest.fixture
def firm() -> dict[str, str]:
    return factories.trust_firm()


def test_it_records_a_deposit_and_shows_it_on_the_client_ledger(firm: dict[str, str]) -> None:
    result = factories.deposit(firm["matter"], "1,250.00", payor="Acme Corp", method="wire")
    assert result.entry.kind == "deposit"
    assert result.entry.amount_minor == 125000
    assert factories.balance(firm["matter"]) == "1250.00"


def test_it_refuses_a_disbursement_larger_than_the_client_ledger(firm: dict[str, str]) -> None:
    factories.deposit(firm["matter"], "100.00")
    before = _counts()
    with pytest.raises(ClientLedgerOverdraft) as caught:
        factories.disburse(firm["matter"], "100.01")
    assert caught.value.code == "client_ledger_overdraft"
    assert _counts() == before
    assert factories.balance(firm["matter"]) == "100.00"


def test_it_refuses_a_backdated_disbursement_that_overdraws_a_later_point(
        firm: dict[str, str]) -> None:
    factories.deposit(firm["matter"], "100.00", date="2026-03-10")
    factories.disburse(firm["matter"], "80.00", date="2026-03-20")
    with pytest.raises(ClientLedgerOverdraft, match="2026-03-20"):
        factories.disburse(firm["matter"], "50.00", date="2026-03-15")
    factories.disburse(firm["matter"], "20.00", date="2026-03-15")
    assert factories.balance(firm["matter"]) == "0.00"


def test_it_refuses_a_disbursement_dated_before_the_money_arrived(firm: dict[str, str]) -> None:
    factories.deposit(firm["matter"], "100.00", date="2026-03-10")
    with pytest.raises(ClientLedgerOverdraft):
        factories.disburse(firm["matter"], "10.00", date="2026-03-09")


def test_one_client_never_pays_for_another(firm: dict[str, str]) -> None:
    other = factories.matter()
    factories.deposit(other, "5000.00")
    with pytest.raises(ClientLedgerOverdraft):
        factories.disburse(firm["matter"], "1.00")


def test_it_transfers_between_matters_within_the_balance(firm: dict[str, str]) -> None:
    other = factories.matter()
    factories.deposit(firm["matter"], "300.00")
    services.trust_transfer_record(actor=OPERATOR, from_matter=firm["matter"], to_matter=other,
                                   amount="120.00", date="2026-03-11")
    assert factories.balance(firm["matter"]) == "180.00"
    assert factories.balance(other) == "120.00"
    with pytest.raises(ClientLedgerOverdraft):
        services.trust_transfer_record(actor=OPERATOR, from_matter=firm["matter"],
                                       to_matter=other, amount="180.01", date="2026-03-12")


def test_it_reverses_an_entry_with_a_new_entry_and_only_once(firm: dict[str, str]) -> None:
    deposit = factories.deposit(firm["matter"], "100.00").entry
    reversal = services.trust_reversal_record(actor=OPERATOR, entry=deposit.public_id,
                                              reason="check returned unpaid", date="2026-03-12")
    assert reversal.entry.kind == EntryKind.REVERSAL
    assert reversal.entry.reverses_id == deposit.pk
    assert JournalEntry.objects.filter(pk=deposit.pk).exists()
    assert factories.balance(firm["matter"]) == "0.00"
    with pytest.raises(AlreadyReversed):
        services.trust_reversal_record(actor=OPERATOR, entry=deposit.public_id, reason="again")
    with pytest.raises(AlreadyReversed):
        services.trust_reversal_record(actor=OPERATOR, entry=reversal.entry.public_id,
                                       reason="undo")


def test_it_refuses_to_reverse_a_deposit_already_spent(firm: dict[str, str]) -> None:
    deposit = factories.deposit(firm["matter"], "100.00").entry
    factories.disburse(firm["matter"], "60.00")
    with pytest.raises(ClientLedgerOverdraft):
        services.trust_reversal_record(actor=OPERATOR, entry=deposit.public_id,
                                       reason="bounced", date="2026-03-25")


def test_it_refuses_a_check_number_used_twice_on_one_account(firm: dict[str, str]) -> None:
    factories.deposit(firm["matter"], "500.00")
    factories.disburse(firm["matter"], "10.00", check_number="1001")
    with pytest.raises(DuplicateCheckNumber):
        factories.disburse(firm["matter"], "10.00", check_number="1001")


def test_an_idempotency_key_applies_a_request_once(firm: dict[str, str]) -> None:
    first = factories.deposit(firm["matter"], "100.00", idempotency_key="k-1")
    again = factories.deposit(firm["matter"], "100.00", idempotency_key="k-1")
    assert again.replayed and again.entry.pk == first.entry.pk
    assert factories.balance(firm["matter"]) == "100.00"
    with pytest.raises(IdempotencyKeyReused):
        factories.deposit(firm["matter"], "100.01", idempotency_key="k-1")


def test_it_refuses_entries_dated_in_a_locked_period(firm: dict[str, str]) -> None:
    import datetime as dt

    from django.db import transaction

    from lawledger.ledger.accounts import get_bank_account

    factories.deposit(firm["matter"], "100.00", date="2026-03-10")
    with transaction.atomic():
        services.period_lock_record(actor=OPERATOR, account=get_bank_account("IOLTA"),
                                    through_date=dt.date(2026, 3, 31))
    with pytest.raises(PeriodLocked):
        factories.deposit(firm["matter"], "1.00", date="2026-03-31")
    factories.deposit(firm["matter"], "1.00", date="2026-04-01")


def test_uncleared_funds_are_held_when_the_firm_says_so(firm: dict[str, str]) -> None:
    from lawledger.firm.services import firm_set

    firm_set(actor=OPERATOR, key="uncleared_funds", value="hold")
    factories.deposit(firm["matter"], "100.00", date="2026-03-13")  # a Friday
    with pytest.raises(UnclearedFunds):
        factories.disburse(firm["matter"], "50.00", date="2026-03-16")
    factories.disburse(firm["matter"], "50.00", date="2026-03-20")  # five business days later


def test_uncleared_funds_warn_by_default(firm: dict[str, str]) -> None:
    from lawledger.firm.services import firm_set

    firm_set(actor=OPERATOR, key="uncleared_funds", value="warn")
    factories.deposit(firm["matter"], "100.00", date="2026-03-13")
    result = factories.disburse(firm["matter"], "50.00", date="2026-03-16")
    assert result.warnings and result.warnings[0].startswith("uncleared_funds")


def test_only_an_admin_overrides_an_uncleared_hold(firm: dict[str, str]) -> None:
    from lawledger.firm.services import firm_set

    firm_set(actor=OPERATOR, key="uncleared_funds", value="hold")
    bookkeeper = factories.user(Role.BOOKKEEPER)
    admin = factories.user(Role.ADMIN)
    factories.deposit(firm["matter"], "100.00", date="2026-03-13")
    with pytest.raises(PermissionDenied):
        factories.disburse(firm["matter"], "50.00", date="2026-03-16", actor=bookkeeper,
                           override_uncleared=True)
    result = factories.disburse(firm["matter"], "50.00", date="2026-03-16", actor=admin,
                                override_uncleared=True)
    assert result.entry.is_uncleared_override


def test_bank_charges_come_from_firm_funds_never_a_client(firm: dict[str, str]) -> None:
    factories.deposit(firm["matter"], "1000.00")
    with pytest.raises(FirmLedgerOverdraft):
        services.trust_firm_entry_record(actor=OPERATOR, kind=EntryKind.BANK_CHARGE,
                                         account="IOLTA", amount="15.00", date="2026-03-31")
    services.trust_firm_entry_record(actor=OPERATOR, kind=EntryKind.FIRM_DEPOSIT, account="IOLTA",
                                     amount="50.00", date="2026-03-01")
    services.trust_firm_entry_record(actor=OPERATOR, kind=EntryKind.BANK_CHARGE, account="IOLTA",
                                     amount="15.00", date="2026-03-31")
    assert factories.balance(firm["matter"]) == "1000.00"
    firm_funds = LedgerAccount.objects.get(kind="firm_funds")
    assert firm_funds.balance_minor == 3500


def test_earned_fees_move_to_operating_in_the_same_currency(firm: dict[str, str]) -> None:
    factories.operating_account()
    factories.deposit(firm["matter"], "1000.00")
    services.earned_fee_transfer_record(actor=OPERATOR, matter=firm["matter"], amount="400.00",
                                        account="IOLTA", date="2026-03-15", invoice_ref="INV-1")
    assert factories.balance(firm["matter"]) == "600.00"
    assert LedgerAccount.objects.get(kind="operating_bank").balance_minor == 40000
    factories.operating_account("Euro operating", "EUR")
    with pytest.raises(CurrencyMismatch):
        services.earned_fee_transfer_record(actor=OPERATOR, matter=firm["matter"], amount="1.00",
                                            account="IOLTA", date="2026-03-15",
                                            operating_account="Euro operating")


def test_a_matter_with_money_in_trust_cannot_close(firm: dict[str, str]) -> None:
    from lawledger.firm.services import matter_close

    factories.deposit(firm["matter"], "10.00")
    with pytest.raises(MatterNotClosable):
        matter_close(actor=OPERATOR, matter=firm["matter"])
    factories.disburse(firm["matter"], "10.00")
    assert matter_close(actor=OPERATOR, matter=firm["matter"]).status == "closed"


def test_attorneys_may_not_move_trust_money(firm: dict[str, str]) -> None:
    attorney = factories.user(Role.ATTORNEY)
    own = factories.matter(responsible=attorney)
    with pytest.raises(PermissionDenied):
        factories.deposit(own, "10.00", actor=attorney)
    with pytest.raises(NotFound):
        factories.deposit(firm["matter"], "10.00", actor=attorney)


def test_bad_input_names_the_field_and_writes_nothing(firm: dict[str, str]) -> None:
    before = _counts()
    for field, kwargs in [("amount", {"amount": "12.345"}), ("date", {"date": "31/03/2026"}),
                          ("from", {"payor": "  "}), ("method", {"method": "bitcoin"})]:
        arguments = {"amount": "10.00", "date": "2026-03-10", **kwargs}
        amount = arguments.pop("amount")
        with pytest.raises(InvalidInput) as caught:
            factories.deposit(firm["matter"], amount, **arguments)
        assert caught.value.param == field
    assert _counts() == before


def test_every_posting_keeps_the_balance_after_it(firm: dict[str, str]) -> None:
    factories.deposit(firm["matter"], "100.00")
    factories.disburse(firm["matter"], "30.00")
    client = Posting.objects.filter(ledger_account__kind="client").order_by("entry_id")
    assert [p.balance_after_minor for p in client] == [10000, 7000]
    bank = Posting.objects.filter(ledger_account__kind="trust_bank").order_by("entry_id")
    assert [p.balance_after_minor for p in bank] == [10000, 7000]
