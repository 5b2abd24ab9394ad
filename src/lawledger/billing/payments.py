"""Payments, their allocation to invoices, credit, write-offs and refunds.

A client's payment (check, wire, card, ach, cash) is applied to the invoice chosen or to the
client's open invoices oldest first; what is left is credit on the payment, to be applied later or
refunded. A payment FROM TRUST is an earned-fee transfer through the ledger engine (trust →
operating, with the invoice number), so every trust rule applies: refused if the client ledger
lacks the funds, or the funds are uncleared under the firm's hold policy; and it never pays more
than the invoice still owes (unearned money stays in trust).

Allocations, refunds and payments are append-only; insert triggers refuse over-applying.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum

from lawledger.access.policy import get_client, visible_matters
from lawledger.audit.services import record
from lawledger.billing.arrangements import replenish_if_low
from lawledger.billing.common import (
    BillingAct,
    base_currency,
    clean_amount,
    clean_date,
    clean_text,
    require_act,
)
from lawledger.billing.events import BillingEvent
from lawledger.billing.finalize import balance_due_minor
from lawledger.billing.invoicing import get_invoice
from lawledger.billing.models import Allocation, Invoice, Payment, Refund
from lawledger.core import clock
from lawledger.core.access import Principal
from lawledger.core.billing import InvoiceNotFinalized, Overpayment
from lawledger.core.errors import CurrencyMismatch, InvalidInput, NotFound
from lawledger.core.money import format_minor, normalize_currency
from lawledger.firm.models import Client

CLIENT_METHODS = ("check", "wire", "card", "ach", "cash")


@dataclass
class PaymentResult:
    payment: Payment
    applied: list[tuple[Invoice, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        currency = self.payment.currency
        return {
            "id": self.payment.public_id, "client": self.payment.client.number,
            "date": self.payment.received_on.isoformat(),
            "amount": format_minor(self.payment.amount_minor, currency), "currency": currency,
            "method": self.payment.method, "reference": self.payment.reference or None,
            "trust_entry": self.payment.trust_entry or None,
            "applied": [{"invoice": invoice.number, "amount": format_minor(amount, currency),
                         "balance_due": format_minor(balance_due_minor(invoice), currency)}
                        for invoice, amount in self.applied],
            "credit": format_minor(unapplied_minor(self.payment), currency),
            "warnings": self.warnings,
        }


def unapplied_minor(payment: Payment) -> int:
    applied = Allocation.objects.filter(payment=payment).aggregate(total=Sum("amount_minor"))
    refunded = Refund.objects.filter(payment=payment).aggregate(total=Sum("amount_minor"))
    return payment.amount_minor - (applied["total"] or 0) - (refunded["total"] or 0)


def credit_note_unapplied_minor(note: Invoice) -> int:
    applied = Allocation.objects.filter(credit_note=note).aggregate(total=Sum("amount_minor"))
    refunded = Refund.objects.filter(credit_note=note).aggregate(total=Sum("amount_minor"))
    return -note.total_minor - (applied["total"] or 0) - (refunded["total"] or 0)


def _method(value: str | None) -> str:
    cleaned = (value or "check").strip().lower()
    if cleaned not in CLIENT_METHODS:
        raise InvalidInput(f"method: {value!r} is not one of {', '.join(CLIENT_METHODS)}",
                           param="method")
    return cleaned


def _payable(invoice: Invoice) -> None:
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.FINALIZED:
        raise InvoiceNotFinalized(f"invoice: {invoice.number or invoice.public_id} is not a "
                                  "finalized invoice; finalize it before taking payment",
                                  param="invoice")


def _apply(actor: Principal, day: dt.date, amount: int, targets: list[Invoice], *,
           payment: Payment | None = None, note: Invoice | None = None) -> list[tuple[Invoice, int]]:
    """Apply up to `amount` to the targets in order; each takes at most what it still owes."""
    applied = []
    left = amount
    for invoice in targets:
        if left <= 0:
            break
        take = min(left, balance_due_minor(invoice))
        if take <= 0:
            continue
        Allocation.objects.create(
            invoice=invoice, kind=Allocation.Kind.PAYMENT if payment else Allocation.Kind.CREDIT_NOTE,
            payment=payment, credit_note=note, amount_minor=take, applied_on=day,
            recorded_at=clock.now(), recorded_by=actor.label)
        applied.append((invoice, take))
        left -= take
    return applied


def _record_payment(actor: Principal, client: Client, day: dt.date, minor: int, *, currency: str,
                    method: str, reference: str, trust_entry: str = "") -> Payment:
    payment = Payment(client=client, received_on=day, amount_minor=minor, currency=currency,
                      method=method, reference=reference, trust_entry=trust_entry,
                      recorded_at=clock.now(), recorded_by=actor.label)
    payment.save(force_insert=True)
    return payment


def _audit_payment(actor: Principal, result: PaymentResult, matter_ref: str = "") -> None:
    payment = result.payment
    record(actor, BillingEvent.PAYMENT_RECORDED, object_type="payment",
           object_id=payment.public_id, client_ref=payment.client.number, matter_ref=matter_ref,
           details={"amount": format_minor(payment.amount_minor, payment.currency),
                    "currency": payment.currency, "method": payment.method,
                    "trust_entry": payment.trust_entry,
                    "applied": {invoice.number: amount for invoice, amount in result.applied}})


def invoice_pay(*, actor: Principal, invoice: str, amount: str | int, date: str | dt.date,
                method: str | None = None, reference: str | None = None,
                from_trust: bool = False, account: str | None = None) -> PaymentResult:
    """Pay one invoice: by the client (any excess becomes credit) or from trust."""
    day = clean_date(date)
    clean_reference = clean_text(reference, param="ref", max_length=64)
    if account and not from_trust:
        raise InvalidInput("account: --account names the trust account of a --from-trust payment",
                           param="account")
    with transaction.atomic():
        row = get_invoice(actor, invoice, BillingAct.COLLECT, for_update=True)
        _payable(row)
        minor = clean_amount(amount, row.currency)
        due = balance_due_minor(row)
        warnings: list[str] = []
        trust_entry = ""
        if from_trust:
            if method and method.strip().lower() != "trust":
                raise InvalidInput("method: a payment from trust is an earned-fee transfer",
                                   param="method")
            if minor > due:
                raise Overpayment(f"amount: {row.number} owes {format_minor(due, row.currency)}; "
                                  "trust pays earned fees only, never more than is owed",
                                  param="amount")
            # A warning, not a refusal: the command line finalizes with today's date, so a
            # script recording last month's books would otherwise be refused (DESIGN.md's CLI).
            issued = row.issue_date
            from lawledger.ledger.services import earned_fee_transfer_record

            posted = earned_fee_transfer_record(actor=actor, matter=row.matter.number,
                                                amount=minor, account=account, date=day,
                                                invoice_ref=row.number,
                                                memo=f"payment of invoice {row.number}")
            if posted.entry.currency != row.currency:
                raise CurrencyMismatch(f"account: the trust account holds {posted.entry.currency}"
                                       f", the invoice is in {row.currency}", param="account")
            trust_entry, warnings, paid_by = posted.entry.public_id, posted.warnings, "trust"
            if issued is not None and day < issued:
                warnings = [*warnings, (
                    f"fee_before_invoice: invoice {row.number} was issued on "
                    f"{issued.isoformat()}; trust paid it on {day.isoformat()}, before "
                    "the client was billed: check that the fee was earned and the client told")]
        else:
            paid_by = _method(method)
        payment = _record_payment(actor, row.client, day, minor, currency=row.currency,
                                  method=paid_by, reference=clean_reference,
                                  trust_entry=trust_entry)
        result = PaymentResult(payment, _apply(actor, day, minor, [row], payment=payment),
                               warnings)
        _audit_payment(actor, result, row.matter.number)
        if from_trust:
            replenish_if_low(actor, row.matter, day)
    return result


def _open_invoices(actor: Principal, client: Client, currency: str) -> list[Invoice]:
    """The client's invoices still owing, oldest first (only matters the actor may see)."""
    rows = (Invoice.objects.select_for_update()
            .filter(client=client, kind=Invoice.Kind.INVOICE, status=Invoice.Status.FINALIZED,
                    currency=currency, matter__in=visible_matters(actor))
            .select_related("matter", "client").order_by("issue_date", "sequence_number"))
    return [row for row in rows if balance_due_minor(row) > 0]


