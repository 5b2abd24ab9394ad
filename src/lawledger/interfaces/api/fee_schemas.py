"""Schemas of the fee operations: hourly rates, fee arrangements, contingency settlements,
trust replenishment requests and expense receipts.

Amounts are decimal strings next to their currency; a date a rate or an arrangement takes effect
from is `effective_from` (null: all work, past and future). Request bodies refuse unknown fields.
"""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from lawledger.interfaces.api.billing_schemas import Code, Percent
from lawledger.interfaces.api.schemas import Amount, Currency, In, IsoDate, Line, Ref

# A rate may be zero (pro bono work is still recorded at a rate of nothing).
RateAmount = Annotated[str, Field(max_length=20, pattern=r"^[0-9]{1,12}(\.[0-9]{1,3})?$",
                                  examples=["350.00"])]
Email = Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^\s@]+@[^\s@]+$")]


# rates --------------------------------------------------------------------------------------

class RateIn(In):
    timekeeper: Email
    rate: RateAmount = Field(description="Per hour, in the firm's base currency.")
    currency: Currency
    matter: Ref | None = Field(None, description="A rate for this matter only.")
    client: Ref | None = Field(None, description="A rate for this client's matters only.")
    effective_from: IsoDate | None = Field(None, description="Default: all work.")


class RateOut(Schema):
    timekeeper: str
    rate: str
    currency: str
    scope: Literal["timekeeper", "client", "matter"]
    matter: str | None
    client: str | None
    effective_from: str | None


class RateListOut(Schema):
    data: list[RateOut]


class RateQuery(Schema):
    timekeeper: Email | None = None
    matter: Ref | None = Field(None, description="Only the rates that can apply to this matter.")


class TimekeeperIn(In):
    timekeeper: Email
    classification: Literal["PARTNR", "ASSOC", "OFCNSL", "PARLEG", "LEGAST", "OTHER"] | None = None
    ledes_id: Annotated[str, Field(min_length=1, max_length=20,
                                   pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")] | None = None


class TimekeeperOut(Schema):
    timekeeper: str
    ledes_id: str
    classification: str


# fee arrangements ---------------------------------------------------------------------------

class TierIn(In):
    up_to: Amount | None = Field(None, description="The top of this tier; null: the rest.")
    percent: Percent


class ArrangementIn(In):
    kind: Literal["hourly", "flat", "capped", "contingency", "evergreen"]
    currency: Currency
    effective_from: IsoDate | None = Field(None, description="Default: all the matter's work.")
    flat_amount: Amount | None = Field(None, description="flat: the fee for the whole matter.")
    task_fees: dict[Code, Amount] | None = Field(None, description="flat: a fee per UTBMS task.")
    cap: Amount | None = Field(None, description="capped: the most fees billed on the matter.")
    tiers: list[TierIn] | None = Field(None, max_length=10,
                                       description="contingency: percent tiers of the recovery.")
    minimum_balance: Amount | None = Field(None, description="evergreen: the least the client "
                                                             "ledger should hold in trust.")


class TierOut(Schema):
    up_to: str | None
    percent: str


class ArrangementOut(Schema):
    matter: str
    kind: str
    currency: str
    effective_from: str | None
    flat_amount: str | None
    task_fees: dict[str, str | None]
    cap: str | None
    tiers: list[TierOut]
    minimum_balance: str | None


class AsOfDateQuery(Schema):
    as_of: IsoDate | None = None


# settlements and replenishment --------------------------------------------------------------

class LienIn(In):
    payee: Annotated[Line, Field(min_length=1)]
    amount: Amount


class SettlementIn(In):
    gross: Amount = Field(description="The whole recovery, already deposited in trust.")
    currency: Currency
    date: IsoDate
    account: Line | None = Field(None, description="The trust account (when several).")
    liens: list[LienIn] = Field(default_factory=list, max_length=50)


class LienOut(Schema):
    entry: str
    amount: str


class SettlementOut(Schema):
    id: str
    matter: str
    date: str
    currency: str
    gross_recovery: str
    fee: str
    costs: str
    liens: list[LienOut]
    net_to_client: str
    invoice: str | None
    entries: list[str]


class ReplenishmentCheckIn(In):
    matter: Ref | None = Field(None, description="One matter; default: every evergreen matter.")
    date: IsoDate | None = None


class ReplenishmentOut(Schema):
    id: str
    matter: str
    account: str
    date: str
    balance: str
    minimum: str
    requested: str
    currency: str


class ReplenishmentListOut(Schema):
    data: list[ReplenishmentOut]


class RequestRowOut(Schema):
    date: str
    account: str
    balance: str
    minimum: str
    requested: str
    currency: str


class RequestListOut(Schema):
    matter: str
    data: list[RequestRowOut]


# receipts -----------------------------------------------------------------------------------

class ReceiptIn(In):
    filename: Annotated[Line, Field(min_length=1, max_length=200)]
    content_base64: Annotated[str, Field(min_length=4, max_length=1_000_000,
                                         pattern=r"^[A-Za-z0-9+/]+={0,2}$")] = Field(
        description="The PDF, PNG or JPEG file, base64-encoded (the API takes bodies of at most "
                    "1 MiB; larger receipts go through the web app or the CLI).")


class ReceiptUploadOut(Schema):
    id: str
    expense: str
    filename: str
    content_type: str
    bytes: int
    sha256: str
