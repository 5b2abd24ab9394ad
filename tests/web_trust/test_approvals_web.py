"""The payments-awaiting-approval page (SECURITY.md D7): the role matrix, a held disbursement from
the recording form, approve and reject only with a fresh second factor (step-up), never one's own."""

from __future__ import annotations

import pytest

from lawledger.access.models import User
from lawledger.core.ledger import EntryKind
from lawledger.firm.services import firm_set
from lawledger.ledger import approvals
from lawledger.ledger.models import ApprovalRequest, JournalEntry
from lawledger.security import sessions
from tests import factories
from tests.access_matrix import EXPECTED_VIEW, Matrix
from tests.factories import OPERATOR
from tests.mfa import recovery_codes
from tests.web_trust.helpers import audited_since, browser_for

pytestmark = pytest.mark.django_db

APPROVERS = {"admin", "bookkeeper"}
PAGE = "/trust/approvals/"


def _held(matrix: Matrix, amount: str = "300.00") -> ApprovalRequest:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value="20000")
    held = approvals.outflow_request(OPERATOR, EntryKind.DISBURSEMENT, matter=matrix.matter,
                                     amount=amount, account="IOLTA", date="2026-03-21",
                                     payee="Canary Payee 5521")
    assert isinstance(held, ApprovalRequest)
    return held


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_approvals_page_and_its_buttons_follow_the_role_matrix(matrix: Matrix,
                                                                   who: str) -> None:
    held = _held(matrix)
    browser = browser_for(matrix, who)
    page = browser.get(PAGE)
    approve = browser.post(f"{PAGE}{held.public_id}/approve/")
    status = ApprovalRequest.objects.get().status
    if who == "anonymous":
        assert page.status_code == approve.status_code == 302
        assert page["Location"].startswith("/login/") and status == "pending"
    elif who in APPROVERS:
        assert page.status_code == 200 and "Canary Payee 5521" in page.content.decode()
        assert approve.status_code == 302 and approve["Location"].startswith(f"{PAGE}?done=")
        assert status == "approved" and JournalEntry.objects.filter(kind="disbursement").exists()
    elif who == "admin_walled":  # may pay from trust, but not on M: sees nothing, may not decide
        assert page.status_code == 200 and "Canary Payee" not in page.content.decode()
        assert approve.status_code == 404 and status == "pending"
    else:
        assert page.status_code == 403 and status == "pending"
        assert approve.status_code in (403, 404)
        assert "Canary Payee" not in page.content.decode()


def test_a_large_disbursement_from_the_form_is_held_and_the_requester_cannot_approve_it(
        matrix: Matrix) -> None:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value="20000")
    browser = browser_for(matrix, "bookkeeper")
    form = browser.post(f"/matters/{matrix.matter}/trust/disburse/", {
        "account": "IOLTA", "amount": "300.00", "date": "2026-03-21", "payee": "Court",
        "method": "eft", "purpose": "filing fee", "idempotency_key": "web-held-1"})
    held = ApprovalRequest.objects.get()
    assert form.status_code == 303
    assert form["Location"] == f"{PAGE}?held={held.public_id}"
    assert held.public_id in browser.get(form["Location"]).content.decode()
    assert JournalEntry.objects.filter(kind="disbursement").count() == 0
    own = browser.post(f"{PAGE}{held.public_id}/approve/")
    assert own.status_code == 302 and "approver_is_requester" in own["Location"]
    assert ApprovalRequest.objects.get().status == "pending"
    withdrawn = browser.post(f"{PAGE}{held.public_id}/withdraw/")
    assert withdrawn.status_code == 302 and ApprovalRequest.objects.get().status == "withdrawn"


def test_approving_with_a_stale_second_factor_asks_for_it_again(matrix: Matrix) -> None:
    held = _held(matrix)
    browser = browser_for(matrix, "admin")
    session = browser.session
    session[sessions.MFA_VERIFIED_AT] = sessions.now_seconds() - 6 * 60
    session.save()
    asked = browser.post(f"{PAGE}{held.public_id}/approve/",
                         HTTP_REFERER=f"http://testserver{PAGE}")
    assert asked.status_code == 302
    assert asked["Location"].startswith("/login/verify/?next=http%3A%2F%2Ftestserver%2Ftrust")
    assert ApprovalRequest.objects.get().status == "pending"
    rejected = browser.post(f"{PAGE}{held.public_id}/reject/", {"reason": "no invoice"})
    assert rejected["Location"].startswith("/login/verify/")
    code = recovery_codes(User.objects.get(email="admin@firm.example"))[0]
    proved = browser.post("/login/verify/", {"code": code, "next": PAGE, "step_up": "1"})
    assert proved.status_code == 302 and proved["Location"] == PAGE
    done = browser.post(f"{PAGE}{held.public_id}/reject/", {"reason": "no invoice"})
    assert done.status_code == 302
    row = ApprovalRequest.objects.get()
    assert (row.status, row.reason, row.decided_by) == ("rejected", "no invoice",
                                                        "admin@firm.example")
    [event] = audited_since(0, "trust.approval_rejected")
    assert event.object_id == held.public_id


def test_an_approval_refused_by_a_rule_returns_to_the_list_saying_why(matrix: Matrix) -> None:
    held = _held(matrix, amount="450.00")
    factories.disburse(matrix.matter, "100.00", date="2026-03-21")  # 400.00 left on M
    browser = browser_for(matrix, "bookkeeper")
    refused = browser.post(f"{PAGE}{held.public_id}/approve/")
    assert refused.status_code == 302 and "client_ledger_overdraft" in refused["Location"]
    assert ApprovalRequest.objects.get().status == "pending"
    assert [r.details["code"] for r in audited_since(0, "trust.approval_refused")] == [
        "client_ledger_overdraft"]