def payment_receive(*, actor: Principal, client: str, amount: str | int, date: str | dt.date,
                    method: str | None = None, reference: str | None = None,
                    invoices: list[str] | None = None, currency: str | None = None) -> PaymentResult:
    """A client's payment spread over the invoices chosen (in order) or oldest first."""
    require_act(actor, BillingAct.COLLECT)
    day = clean_date(date)
    clean_reference = clean_text(reference, param="ref", max_length=64)
    paid_by = _method(method)
    with transaction.atomic():
        client_row = get_client(actor, client)
        if invoices:
            targets = [get_invoice(actor, ref, BillingAct.COLLECT, for_update=True)
                       for ref in invoices]
            for target in targets:
                _payable(target)
                if target.client_id != client_row.pk:
                    raise InvalidInput(f"invoice: {target.number} is not {client_row.number}'s",
                                       param="invoice")
            codes = {target.currency for target in targets}
            if len(codes) > 1:
                raise CurrencyMismatch("invoice: the invoices chosen are in different currencies",
                                       param="invoice")
            code = codes.pop()
        else:
            code = normalize_currency(currency) if currency else base_currency()
            targets = _open_invoices(actor, client_row, code)
        minor = clean_amount(amount, code)
        payment = _record_payment(actor, client_row, day, minor, currency=code, method=paid_by,
                                  reference=clean_reference)
        result = PaymentResult(payment, _apply(actor, day, minor, targets, payment=payment))
        _audit_payment(actor, result)
    return result


