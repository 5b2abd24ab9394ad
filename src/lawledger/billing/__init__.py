"""Billing: rates, time, expenses, invoices, payments (from trust through the ledger), LEDES."""
