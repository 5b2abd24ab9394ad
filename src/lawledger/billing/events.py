"""Billing's audit events (values namespaced "billing."), written by its services and queries."""

from __future__ import annotations

from enum import StrEnum


class BillingEvent(StrEnum):
    SETTINGS_CHANGED = "billing.settings_changed"
    RATE_SET = "billing.rate_set"
    TIMEKEEPER_UPDATED = "billing.timekeeper_updated"
    ARRANGEMENT_SET = "billing.arrangement_set"
    TIME_RECORDED = "billing.time_recorded"
    TIME_CHANGED = "billing.time_changed"
    TIME_DELETED = "billing.time_deleted"
    TIME_VIEWED = "billing.time_viewed"
    EXPENSE_RECORDED = "billing.expense_recorded"
    EXPENSES_VIEWED = "billing.expenses_viewed"
    RECEIPT_ATTACHED = "billing.receipt_attached"
    RECEIPT_VIEWED = "billing.receipt_viewed"
    INVOICE_DRAFTED = "billing.invoice_drafted"
    INVOICE_ADJUSTED = "billing.invoice_adjusted"
    INVOICE_APPROVED = "billing.invoice_approved"
    INVOICE_FINALIZED = "billing.invoice_finalized"
    DRAFT_DELETED = "billing.draft_deleted"
    INVOICE_VIEWED = "billing.invoice_viewed"
    INVOICES_LISTED = "billing.invoices_listed"
    INVOICE_EXPORTED = "billing.invoice_exported"
    CREDIT_NOTE_ISSUED = "billing.credit_note_issued"
    PAYMENT_RECORDED = "billing.payment_recorded"
    CREDIT_APPLIED = "billing.credit_applied"
    WRITE_OFF_RECORDED = "billing.write_off"
    REFUND_RECORDED = "billing.refund"
    BILLING_RUN = "billing.run"
    SETTLEMENT_RECORDED = "billing.settlement"
    REPLENISHMENT_REQUESTED = "billing.replenishment_requested"
    REPORT_VIEWED = "billing.report_viewed"
