"""Pieces several packs share: the US monthly cadence, the basic record requirements, what a US
unclaimed-property remittance records, and the shape of a pack's firm defaults."""

from __future__ import annotations

from lawledger.core.jurisdictions.model import (
    ELECTRONIC_METHODS,
    PAYMENTS,
    RECEIPTS,
    Cadence,
    Deadline,
    DeadlineKind,
    Period,
    RecordField,
    RecordRequirement,
)

# "Monthly" with no stated deadline: lawledger reads it as "the month's reconciliation is done
# before the following month ends" (a March reconciliation is overdue on 1 May).
END_OF_NEXT_MONTH = Deadline(DeadlineKind.END_OF_NEXT_MONTH)


def monthly(kind: str, label: str, source: str) -> Cadence:
    return Cadence(kind, label, Period.MONTH, END_OF_NEXT_MONTH, source)


def payor_and_payee(source: str) -> tuple[RecordRequirement, ...]:
    """Every receipt names who paid it in; every payment names who was paid."""
    return (RecordRequirement(RecordField.PAYOR, RECEIPTS, source),
            RecordRequirement(RecordField.PAYEE, PAYMENTS, source))


def check_numbers(source: str) -> RecordRequirement:
    return RecordRequirement(RecordField.CHECK_NUMBER, PAYMENTS, source, frozenset({"check"}))


def electronic_references(source: str) -> RecordRequirement:
    return RecordRequirement(RecordField.REFERENCE, PAYMENTS, source, ELECTRONIC_METHODS)


# What a US state's unclaimed-property report asks of each remitted balance.
US_UNCLAIMED_RECORDS = ("owner", "last known address", "steps taken to find the owner", "amount",
                        "date paid", "payee")


def firm_defaults(currency: str, time_zone: str, *, inactive_balance_months: int,
                  uncleared_funds: str = "warn") -> tuple[tuple[str, str], ...]:
    """The settings a firm choosing the pack starts with; every pack clears in five business days."""
    return (("uncleared_funds", uncleared_funds), ("clearing_business_days", "5"),
            ("inactive_balance_months", str(inactive_balance_months)),
            ("base_currency", currency), ("time_zone", time_zone))