def credit_apply(*, actor: Principal, client: str, date: str | dt.date | None = None
                 ) -> list[tuple[Invoice, int]]:
    """Apply the client's unapplied payments and credit notes to open invoices, oldest first."""
    require_act(actor, BillingAct.COLLECT)
    day = clean_date(date, default_today=True)
    applied: list[tuple[Invoice, int]] = []
    with transaction.atomic():
        client_row = get_client(actor, client)
        for payment in Payment.objects.select_for_update().filter(client=client_row).order_by(
                "received_on", "pk"):
            left = unapplied_minor(payment)
            if left > 0:
                applied += _apply(actor, day, left,
                                  _open_invoices(actor, client_row, payment.currency),
                                  payment=payment)
        for note in Invoice.objects.select_for_update().filter(
                client=client_row, kind=Invoice.Kind.CREDIT_NOTE).order_by("issue_date", "pk"):
            left = credit_note_unapplied_minor(note)
            if left > 0:
                applied += _apply(actor, day, left,
                                  _open_invoices(actor, client_row, note.currency), note=note)
        record(actor, BillingEvent.CREDIT_APPLIED, object_type="client", object_id=client_row.number,
               client_ref=client_row.number,
               details={"applied": {invoice.number: amount for invoice, amount in applied}})
    return applied


def write_off(*, actor: Principal, invoice: str, reason: str, amount: str | None = None,
              date: str | dt.date | None = None) -> Allocation:
    """Write off what a client will not pay (all that is due, or part), with the reason."""
    clean_reason = clean_text(reason, param="reason", max_length=300, required=True)
    day = clean_date(date, default_today=True)
    with transaction.atomic():
        row = get_invoice(actor, invoice, BillingAct.COLLECT, for_update=True)
        _payable(row)
        due = balance_due_minor(row)
        minor = clean_amount(amount, row.currency) if amount else due
        if minor <= 0 or minor > due:
            raise Overpayment(f"amount: {row.number} owes {format_minor(due, row.currency)}",
                              param="amount")
        allocation = Allocation.objects.create(
            invoice=row, kind=Allocation.Kind.WRITE_OFF, amount_minor=minor, applied_on=day,
            reason=clean_reason, recorded_at=clock.now(), recorded_by=actor.label)
        record(actor, BillingEvent.WRITE_OFF_RECORDED, object_type="invoice",
               object_id=row.public_id, matter_ref=row.matter.number,
               client_ref=row.client.number,
               details={"number": row.number, "amount": format_minor(minor, row.currency)})
    return allocation


def refund_record(*, actor: Principal, source: str, amount: str | int, date: str | dt.date,
                  method: str | None = None, reference: str | None = None) -> Refund:
    """Pay unapplied credit back to the client: from a payment (pay_…) or a credit note."""
    require_act(actor, BillingAct.COLLECT)
    day = clean_date(date)
    paid_by = _method(method)
    clean_reference = clean_text(reference, param="ref", max_length=64)
    with transaction.atomic():
        ref = (source or "").strip()
        payment = Payment.objects.select_for_update().select_related("client").filter(
            public_id=ref).first()
        note = None
        if payment is None:
            note = get_invoice(actor, ref, BillingAct.COLLECT, param="source", for_update=True)
            if note.kind != Invoice.Kind.CREDIT_NOTE:
                raise NotFound(f"source: no payment or credit note {source!r}", param="source")
            client, currency, left = note.client, note.currency, credit_note_unapplied_minor(note)
        else:
            client = get_client(actor, payment.client.number, param="source")
            currency, left = payment.currency, unapplied_minor(payment)
        minor = clean_amount(amount, currency)
        if minor > left:
            raise Overpayment(f"amount: only {format_minor(left, currency)} is unapplied",
                              param="amount")
        refund = Refund(client=client, payment=payment, credit_note=note, amount_minor=minor,
                        currency=currency, refunded_on=day, method=paid_by,
                        reference=clean_reference, recorded_at=clock.now(),
                        recorded_by=actor.label)
        refund.save(force_insert=True)
        record(actor, BillingEvent.REFUND_RECORDED, object_type="refund",
               object_id=refund.public_id, client_ref=client.number,
               details={"amount": format_minor(minor, currency), "source": ref})
    return refund


def client_credit_minor(client: Client, currency: str) -> int:
    """Unapplied payments and credit notes of a client in one currency."""
    total = sum(unapplied_minor(payment) for payment in
                Payment.objects.filter(client=client, currency=currency))
    total += sum(credit_note_unapplied_minor(note) for note in Invoice.objects.filter(
        Q(client=client) & Q(kind=Invoice.Kind.CREDIT_NOTE) & Q(currency=currency)))
    return total
