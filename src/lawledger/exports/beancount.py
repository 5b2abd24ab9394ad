"""The books as a beancount v3 journal that `bean-check` accepts.

Every account is opened on the date of its first posting; each journal entry is one transaction
carrying its lawledger id as metadata; the file ends with a `balance` assertion per account and
currency, dated the day after the last entry, so `bean-check` itself proves that beancount's
balances equal lawledger's to the cent.
"""

from __future__ import annotations

import datetime as dt

from lawledger.core.money import format_minor
from lawledger.exports.books import Books, Sink


def _quoted(text: str | None) -> str:
    cleaned = " ".join((text or "").split())  # no newlines or tabs inside a string
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_beancount(books: Books, out: Sink) -> int:
    """Write the journal; returns the number of transactions."""
    out.write(";; lawledger export: trust and operating books (beancount v3)\n")
    for name, (first, _currency) in sorted(books.accounts.items()):
        out.write(f"{first.isoformat()} open {name}\n")
    out.write("\n")
    count = 0
    for entry in books.transactions():
        out.write(f"{entry.date.isoformat()} * {_quoted(entry.party)} {_quoted(entry.narration)}\n"
                  f'  lawledger_id: "{entry.entry_id}"\n  kind: "{entry.kind}"\n')
        for leg in entry.legs:
            out.write(f"  {leg.account}  {format_minor(leg.amount_minor, leg.currency)} "
                      f"{leg.currency}\n")
        out.write("\n")
        count += 1
    if books.last_date is not None:
        day = books.last_date + dt.timedelta(days=1)
        for (name, currency), total in sorted(books.balances.items()):
            out.write(f"{day.isoformat()} balance {name}  {format_minor(total, currency)} "
                      f"{currency}\n")
    return count
