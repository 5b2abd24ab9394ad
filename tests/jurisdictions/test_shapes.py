"""The reconciliation report in each pack's shape: the same figures, the regulator's lines."""

from __future__ import annotations

import dataclasses
import datetime as dt

from lawledger.core.jurisdictions import get_pack
from lawledger.core.jurisdictions.shape import LedgerRow, ReconciliationFigures, shape

QUARTER_END = ReconciliationFigures(
    as_of=dt.date(2026, 3, 31), currency="USD", statement_balance_minor=97_500,
    deposits_in_transit_minor=50_000, deposits_in_transit_count=1, outstanding_minor=20_000,
    outstanding_count=1, bank_only_minor=0, bank_only_count=0,
    adjusted_bank_balance_minor=127_500, journal_balance_minor=127_500,
    client_ledgers_total_minor=122_500, firm_ledgers_total_minor=5_000,
    positive_ledgers_total_minor=127_500, negative_ledger_count=0,
    ledgers=(LedgerRow("Acme Corp", "M-0001", "Sale", 72_500),
             LedgerRow("Beta LLC", "M-0002", "Lease", 50_000)))


def _lines(report: dict[str, object]) -> list[tuple[object, ...]]:
    return [(line["number"], line["label"], line["amount"], line["count"], line["answer"])
            for section in report["sections"] for line in section["lines"]]  # type: ignore[attr-defined,index]


def test_the_north_carolina_form_has_its_seven_lines_at_a_quarter_end() -> None:
    report = shape(get_pack("nc"), QUARTER_END).as_dict()
    assert report["title"] == ("North Carolina State Bar Reconciliation Report, quarterly "
                               "(entire form)")
    assert report["source"] == "rule 1.15-3(d)(1)"
    assert _lines(report) == [
        ("1", "Total of positive subsidiary ledger balances as of 2026-03-31", "1275.00", None,
         None),
        (None, "Does any subsidiary ledger have a negative balance?", None, None, "No"),
        ("2", "General ledger/checkbook register balance as of 2026-03-31", "1275.00", None,
         None),
        ("3", "Statement ending date 2026-03-31 and balance", "975.00", None, None),
        ("4", "Plus: outstanding deposits made to the account through end of month but not "
              "reflected on bank statement", "500.00", 1, None),
        ("5", "Minus: outstanding disbursements made through end of month but not reflected on "
              "bank statement", "200.00", 1, None),
        ("6", "Adjusted bank balance", "1275.00", None, None),
        ("7", "The balance on line #6 agrees with the balances on lines #1 and #2", None, None,
         "agrees"),
    ]
    assert report["agrees"] is True and report["notes"] == []


def test_in_other_months_north_carolina_completes_steps_2_to_7_and_names_bank_only_items() -> None:
    month = dataclasses.replace(QUARTER_END, as_of=dt.date(2026, 4, 30),
                                statement_balance_minor=96_000, bank_only_minor=-1_500,
                                bank_only_count=1)
    report = shape(get_pack("nc"), month).as_dict()
    assert report["title"].endswith("monthly (steps 2-7)")  # type: ignore[union-attr]
    assert [line[0] for line in _lines(report)] == ["2", "3", "4", "5", "6", "7"]
    assert _lines(report)[4] == ("6", "Adjusted bank balance", "1260.00", None, None)
    assert _lines(report)[5] == ("7", "The balance on line #6 does not agree with the balance on "
                                 "line #2", None, None, "does not agree")
    assert report["notes"] == [
        "1 item(s) on the bank statement are not in the books (net -15.00 USD): attach "
        "explanation and corrective action taken",
        "The balances do not agree: attach explanation and corrective action taken."]


def test_the_sra_statement_lists_the_client_account_and_its_differences() -> None:
    report = shape(get_pack("ew"), dataclasses.replace(QUARTER_END, currency="GBP")).as_dict()
    assert report["title"] == ("Client account reconciliation statement (SRA Accounts Rules "
                               "2019, rule 8.3)")
    assert [(s["heading"], [(line["label"], line["amount"]) for line in s["lines"]])  # type: ignore[index]
            for s in report["sections"]] == [  # type: ignore[attr-defined]
        ("Client bank account", [
            ("Balance per bank statement at 2026-03-31", "975.00"),
            ("Add: receipts not yet credited by the bank", "500.00"),
            ("Less: payments not yet presented", "200.00"),
            ("Add or less: items on the statement not in the client cash book", "0.00"),
            ("Adjusted bank balance", "1275.00")]),
        ("Client ledgers", [
            ("Client cash book balance", "1275.00"),
            ("Total of the list of client ledger balances", "1225.00"),
            ("Other ledgers held in the client account (firm money, interest)", "50.00"),
            ("Difference: adjusted bank balance less client cash book", "0.00"),
            ("Difference: client cash book less ledger balances", "0.00")]),
    ]
    assert report["notes"] == ["Any difference must be promptly investigated and resolved; the "
                               "reconciliation is signed off by the COFA or a manager of the "
                               "firm."]


def test_the_nsw_statements_list_every_trust_ledger_and_the_date_prepared() -> None:
    report = shape(get_pack("nsw"), dataclasses.replace(QUARTER_END, currency="AUD"),
                   prepared_on=dt.date(2026, 4, 14)).as_dict()
    statement_b = report["sections"][1]  # type: ignore[index]
    assert statement_b["heading"] == "Statement (b): trust ledger accounts and cash book"
    assert [(line["number"], line["label"], line["amount"]) for line in statement_b["lines"]] == [
        (None, "Balance of the trust ledger accounts", "1275.00"),
        (None, "Trust account cash book balance", "1275.00"),
        ("M-0001", "Acme Corp: Sale", "725.00"),
        ("M-0002", "Beta LLC: Lease", "500.00"),
        (None, "Date the statement was prepared: 2026-04-14", None)]


def test_the_us_states_get_the_three_way_layout() -> None:
    report = shape(get_pack("wa"), QUARTER_END).as_dict()
    assert report["title"] == "Monthly reconciliation of the trust account (RPC 1.15B(a)(8))"
    assert report["shape"] == "three_way" and report["agrees"] is True
