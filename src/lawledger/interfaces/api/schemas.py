"""Request and response schemas shared by the routers, and the field types they are built from.

Every request schema forbids unknown fields (A6: a 422 naming the field). Amounts are decimal
strings next to their currency, never JSON numbers; dates are ISO strings; ids are prefixed
public ids (`mat_…`, `cli_…`, `je_…`, `acct_…`, `tok_…`) or the human numbers (C-0001, M-0001).
String fields refuse control characters before anything reaches a query or a service.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Schema
from ninja.params import functions as params
from pydantic import BeforeValidator, ConfigDict, Field, StrictInt

from lawledger.apitokens.scopes import Scope

_SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
_MULTI_LINE = r"^[^\x00-\x08\x0b-\x1f\x7f]*$"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# A matter, client or entry: its public id or its human number.
Ref = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
                           examples=["mat_3k9fz0q1m8w2c7hx", "M-0001"])]
# A bank account: its public id or its name.
AccountName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$",
                                   examples=["IOLTA", "acct_3k9fz0q1m8w2c7hx"])]
# More than zero, digits and one point only: "1250.00" (the currency decides how many decimals).
Amount = Annotated[str, Field(
    max_length=20, pattern=r"^(?:[0-9]*[1-9][0-9]*(?:\.[0-9]{1,3})?|[0-9]+\.[0-9]{0,2}[1-9])$",
    examples=["1250.00"], description="A positive decimal string in the account's currency.")]
SignedAmount = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", examples=["-12.50"])]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USD"])]
Cursor = Annotated[str, Field(max_length=600, pattern=r"^[A-Za-z0-9_-]+$",
                              description="The next_cursor of the previous page.")]
Limit = Annotated[int, Field(ge=1, le=100, description="Rows per page (1-100).")]
# An id in a path: anything else is simply not found.
PATH_REF: Any = params.Path(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _text(max_length: int, *, multiline: bool = False, min_length: int = 0) -> Any:
    return Field(min_length=min_length, max_length=max_length,
                 pattern=_MULTI_LINE if multiline else _SINGLE_LINE)


def _date_string(value: Any) -> Any:
    # JSON has no date type: only "YYYY-MM-DD" strings, never numbers read as timestamps.
    # Nor digits alone: pydantic would read "0" as a Unix timestamp (1970-01-01).
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date string YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_date_string)]
Line = Annotated[str, _text(200)]
Memo = Annotated[str, _text(2000, multiline=True)]


class In(Schema):
    """Base of request bodies: unknown fields are refused, and nothing is coerced from numbers."""

    model_config = ConfigDict(extra="forbid")


class ClientRef(Schema):
    id: str
    number: str
    name: str


class MatterRef(Schema):
    id: str
    number: str
    title: str


class AccountRef(Schema):
    id: str
    name: str


# clients ------------------------------------------------------------------------------------------

class ClientOut(Schema):
    id: str
    number: str
    name: str
    created_at: dt.datetime


class ClientDetailOut(ClientOut):
    email: str | None
    phone: str | None
    address: str | None
    notes: str | None


class ClientPage(Schema):
    data: list[ClientOut]
    next_cursor: str | None


class ClientIn(In):
    name: Annotated[str, _text(200, min_length=1)]
    number: Ref | None = None
    email: Line | None = None
    phone: Line | None = None
    address: Memo | None = None
    notes: Memo | None = None


# matters ------------------------------------------------------------------------------------------

class MatterOut(Schema):
    id: str
    number: str
    title: str
    status: Literal["open", "closed"]
    client: ClientRef
    opened_on: dt.date
    closed_on: dt.date | None
    responsible: str | None


class TrustBalanceOut(Schema):
    account: AccountRef
    currency: str
    balance: str


class MatterDetailOut(MatterOut):
    description: str | None
    trust_balances: list[TrustBalanceOut]


class MatterPage(Schema):
    data: list[MatterOut]
    next_cursor: str | None


class MatterIn(In):
    client: Ref
    title: Annotated[str, _text(300, min_length=1)]
    number: Ref | None = None
    responsible: Annotated[str, _text(254)] | None = Field(
        None, description="E-mail of the responsible attorney.")
    description: Memo | None = None


# bank accounts ------------------------------------------------------------------------------------

class BankAccountOut(Schema):
    id: str
    name: str
    kind: Literal["trust", "operating"]
    currency: str
    balance: str
    client_ledgers_total: str | None
    last_entry: dt.date | None


class BankAccountList(Schema):
    data: list[BankAccountOut]


class BankAccountIn(In):
    name: Annotated[str, _text(100, min_length=1)]
    kind: Literal["trust", "operating"]
    currency: Currency | None = None
    bank_name: Line | None = None
    account_number: Annotated[str, Field(max_length=34, pattern=r"^[A-Za-z0-9 -]*$")] | None = None
    matter: Ref | None = Field(None, description="A separate trust account kept for one matter.")


# tokens and audit ---------------------------------------------------------------------------------

class TokenOut(Schema):
    id: str
    name: str
    prefix: str
    user: str
    scopes: list[str]
    clients: list[str] | None
    status: Literal["active", "expired", "revoked"]
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenList(Schema):
    data: list[TokenOut]


class TokenCreatedOut(Schema):
    token: TokenOut
    secret: str | None = Field(description="The token text, shown once; null on a replay.")

    def for_replay(self) -> TokenCreatedOut:
        """What an idempotent replay answers: never the secret again (it is not kept)."""
        return self.model_copy(update={"secret": None})


class TokenIn(In):
    name: Annotated[str, _text(100, min_length=1)]
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope))
    clients: list[Ref] | None = Field(None, max_length=100,
                                      description="Limit the token to these clients.")
    expires_in_days: Annotated[StrictInt, Field(ge=1, le=365)] | None = None


class AuditVerifyOut(Schema):
    ok: bool
    records: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None
    problem: str | None

