"""CSV exports open as data in a spreadsheet, never as formulas (SECURITY C2, ASVS 1.2.10)."""

from __future__ import annotations

import csv
import io

import pytest

from lawledger.reports.csv_safe import number_cell, text_cell, write_csv
from lawledger.reports.tables import CellKind, Column
from tests import factories
from tests.web_trust.helpers import browser_for

HOSTILE = ['=HYPERLINK("http://x","pay")', "+cmd|'/c calc'!A0", "@SUM(1)", "-2+3",
           "\t=1+1", "\r=1+1", "\n=1", "\0=1", "＝1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_text_cell_that_could_start_a_formula_gets_a_leading_quote(text: str) -> None:
    assert text_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Acme Corp", "O'Brien & Sons", "1,250.00 paid", "", "2026-03-10",
                                  " =1 (a space first)"])
def test_ordinary_text_is_left_as_it_is(text: str) -> None:
    assert text_cell(text) == text


def test_numbers_stay_numbers_negative_ones_too() -> None:
    assert [number_cell(value, column="amount") for value in ("-125.00", "0.05", "1250", None)] == [
        "-125.00", "0.05", "1250", ""]


@pytest.mark.parametrize("value", ["=1+1", "1e5", "-1,250.00", "12.", "NaN", " 1.00"])
def test_text_in_a_number_column_is_a_programmer_error(value: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        number_cell(value, column="amount")


def test_the_file_follows_rfc_4180_quoting_and_line_endings() -> None:
    columns = [Column("name", "Name"), Column("amount", "Amount", CellKind.NUMBER)]
    body = write_csv(columns, [{"name": 'He said "pay", then\r\nleft', "amount": "-5.00"},
                               {"name": "=cmd", "amount": "7.10"}])
    assert body == ('\ufeffName,Amount\r\n"He said ""pay"", then\r\nleft",-5.00\r\n'
                    "'=cmd,7.10\r\n").encode()


@pytest.mark.django_db
def test_hostile_names_in_a_ledger_export_are_inert_and_amounts_stay_numeric() -> None:
    from tests.access_matrix import build_matrix

    matrix = build_matrix()
    factories.trust_account()
    from lawledger.firm.services import client_add, matter_open

    client = client_add(actor=factories.OPERATOR, name=HOSTILE[0]).number
    matter = matter_open(actor=factories.OPERATOR, client=client, title="@SUM(1)").number
    factories.deposit(matter, "100.00", payor=HOSTILE[1], memo="-2+3 is a memo")
    factories.disburse(matter, "40.00", payee="@SUM(A1:A9)", purpose="+1 filing")
    browser = browser_for(matrix, "bookkeeper")
    ledger = browser.get(f"/matters/{matter}/ledger/export/csv/")
    rows = list(csv.reader(io.StringIO(ledger.content.decode("utf-8-sig"), newline="")))
    header, deposit, payment = rows
    cell = dict(zip(header, deposit, strict=True))
    assert (cell["Received from"], cell["Memo"], cell["Amount"], cell["Balance"]) == (
        "'+cmd|'/c calc'!A0", "'-2+3 is a memo", "100.00", "100.00")
    cell = dict(zip(header, payment, strict=True))
    assert (cell["Paid to"], cell["Purpose"], cell["Amount"], cell["Balance"]) == (
        "'@SUM(A1:A9)", "'+1 filing", "-40.00", "60.00")
    assert b',-40.00,60.00,' in ledger.content  # unquoted: the spreadsheet reads numbers
    listing = browser.get("/trust/export/csv/").content.decode("utf-8-sig")
    assert ',"\'=HYPERLINK(""http://x"",""pay"")",\'@SUM(1),60.00,' in listing
    inactive = browser.get("/trust/inactive/export/csv/?months=1").content.decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://x"",""pay"")"' in inactive
