"""Every billing page and action answers each principal of the role matrix as the policy says;
denials change nothing and are audited; downloads are attachments, never sniffed or cached."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from lawledger.audit.models import AuditRecord
from lawledger.billing import services
from lawledger.billing.models import Invoice, TimeEntry
from tests import factories
from tests.access_matrix import EXPECTED_VIEW, Matrix, build_matrix
from tests.factories import OPERATOR
from tests.mfa import login as mfa_login

pytestmark = pytest.mark.django_db

CANARY = "Canary narrative 5521"
STAFF = sorted(who for who in EXPECTED_VIEW if who != "anonymous" and not who.startswith("portal"))
PAGES = ["/billing/", "/billing/time/", "/billing/expenses/", "/billing/invoices/",
         "/billing/payments/", "/billing/reports/wip/", "/billing/reports/aging/"]


@dataclass
class Setup:
    matrix: Matrix
    draft: str
    final: str
    receipt: str


@pytest.fixture
def setup() -> Setup:
    matrix = build_matrix()
    factories.trust_account()
    factories.operating_account()
    attorney = matrix.principals["attorney_assigned"]
    assert attorney is not None
    services.rate_set(actor=OPERATOR, email=attorney.label, amount="300.00")
    services.time_record(actor=OPERATOR, matter=matrix.matter, minutes=60, by=attorney.label,
                         date="2026-03-10", narrative=CANARY)
    final = services.invoice_finalize(
        actor=OPERATOR, invoice=services.invoice_draft(actor=OPERATOR, matter=matrix.matter,
                                                       through="2026-03-10").public_id,
        date="2026-03-31")
    services.time_record(actor=OPERATOR, matter=matrix.matter, minutes=30, by=attorney.label,
                         date="2026-04-02", narrative=CANARY)
    draft = services.invoice_draft(actor=OPERATOR, matter=matrix.matter, through="2026-04-30")
    expense = services.expense_record(actor=OPERATOR, matter=matrix.matter, amount="5.00",
                                      date="2026-05-02", description="Postage",
                                      receipt=("r.pdf", b"%PDF-1.4 receipt"))
    return Setup(matrix, draft.public_id, final.public_id,
                 expense.receipts.get().public_id)


def _browser(matrix: Matrix, who: str) -> Client:
    browser = Client()
    principal = matrix.principals[who]
    if principal is not None:
        mfa_login(browser, principal.label)
    return browser


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_billing_pages_answer_by_role(setup: Setup, who: str) -> None:
    browser = _browser(setup.matrix, who)
    for path in PAGES:
        response = browser.get(path)
        if who == "anonymous":
            assert response.status_code == 302 and "/login/" in response["Location"]
        elif who.startswith("portal"):
            assert response.status_code == 403
        else:
            assert response.status_code == 200, path
            assert response["Cache-Control"] == "no-store"
    if who in STAFF:
        listing = browser.get("/billing/invoices/").content.decode()
        assert (setup.matrix.matter in listing) == EXPECTED_VIEW[who]
        assert (CANARY in browser.get("/billing/time/").content.decode()) == (
            who == "attorney_assigned")


@pytest.mark.parametrize("who", STAFF)
def test_an_invoice_its_pdf_and_ledes_follow_the_policy_and_are_audited(setup: Setup,
                                                                        who: str) -> None:
    browser = _browser(setup.matrix, who)
    before = AuditRecord.objects.count()
    for path in (f"/billing/invoices/{setup.final}/", f"/billing/invoices/{setup.draft}/",
                 f"/billing/invoices/{setup.final}/pdf/", f"/billing/invoices/{setup.final}/ledes/",
                 f"/billing/receipts/{setup.receipt}/"):
        response = browser.get(path)
        if EXPECTED_VIEW[who]:
            assert response.status_code == 200, path
        else:
            assert response.status_code == 404, path
            assert CANARY.encode() not in response.content
            assert setup.matrix.matter.encode() not in response.content
    assert AuditRecord.objects.count() >= before + 5


def test_downloads_are_attachments_never_sniffed_or_cached(setup: Setup) -> None:
    browser = _browser(setup.matrix, "bookkeeper")
    for path, kind in ((f"/billing/invoices/{setup.final}/pdf/", "application/pdf"),
                       (f"/billing/invoices/{setup.final}/ledes/", "text/plain; charset=utf-8"),
                       (f"/billing/receipts/{setup.receipt}/", "application/pdf")):
        response = browser.get(path)
        assert response["Content-Type"] == kind
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "no-store"
    assert browser.get(f"/billing/invoices/{setup.final}/ledes/").content.startswith(
        b"LEDES1998B[]\r\n")


# who may record time on M (as themselves), approve M's pre-bill, take a payment on M's invoice
TIME = {"admin": 302, "admin_walled": 404, "bookkeeper": 400, "auditor": 403,
        "attorney_assigned": 302, "attorney_unassigned": 404, "attorney_walled": 404,
        "paralegal_assigned": 302, "paralegal_unassigned": 404}
APPROVE = {"admin": 302, "admin_walled": 404, "bookkeeper": 403, "auditor": 403,
           "attorney_assigned": 302, "attorney_unassigned": 404, "attorney_walled": 404,
           "paralegal_assigned": 403, "paralegal_unassigned": 404}
PAY = {"admin": 302, "admin_walled": 404, "bookkeeper": 302, "auditor": 403,
       "attorney_assigned": 403, "attorney_unassigned": 404, "attorney_walled": 404,
       "paralegal_assigned": 403, "paralegal_unassigned": 404}


@pytest.mark.parametrize("who", STAFF)
def test_billing_actions_follow_the_role_matrix_and_denials_change_nothing(setup: Setup,
                                                                         who: str) -> None:
    browser = _browser(setup.matrix, who)
    entries = TimeEntry.objects.count()
    response = browser.post("/billing/time/", {"matter": setup.matrix.matter, "minutes": "15",
                                               "date": "2026-05-01", "narrative": "Call"})
    assert response.status_code == TIME[who]
    assert TimeEntry.objects.count() == entries + (1 if TIME[who] == 302 else 0)
    response = browser.post(f"/billing/invoices/{setup.draft}/approve/")
    assert response.status_code == APPROVE[who]
    assert Invoice.objects.get(public_id=setup.draft).status == (
        "approved" if APPROVE[who] == 302 else "draft")
    response = browser.post(f"/billing/invoices/{setup.final}/pay/",
                            {"amount": "100.00", "date": "2026-04-05", "method": "check"})
    assert response.status_code == PAY[who]
    due = services_balance(setup.final)
    assert due == ("200.00" if PAY[who] == 302 else "300.00")


def services_balance(ref: str) -> str:
    from lawledger.billing.queries import invoice_document

    return str(invoice_document(OPERATOR, ref)["balance_due"])


def test_a_bookkeeper_finalizes_an_approved_pre_bill_from_the_page(setup: Setup) -> None:
    _browser(setup.matrix, "attorney_assigned").post(f"/billing/invoices/{setup.draft}/approve/")
    response = _browser(setup.matrix, "bookkeeper").post(
        f"/billing/invoices/{setup.draft}/finalize/", {"date": "2026-05-03"})
    assert response.status_code == 302
    assert Invoice.objects.get(public_id=setup.draft).number == "00002"


def test_a_bad_form_is_shown_again_naming_the_field(setup: Setup) -> None:
    response = _browser(setup.matrix, "attorney_assigned").post(
        "/billing/time/", {"matter": setup.matrix.matter, "minutes": "ninety",
                           "date": "2026-05-01", "narrative": "Call"})
    assert response.status_code == 400
    assert b"minutes" in response.content and b'class="field invalid"' in response.content


def test_a_narrative_with_markup_is_escaped_on_every_page(setup: Setup) -> None:
    attorney = setup.matrix.principals["attorney_assigned"]
    assert attorney is not None
    services.time_record(actor=OPERATOR, matter=setup.matrix.matter, minutes=6,
                         by=attorney.label, date="2026-05-01",
                         narrative="<script>alert(1)</script><img src=x onerror=alert(2)>")
    browser = _browser(setup.matrix, "attorney_assigned")
    draft = browser.get(f"/billing/invoices/{setup.draft}/")
    for content in (browser.get("/billing/time/").content, draft.content):
        assert b"<script>alert(1)" not in content and b"<img src=x" not in content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in browser.get("/billing/time/").content
