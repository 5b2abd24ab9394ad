"""Schemas of the billing operations added after the first set: editing and deleting time,
taking lines off a pre-bill, applying and refunding credit, the billing settings and the
earned-fees-left-in-trust report. Bodies refuse unknown fields (A6); amounts are decimal strings
next to their currency."""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StrictBool

from lawledger.interfaces.api.billing_schemas import Code, Minutes
from lawledger.interfaces.api.schemas import Amount, Currency, In, IsoDate, Line, Ref


class TimeEditIn(In):
    """Only the fields sent change."""

    minutes: Minutes | None = None
    date: IsoDate | None = None
    narrative: Annotated[str, Field(min_length=1, max_length=4000,
                                    pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")] | None = None
    task: Code | None = None
    activity: Code | None = None
    status: Literal["billable", "no_charge", "non_billable"] | None = None


class DeletedOut(Schema):
    id: str
    deleted: bool


class LineRemoveIn(In):
    non_billable: StrictBool = Field(False, description="Never bill it (a write-down of WIP); "
                                                        "then a reason is required.")
    reason: Line | None = None


class CreditApplyIn(In):
    date: IsoDate | None = None


class CreditAppliedOut(Schema):
    invoice: str | None
    amount: str
    currency: str


class CreditApplicationOut(Schema):
    client: str
    applied: list[CreditAppliedOut]


class RefundIn(In):
    source: Ref = Field(description="The payment (pay_…) or credit note whose unapplied credit "
                                    "is paid back.")
    amount: Amount
    currency: Currency
    date: IsoDate
    method: Literal["check", "wire", "card", "ach", "cash"] | None = None
    reference: Line | None = None


class RefundOut(Schema):
    id: str
    source: str
    client: str
    amount: str
    currency: str
    date: str
    method: str
    reference: str | None


Percent = Annotated[str, Field(pattern=r"^[0-9]{1,3}(\.[0-9]{1,2})?$", examples=["8.25"])]


class BillingSettingsIn(In):
    """Only the settings sent change, all in one transaction."""

    tax_rate: Percent | None = None
    tax_label: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    tax_on_expenses: StrictBool | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] | None = None
    require_prebill_approval: StrictBool | None = None
    ledes_law_firm_id: Annotated[str, Field(max_length=20)] | None = None


class BillingSettingsOut(Schema):
    tax_rate: str
    tax_label: str
    tax_on_expenses: bool
    payment_terms_days: int
    require_prebill_approval: bool
    ledes_law_firm_id: str


class EarnedFeeRowOut(Schema):
    invoice: str
    matter: str
    client: str
    client_name: str
    date: str
    days_outstanding: int
    currency: str
    balance_due: str
    trust_balance: str
    transferable: str


class EarnedFeesOut(Schema):
    as_of: str
    days: int
    invoices: list[EarnedFeeRowOut]
