"""The trust reports as neutral tables, built from the documents `ledger.queries` returns.

One builder per report. A table names its columns once; CSV writes every column meant for data
(`in_csv`), PDF the narrower set meant for people (`in_pdf`), so both show the same rows and the
same numbers as the CLI JSON and the web page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class CellKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"  # amounts and counts: plain decimals, right-aligned, never formula-escaped


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    heading: str
    kind: CellKind = CellKind.TEXT
    width: float = 1.0  # relative width on the PDF page
    in_csv: bool = True
    in_pdf: bool = True


@dataclass
class Section:
    heading: str | None
    rows: list[dict[str, Any]]
    total: tuple[str, str] | None = None  # (label, amount) shown under the rows in the PDF


@dataclass
class ReportTable:
    name: str
    title: str
    as_of: str
    columns: list[Column]
    sections: list[Section]
    facts: list[tuple[str, str]] = field(default_factory=list)  # lines under the title
    landscape: bool = True

    @property
    def csv_columns(self) -> list[Column]:
        return [column for column in self.columns if column.in_csv]

    @property
    def pdf_columns(self) -> list[Column]:
        return [column for column in self.columns if column.in_pdf]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [row for section in self.sections for row in section.rows]


RESTRICTED = "restricted (ethical wall)"


def group_amount(text: str) -> str:
    """"-1234567.50" → "-1,234,567.50" for people (the CSV keeps plain numbers)."""
    if not text:
        return ""
    sign = "-" if text.startswith("-") else ""
    whole, dot, fraction = text.lstrip("-").partition(".")
    if not whole.isdigit():
        return text
    return f"{sign}{int(whole):,}{dot}{fraction}"


def _money(amount: str, currency: str) -> str:
    return f"{group_amount(amount)} {currency}"


def _party(entry: dict[str, Any]) -> str:
    if entry.get("restricted"):
        return RESTRICTED
    return entry.get("payor") or entry.get("payee") or ""


def _purpose_memo(entry: dict[str, Any]) -> str:
    parts = [entry.get("purpose"), entry.get("memo")]
    if entry.get("check_number"):
        parts.append(f"check {entry['check_number']}")
    return " · ".join(part for part in parts if part)


def _kind(entry: dict[str, Any]) -> str:
    kind = str(entry["kind"]).replace("_", " ")
    return f"{kind} of {entry['reverses']}" if entry.get("reverses") else kind


def _entry_columns(*, with_matter: bool) -> list[Column]:
    matter = [Column("matter", "Matter", width=0.9), Column("counter_matter", "Other matter",
                                                              in_pdf=False)]
    return [
        Column("date", "Date", width=0.85),
        Column("id", "Entry", width=1.45),
        Column("kind_label", "Kind", width=1.0, in_csv=False),
        Column("kind", "Kind", in_pdf=False),
        *(matter if with_matter else []),
        Column("party", "From / to", width=1.8, in_csv=False),
        Column("payor", "Received from", in_pdf=False),
        Column("payee", "Paid to", in_pdf=False),
        Column("purpose_memo", "Purpose / memo", width=2.2, in_csv=False),
        Column("purpose", "Purpose", in_pdf=False),
        Column("memo", "Memo", in_pdf=False),
        Column("method", "Method", in_pdf=False),
        Column("check_number", "Check number", in_pdf=False),
        Column("reference", "Reference", in_pdf=False),
        Column("invoice", "Invoice", in_pdf=False),
        Column("reverses", "Reverses", in_pdf=False),
        Column("amount", "Amount", CellKind.NUMBER, width=1.0),
        Column("running_balance", "Balance", CellKind.NUMBER, width=1.0),
        Column("currency", "Currency", in_pdf=False),
        Column("recorded_by", "Recorded by", in_pdf=False),
        Column("recorded_at", "Recorded at", in_pdf=False),
    ]


def _entry_rows(entries: list[dict[str, Any]], currency: str) -> list[dict[str, Any]]:
    return [{**entry, "currency": currency, "party": _party(entry),
             "purpose_memo": _purpose_memo(entry), "kind_label": _kind(entry)}
            for entry in entries]


def client_ledger_table(document: dict[str, Any], as_of: str) -> ReportTable:
    currency = document["currency"]
    client = document["client"]
    return ReportTable(
        name="client_ledger", title=f"Client ledger {document['matter']}", as_of=as_of,
        columns=_entry_columns(with_matter=False),
        sections=[Section(None, _entry_rows(document["entries"], currency),
                          total=("Balance", f"{document['balance']} {currency}"))],
        facts=[("Client", f"{client['number']} {client['name']}"),
               ("Matter", f"{document['matter']} {document['matter_title']}"),
               ("Trust account", document["account"] or "none yet"),
               ("Opening balance", _money(document["opening_balance"], currency)),
               ("Balance", _money(document["balance"], currency))])


def trust_journal_table(document: dict[str, Any], as_of: str) -> ReportTable:
    currency = document["currency"]
    return ReportTable(
        name="trust_journal", title=f"Journal of {document['account']}", as_of=as_of,
        columns=_entry_columns(with_matter=True),
        sections=[Section(None, _entry_rows(document["entries"], currency),
                          total=("Balance", f"{document['balance']} {currency}"))],
        facts=[("Bank account", f"{document['account']} ({document['kind']}, {currency})"),
               ("Opening balance", _money(document["opening_balance"], currency)),
               ("Balance", _money(document["balance"], currency))])


def trust_listing_table(document: dict[str, Any]) -> ReportTable:
    columns = [
        Column("account", "Account", in_pdf=False),
        Column("currency", "Currency", in_pdf=False),
        Column("ledger", "Ledger", width=1.0),
        Column("client_number", "Client number", in_pdf=False),
        Column("client", "Client", width=2.0),
        Column("matter_title", "Matter", width=2.4),
        Column("balance", "Balance", CellKind.NUMBER, width=1.1),
        Column("last_activity", "Last activity", width=1.0),
    ]
    sections = []
    for account in document["accounts"]:
        rows = [{**ledger, "account": account["account"], "currency": account["currency"],
                 "ledger": ledger["matter"] or ledger["kind"].replace("_", " ")}
                for ledger in account["ledgers"]]
        sections.append(Section(f"{account['account']} ({account['currency']})", rows,
                                total=("Total", f"{account['total']} {account['currency']}")))
    return ReportTable(name="trust_listing", title="Client trust listing",
                       as_of=document["as_of"], columns=columns, sections=sections,
                       landscape=False)


def inactive_balances_table(document: dict[str, Any]) -> ReportTable:
    columns = [
        Column("matter", "Matter", width=0.9),
        Column("client", "Client", width=2.2),
        Column("account", "Account", width=1.1),
        Column("currency", "Currency", width=0.7),
        Column("balance", "Balance", CellKind.NUMBER, width=1.1),
        Column("last_activity", "Last activity", width=1.0),
        Column("months_inactive", "Months inactive", CellKind.NUMBER, width=0.9),
    ]
    return ReportTable(
        name="inactive_balances", title="Inactive trust balances", as_of=document["as_of"],
        columns=columns, sections=[Section(None, list(document["ledgers"]))],
        facts=[("No activity for", f"{document['months']} months or more")], landscape=False)


def earned_fees_table(document: dict[str, Any]) -> ReportTable:
    columns = [
        Column("invoice", "Invoice", width=1.0),
        Column("date", "Issued", width=0.9),
        Column("days_outstanding", "Days", CellKind.NUMBER, width=0.6),
        Column("matter", "Matter", width=0.9),
        Column("client", "Client number", in_pdf=False),
        Column("client_name", "Client", width=2.0),
        Column("currency", "Currency", width=0.7),
        Column("balance_due", "Balance due", CellKind.NUMBER, width=1.1),
        Column("trust_balance", "Held in trust", CellKind.NUMBER, width=1.1),
        Column("transferable", "Transferable", CellKind.NUMBER, width=1.1),
    ]
    return ReportTable(
        name="earned_fees_left_in_trust", title="Earned fees left in trust",
        as_of=document["as_of"], columns=columns,
        sections=[Section(None, list(document["invoices"]))],
        facts=[("Invoices unpaid for more than", f"{document['days']} days, with money in trust")])
