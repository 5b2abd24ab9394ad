"""General-ledger CSV, QuickBooks IIF and Xero CSV exports: every entry sums to zero, the
balances are the ledger's to the cent, and text that a spreadsheet would run is defused."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from lawledger.audit.models import AuditRecord
from lawledger.exports.books import export_books
from lawledger.interchange.ledgers import WRITERS, safe_text
from lawledger.ledger import services as ledger_services
from tests import factories
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def books() -> None:
    factories.firm(uncleared_funds="off")
    client = factories.client("Acme Corp")
    factories.matter(client, "Sale")
    factories.trust_account()
    factories.operating_account()
    factories.deposit("M-0001", "1000.00", payor='=HYPERLINK("http://x","pay")')
    ledger_services.earned_fee_transfer_record(actor=OPERATOR, matter="M-0001", amount="200.00",
                                               account="IOLTA", date="2026-03-20",
                                               invoice_ref="00001")


def _export(fmt: str, tmp_path: Path, account: str | None = None) -> str:
    """The file written through the books export (audited, atomic)."""
    target = tmp_path / f"books.{fmt}"
    result = export_books(OPERATOR, writer=WRITERS[fmt], fmt=fmt, path=target, account=account)
    assert result["entries"] == (2 if fmt == "gl-csv" else 1)  # the operating book: the fee
    return target.read_text(encoding="utf-8")


def _totals(rows: list[tuple[str, str, Decimal]]) -> tuple[dict[str, Decimal],
                                                         dict[str, Decimal]]:
    by_entry: dict[str, Decimal] = defaultdict(Decimal)
    by_account: dict[str, Decimal] = defaultdict(Decimal)
    for entry, account, amount in rows:
        by_entry[entry] += amount
        by_account[account] += amount
    return by_entry, by_account


def _matter_and_operating(by_account: dict[str, Decimal]) -> tuple[Decimal, Decimal]:
    matter = sum((v for k, v in by_account.items() if k.startswith("Liabilities:Trust:")),
                 Decimal(0))
    operating = sum((v for k, v in by_account.items() if k.startswith("Assets:Operating:")),
                    Decimal(0))
    return matter, operating


def test_the_general_ledger_csv_balances_and_agrees_with_the_ledger(books: None,
                                                                    tmp_path: Path) -> None:
    rows = list(csv.DictReader(_export("gl-csv", tmp_path).splitlines()))
    legs = [(row["Entry"], row["Account"], Decimal(row["Debit"] or 0) - Decimal(row["Credit"] or 0))
            for row in rows]
    by_entry, by_account = _totals(legs)
    assert set(by_entry.values()) == {Decimal("0.00")}
    assert _matter_and_operating(by_account) == (Decimal("-800.00"), Decimal("200.00"))
    assert factories.balance("M-0001") == "800.00"
    assert {row["Party"] for row in rows} >= {"'=HYPERLINK(\"http://x\",\"pay\")"}
    assert AuditRecord.objects.filter(event="export.created").last().details["format"] == "gl-csv"


def test_quickbooks_iif_has_one_balanced_journal_per_entry(books: None, tmp_path: Path) -> None:
    lines = _export("quickbooks-iif", tmp_path).splitlines()
    assert lines[:3] == ["!TRNS\tTRNSID\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO",
                         "!SPL\tSPLID\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO",
                         "!ENDTRNS"]
    legs = [(cells[7], cells[4], Decimal(cells[6])) for cells in
            (line.split("\t") for line in lines[3:]) if cells[0] in ("TRNS", "SPL")]
    assert lines.count("ENDTRNS") == 1 and all(len(line.split("\t")) in (1, 9)
                                               for line in lines[3:])
    by_entry, by_account = _totals(legs)
    assert set(by_entry.values()) == {Decimal("0.00")}
    assert _matter_and_operating(by_account) == (Decimal("0"), Decimal("200.00"))
    assert [account.split(":")[0] for account in by_account] == ["Assets", "Income"]
    assert "03/20/2026" in lines[3]


def test_xero_manual_journals_sum_to_zero(books: None, tmp_path: Path) -> None:
    rows = list(csv.DictReader(_export("xero-csv", tmp_path).splitlines()))
    legs = [(row["*Narration"].split()[0], row["*AccountCode"], Decimal(row["*Amount"]))
            for row in rows]
    by_entry, by_account = _totals(legs)
    assert set(by_entry.values()) == {Decimal("0.00")}
    assert _matter_and_operating(by_account) == (Decimal("0"), Decimal("200.00"))
    assert rows[0]["*Date"] == "20/03/2026" and rows[0]["*TaxRate"] == "Tax Exempt"


def test_formula_text_is_defused_and_line_breaks_flattened() -> None:
    assert [safe_text(t) for t in ("=1+1", "+cmd", "-2", "@SUM(1)", "\tx", "plain\nline")] == [
        "'=1+1", "'+cmd", "'-2", "'@SUM(1)", "x", "plain line"]


def test_full_width_formula_signs_are_defused_like_the_report_csvs() -> None:
    # Some locales' spreadsheets run ＝ ＋ － ＠ as formulas too (reports.csv_safe, SECURITY C2).
    assert [safe_text(t) for t in ("＝1+1", "＋cmd", "－2", "＠SUM(1)")] == [
        "'＝1+1", "'＋cmd", "'－2", "'＠SUM(1)"]
