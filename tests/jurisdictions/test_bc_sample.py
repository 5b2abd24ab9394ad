"""The Law Society of British Columbia's monthly reconciliation sample, built through the real
ledger and banking services and checked against the ledger's own figures.

Pooled trust account: bank 40,391.66, of which 91.66 is interest owed to the Law Foundation, so
40,300.00 is held for clients: exactly the two client ledgers, 300.00 + 40,000.00. A separate
interest-bearing trust account holds 10,000.00 for one matter. Total trust held for clients:
50,300.00.
"""

from __future__ import annotations

import datetime as dt

import pytest

from lawledger.banking.services import auto_match, reconciliation_report
from lawledger.core.formats.statement import LineKind
from lawledger.core.ledger import EntryKind
from lawledger.firm.queries import firm_settings
from lawledger.firm.services import firm_set
from lawledger.jurisdictions.queries import shaped_reconciliation, trust_position
from lawledger.ledger.accounts import account_add
from lawledger.ledger.queries import account_balances, trust_listing_report
from lawledger.ledger.services import trust_firm_entry_record
from tests import factories
from tests.banking.builders import line, load, statement
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def bc_month() -> dict[str, str]:
    factories.firm(uncleared_funds="off")
    firm_set(actor=OPERATOR, key="jurisdiction", value="on")  # a Canadian trust comparison
    assert firm_settings().base_currency == "CAD"
    factories.trust_account("Pooled Trust", currency="CAD", account_number="100200300")
    smith = factories.matter(factories.client("Smith"), "Purchase of 12 Elm St")
    jones = factories.matter(factories.client("Jones Holdings"), "Share sale")
    estate = factories.matter(factories.client("Estate of Wong"), "Estate administration")
    account_add(actor=OPERATOR, name="Wong Estate Trust", kind="trust", currency="CAD",
                matter=estate)
    factories.deposit(smith, "300.00", date="2026-01-06", account="Pooled Trust", payor="Smith")
    factories.deposit(jones, "40000.00", date="2026-01-12", account="Pooled Trust",
                      payor="Jones Holdings")
    trust_firm_entry_record(actor=OPERATOR, kind=EntryKind.INTEREST, account="Pooled Trust",
                            amount="91.66", date="2026-01-31")
    factories.deposit(estate, "10000.00", date="2026-01-15", account="Wong Estate Trust",
                      payor="Wong executors")
    load(statement(line(1, "2026-01-07", 30_000, LineKind.DEPOSIT, bank_reference="B1"),
                   line(2, "2026-01-13", 4_000_000, LineKind.DEPOSIT, bank_reference="B2"),
                   line(3, "2026-01-31", 9_166, LineKind.INTEREST, bank_reference="B3"),
                   account_number="100200300", currency="CAD", closing_minor=4_039_166,
                   closing_day="2026-01-31"), account="Pooled Trust")
    auto_match(actor=OPERATOR, account="Pooled Trust")
    return {"smith": smith, "jones": jones, "estate": estate}


def test_the_ledger_holds_the_bc_sample_figures(bc_month: dict[str, str]) -> None:
    balances = {row["account"]: (row["balance"], row["client_ledgers_total"])
                for row in account_balances(OPERATOR)}
    assert balances == {"Pooled Trust": ("40391.66", "40391.66"),
                        "Wong Estate Trust": ("10000.00", "10000.00")}
    listing = {item["account"]: [(row["matter"] or row["kind"], row["balance"])
                                 for row in item["ledgers"]]
               for item in trust_listing_report(OPERATOR)["accounts"]}
    assert listing == {
        "Pooled Trust": [(bc_month["smith"], "300.00"), (bc_month["jones"], "40000.00"),
                         ("interest", "91.66")],
        "Wong Estate Trust": [(bc_month["estate"], "10000.00")]}


def test_the_pooled_account_reconciles_to_the_two_client_ledgers(bc_month: dict[str, str]) -> None:
    report = reconciliation_report(actor=OPERATOR, account="Pooled Trust", date="2026-01-31",
                                   statement_balance="40391.66")
    assert (report["adjusted_bank_balance"], report["journal_balance"],
            report["client_ledgers_total"], report["firm_ledgers_total"],
            report["balanced"]) == ("40391.66", "40391.66", "40300.00", "91.66", True)
    assert [(row["matter"], row["balance"]) for row in report["client_ledgers"]] == [
        (bc_month["smith"], "300.00"), (bc_month["jones"], "40000.00")]


def test_the_ontario_comparison_takes_the_interest_out_and_agrees(
        bc_month: dict[str, str]) -> None:
    shaped = shaped_reconciliation(OPERATOR, account="Pooled Trust", date="2026-01-31",
                                   statement_balance="40391.66")
    assert shaped["title"] == "Monthly trust reconciliation and comparison (By-Law 9)"
    (section,) = shaped["sections"]
    assert [(line["label"], line["amount"]) for line in section["lines"]] == [
        ("Reconciled trust bank balance at 2026-01-31", "40391.66"),
        ("Less: money in the trust account not held for clients (interest owed, firm money)",
         "91.66"),
        ("Trust money held for clients", "40300.00"),
        ("Total of the clients' trust ledger balances", "40300.00"),
        ("Difference", "0.00")]
    assert shaped["agrees"] is True and shaped["balanced"] is True


def test_the_trust_position_totals_50_300_held_for_clients(bc_month: dict[str, str]) -> None:
    position = trust_position(OPERATOR, as_of=dt.date(2026, 1, 31))
    pooled, separate = position["accounts"]
    assert {k: pooled[k] for k in ("account", "bank_balance", "interest_owed", "firm_funds",
                                   "held_for_clients", "client_ledgers_total",
                                   "difference")} == {
        "account": "Pooled Trust", "bank_balance": "40391.66", "interest_owed": "91.66",
        "firm_funds": "0.00", "held_for_clients": "40300.00",
        "client_ledgers_total": "40300.00", "difference": "0.00"}
    assert pooled["client_ledgers"] == [
        {"matter": bc_month["smith"], "client": "Smith", "balance": "300.00"},
        {"matter": bc_month["jones"], "client": "Jones Holdings", "balance": "40000.00"}]
    assert (separate["account"], separate["separate_for_matter"], separate["bank_balance"],
            separate["held_for_clients"]) == ("Wong Estate Trust", bc_month["estate"],
                                              "10000.00", "10000.00")
    assert position["totals"] == [{"currency": "CAD", "bank_balance": "50391.66",
                                   "held_for_clients": "50300.00",
                                   "client_ledgers_total": "50300.00", "agrees": True}]
