"""LEDES 1998B export of finalized invoices: the invoice rows mapped onto the pure exporter.

Fee lines are F (units = hours, unit cost = the rate), expense lines E (units = quantity), and
invoice-level adjustments (discounts, flat fees, fee caps, taxes, credits) IF or IE with the amount
in LINE_ITEM_ADJUSTMENT_AMOUNT, as the spec's own retainer line. Narratives are decrypted only
here, inside the audited transaction, and made safe for the format by the exporter.
"""

from __future__ import annotations

import re

from django.db import transaction

from lawledger.audit.services import record
from lawledger.billing.common import BillingAct, billing_settings
from lawledger.billing.events import BillingEvent
from lawledger.billing.invoicing import get_invoice
from lawledger.billing.models import Invoice, InvoiceLine, Timekeeper
from lawledger.core.access import Principal
from lawledger.core.billing import InvoiceNotFinalized, format_quantity, hours_text
from lawledger.core.formats import ledes
from lawledger.firm.queries import firm_settings

_UTBMS = re.compile(r"^[A-Z][0-9]{3}$")


def timekeeper_name(full_name: str, email: str) -> str:
    """"Ada Lovelace" → "Lovelace, Ada" (LEDES 1998B writes last name first)."""
    parts = full_name.split()
    if len(parts) >= 2:
        return f"{parts[-1]}, {' '.join(parts[:-1])}"
    return full_name.strip() or email.split("@", 1)[0]


def _line(line: InvoiceLine, invoice: Invoice, keepers: dict[int, Timekeeper]) -> ledes.LedesLine:
    currency = invoice.currency
    if line.kind == InvoiceLine.Kind.FEE:
        keeper = keepers.get(line.timekeeper_id or 0)
        user = line.timekeeper
        assert line.time_entry is not None and line.minutes is not None and user is not None
        return ledes.LedesLine(
            kind="F", date=line.line_date, units=hours_text(line.minutes),
            unit_cost_minor=line.rate_minor or 0, adjustment_minor=line.adjustment_minor,
            total_minor=line.amount_minor, currency=currency,
            description=line.time_entry.narrative, task_code=line.task_code,
            activity_code=line.activity_code,
            timekeeper_id=keeper.number if keeper else f"TK-{user.pk:04d}",
            timekeeper_name=timekeeper_name(user.full_name, user.email),
            timekeeper_classification=keeper.classification if keeper else "OTHER")
    if line.kind == InvoiceLine.Kind.EXPENSE:
        assert line.expense is not None and line.quantity_thousandths is not None
        return ledes.LedesLine(
            kind="E", date=line.line_date, units=format_quantity(line.quantity_thousandths),
            unit_cost_minor=line.rate_minor or 0, adjustment_minor=line.adjustment_minor,
            total_minor=line.amount_minor, currency=currency,
            description=line.expense.description, expense_code=line.expense_code)
    return ledes.LedesLine(
        kind="IF" if line.category == "fees" else "IE", date=line.line_date, units="1",
        unit_cost_minor=None, adjustment_minor=line.amount_minor, total_minor=line.amount_minor,
        currency=currency, description=line.label,
        task_code=line.task_code if _UTBMS.match(line.task_code or "") else "")


def ledes_invoice(invoice: Invoice) -> ledes.LedesInvoice:
    if invoice.status != Invoice.Status.FINALIZED or invoice.issue_date is None:
        raise InvoiceNotFinalized(f"invoice: {invoice.public_id} is a draft; only a finalized "
                                  "invoice is exported", param="invoice")
    lines = list(InvoiceLine.objects.filter(invoice=invoice).select_related(
        "timekeeper", "time_entry", "expense").order_by("number"))
    keepers = {keeper.user_id: keeper for keeper in Timekeeper.objects.filter(
        user_id__in={line.timekeeper_id for line in lines if line.timekeeper_id})}
    law_firm_id = billing_settings().ledes_law_firm_id or firm_settings().name
    return ledes.LedesInvoice(
        invoice_date=invoice.issue_date, invoice_number=invoice.number or "",
        client_id=invoice.client.number, law_firm_matter_id=invoice.matter.number,
        billing_start=invoice.period_start or invoice.period_end,
        billing_end=invoice.period_end, description=invoice.matter.title,
        law_firm_id=law_firm_id, currency=invoice.currency,
        lines=tuple(_line(line, invoice, keepers) for line in lines))


def ledes_export(principal: Principal, refs: list[str]) -> tuple[str, list[Invoice]]:
    """The LEDES 1998B text of one or more finalized invoices (each export audited)."""
    with transaction.atomic():
        invoices = [get_invoice(principal, ref, BillingAct.VIEW) for ref in refs]
        for invoice in invoices:
            record(principal, BillingEvent.INVOICE_EXPORTED, object_type="invoice",
                   object_id=invoice.public_id, matter_ref=invoice.matter.number,
                   client_ref=invoice.client.number,
                   details={"format": "ledes1998b", "number": invoice.number})
        text = ledes.export([ledes_invoice(invoice) for invoice in invoices])
    return text, invoices
