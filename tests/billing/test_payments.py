"""Payments, payment from trust (an earned-fee transfer), credit notes, credit and refunds."""

from __future__ import annotations

import pytest

from lawledger.billing import services
from lawledger.billing.models import Allocation, Invoice, Payment, Refund
from lawledger.core.billing import InvoiceNotFinalized, Overpayment
from lawledger.core.errors import ClientLedgerOverdraft, PermissionDenied, UnclearedFunds
from lawledger.ledger.models import JournalEntry
from tests import factories
from tests.billing.builders import Firm, billing_firm, draft, finalize, show, time
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return billing_firm()


def _invoice(firm: Firm, minutes: int = 60, date: str = "2026-03-10",
             issued: str = "2026-04-01") -> Invoice:
    time(firm, minutes=minutes, date=date)
    return finalize(draft(firm, through=date), date=issued)


def _state() -> tuple[int, int, int, str]:
    return (JournalEntry.objects.count(), Payment.objects.count(), Allocation.objects.count(),
            factories.balance("M-0001"))


def test_payment_from_trust_is_an_earned_fee_transfer_naming_the_invoice(firm: Firm) -> None:
    invoice = _invoice(firm)
    factories.deposit(firm.matter, "1000.00")
    result = services.invoice_pay(actor=firm.bookkeeper, invoice=invoice.number, amount="300.00",
                                  date="2026-04-02", from_trust=True, account="IOLTA")
    entry = JournalEntry.objects.get(public_id=result.payment.trust_entry)
    assert (entry.kind, entry.amount_minor, entry.invoice_ref) == ("earned_fee", 30000, "00001")
    assert factories.balance(firm.matter) == "700.00"
    document = show(invoice.number)
    assert (document["paid"], document["balance_due"], document["status"]) == (
        "300.00", "0.00", "paid")


def test_payment_from_trust_is_refused_on_overdraft_and_changes_nothing(firm: Firm) -> None:
    invoice = _invoice(firm)
    factories.deposit(firm.matter, "100.00")
    before = _state()
    with pytest.raises(ClientLedgerOverdraft):
        services.invoice_pay(actor=OPERATOR, invoice=invoice.number, amount="300.00",
                             date="2026-04-02", from_trust=True, account="IOLTA")
    assert _state() == before
    assert show(invoice.number)["balance_due"] == "300.00"


def test_payment_from_trust_is_refused_on_uncleared_funds_under_a_hold(firm: Firm) -> None:
    factories.firm(uncleared_funds="hold")
    invoice = _invoice(firm)
    factories.deposit(firm.matter, "1000.00", date="2026-04-01")
    before = _state()
    with pytest.raises(UnclearedFunds):
        services.invoice_pay(actor=OPERATOR, invoice=invoice.number, amount="300.00",
                             date="2026-04-02", from_trust=True, account="IOLTA")
    assert _state() == before


def test_trust_paying_an_invoice_before_its_issue_date_is_flagged(firm: Firm) -> None:
    invoice = _invoice(firm, issued="2026-04-01")
    factories.deposit(firm.matter, "1000.00", date="2026-03-01")
    early = services.invoice_pay(actor=OPERATOR, invoice=invoice.number, amount="100.00",
                                 date="2026-03-31", from_trust=True, account="IOLTA")
    assert early.warnings == [
        "fee_before_invoice: invoice 00001 was issued on 2026-04-01; trust paid it on "
        "2026-03-31, before the client was billed: check that the fee was earned and the client "
        "told"]
    on_time = services.invoice_pay(actor=OPERATOR, invoice=invoice.number, amount="100.00",
                                   date="2026-04-01", from_trust=True, account="IOLTA")
    assert on_time.warnings == []


def test_trust_never_pays_more_than_is_owed_nor_a_draft(firm: Firm) -> None:
    invoice = _invoice(firm)
    factories.deposit(firm.matter, "1000.00")
    with pytest.raises(Overpayment):
        services.invoice_pay(actor=OPERATOR, invoice=invoice.number, amount="300.01",
                             date="2026-04-02", from_trust=True, account="IOLTA")
    time(firm, date="2026-04-05")
    pending = draft(firm, through="2026-04-05")
    with pytest.raises(InvoiceNotFinalized):
        services.invoice_pay(actor=OPERATOR, invoice=pending.public_id, amount="10.00",
                             date="2026-04-06")
    assert factories.balance(firm.matter) == "1000.00"


