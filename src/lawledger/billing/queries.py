"""Reads of billing, through the access policy, each audited in its own transaction (fail closed).

Every read that shows a narrative or an invoice writes its audit record first; if the record
cannot be written, nothing is shown. Documents are plain dicts of strings so the CLI JSON, the
web pages, the PDF and LEDES all show the same numbers. The reports live in `billing.reports`
and are re-exported here, the app's read surface.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import BigIntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from lawledger.access.policy import visible_matters
from lawledger.audit.services import record
from lawledger.billing.arrangements import (
    arrangement_document,
    current_arrangement,
    trust_balance_minor,
)
from lawledger.billing.common import BillingAct, billing_matter, require_act
from lawledger.billing.events import BillingEvent
from lawledger.billing.finalize import balance_due_minor, previous_balance_minor
from lawledger.billing.invoicing import get_invoice
from lawledger.billing.models import (
    Allocation,
    Expense,
    Invoice,
    InvoiceLine,
    Receipt,
    ReplenishmentRequest,
    TimeEntry,
)
from lawledger.billing.reports import (
    ar_aging_report,
    client_statement,
    realization_report,
    wip_report,
)
from lawledger.core.access import Principal
from lawledger.core.billing import format_quantity, hours_text
from lawledger.core.errors import NotFound
from lawledger.core.money import format_minor
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_settings, firm_today

__all__ = ["ar_aging_report", "client_statement", "earned_fees_left_in_trust",
           "expenses_report", "invoice_document", "invoices_list", "realization_report",
           "time_entries_report", "wip_report"]


def invoice_status(invoice: Invoice, balance_due: int) -> str:
    if (invoice.status == Invoice.Status.FINALIZED and invoice.kind == Invoice.Kind.INVOICE
            and invoice.total_minor > 0 and balance_due <= 0):
        return "paid"
    return str(invoice.status)


def _line_document(line: InvoiceLine, currency: str) -> dict[str, Any]:
    if line.time_entry is not None:
        description = line.time_entry.narrative
    elif line.expense is not None:
        description = line.expense.description
    else:
        description = line.label
    kind = str(line.kind)
    return {
        "number": line.number, "kind": kind, "category": line.category,
        "code": line.code or None, "date": line.line_date.isoformat(),
        "minutes": line.minutes, "hours": hours_text(line.minutes) if line.minutes else None,
        "quantity": format_quantity(line.quantity_thousandths)
        if line.quantity_thousandths is not None else None,
        "rate": format_minor(line.rate_minor, currency) if line.rate_minor is not None else None,
        "rate_source": line.rate_source or None,
        "standard_amount": format_minor(line.standard_minor, currency),
        "adjustment": format_minor(line.adjustment_minor, currency),
        "adjustment_reason": line.adjustment_reason or None,
        "amount": format_minor(line.amount_minor, currency),
        "task": (line.task_code or None) if kind == "fee" else None,
        "activity": line.activity_code or None,
        "expense_code": line.expense_code or None,
        "timekeeper": line.timekeeper.email if line.timekeeper else None,
        "no_charge": line.is_no_charge, "description": description,
        "entry": line.time_entry.public_id if line.time_entry else
        (line.expense.public_id if line.expense else None),
    }


def _allocations(invoice: Invoice) -> dict[str, int]:
    sums = dict.fromkeys(Allocation.Kind.values, 0)
    for row in Allocation.objects.filter(invoice=invoice).values("kind").annotate(
            total=Sum("amount_minor")).order_by():
        sums[row["kind"]] = int(row["total"] or 0)
    return sums


def build_document(invoice: Invoice) -> dict[str, Any]:
    """The whole invoice (narratives included): call only inside an audited read."""
    currency = invoice.currency
    lines = list(InvoiceLine.objects.filter(invoice=invoice)
                 .select_related("timekeeper", "time_entry", "expense").order_by("number"))
    applied = _allocations(invoice)
    due = balance_due_minor(invoice) if invoice.kind == Invoice.Kind.INVOICE else 0
    final = invoice.status == Invoice.Status.FINALIZED
    trust = invoice.trust_balance_minor if final else trust_balance_minor(invoice.matter, currency)
    previous = (invoice.previous_balance_minor if final else previous_balance_minor(invoice))
    replenish = ReplenishmentRequest.objects.filter(matter=invoice.matter).order_by("-pk").first()
    arrangement = current_arrangement(invoice.matter, invoice.period_end)

    def money(minor: int | None) -> str | None:
        return None if minor is None else format_minor(minor, currency)

    return {
        "id": invoice.public_id, "number": invoice.number, "kind": invoice.kind,
        "status": invoice_status(invoice, due), "currency": currency,
        "matter": invoice.matter.number, "matter_title": invoice.matter.title,
        "client": invoice.client.number, "client_name": invoice.client.name,
        "responsible": invoice.matter.responsible.email if invoice.matter.responsible else None,
        "date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "period_start": invoice.period_start.isoformat() if invoice.period_start else None,
        "period_end": invoice.period_end.isoformat(),
        "fees": money(invoice.fees_minor), "expenses": money(invoice.expenses_minor),
        "tax": money(invoice.tax_minor), "total": money(invoice.total_minor),
        "paid": money(applied["payment"]), "credited": money(applied["credit_note"]),
        "written_off": money(applied["write_off"]), "balance_due": money(due),
        "trust_balance": money(trust), "previous_balance": money(previous),
        "approved_by": invoice.approved_by.email if invoice.approved_by else None,
        "approved": invoice.status == Invoice.Status.APPROVED or (
            final and invoice.approved_at is not None),
        "credits": invoice.credits.number if invoice.credits else None,
        "credit_notes": list(Invoice.objects.filter(credits=invoice).order_by("sequence_number")
                             .values_list("number", flat=True)),
        "note": invoice.note,
        "arrangement": arrangement_document(arrangement)["kind"],
        "replenishment": {"requested": format_minor(replenish.requested_minor, replenish.currency),
                          "minimum": format_minor(replenish.minimum_minor, replenish.currency),
                          "date": replenish.requested_on.isoformat()}
        if replenish is not None and trust is not None and trust < replenish.minimum_minor
        else None,
        "lines": [_line_document(line, currency) for line in lines],
    }


def invoice_document(principal: Principal, ref: str) -> dict[str, Any]:
    """`lawledger invoice show`: one invoice with its lines and narratives (audited)."""
    with transaction.atomic():
        invoice = get_invoice(principal, ref, BillingAct.VIEW)
        record(principal, BillingEvent.INVOICE_VIEWED, object_type="invoice",
               object_id=invoice.public_id, matter_ref=invoice.matter.number,
               client_ref=invoice.client.number, details={"number": invoice.number})
        return build_document(invoice)


def with_applied(rows: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """`rows` with what has been applied to each (payments, credits, write-offs) summed in the
    same query, so a listing of invoice summaries does not read each invoice's allocations."""
    applied = Subquery(Allocation.objects.filter(invoice=OuterRef("pk")).values("invoice")
                       .annotate(total=Sum("amount_minor")).values("total")[:1])
    return rows.annotate(applied_minor=Coalesce(applied, Value(0),
                                                output_field=BigIntegerField()))


