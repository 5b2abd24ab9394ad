"""The dashboard and the header search answer each principal of the role matrix as the policy says:
anonymous → sign-in, portal users → refused (and audited), staff → only what they may see."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lawledger.audit.models import AuditRecord
from lawledger.billing import services
from lawledger.billing.models import Invoice
from lawledger.core.access import Action, role_allows
from tests import factories
from tests.access_matrix import EXPECTED_VIEW, Matrix, build_matrix
from tests.factories import OPERATOR
from tests.mfa import login

pytestmark = pytest.mark.django_db
PAGES = ["/", "/search/?q=Matter", "/search/?q=101"]


@pytest.fixture
def matrix() -> Matrix:
    built = build_matrix()
    factories.trust_account()
    factories.deposit(built.matter, "500.00", payor="Payor A")
    factories.disburse(built.matter, "123.45", check_number="101", payee="County")
    factories.deposit(built.other_matter, "250.00", payor="Payor B")
    attorney = built.principals["attorney_assigned"]
    assert attorney is not None
    services.rate_set(actor=OPERATOR, email=attorney.label, amount="300.00")
    services.time_record(actor=OPERATOR, matter=built.matter, minutes=60, by=attorney.label,
                         date="2026-03-10", narrative="Work")
    services.invoice_finalize(actor=OPERATOR, invoice=services.invoice_draft(
        actor=OPERATOR, matter=built.matter, through="2026-03-31").public_id, date="2026-03-31")
    return built


def _browser(matrix: Matrix, who: str) -> Client:
    browser = Client()
    principal = matrix.principals[who]
    if principal is not None:
        login(browser, principal.label)
    return browser


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_dashboard_and_search_answer_by_role(matrix: Matrix, who: str) -> None:
    browser = _browser(matrix, who)
    for path in PAGES:
        response = browser.get(path)
        if who == "anonymous":
            assert response.status_code == 302 and "/login/" in response["Location"]
        elif who.startswith("portal"):
            assert response.status_code == 403
        else:
            assert response.status_code == 200, path
    if who == "anonymous" or who.startswith("portal"):
        return
    sees = EXPECTED_VIEW[who]
    home = browser.get("/").content.decode()
    # The client-ledger column sums only visible matters (M holds 376.55, N 250.00); a walled
    # admin still sees the bank side, which is a firm-level figure.
    ledgers = re.findall(r'<td class="num">([\d.,]+) USD</td><td class="num">\d+</td>', home)
    assert bool(set(ledgers) & {"626.55", "376.55"}) == sees
    principal = matrix.principals[who]
    assert principal is not None
    assert ("Reconciliations and bank lines" in home) == role_allows(principal,
                                                                     Action.VIEW_FIRM_REPORTS)
    found = browser.get("/search/?q=Matter").content.decode()
    assert (f"/matters/{matrix.matter}/" in found) == sees
    assert (f"/matters/{matrix.other_matter}/" in found) == matrix.may(
        who, matter=matrix.other_matter)
    check = browser.get("/search/?q=101").content.decode()
    assert ("check 101" in check) == sees
    number = Invoice.objects.get(status="finalized").number
    invoice = browser.get(f"/search/?q={number}").content.decode()
    assert ("/billing/invoices/" in invoice) == sees


def test_a_portal_user_is_refused_and_the_refusal_is_audited(matrix: Matrix) -> None:
    before = AuditRecord.objects.filter(outcome="denied").count()
    assert _browser(matrix, "portal_own").get("/search/?q=Matter").status_code == 403
    assert AuditRecord.objects.filter(outcome="denied").count() == before + 1


def test_a_search_is_audited_with_its_words_and_a_long_one_is_refused(matrix: Matrix) -> None:
    browser = _browser(matrix, "bookkeeper")
    browser.get("/search/?q=Matter%20M")
    audit = AuditRecord.objects.filter(event="web.searched").latest("seq")
    assert (audit.actor, audit.details) == ("bookkeeper@firm.example", {"q": "Matter M"})
    response = browser.get("/search/?q=" + "x" * 101)
    assert response.status_code == 400
    assert "q: at most 100 characters" in response.content.decode()


def test_the_pages_refuse_a_post(matrix: Matrix) -> None:
    browser = _browser(matrix, "admin")
    assert browser.post("/").status_code == 405
    assert browser.post("/search/", {"q": "Matter"}).status_code == 405
