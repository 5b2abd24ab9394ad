"""The dashboard's figures: aggregated over what the reader may see, exact, and audited."""

from __future__ import annotations

import datetime as dt

import pytest

from lawledger.audit.models import AuditRecord
from lawledger.billing import services
from lawledger.dashboard.queries import dashboard
from tests import factories
from tests.billing.builders import Firm, billing_firm, draft, finalize, time
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 7, 1)


@pytest.fixture
def firm() -> Firm:
    built = billing_firm()
    other = factories.matter(factories.client("Beta LLC"), "Beta lease")
    factories.deposit(built.matter, "1000.00", date="2026-02-10")
    factories.deposit(other, "250.00", date="2026-05-03")
    factories.disburse(built.matter, "300.00", date="2026-06-15")
    services.arrangement_set(actor=OPERATOR, matter=built.matter, kind="evergreen",
                             minimum="900.00", effective_from="2026-01-01")
    time(built, minutes=60, date="2026-03-01")
    finalize(draft(built, through="2026-03-31"), date="2026-04-01")       # 300.00, 91 days
    time(built, minutes=30, date="2026-06-10")                             # WIP, unbilled
    return built


def test_the_firm_sees_every_account_and_the_attorney_only_their_matters(firm: Firm) -> None:
    admin = dashboard(factories.user("admin", email="boss@firm.example"), TODAY)
    assert admin["trust"] == [{"account": "IOLTA", "currency": "USD", "client_ledgers": "950.00",
                               "matters_with_money": 2, "negative_ledgers": 0,
                               "bank_balance": "950.00"}]
    mine = dashboard(firm.attorney, TODAY)
    assert mine["trust"] == [{"account": "IOLTA", "currency": "USD", "client_ledgers": "700.00",
                              "matters_with_money": 1, "negative_ledgers": 0,
                              "bank_balance": None}]
    assert (mine["firm_wide"], mine["banking"]) == (False, [])
    outsider = dashboard(factories.user("attorney", email="x@firm.example"), TODAY)
    assert (outsider["trust"], outsider["wip"]["hours"], outsider["aging"]) == ([], "0", [])


def test_the_trust_chart_holds_month_end_balances(firm: Firm) -> None:
    admin = dashboard(factories.user("admin", email="boss@firm.example"), TODAY)
    rows = {row["label"]: row["value"] for row in admin["trust_chart"]["rows"]}
    assert (rows["2026-01-31"], rows["2026-02-28"], rows["2026-05-31"], rows["2026-06-30"],
            rows["2026-07-01"]) == ("0.00", "1,000.00", "1,250.00", "950.00", "950.00")
    assert len(rows) == 13
    attorney = dashboard(firm.attorney, TODAY)["trust_chart"]["rows"]
    assert [row["value"] for row in attorney[-3:]] == ["1,000.00", "700.00", "700.00"]


def test_evergreen_earned_fees_wip_and_ageing(firm: Firm) -> None:
    board = dashboard(firm.attorney, TODAY)
    assert board["evergreen"] == {"count": 1, "rows": [{
        "matter": firm.matter, "title": "Acme v. Widget", "client": "Acme Corp",
        "balance": "700.00", "minimum": "900.00", "short": "200.00", "currency": "USD"}]}
    assert board["earned_fees"]["totals"] == [{"currency": "USD", "invoices": 1,
                                               "transferable": "300.00"}]
    assert board["wip"] == {"hours": "0.5", "matters": 1, "oldest": "2026-06-10",
                            "expenses": []}
    assert board["aging"][0]["buckets"] == [
        {"bucket": "current", "amount": "0.00"}, {"bucket": "30", "amount": "0.00"},
        {"bucket": "60", "amount": "0.00"}, {"bucket": "90", "amount": "300.00"},
        {"bucket": "120+", "amount": "0.00"}]
    assert board["realization"] == [{"month": "Apr 2026", "billing_percent": 100,
                                     "collection_percent": 0}]
    services.invoice_pay(actor=OPERATOR, invoice=board_invoice(), amount="300.00",
                         date="2026-06-30")
    paid = dashboard(firm.attorney, TODAY)
    assert (paid["aging"], paid["earned_fees"]["totals"]) == ([], [])
    assert paid["realization"][0]["collection_percent"] == 100


def board_invoice() -> str:
    from lawledger.billing.queries import invoices_list

    return invoices_list(OPERATOR)[0]["number"]


def test_each_read_of_the_dashboard_is_audited(firm: Firm) -> None:
    before = AuditRecord.objects.filter(event="web.dashboard_viewed").count()
    dashboard(firm.attorney, TODAY)
    audit = AuditRecord.objects.filter(event="web.dashboard_viewed").latest("seq")
    assert AuditRecord.objects.filter(event="web.dashboard_viewed").count() == before + 1
    assert (audit.actor, audit.object_id) == ("ada@firm.example", "dashboard")


def test_firm_roles_are_told_when_no_backup_was_verified_and_attorneys_see_no_operations(
        firm: Firm) -> None:
    admin = dashboard(factories.user("admin", email="boss@firm.example"), TODAY)
    assert admin["backup"]["warning"] == (
        "No backup has been verified yet: run `lawledger backup verify` on the newest backup "
        "(docs/operations.md).")
    assert admin["feeds"] == []
    attorney = dashboard(firm.attorney, TODAY)
    assert (attorney["backup"], attorney["feeds"]) == (None, [])


def test_held_payments_are_counted_for_those_who_may_decide_and_the_page_links_them(
        firm: Firm) -> None:
    from django.test import Client as WebClient

    from lawledger.core.ledger import EntryKind
    from lawledger.firm.services import firm_set
    from lawledger.ledger.approvals import outflow_request
    from tests.mfa import login as mfa_login

    firm_set(actor=OPERATOR, key="approval_threshold_minor", value="20000")
    keeper = factories.user("bookkeeper", email="keeper@firm.example")
    admin = factories.user("admin", email="boss@firm.example")
    for amount in ("250.00", "300.00"):
        outflow_request(keeper, EntryKind.DISBURSEMENT, matter=firm.matter, amount=amount,
                        account="IOLTA", date="2026-06-20", payee="Court clerk")
    assert dashboard(admin, TODAY)["approvals"] == {"to_decide": 2, "own": 0}
    assert dashboard(keeper, TODAY)["approvals"] == {"to_decide": 0, "own": 2}
    assert dashboard(firm.attorney, TODAY)["approvals"] is None  # attorneys do not pay out
    browser = WebClient()
    mfa_login(browser, admin.label)
    page = browser.get("/").content.decode()
    assert "Payments awaiting approval" in page and 'href="/trust/approvals/"' in page
    assert "Court clerk" not in page  # counts only: the payee is read on the approvals page
