"""Billing's commands, the app's public write surface: one transaction each, with its audit record.

The work is done in the modules named below; interfaces and other apps import from here.
"""

from __future__ import annotations

from lawledger.billing.arrangements import arrangement_set, replenishment_check
from lawledger.billing.entries import (
    expense_record,
    receipt_attach,
    receipt_read,
    time_delete,
    time_record,
    time_update,
)
from lawledger.billing.finalize import billing_run, credit_note_issue, invoice_finalize
from lawledger.billing.invoicing import (
    invoice_approve,
    invoice_delete,
    invoice_discount_add,
    invoice_draft,
    invoice_line_remove,
)
from lawledger.billing.payments import (
    credit_apply,
    invoice_pay,
    payment_receive,
    refund_record,
    write_off,
)
from lawledger.billing.rates import rate_set, timekeeper_set
from lawledger.billing.settings import billing_set
from lawledger.billing.settlement import settlement_record

__all__ = [
    "arrangement_set", "billing_run", "billing_set", "credit_apply", "credit_note_issue",
    "expense_record", "invoice_approve", "invoice_delete", "invoice_discount_add",
    "invoice_draft", "invoice_finalize", "invoice_line_remove", "invoice_pay", "payment_receive",
    "rate_set", "receipt_attach", "receipt_read", "refund_record", "replenishment_check",
    "settlement_record", "time_delete", "time_record", "time_update", "timekeeper_set",
    "write_off",
]
