"""What every bank statement parser returns, whatever the file format.

Amounts are signed integer minor units from the account holder's side: positive is money into the
account (a credit on the statement), negative is money out. A file may hold several statements
(one per account), so parsers return a list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from lawledger.core.errors import InvalidInput


class LineKind(StrEnum):
    """The bank's transaction code, normalised across formats."""

    DEPOSIT = "deposit"          # credit: deposit, incoming transfer, direct deposit
    CHECK = "check"              # debit: a check presented
    PAYMENT = "payment"          # debit: outgoing transfer, wire, ACH, card
    FEE = "fee"                  # bank charge
    INTEREST = "interest"        # interest credited
    RETURNED = "returned"        # a returned or reversed item
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class StatementLine:
    line_number: int                 # where it is in the file (1-based), for error messages
    posted_on: dt.date               # booking date
    amount_minor: int                # signed: + money in, - money out
    kind: LineKind = LineKind.OTHER
    bank_reference: str = ""         # the bank's own id for the line (FITID, AcctSvcrRef, …)
    check_number: str = ""
    counterparty: str = ""           # payee / payor name as the bank shows it
    description: str = ""            # memo, remittance information
    end_to_end_id: str = ""          # CAMT EndToEndId, BAI2 customer reference, MT940 ?20…
    value_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    format: str                      # "ofx", "camt053", "bai2", "mt940", "csv"
    currency: str                    # ISO 4217
    account_number: str = ""         # as written in the file ("" when the format has none)
    bank_code: str = ""              # routing number, BIC, BANKID
    statement_id: str = ""           # the file's own id for the statement, when it has one
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    opening_balance_minor: int | None = None
    closing_balance_minor: int | None = None
    closing_balance_date: dt.date | None = None
    lines: tuple[StatementLine, ...] = field(default_factory=tuple)


class StatementRejected(InvalidInput):
    """A well-formed file that is not a bank statement we can take (investment, error response…)."""

    code = "statement_rejected"


class StatementMalformed(InvalidInput):
    """A file that claims a format but breaks it: the message names the line or field."""

    code = "statement_malformed"
