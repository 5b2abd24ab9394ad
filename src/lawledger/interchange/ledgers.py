"""Writers of the books for accounting tools, on `exports.books` (the same read, access check,
audit record and atomic file as the beancount and hledger exports):

- `write_gl_csv`: a general-ledger CSV of the whole books (trust and operating), one row per
  posting, debit and credit columns;
- `write_iif`: the firm's operating book for QuickBooks Desktop (IIF), one GENERAL JOURNAL
  transaction per entry (TRNS, SPL…, ENDTRNS), dates MM/DD/YYYY, amounts signed (debit positive);
- `write_xero_csv`: the operating book as Xero manual journals (Narration, Date, Description,
  AccountCode, TaxRate, Amount), one row per posting, dates DD/MM/YYYY.

The operating book is the `Assets:Operating:*` and `Income:*` legs: clients' trust money is not
the firm's and stays out of its accounting package. Entries balance per book and currency (I1),
so every journal written here sums to zero and each tool's own import balances. Text cells
that a spreadsheet would run as a formula begin with `'` (ASVS 1.2.10); amounts stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from lawledger.core.money import format_minor
from lawledger.exports.books import Books, Sink, Transaction
from lawledger.reports.csv_safe import text_cell


def safe_text(text: str | None) -> str:
    """One line of text a spreadsheet will not run: no line breaks, no leading formula sign."""
    return text_cell(" ".join((text or "").split()))


def operating(books: Books) -> Iterator[Transaction]:
    """The entries that touch the firm's operating book, with only their operating legs."""
    for entry in books.transactions():
        legs = tuple(leg for leg in entry.legs
                     if leg.account.startswith(("Assets:Operating:", "Income:")))
        if legs:
            yield Transaction(entry.entry_id, entry.date, entry.kind, entry.party,
                              entry.narration, legs)


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def write_gl_csv(books: Books, out: Sink) -> int:
    """Date, Entry, Kind, Account, Debit, Credit, Currency, Party, Description."""
    out.write(_csv_line(["Date", "Entry", "Kind", "Account", "Debit", "Credit", "Currency",
                         "Party", "Description"]))
    count = 0
    for entry in books.transactions():
        for leg in entry.legs:
            amount = format_minor(abs(leg.amount_minor), leg.currency)
            debit, credit = (amount, "") if leg.amount_minor >= 0 else ("", amount)
            out.write(_csv_line([entry.date.isoformat(), entry.entry_id, entry.kind,
                                 leg.account, debit, credit, leg.currency,
                                 safe_text(entry.party), safe_text(entry.narration)]))
        count += 1
    return count


def _iif_text(text: str | None) -> str:
    # IIF is tab-separated with no quoting: tabs, line breaks and quotes cannot appear in a cell.
    return safe_text(text).replace('"', "'")[:4000]


def write_iif(books: Books, out: Sink) -> int:
    """QuickBooks IIF general journal entries of the operating book."""
    out.write("!TRNS\tTRNSID\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO\n"
              "!SPL\tSPLID\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO\n"
              "!ENDTRNS\n")
    count = 0
    for entry in operating(books):
        day = entry.date.strftime("%m/%d/%Y")
        for number, leg in enumerate(entry.legs):
            tag = "TRNS" if number == 0 else "SPL"
            out.write("\t".join([tag, "", "GENERAL JOURNAL", day, _iif_text(leg.account),
                                 _iif_text(entry.party),
                                 format_minor(leg.amount_minor, leg.currency), entry.entry_id,
                                 _iif_text(entry.narration)]) + "\n")
        out.write("ENDTRNS\n")
        count += 1
    return count


def write_xero_csv(books: Books, out: Sink) -> int:
    """Xero manual journals of the operating book: one per entry, its lines summing to zero."""
    out.write(_csv_line(["*Narration", "*Date", "Description", "*AccountCode", "*TaxRate",
                         "*Amount", "TrackingName1", "TrackingOption1"]))
    count = 0
    for entry in operating(books):
        narration = safe_text(f"{entry.entry_id} {entry.kind} {entry.narration}".strip())
        for leg in entry.legs:
            out.write(_csv_line([narration, entry.date.strftime("%d/%m/%Y"),
                                 safe_text(entry.party), leg.account, "Tax Exempt",
                                 format_minor(leg.amount_minor, leg.currency), "", ""]))
        count += 1
    return count


WRITERS = {"gl-csv": write_gl_csv, "quickbooks-iif": write_iif, "xero-csv": write_xero_csv}
