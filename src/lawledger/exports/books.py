"""Read the books for an export, under the access policy, audited, and write the file atomically.

Who: the firm-report roles (admin, bookkeeper, auditor) and the local operator. An export holds
every matter of the books it covers, so a principal walled off any matter in them is refused
rather than handed books that silently leave a client out (and would not balance).

The read, the audit record of the export and the file are one unit: the journal is written to a
temporary file (mode 0600) inside the transaction that appends the audit record, and renamed into
place only after that transaction commits. If anything fails, no file appears.

Account names: the trust bank `Assets:Trust:<account>`, one `Liabilities:Trust:<matter>` per
matter (a matter holding money in two trust accounts has one account for both, in each currency),
firm money kept in trust `Equity:FirmFunds:<account>`, interest owed on
`Liabilities:Interest:<account>`, unidentified receipts `Liabilities:Unidentified:<account>`,
the operating bank `Assets:Operating:<account>` and fees earned `Income:Fees:<account>`.
Amounts keep lawledger's sign: positive is a debit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from django.db import connection, transaction

from lawledger.access.policy import require, visible_matters
from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput, PermissionDenied
from lawledger.core.ledger import AccountKind
from lawledger.crypto.keyring import KEYRING
from lawledger.ledger.accounts import get_bank_account

_ROOTS = {
    AccountKind.TRUST_BANK: "Assets:Trust:{bank}",
    AccountKind.CLIENT: "Liabilities:Trust:{matter}",
    AccountKind.FIRM_FUNDS: "Equity:FirmFunds:{bank}",
    AccountKind.INTEREST: "Liabilities:Interest:{bank}",
    AccountKind.UNIDENTIFIED: "Liabilities:Unidentified:{bank}",
    AccountKind.OPERATING_BANK: "Assets:Operating:{bank}",
    AccountKind.FEE_INCOME: "Income:Fees:{bank}",
}
FETCH_ROWS = 5000


def _execute(cursor: Any, sql: str, bank_ids: list[int]) -> None:
    """Run `sql` with `{marks}` replaced by one placeholder per bank id (values stay parameters)."""
    cursor.execute(sql.replace("{marks}", ", ".join(["%s"] * len(bank_ids))), bank_ids)


def account_component(text: str) -> str:
    """A name both tools accept as one account component: a capital or digit, then [A-Za-z0-9-]."""
    cleaned = re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-") or "X"
    if not (cleaned[0].isdigit() or cleaned[0].isupper()):
        cleaned = cleaned[0].upper() + cleaned[1:] if cleaned[0].isalpha() else "X" + cleaned
    return cleaned


@dataclass(frozen=True, slots=True)
class Leg:
    account: str
    amount_minor: int  # positive: debit
    currency: str


@dataclass(frozen=True, slots=True)
class Transaction:
    entry_id: str
    date: dt.date
    kind: str
    party: str | None
    narration: str
    legs: tuple[Leg, ...]


@dataclass
class Books:
    """What a writer needs: accounts with their first date, the transactions, the balances."""

    accounts: dict[str, tuple[dt.date, str]]      # name → (first date, currency)
    balances: dict[tuple[str, str], int]          # (name, currency) → Σ amounts (debit positive)
    last_date: dt.date | None
    transactions: Callable[[], Iterator[Transaction]]


def _ledger_names() -> dict[int, str]:
    # Every ledger account: an entry of one book may have legs in another (an earned fee).
    with connection.cursor() as cursor:
        cursor.execute("SELECT la.id, la.kind, b.name, m.number FROM ledger_account la "
                       "JOIN ledger_bank_account b ON b.id = la.bank_account_id "
                       "LEFT JOIN firm_matter m ON m.id = la.matter_id")
        return {pk: _ROOTS[AccountKind(kind)].format(bank=account_component(bank),
                                                     matter=account_component(matter or ""))
                for pk, kind, bank, matter in cursor.fetchall()}


def _books(bank_ids: list[int]) -> Books:
    """Account names, first dates and balances of the books (one pass over the postings)."""
    names = _ledger_names()
    accounts: dict[str, tuple[dt.date, str]] = {}
    balances: dict[tuple[str, str], int] = {}
    last: dt.date | None = None
    with connection.cursor() as cursor:
        _execute(cursor, "SELECT p.ledger_account_id, p.currency, MIN(p.effective_date), "
                 "MAX(p.effective_date), SUM(p.amount_minor) FROM ledger_posting p "
                 "JOIN ledger_journal_entry e ON e.id = p.entry_id "
                 "WHERE e.bank_account_id IN ({marks}) GROUP BY p.ledger_account_id, p.currency",
                 bank_ids)
        for pk, currency, first, latest, total in cursor.fetchall():
            name = names[pk]
            first_day, latest_day = _date(first), _date(latest)
            if name not in accounts or first_day < accounts[name][0]:
                accounts[name] = (first_day, currency)
            balances[(name, currency)] = balances.get((name, currency), 0) + int(total)
            last = latest_day if last is None or latest_day > last else last

    def transactions() -> Iterator[Transaction]:
        return _transactions(bank_ids, names)

    return Books(accounts=accounts, balances=balances, last_date=last, transactions=transactions)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _open(public_id: str, column: str, token: str | None) -> str | None:
    if token is None:
        return None
    return KEYRING.open(token, f"ledger_journal_entry.{column}:{public_id}".encode())


def _transactions(bank_ids: list[int], names: dict[int, str]) -> Iterator[Transaction]:
    """Entries in (effective date, recording order), each with its legs, read in pages."""
    sql = ("SELECT e.id, e.public_id, e.effective_date, e.kind, e.payor, e.payee, e.purpose, "
           "m.number, p.ledger_account_id, p.amount_minor, p.currency "
           "FROM ledger_journal_entry e JOIN ledger_posting p ON p.entry_id = e.id "
           "LEFT JOIN firm_matter m ON m.id = e.matter_id "
           "WHERE e.bank_account_id IN ({marks}) ORDER BY e.effective_date, e.id, p.id")
    current: list[Any] | None = None
    legs: list[Leg] = []
    with connection.cursor() as cursor:
        _execute(cursor, sql, bank_ids)
        while rows := cursor.fetchmany(FETCH_ROWS):
            for (entry_pk, public_id, day, kind, payor, payee, purpose, matter, ledger_id, amount,
                 currency) in rows:
                if current is None or current[0] != entry_pk:
                    if current is not None:
                        yield _transaction(current, legs)
                    current = [entry_pk, public_id, day, kind, payor, payee, purpose, matter]
                    legs = []
                legs.append(Leg(names[ledger_id], int(amount), currency))
    if current is not None:
        yield _transaction(current, legs)


def _transaction(row: list[Any], legs: list[Leg]) -> Transaction:
    _, public_id, day, kind, payor, payee, purpose, matter = row
    party = _open(public_id, "payee", payee) or _open(public_id, "payor", payor)
    why = _open(public_id, "purpose", purpose)
    narration = " · ".join(part for part in (kind.replace("_", " "), matter, why) if part)
    return Transaction(public_id, _date(day), kind, party, narration, tuple(legs))


def _bank_ids(principal: Principal, account: str | None) -> tuple[list[int], str | None]:
    if account:
        bank = get_bank_account(account)
        return [bank.pk], bank.name
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM ledger_bank_account ORDER BY name")
        return [row[0] for row in cursor.fetchall()], None


def _refuse_walled(principal: Principal, bank_ids: list[int]) -> None:
    """Books that include a matter this principal may not see are not exported to it (A3, A4)."""
    with connection.cursor() as cursor:
        _execute(cursor, "SELECT DISTINCT matter_id FROM ledger_account "
                 "WHERE matter_id IS NOT NULL AND bank_account_id IN ({marks})", bank_ids)
        in_books = {row[0] for row in cursor.fetchall()}
    if not in_books:
        return
    visible = set(visible_matters(principal).filter(pk__in=sorted(in_books))
                  .values_list("pk", flat=True))
    if in_books - visible:
        raise PermissionDenied("these books include matters you may not see: an export needs a "
                               "user who sees every matter in them", param="account")


class Sink(Protocol):
    def write(self, text: str, /) -> int: ...


Writer = Callable[[Books, Sink], int]


def export_books(principal: Principal, *, writer: Writer, fmt: str, path: str | Path,
                 account: str | None = None) -> dict[str, Any]:
    """Write the books (or one bank account's) to `path` with `writer`; audited; atomic."""
    require(principal, Action.VIEW_FIRM_REPORTS)
    target = Path(path)
    if target.is_dir() or not target.parent.is_dir():
        raise InvalidInput(f"file: {str(path)!r} is not a file in an existing directory",
                           param="file")
    handle, temporary = tempfile.mkstemp(prefix=".lawledger-export-", dir=target.parent)
    try:
        with transaction.atomic():
            bank_ids, bank_name = _bank_ids(principal, account)
            _refuse_walled(principal, bank_ids)
            books = _books(bank_ids) if bank_ids else Books({}, {}, None, lambda: iter(()))
            digest = hashlib.sha256()
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                count = writer(books, _Hashing(out, digest))
                out.flush()
                os.fsync(out.fileno())
            record(principal, Event.EXPORT_CREATED, object_type="books",
                   object_id=bank_name or "all",
                   details={"format": fmt, "account": bank_name or "", "entries": count,
                            "file": target.name, "sha256": digest.hexdigest()})
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return {"format": fmt, "file": str(target), "account": bank_name, "entries": count,
            "accounts": len(books.accounts), "sha256": digest.hexdigest()}


class _Hashing:
    """A text file that also hashes what is written (the audit record names the file's sha256)."""

    def __init__(self, out: TextIO, digest: Any) -> None:
        self.out = out
        self.digest = digest

    def write(self, text: str) -> int:
        self.digest.update(text.encode("utf-8"))
        return self.out.write(text)