def test_an_attorney_cannot_take_payments(firm: Firm) -> None:
    invoice = _invoice(firm)
    with pytest.raises(PermissionDenied):
        services.invoice_pay(actor=firm.attorney, invoice=invoice.number, amount="10.00",
                             date="2026-04-02")


def test_partial_and_over_payment_become_balance_and_credit_then_a_refund(firm: Firm) -> None:
    invoice = _invoice(firm)
    part = services.invoice_pay(actor=OPERATOR, invoice=invoice.number, amount="100.00",
                                date="2026-04-02", method="check", reference="1001")
    assert show(invoice.number)["balance_due"] == "200.00"
    over = services.invoice_pay(actor=OPERATOR, invoice=invoice.number, amount="250.00",
                                date="2026-04-03", method="wire")
    assert over.document()["credit"] == "50.00" and part.document()["credit"] == "0.00"
    assert show(invoice.number)["balance_due"] == "0.00"
    with pytest.raises(Overpayment):
        services.refund_record(actor=OPERATOR, source=over.payment.public_id, amount="50.01",
                               date="2026-04-04")
    services.refund_record(actor=OPERATOR, source=over.payment.public_id, amount="50.00",
                           date="2026-04-04", method="check")
    assert Refund.objects.count() == 1


def test_a_payment_is_applied_oldest_first_or_to_the_invoices_chosen(firm: Firm) -> None:
    first = _invoice(firm, date="2026-03-10", issued="2026-04-01")
    second = _invoice(firm, date="2026-04-10", issued="2026-05-01")
    result = services.payment_receive(actor=OPERATOR, client=firm.client, amount="400.00",
                                      date="2026-05-05", method="card", reference="ch_123")
    assert [(i.number, a) for i, a in result.applied] == [("00001", 30000), ("00002", 10000)]
    third = _invoice(firm, date="2026-05-10", issued="2026-06-01")
    chosen = services.payment_receive(actor=OPERATOR, client=firm.client, amount="100.00",
                                      date="2026-06-02", invoices=[third.number])
    assert [(i.number, a) for i, a in chosen.applied] == [("00003", 10000)]
    assert show(second.number)["balance_due"] == "200.00"
    assert show(first.number)["status"] == "paid"


def test_a_credit_note_corrects_a_finalized_invoice_and_extra_credit_is_applied_later(
        firm: Firm) -> None:
    invoice = _invoice(firm)
    services.invoice_pay(actor=OPERATOR, invoice=invoice.number, amount="250.00",
                         date="2026-04-02")
    note = services.credit_note_issue(actor=OPERATOR, invoice=invoice.number, amount="100.00",
                                      reason="billed twice", date="2026-04-05")
    assert (note.number, note.kind, note.total_minor) == ("00002", "credit_note", -10000)
    document = show(invoice.number)
    assert (document["credited"], document["balance_due"], document["total"]) == (
        "50.00", "0.00", "300.00")
    later = _invoice(firm, date="2026-04-10", issued="2026-05-01")
    applied = services.credit_apply(actor=OPERATOR, client=firm.client, date="2026-05-02")
    assert [(i.number, a) for i, a in applied] == [(later.number, 5000)]
    with pytest.raises(Overpayment):
        services.credit_note_issue(actor=OPERATOR, invoice=invoice.number, amount="200.01",
                                   reason="too much")


def test_a_write_off_closes_what_the_client_will_not_pay(firm: Firm) -> None:
    invoice = _invoice(firm)
    services.invoice_pay(actor=OPERATOR, invoice=invoice.number, amount="200.00",
                         date="2026-04-02")
    services.write_off(actor=OPERATOR, invoice=invoice.number, reason="client insolvent",
                       date="2026-06-01")
    document = show(invoice.number)
    assert (document["written_off"], document["balance_due"]) == ("100.00", "0.00")
    with pytest.raises(Overpayment):
        services.write_off(actor=OPERATOR, invoice=invoice.number, reason="again")