def _due_minor(invoice: Invoice) -> int:
    if invoice.kind != Invoice.Kind.INVOICE:
        return 0
    applied = getattr(invoice, "applied_minor", None)  # annotated by with_applied
    return balance_due_minor(invoice) if applied is None else invoice.total_minor - int(applied)


def invoice_summary(invoice: Invoice) -> dict[str, Any]:
    currency = invoice.currency
    due = _due_minor(invoice)
    return {"id": invoice.public_id, "number": invoice.number, "kind": invoice.kind,
            "status": invoice_status(invoice, due), "matter": invoice.matter.number,
            "client": invoice.client.number, "client_name": invoice.client.name,
            "date": invoice.issue_date.isoformat() if invoice.issue_date else None,
            "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
            "period_end": invoice.period_end.isoformat(), "currency": currency,
            "total": format_minor(invoice.total_minor, currency),
            "balance_due": format_minor(due, currency)}


def invoices_list(principal: Principal, *, matter: str | None = None, client: str | None = None,
                  status: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    require_act(principal, BillingAct.VIEW)
    with transaction.atomic():
        rows = with_applied(Invoice.objects.filter(matter__in=visible_matters(principal))
                            .select_related("matter", "client").order_by("-created_at"))
        if matter:
            rows = rows.filter(matter=billing_matter(principal, matter, BillingAct.VIEW))
        if client:
            rows = rows.filter(client__number=client.strip())
        if status in ("draft", "approved", "finalized"):
            rows = rows.filter(status=status)
        record(principal, BillingEvent.INVOICES_LISTED, object_type="report",
               object_id="invoices", matter_ref=matter or "", client_ref=client or "")
        return [invoice_summary(row) for row in rows[:limit]]


def invoices_visible(principal: Principal, *, matter: str | None = None,
                     client: str | None = None, status: str | None = None,
                     client_pks: frozenset[int] | None = None) -> QuerySet[Invoice]:
    """The invoices of the matters `principal` may see (the API pages through it); the listing
    is audited. `client_pks` narrows it further (a token limited to some clients)."""
    require_act(principal, BillingAct.VIEW)
    rows = with_applied(Invoice.objects.filter(matter__in=visible_matters(principal))
                        .select_related("matter", "client"))
    if matter:
        rows = rows.filter(matter=billing_matter(principal, matter, BillingAct.VIEW))
    if client:
        rows = rows.filter(Q(client__number=client.strip()) | Q(client__public_id=client.strip()))
    if status:
        rows = rows.filter(status=status)
    if client_pks is not None:
        rows = rows.filter(client_id__in=client_pks)
    record(principal, BillingEvent.INVOICES_LISTED, object_type="report", object_id="invoices",
           matter_ref=matter or "", client_ref=client or "")
    return rows


def time_entries_report(principal: Principal, matter: str, *,
                        unbilled_only: bool = False) -> list[dict[str, Any]]:
    """A matter's time entries with their narratives (audited)."""
    with transaction.atomic():
        matter_row = billing_matter(principal, matter, BillingAct.VIEW)
        record(principal, BillingEvent.TIME_VIEWED, object_type="matter",
               object_id=matter_row.number, matter_ref=matter_row.number,
               client_ref=matter_row.client.number)
        rows = TimeEntry.objects.filter(matter=matter_row).select_related(
            "timekeeper", "invoice").order_by("-work_date", "-pk")
        if unbilled_only:
            rows = rows.filter(invoice__isnull=True)
        return [{"id": row.public_id, "date": row.work_date.isoformat(),
                 "timekeeper": row.timekeeper.email, "minutes": row.minutes_worked,
                 "billable_minutes": row.minutes_billable,
                 "hours": hours_text(row.minutes_billable), "task": row.task_code or None,
                 "activity": row.activity_code or None, "status": row.billing_status,
                 "narrative": row.narrative,
                 "invoice": (row.invoice.number or row.invoice.public_id) if row.invoice else None}
                for row in rows]


def expenses_report(principal: Principal, matter: str) -> list[dict[str, Any]]:
    with transaction.atomic():
        matter_row = billing_matter(principal, matter, BillingAct.VIEW)
        record(principal, BillingEvent.EXPENSES_VIEWED, object_type="matter",
               object_id=matter_row.number, matter_ref=matter_row.number,
               client_ref=matter_row.client.number)
        rows = Expense.objects.filter(matter=matter_row).select_related("invoice").order_by(
            "-incurred_on", "-pk")
        return [{"id": row.public_id, "date": row.incurred_on.isoformat(),
                 "description": row.description, "code": row.expense_code or None,
                 "quantity": format_quantity(row.quantity_thousandths),
                 "unit_cost": format_minor(row.unit_cost_minor, row.currency),
                 "amount": format_minor(row.amount_minor, row.currency), "currency": row.currency,
                 "cost_kind": row.cost_kind, "status": row.billing_status,
                 "paid_from": row.paid_from, "trust_entry": row.trust_entry or None,
                 "receipts": [{"id": receipt.public_id, "filename": receipt.filename,
                               "bytes": receipt.size_bytes} for receipt in row.receipts.all()],
                 "invoice": (row.invoice.number or row.invoice.public_id) if row.invoice else None}
                for row in rows]


def earned_fees_left_in_trust(principal: Principal,
                              as_of: dt.date | None = None) -> dict[str, Any]:
    """Finalized invoices still unpaid after the firm's earned_fees_left_days whose matter's
    client ledger holds money: fees earned but left in trust (commingling risk, I4)."""
    require_act(principal, BillingAct.VIEW)
    day = as_of or firm_today()
    days = firm_settings().earned_fees_left_days
    cutoff = day - dt.timedelta(days=days)
    with transaction.atomic():
        record(principal, BillingEvent.REPORT_VIEWED, object_type="report",
               object_id="earned_fees_left_in_trust", details={"as_of": day.isoformat()})
        rows = []
        invoices = Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE, status=Invoice.Status.FINALIZED, issue_date__lte=cutoff,
            matter__in=visible_matters(principal)).select_related("matter", "client").order_by(
            "issue_date", "sequence_number")
        for invoice in invoices:
            due = balance_due_minor(invoice)
            if due <= 0:
                continue
            held = trust_balance_minor(invoice.matter, invoice.currency)
            if held <= 0:
                continue
            currency = invoice.currency
            assert invoice.issue_date is not None
            rows.append({"invoice": invoice.number, "matter": invoice.matter.number,
                         "client": invoice.client.number, "client_name": invoice.client.name,
                         "date": invoice.issue_date.isoformat(),
                         "days_outstanding": (day - invoice.issue_date).days,
                         "currency": currency, "balance_due": format_minor(due, currency),
                         "trust_balance": format_minor(held, currency),
                         "transferable": format_minor(min(due, held), currency)})
    return {"as_of": day.isoformat(), "days": days, "invoices": rows}


