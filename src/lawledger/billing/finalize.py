"""Finalizing invoices with gapless numbers, credit notes, and batch billing.

The number is taken under the lock of the firm's one sequence row, in the transaction that
finalizes the invoice: a rollback gives the number back, two finalizers queue on the row, so the
numbers are consecutive with no gap and no duplicate. The database repeats the rule (a number is
max + 1, unique) and refuses any later change to the invoice (I2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from lawledger.access.policy import visible_matters
from lawledger.audit.services import record
from lawledger.billing.arrangements import replenish_if_low, trust_balance_minor
from lawledger.billing.common import (
    BillingAct,
    base_currency,
    billing_settings,
    check_act_on,
    clean_amount,
    clean_date,
    clean_text,
    is_responsible,
    require_act,
)
from lawledger.billing.events import BillingEvent
from lawledger.billing.invoicing import (
    ITEM_STATUSES,
    approve,
    draft_for_matter,
    get_invoice,
    require_open,
)
from lawledger.billing.models import (
    Allocation,
    Expense,
    FeeArrangement,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    TimeEntry,
)
from lawledger.core import clock
from lawledger.core.access import Principal, Role
from lawledger.core.billing import (
    AdjustmentCode,
    Category,
    InvoiceNotFinalized,
    NothingToBill,
    Overpayment,
    PrebillNotApproved,
    split_by_weights,
)
from lawledger.core.errors import InvalidInput, LawLedgerError
from lawledger.core.money import format_minor
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_settings


def take_number() -> tuple[int, str]:
    """The next invoice number, under the sequence row's lock (the caller's transaction)."""
    sequence = InvoiceSequence.objects.select_for_update().filter(id=1).first()
    if sequence is None:
        try:
            with transaction.atomic():
                InvoiceSequence.objects.create(id=1, next_value=1)
        except IntegrityError:
            pass  # a concurrent first finalizer made it
        sequence = InvoiceSequence.objects.select_for_update().get(id=1)
    value = sequence.next_value
    InvoiceSequence.objects.filter(id=1).update(next_value=F("next_value") + 1)
    return value, f"{firm_settings().invoice_prefix}{value:05d}"


def balance_due_minor(invoice: Invoice) -> int:
    applied = Allocation.objects.filter(invoice=invoice).aggregate(total=Sum("amount_minor"))
    return invoice.total_minor - (applied["total"] or 0)


def previous_balance_minor(invoice: Invoice) -> int:
    """What the client still owes on earlier finalized invoices in the same currency."""
    earlier = Invoice.objects.filter(client=invoice.client, kind=Invoice.Kind.INVOICE,
                                     status=Invoice.Status.FINALIZED,
                                     currency=invoice.currency).exclude(pk=invoice.pk)
    totals = sum(earlier.values_list("total_minor", flat=True))
    applied = Allocation.objects.filter(invoice__in=earlier).aggregate(total=Sum("amount_minor"))
    return totals - (applied["total"] or 0)


def seal(actor: Principal, invoice: Invoice, issue: dt.date) -> None:
    """Number, date and snapshot an invoice, then mark it finalized (one UPDATE)."""
    sequence_number, number = take_number()
    invoice.sequence_number = sequence_number
    invoice.number = number
    invoice.issue_date = issue
    invoice.due_date = issue + dt.timedelta(days=billing_settings().payment_terms_days)
    invoice.trust_balance_minor = trust_balance_minor(invoice.matter, invoice.currency)
    invoice.previous_balance_minor = previous_balance_minor(invoice)
    invoice.status = Invoice.Status.FINALIZED
    invoice.finalized_at = clock.now()
    invoice.finalized_by = actor.label
    invoice.save()


def _check_approval(actor: Principal, invoice: Invoice) -> None:
    """A pre-bill of a matter with a responsible attorney needs that attorney's approval. An
    admin or the responsible attorney finalizing an unapproved draft approves it by doing so."""
    matter = invoice.matter
    if (invoice.status == Invoice.Status.APPROVED or matter.responsible_id is None
            or not billing_settings().require_prebill_approval):
        return
    if actor.is_operator or actor.role is Role.ADMIN or is_responsible(actor, matter):
        approve(actor, invoice, implicit=True)
        return
    raise PrebillNotApproved(f"the pre-bill of {matter.number} waits for its responsible "
                             "attorney's approval", param="invoice")


def invoice_finalize(*, actor: Principal, invoice: str,
                     date: str | dt.date | None = None) -> Invoice:
    """Give a pre-bill its number and date; from now on it never changes."""
    issue = clean_date(date, param="date", default_today=True)
    with transaction.atomic():
        row = get_invoice(actor, invoice, BillingAct.FINALIZE, for_update=True)
        require_open(row)
        if not InvoiceLine.objects.filter(invoice=row).exists():
            raise NothingToBill(f"{row.public_id} has no lines to bill", param="invoice")
        last = max(InvoiceLine.objects.filter(invoice=row).exclude(
            kind=InvoiceLine.Kind.ADJUSTMENT).values_list("line_date", flat=True), default=None)
        if last is not None and issue < last:
            raise InvalidInput(f"date: the invoice has a line dated {last.isoformat()}; it cannot "
                               "be dated before it", param="date")
        _check_approval(actor, row)
        seal(actor, row, issue)
        record(actor, BillingEvent.INVOICE_FINALIZED, object_type="invoice",
               object_id=row.public_id, matter_ref=row.matter.number,
               client_ref=row.matter.client.number,
               details={"number": row.number, "total": format_minor(row.total_minor, row.currency),
                        "currency": row.currency, "date": issue.isoformat()})
        replenish_if_low(actor, row.matter, issue)
    return row


def credit_note_issue(*, actor: Principal, invoice: str, reason: str,
                      amount: str | None = None, date: str | dt.date | None = None) -> Invoice:
    """Correct a finalized invoice: a credit note (its own number) applied to what is still due;
    any remainder is credit the client can use or be refunded."""
    clean_reason = clean_text(reason, param="reason", max_length=500, required=True)
    day = clean_date(date, param="date", default_today=True)
    with transaction.atomic():
        original = get_invoice(actor, invoice, BillingAct.FINALIZE, for_update=True)
        if original.status != Invoice.Status.FINALIZED or original.kind != Invoice.Kind.INVOICE:
            raise InvoiceNotFinalized("invoice: only a finalized invoice is credited; change the "
                                      "draft instead", param="invoice")
        credited = -sum(Invoice.objects.filter(credits=original).values_list("total_minor",
                                                                             flat=True))
        creditable = original.total_minor - credited
        minor = clean_amount(amount, original.currency) if amount else creditable
        if minor <= 0 or minor > creditable:
            raise Overpayment(f"amount: at most {format_minor(max(creditable, 0), original.currency)}"
                              f" of {original.number} is left to credit", param="amount")
        note = Invoice(kind=Invoice.Kind.CREDIT_NOTE, matter=original.matter,
                       client=original.client, currency=original.currency, period_end=day,
                       credits=original, note=clean_reason, created_at=clock.now(),
                       created_by=actor.label)
        note.save()
        weights = [sum(InvoiceLine.objects.filter(invoice=original, category=category)
                       .values_list("amount_minor", flat=True))
                   for category in (Category.FEES, Category.EXPENSES)]
        fee_part, expense_part = split_by_weights(minor, weights) if any(weights) else [minor, 0]
        lines = [InvoiceLine(invoice=note, number=number, kind=InvoiceLine.Kind.ADJUSTMENT,
                             category=category, code=AdjustmentCode.CREDIT, line_date=day,
                             standard_minor=-part, amount_minor=-part,
                             label=f"Credit on invoice {original.number}")
                 for number, (category, part) in enumerate(
                     [(c, p) for c, p in ((Category.FEES, fee_part),
                                          (Category.EXPENSES, expense_part)) if p], start=1)]
        InvoiceLine.objects.bulk_create(lines)
        note.fees_minor, note.expenses_minor, note.total_minor = -fee_part, -expense_part, -minor
        seal(actor, note, day)
        applied = min(minor, max(balance_due_minor(original), 0))
        if applied:
            Allocation.objects.create(invoice=original, kind=Allocation.Kind.CREDIT_NOTE,
                                      credit_note=note, amount_minor=applied, applied_on=day,
                                      recorded_at=clock.now(), recorded_by=actor.label)
        record(actor, BillingEvent.CREDIT_NOTE_ISSUED, object_type="invoice",
               object_id=note.public_id, matter_ref=original.matter.number,
               client_ref=original.client.number,
               details={"number": note.number, "credits": original.number,
                        "amount": format_minor(minor, original.currency),
                        "applied": format_minor(applied, original.currency)})
    return note


# --------------------------------------------------------------------------------------------
# batch billing


def matters_with_unbilled_work(principal: Principal, day: dt.date) -> list[Matter]:
    ids = set(TimeEntry.objects.filter(invoice__isnull=True, work_date__lte=day,
                                       billing_status__in=ITEM_STATUSES)
              .values_list("matter_id", flat=True).distinct())
    ids |= set(Expense.objects.filter(invoice__isnull=True, incurred_on__lte=day,
                                      billing_status__in=ITEM_STATUSES,
                                      paid_from=Expense.PaidFrom.OPERATING)
               .values_list("matter_id", flat=True).distinct())
    ids |= set(FeeArrangement.objects.filter(kind=FeeArrangement.Kind.FLAT)
               .values_list("matter_id", flat=True).distinct())
    return list(visible_matters(principal).filter(status=Matter.Status.OPEN, pk__in=ids)
                .select_related("client").order_by("number"))


def billing_run(*, actor: Principal, through: str | dt.date | None = None,
                progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Draft an invoice for every matter with unbilled work through a date, each in its own
    transaction: one matter's refusal (a missing rate, say) is reported and does not stop the run."""
    require_act(actor, BillingAct.MANAGE)
    day = clean_date(through, param="through", default_today=True)
    matters = matters_with_unbilled_work(actor, day)
    settings, currency = billing_settings(), base_currency()  # once for the run, not per matter
    drafted: list[dict[str, str]] = []
    failed: list[dict[str, str | None]] = []
    skipped = 0
    for index, matter in enumerate(matters, start=1):
        try:
            with transaction.atomic():
                locked = Matter.objects.select_for_update().select_related("client").get(
                    pk=matter.pk)
                check_act_on(actor, locked, BillingAct.DRAFT)
                invoice, changed = draft_for_matter(actor, locked, day, settings=settings,
                                                     currency=currency)
                if changed:
                    record(actor, BillingEvent.INVOICE_DRAFTED, object_type="invoice",
                           object_id=invoice.public_id, matter_ref=locked.number,
                           client_ref=locked.client.number,
                           details={"through": day.isoformat(), "run": True})
                    drafted.append({"matter": locked.number, "invoice": invoice.public_id,
                                    "total": format_minor(invoice.total_minor, invoice.currency),
                                    "currency": invoice.currency})
                else:
                    skipped += 1
        except NothingToBill:
            skipped += 1
        except LawLedgerError as error:
            failed.append({"matter": matter.number, "code": error.code, "message": error.message})
        if progress is not None:
            progress(index, len(matters))
    with transaction.atomic():
        record(actor, BillingEvent.BILLING_RUN, object_type="run", object_id=day.isoformat(),
               details={"matters": len(matters), "drafted": len(drafted), "failed": len(failed)})
    return {"through": day.isoformat(), "matters": len(matters), "drafted": drafted,
            "skipped": skipped, "failed": failed}
