"""Statements built by hand for service tests (the parsers have their own tests)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from lawledger.core.formats.statement import LineKind, Statement, StatementLine
from tests import factories


def line(number: int, day: str, amount_minor: int, kind: LineKind = LineKind.OTHER,
         **kwargs: Any) -> StatementLine:
    return StatementLine(line_number=number, posted_on=dt.date.fromisoformat(day),
                         amount_minor=amount_minor, kind=kind, **kwargs)


def statement(*lines: StatementLine, account_number: str = "", currency: str = "USD",
              closing_minor: int | None = None, closing_day: str | None = None,
              start: str | None = None, end: str | None = None,
              format: str = "csv") -> Statement:
    return Statement(format=format, currency=currency, account_number=account_number,
                     period_start=dt.date.fromisoformat(start) if start else None,
                     period_end=dt.date.fromisoformat(end) if end else None,
                     closing_balance_minor=closing_minor,
                     closing_balance_date=dt.date.fromisoformat(closing_day) if closing_day
                     else None, lines=tuple(lines))


def load(*statements: Statement, account: str = "IOLTA", actor: Any = None,
         name: str | None = None) -> Any:
    """Import parsed statements as one file whose bytes are `name` (or the statements' repr)."""
    from lawledger.banking.services import import_statements
    from lawledger.ledger.accounts import get_bank_account

    body = (name or repr(statements)).encode()
    return import_statements(actor=actor or factories.OPERATOR, bank=get_bank_account(account),
                             statements=list(statements),
                             file_sha256=hashlib.sha256(body).hexdigest(),
                             file_size_bytes=len(body), file_name="statement.csv")