def recent_time_entries(principal: Principal, limit: int = 25) -> list[dict[str, Any]]:
    """The principal's own latest time entries, on matters they still see (narratives: audited)."""
    require_act(principal, BillingAct.VIEW)
    with transaction.atomic():
        record(principal, BillingEvent.TIME_VIEWED, object_type="report",
               object_id="recent_time")
        rows = (TimeEntry.objects.filter(matter__in=visible_matters(principal))
                .filter(timekeeper_id=principal.user_id)
                .select_related("matter", "invoice").order_by("-recorded_at")[:limit])
        return [{"id": row.public_id, "date": row.work_date.isoformat(),
                 "matter": row.matter.number, "minutes": row.minutes_worked,
                 "hours": hours_text(row.minutes_billable), "task": row.task_code or None,
                 "activity": row.activity_code or None, "status": row.billing_status,
                 "narrative": row.narrative,
                 "invoice": (row.invoice.number or "pre-bill") if row.invoice else None}
                for row in rows]


def recent_expenses(principal: Principal, limit: int = 25) -> list[dict[str, Any]]:
    """Expenses the principal recorded lately, on matters they still see (audited)."""
    require_act(principal, BillingAct.VIEW)
    with transaction.atomic():
        record(principal, BillingEvent.EXPENSES_VIEWED, object_type="report",
               object_id="recent_expenses")
        rows = (Expense.objects.filter(matter__in=visible_matters(principal),
                                       recorded_by=principal.label)
                .select_related("matter").prefetch_related("receipts")
                .order_by("-recorded_at")[:limit])
        return [{"id": row.public_id, "date": row.incurred_on.isoformat(),
                 "matter": row.matter.number, "description": row.description,
                 "code": row.expense_code or None,
                 "quantity": format_quantity(row.quantity_thousandths),
                 "amount": format_minor(row.amount_minor, row.currency), "currency": row.currency,
                 "paid_from": row.paid_from,
                 "receipts": [{"id": receipt.public_id, "filename": receipt.filename}
                              for receipt in row.receipts.all()]}
                for row in rows]


