"""Schemas of the trust ledger operations: entries posted and read, ledgers, journals, listing."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from ninja import Schema
from pydantic import Field, StrictBool

from lawledger.interfaces.api.schemas import (
    AccountName,
    AccountRef,
    Amount,
    ClientRef,
    Currency,
    In,
    IsoDate,
    Line,
    MatterRef,
    Memo,
    Ref,
)

CheckNumber = Line


class Money(In):
    amount: Amount
    currency: Currency = Field(description="Must be the bank account's currency.")


class DepositIn(Money):
    matter: Ref
    account: AccountName
    date: IsoDate
    payor: Line
    method: Literal["check", "wire", "ach", "card", "cash"] | None = None
    reference: Line | None = None
    memo: Memo | None = None


class DisbursementIn(Money):
    matter: Ref
    account: AccountName
    date: IsoDate
    payee: Line
    method: Literal["check", "wire", "ach", "eft"] | None = None
    check_number: CheckNumber | None = None
    reference: Line | None = None
    purpose: Line | None = None
    memo: Memo | None = None
    override_uncleared: StrictBool = False


class RefundIn(Money):
    matter: Ref
    account: AccountName
    date: IsoDate
    payee: Line
    method: Literal["check", "wire", "ach", "eft"] | None = None
    check_number: CheckNumber | None = None
    reference: Line | None = None
    memo: Memo | None = None


class TransferIn(Money):
    from_matter: Ref
    to_matter: Ref
    account: AccountName
    date: IsoDate
    memo: Memo | None = None


class EarnedFeeIn(Money):
    matter: Ref
    account: AccountName
    operating_account: AccountName | None = None
    date: IsoDate
    invoice: Line | None = None
    memo: Memo | None = None


class ReversalIn(In):
    reason: Line
    date: IsoDate | None = None


class LedgerBalanceOut(Schema):
    matter: str
    balance: str


class EntryOut(Schema):
    id: str
    kind: str
    date: dt.date
    amount: str
    currency: str
    account: AccountRef
    matter: MatterRef | None
    counter_matter: MatterRef | None
    payor: str | None
    payee: str | None
    purpose: str | None
    memo: str | None
    method: str
    check_number: str | None
    reference: str
    invoice: str | None
    reverses: str | None
    recorded_at: dt.datetime
    recorded_by: str
    client_ledger_balances: list[LedgerBalanceOut]
    warnings: list[str]


class ApprovalOut(Schema):
    """A disbursement or refund at the firm's approval threshold: nothing is posted yet; another
    user approves it on the web, with a fresh second factor (SECURITY.md D7). Answered with 202."""

    http_status: ClassVar[int] = 202
    status: str
    request: str
    kind: str
    date: dt.date
    amount: str
    currency: str
    account: str
    matter: str
    payee: str | None
    requested_by: str
    requested_at: dt.datetime


class LineOut(Schema):
    """One row of a ledger or journal; `amount` is signed from that ledger's side. A row that
    touches a matter the caller may not see is `restricted`: its date, kind and amounts stay (the
    books must add up) and everything that would say whose money it was is null."""

    id: str
    date: dt.date
    kind: str
    amount: str
    running_balance: str
    payor: str | None
    payee: str | None
    purpose: str | None
    memo: str | None
    method: str | None
    check_number: str | None
    reference: str | None
    invoice: str | None
    matter: str | None
    counter_matter: str | None
    reverses: str | None
    recorded_at: dt.datetime
    recorded_by: str | None
    restricted: bool = False


class ClientLedgerOut(Schema):
    matter: MatterRef
    client: ClientRef
    account: AccountRef | None
    currency: str
    opening_balance: str
    balance: str
    entries: list[LineOut]


class JournalOut(Schema):
    account: AccountRef
    kind: Literal["trust", "operating"]
    currency: str
    opening_balance: str
    balance: str
    entries: list[LineOut]


class ListingLedgerOut(Schema):
    kind: str
    matter: str | None
    matter_title: str | None
    client: str | None
    client_number: str | None
    balance: str
    last_activity: dt.date | None


class ListingAccountOut(Schema):
    account: AccountRef
    currency: str
    total: str
    ledgers: list[ListingLedgerOut]


class ListingOut(Schema):
    as_of: dt.date
    accounts: list[ListingAccountOut]
