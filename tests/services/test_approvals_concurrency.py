"""Two approvers clicking at once post a held payment once (SECURITY.md D7): the request row is
locked and its status moves from pending once; the second approver is told it was decided."""

from __future__ import annotations

import pytest

from lawledger.core.access import Role
from lawledger.core.ledger import EntryKind
from lawledger.firm.services import firm_set
from lawledger.ledger import approvals
from lawledger.ledger.models import ApprovalRequest, JournalEntry
from tests import factories
from tests.factories import OPERATOR
from tests.services.test_concurrency import _in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_approvers_at_once_post_the_payment_once() -> None:
    made = factories.trust_firm()
    factories.deposit(made["matter"], "1000.00")
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value="50000")
    held = approvals.outflow_request(OPERATOR, EntryKind.DISBURSEMENT, matter=made["matter"],
                                     amount="600.00", account="IOLTA", date="2026-03-20",
                                     payee="Court clerk")
    assert isinstance(held, ApprovalRequest)
    first, second = factories.user(Role.ADMIN), factories.user(Role.BOOKKEEPER)
    outcomes = _in_threads([
        lambda: approvals.approval_approve(actor=first, request=held.public_id),
        lambda: approvals.approval_approve(actor=second, request=held.public_id)])
    approved = [o for o in outcomes if isinstance(o, ApprovalRequest)]
    refused = [o for o in outcomes if isinstance(o, approvals.ApprovalDecided)]
    assert (len(approved), len(refused)) == (1, 1), outcomes
    assert refused[0].code == "approval_decided"
    assert JournalEntry.objects.filter(kind="disbursement").count() == 1
    row = ApprovalRequest.objects.get()
    assert row.status == "approved" and row.entry_id == approved[0].entry_id
    assert factories.balance(made["matter"]) == "400.00"