def payments_list(principal: Principal, limit: int = 50) -> list[dict[str, Any]]:
    """Recent payments with what each paid, limited to invoices of matters the reader sees."""
    require_act(principal, BillingAct.VIEW)
    from lawledger.billing.models import Payment
    from lawledger.billing.payments import unapplied_minor

    with transaction.atomic():
        record(principal, BillingEvent.REPORT_VIEWED, object_type="report", object_id="payments")
        visible = visible_matters(principal)
        rows = (Payment.objects.filter(client__matters__in=visible).distinct()
                .select_related("client").order_by("-received_on", "-pk")[:limit])
        out = []
        for payment in rows:
            currency = payment.currency
            applied = Allocation.objects.filter(payment=payment, invoice__matter__in=visible) \
                .select_related("invoice")
            out.append({"id": payment.public_id, "client": payment.client.number,
                        "client_name": payment.client.name,
                        "date": payment.received_on.isoformat(), "method": payment.method,
                        "reference": payment.reference or None,
                        "amount": format_minor(payment.amount_minor, currency),
                        "currency": currency, "trust_entry": payment.trust_entry or None,
                        "applied": [{"invoice": a.invoice.number,
                                     "amount": format_minor(a.amount_minor, currency)}
                                    for a in applied],
                        "credit": format_minor(unapplied_minor(payment), currency)})
        return out


