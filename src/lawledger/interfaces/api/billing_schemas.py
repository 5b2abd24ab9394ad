"""Schemas of the billing operations: time, expenses, invoices, payments, LEDES and reports.

Amounts are decimal strings next to their currency; ids are prefixed public ids (`te_…`, `ex_…`,
`inv_…`, `pay_…`) or invoice numbers. Request bodies refuse unknown fields (A6), so a caller
can never set `status`, `total` or `number` by sending them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, StrictBool

from lawledger.interfaces.api.schemas import Amount, Currency, In, IsoDate, Line, Ref

Minutes = Annotated[str, Field(pattern=r"^[0-9]{1,5}$", examples=["90"],
                               description="Whole minutes worked, as a string.")]
Quantity = Annotated[str, Field(pattern=r"^[0-9]{1,9}(\.[0-9]{1,3})?$", examples=["12"])]
Code = Annotated[str, Field(pattern=r"^[A-Z][0-9]{3}$", examples=["L110"])]
Percent = Annotated[str, Field(pattern=r"^[0-9]{1,3}(\.[0-9]{1,2})?$", examples=["10"])]


# time and expenses ------------------------------------------------------------------------

class TimeIn(In):
    matter: Ref
    minutes: Minutes
    timekeeper: Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^\s@]+@[^\s@]+$")]
    date: IsoDate
    narrative: Annotated[str, Field(min_length=1, max_length=4000,
                                    pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")]
    task: Code | None = None
    activity: Code | None = None
    status: Literal["billable", "no_charge", "non_billable"] = "billable"


class TimeOut(Schema):
    id: str
    matter: str
    date: str
    timekeeper: str
    minutes: int
    billable_minutes: int
    hours: str
    task: str | None
    activity: str | None
    status: str
    rate: str | None
    rate_source: str | None


class TimeRowOut(Schema):
    id: str
    date: str
    timekeeper: str
    minutes: int
    billable_minutes: int
    hours: str
    task: str | None
    activity: str | None
    status: str
    narrative: str
    invoice: str | None


class TimeListOut(Schema):
    matter: str
    data: list[TimeRowOut]


class ExpenseIn(In):
    matter: Ref
    amount: Amount = Field(description="The cost of one unit (the whole cost when quantity is 1).")
    currency: Currency | None = None
    date: IsoDate
    description: Line
    code: Code | None = None
    quantity: Quantity | None = None
    cost_kind: Literal["hard", "soft"] = "hard"
    status: Literal["billable", "no_charge", "non_billable"] = "billable"
    from_trust: StrictBool = Field(False, description="Paid from the client's trust money (a "
                                                      "trust disbursement).")
    account: Line | None = Field(None, description="The trust account, when from_trust.")
    payee: Line | None = Field(None, description="Who was paid, when from_trust.")


class ReceiptOut(Schema):
    id: str
    filename: str
    bytes: int


class ExpenseOut(Schema):
    id: str
    date: str
    description: str
    code: str | None
    quantity: str
    unit_cost: str
    amount: str
    currency: str
    cost_kind: str
    status: str
    paid_from: str
    trust_entry: str | None
    receipts: list[ReceiptOut]
    invoice: str | None


class ExpenseListOut(Schema):
    matter: str
    data: list[ExpenseOut]


# invoices ---------------------------------------------------------------------------------

class DraftIn(In):
    matter: Ref
    through: IsoDate | None = Field(None, description="Work up to this date (default today).")


class FinalizeIn(In):
    date: IsoDate | None = Field(None, description="The invoice date (default today).")


class DiscountIn(In):
    reason: Line
    percent: Percent | None = None
    amount: Amount | None = None


class WriteOffIn(In):
    reason: Line
    amount: Amount | None = Field(None, description="Default: the whole balance due.")
    date: IsoDate | None = None


class CreditNoteIn(In):
    reason: Line
    amount: Amount | None = Field(None, description="Default: the whole invoice.")
    date: IsoDate | None = None


class InvoiceLineOut(Schema):
    number: int
    kind: str
    category: str
    code: str | None
    date: str
    minutes: int | None
    hours: str | None
    quantity: str | None
    rate: str | None
    rate_source: str | None
    standard_amount: str
    adjustment: str
    adjustment_reason: str | None
    amount: str
    task: str | None
    activity: str | None
    expense_code: str | None
    timekeeper: str | None
    no_charge: bool
    description: str
    entry: str | None


class ReplenishmentOut(Schema):
    requested: str
    minimum: str
    date: str


class InvoiceOut(Schema):
    id: str
    number: str | None
    kind: str
    status: str
    currency: str
    matter: str
    matter_title: str
    client: str
    client_name: str
    responsible: str | None
    date: str | None
    due_date: str | None
    period_start: str | None
    period_end: str
    fees: str | None
    expenses: str | None
    tax: str | None
    total: str | None
    paid: str | None
    credited: str | None
    written_off: str | None
    balance_due: str | None
    trust_balance: str | None
    previous_balance: str | None
    approved_by: str | None
    approved: bool
    credits: str | None
    credit_notes: list[str]
    note: str | None
    arrangement: str | None
    replenishment: ReplenishmentOut | None
    lines: list[InvoiceLineOut]


class InvoiceSummaryOut(Schema):
    id: str
    number: str | None
    kind: str
    status: str
    matter: str
    client: str
    client_name: str
    date: str | None
    due_date: str | None
    period_end: str
    currency: str
    total: str
    balance_due: str


class InvoicePage(Schema):
    data: list[InvoiceSummaryOut]
    next_cursor: str | None


class LedesOut(Schema):
    format: Literal["LEDES1998B"]
    invoices: list[str]
    lines: int
    content: str = Field(description="The LEDES 1998B file, lines ending in '[]'.")


class LedesIn(In):
    content: Annotated[str, Field(min_length=1, max_length=900_000)]


class LedesProblemOut(Schema):
    line: int
    field: str | None
    message: str


class LedesReportOut(Schema):
    valid: bool
    invoices: list[str]
    line_items: int
    first_bad_line: int | None
    problems: list[LedesProblemOut]


# payments ---------------------------------------------------------------------------------

class InvoicePaymentIn(In):
    amount: Amount
    currency: Currency = Field(description="Must be the invoice's currency.")
    date: IsoDate
    from_trust: StrictBool = Field(False, description="An earned-fee transfer from the matter's "
                                                      "trust money to operating.")
    account: Line | None = Field(None, description="The trust account, when from_trust.")
    method: Literal["check", "wire", "card", "ach", "cash"] | None = None
    reference: Line | None = None


class PaymentIn(In):
    client: Ref
    amount: Amount
    currency: Currency
    date: IsoDate
    method: Literal["check", "wire", "card", "ach", "cash"] | None = None
    reference: Line | None = None
    invoices: list[Annotated[str, Field(min_length=1, max_length=64,
                                        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]] | None = \
        Field(None, max_length=100, description="Apply to these, in order (default: oldest "
                                                "first).")


class AppliedOut(Schema):
    invoice: str | None
    amount: str
    balance_due: str


class PaymentOut(Schema):
    id: str
    client: str
    date: str
    amount: str
    currency: str
    method: str
    reference: str | None
    trust_entry: str | None
    applied: list[AppliedOut]
    credit: str
    warnings: list[str]


# reports ----------------------------------------------------------------------------------

class AsOfQuery(Schema):
    as_of: IsoDate | None = None


class PeriodQuery(Schema):
    date_from: Annotated[IsoDate | None, Field(alias="from")] = None
    date_to: Annotated[IsoDate | None, Field(alias="to")] = None


class WipOut(Schema):
    as_of: str
    matters: list[dict[str, Any]]
    totals: dict[str, str]


class AgingOut(Schema):
    as_of: str
    buckets: list[str]
    clients: list[dict[str, Any]]
    totals: dict[str, dict[str, str]]


class RealizationOut(Schema):
    date_from: str | None
    date_to: str
    timekeepers: list[dict[str, Any]]
    matters: list[dict[str, Any]]


class StatementOut(Schema):
    client: str
    name: str
    date_from: str | None
    date_to: str
    currencies: list[dict[str, Any]]
    trust: list[dict[str, Any]]


class BillingRunIn(In):
    through: IsoDate | None = Field(None, description="Work up to this date (default today).")


class BillingRunOut(Schema):
    through: str
    matters: int
    drafted: list[dict[str, str]]
    skipped: int
    failed: list[dict[str, str | None]]


class InvoicePdfOut(Schema):
    name: str
    content_type: Literal["application/pdf"]
    content_base64: str = Field(description="The PDF file, base64-encoded.")
