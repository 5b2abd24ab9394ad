"""The books as an hledger (and ledger-cli) journal.

Each journal entry is one transaction, `DATE * PARTY | NARRATION` with its lawledger id as a tag;
account declarations come first so `hledger check accounts` passes, and the last posting of each
account in the file carries a balance assertion (`= BALANCE`), so hledger itself proves that its
balances equal lawledger's to the cent.
"""

from __future__ import annotations

from lawledger.core.money import format_minor
from lawledger.exports.books import Books, Sink


def _text(text: str | None) -> str:
    # ';' starts a comment and '|' splits payee from note: neither may appear inside a field.
    return " ".join((text or "").replace(";", ",").replace("|", "/").split())


def write_hledger(books: Books, out: Sink) -> int:
    """Write the journal; returns the number of transactions."""
    out.write("; lawledger export: trust and operating books (hledger / ledger journal)\n\n")
    for name in sorted(books.accounts):
        out.write(f"account {name}\n")
    out.write("\n")
    count = 0
    for entry in books.transactions():
        party = _text(entry.party) or "-"
        out.write(f"{entry.date.isoformat()} * {party} | {_text(entry.narration)}  "
                  f"; lawledger_id:{entry.entry_id}, kind:{entry.kind}\n")
        for leg in entry.legs:
            out.write(f"    {leg.account}  {format_minor(leg.amount_minor, leg.currency)} "
                      f"{leg.currency}\n")
        out.write("\n")
        count += 1
    if books.last_date is not None and books.balances:
        # One closing transaction of assertions only: zero amounts, each asserting the balance.
        out.write(f"{books.last_date.isoformat()} * lawledger | closing balances\n")
        for (name, currency), total in sorted(books.balances.items()):
            out.write(f"    {name}  0 {currency} = {format_minor(total, currency)} {currency}\n")
        out.write("\n")
    return count