# --------------------------------------------------------------------------------------------
# the client's view (the portal): finalized invoices only, never drafts or pre-bills


def client_invoices(principal: Principal, matters: QuerySet[Matter] | list[Matter]
                    ) -> dict[int, list[dict[str, Any]]]:
    """Summaries of the finalized invoices of `matters` (newest first), by matter pk, for any
    reader who sees the matters (a client user too: billing's staff reads refuse them). The
    caller fetched the matters through the access policy and audits the read in its transaction."""
    rows = with_applied(Invoice.objects.filter(
        matter__in=matters, status=Invoice.Status.FINALIZED).filter(
        matter__in=visible_matters(principal)).select_related("matter", "client")
        .order_by("-sequence_number"))
    out: dict[int, list[dict[str, Any]]] = {}
    for invoice in rows:
        out.setdefault(invoice.matter_id, []).append(invoice_summary(invoice))
    return out


def client_payments(principal: Principal, matter: Matter) -> list[dict[str, Any]]:
    """The payments applied to `matter`'s invoices, newest first (the caller audits the read)."""
    rows = (Allocation.objects.filter(invoice__matter=matter, kind=Allocation.Kind.PAYMENT,
                                      invoice__matter__in=visible_matters(principal))
            .select_related("payment", "invoice").order_by("-applied_on", "-pk"))
    return [{"date": row.payment.received_on.isoformat() if row.payment else "",
             "method": row.payment.method if row.payment else "",
             "reference": (row.payment.reference if row.payment else "") or "",
             "invoice": row.invoice.number, "invoice_id": row.invoice.public_id,
             "amount": format_minor(row.amount_minor, row.invoice.currency),
             "currency": row.invoice.currency} for row in rows]


def client_replenishments(principal: Principal, matter: Matter) -> list[dict[str, Any]]:
    """The trust replenishment requests of `matter`, newest first (the caller audits the read)."""
    return [{"date": row.requested_on.isoformat(), "account": row.account,
             "balance": format_minor(row.balance_minor, row.currency),
             "minimum": format_minor(row.minimum_minor, row.currency),
             "requested": format_minor(row.requested_minor, row.currency),
             "currency": row.currency}
            for row in ReplenishmentRequest.objects.filter(
                matter=matter, matter__in=visible_matters(principal))
            .order_by("-requested_on", "-pk")]


def _matter_of(principal: Principal, rows: QuerySet[Any], path: str, ref: str, *, param: str,
               what: str) -> Matter:
    number = rows.filter(public_id=(ref or "").strip()).values_list(path, flat=True).first()
    if number is None:
        raise NotFound(f"{param}: no {what} {ref!r}", param=param)
    return billing_matter(principal, number, BillingAct.VIEW, param=param)


def expense_matter(principal: Principal, ref: str, *, param: str = "expense") -> Matter:
    """The matter an expense is on, through the access policy (not found when unseen)."""
    return _matter_of(principal, Expense.objects.all(), "matter__number", ref, param=param,
                      what="expense")


def receipt_matter(principal: Principal, ref: str, *, param: str = "receipt") -> Matter:
    """The matter a receipt's expense is on, through the access policy (not found when unseen)."""
    return _matter_of(principal, Receipt.objects.all(), "expense__matter__number", ref,
                      param=param, what="receipt")


def time_entry_matter(principal: Principal, ref: str, *, param: str = "entry") -> Matter:
    """The matter a time entry is on, through the access policy (not found when unseen)."""
    return _matter_of(principal, TimeEntry.objects.all(), "matter__number", ref, param=param,
                      what="time entry")
