"""Billing reports: WIP, receivables ageing, realization and collection, the client statement of
account and earned fees left in trust — each filtered by the access policy and audited."""

from __future__ import annotations

import datetime as dt

import pytest

from lawledger.audit.models import AuditRecord
from lawledger.billing import queries, services
from tests import factories
from tests.billing.builders import Firm, billing_firm, draft, expense, finalize, time
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return billing_firm()


def _issue(firm: Firm, date: str, issued: str, minutes: int = 60, **kwargs: object) -> str:
    time(firm, minutes=minutes, date=date, **kwargs)
    return finalize(draft(firm, through=date, **kwargs), date=issued).number


def test_wip_values_unbilled_work_at_the_rates_in_effect(firm: Firm) -> None:
    _issue(firm, "2026-03-01", "2026-03-02")
    time(firm, minutes=90, date="2026-03-10")
    time(firm, minutes=60, date="2026-03-11", by=firm.paralegal)
    time(firm, minutes=30, date="2026-03-12", no_charge=True)
    expense(firm, amount="12.50", date="2026-03-13")
    report = queries.wip_report(OPERATOR, as_of=dt.date(2026, 3, 31))
    assert [(r["matter"], r["hours"], r["fees"], r["expenses"], r["total"], r["oldest"])
            for r in report["matters"]] == [
        ("M-0001", "3", "550.00", "12.50", "562.50", "2026-03-10")]
    assert report["totals"] == {"USD": "562.50"}
    outsider = factories.user("attorney", email="x@firm.example")
    assert queries.wip_report(outsider)["matters"] == []


def test_ar_ageing_buckets_open_balances_by_invoice_age(firm: Firm) -> None:
    old = _issue(firm, "2026-01-01", "2026-01-05")            # 300.00, 180 days
    mid = _issue(firm, "2026-04-01", "2026-05-10")            # 300.00, 52 days
    _issue(firm, "2026-06-01", "2026-06-20")                  # 300.00, 11 days
    services.invoice_pay(actor=OPERATOR, invoice=mid, amount="100.00", date="2026-06-01")
    services.invoice_pay(actor=OPERATOR, invoice=old, amount="300.00", date="2026-07-01")
    report = queries.ar_aging_report(OPERATOR, as_of=dt.date(2026, 7, 1))
    assert report["clients"][0]["buckets"] == {"current": "300.00", "30": "200.00", "60": "0.00",
                                               "90": "0.00", "120+": "0.00"}
    earlier = queries.ar_aging_report(OPERATOR, as_of=dt.date(2026, 6, 30))
    assert earlier["totals"]["USD"]["120+"] == "300.00"
    assert earlier["totals"]["USD"]["total"] == "800.00"


def test_realization_and_collection_per_timekeeper_and_matter(firm: Firm) -> None:
    time(firm, minutes=60, date="2026-03-01")
    time(firm, minutes=60, date="2026-03-02", by=firm.paralegal)
    pending = draft(firm, through="2026-03-31")
    services.invoice_discount_add(actor=OPERATOR, invoice=pending.public_id, percent="25",
                                  reason="first matter")
    number = finalize(pending).number
    services.invoice_pay(actor=OPERATOR, invoice=number, amount="150.00", date="2026-04-10")
    report = queries.realization_report(OPERATOR)
    keepers = {r["timekeeper"]: r for r in report["timekeepers"]}
    ada, pat = keepers["ada@firm.example"], keepers["pat@firm.example"]
    assert (ada["worked"], ada["billed"], ada["collected"]) == ("300.00", "225.00", "112.50")
    assert (pat["worked"], pat["billed"], pat["collected"]) == ("100.00", "75.00", "37.50")
    assert (ada["billing_realization"], ada["collection_realization"], ada["realization"]) == (
        "75.0", "50.0", "37.5")
    assert report["matters"][0]["billed"] == "300.00"


def test_a_client_statement_runs_through_invoices_payments_and_credit(firm: Firm) -> None:
    first = _issue(firm, "2026-03-01", "2026-03-05")
    services.invoice_pay(actor=OPERATOR, invoice=first, amount="350.00", date="2026-03-20")
    second = _issue(firm, "2026-04-01", "2026-04-05")
    services.credit_note_issue(actor=OPERATOR, invoice=second, amount="30.00", reason="error",
                               date="2026-04-06")
    factories.deposit(firm.matter, "500.00")
    report = queries.client_statement(OPERATOR, firm.client)
    block = report["currencies"][0]
    assert [(row["kind"], row["amount"], row["balance"]) for row in block["entries"]] == [
        ("invoice", "300.00", "300.00"), ("payment", "-350.00", "-50.00"),
        ("invoice", "300.00", "250.00"), ("credit_note", "-30.00", "220.00")]
    assert block["closing_balance"] == "220.00"
    assert report["trust"][0]["trust_balance"] == "500.00"
    later = queries.client_statement(OPERATOR, firm.client, date_from=dt.date(2026, 4, 1))
    assert later["currencies"][0]["opening_balance"] == "-50.00"


def test_earned_fees_left_in_trust_lists_old_unpaid_invoices_of_funded_matters(
        firm: Firm) -> None:
    old = _issue(firm, "2026-01-01", "2026-01-10")
    recent = _issue(firm, "2026-03-01", "2026-03-25")
    report = queries.earned_fees_left_in_trust(OPERATOR, dt.date(2026, 4, 1))
    assert report["invoices"] == []  # nothing held in trust yet
    factories.deposit(firm.matter, "200.00", date="2026-01-02")
    report = queries.earned_fees_left_in_trust(OPERATOR, dt.date(2026, 4, 1))
    assert report["days"] == 30
    assert [(r["invoice"], r["days_outstanding"], r["balance_due"], r["transferable"])
            for r in report["invoices"]] == [(old, 81, "300.00", "200.00")]
    assert recent not in {r["invoice"] for r in report["invoices"]}
    assert AuditRecord.objects.filter(event="billing.report_viewed",
                                      object_id="earned_fees_left_in_trust").count() == 2
