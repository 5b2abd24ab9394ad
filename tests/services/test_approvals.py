"""Second approval of large disbursements and refunds (SECURITY.md D7): held, approved by another
user with every rule checked again, rejected or withdrawn, each step audited; the database refuses
a self-approval and a second decision even from raw SQL."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from lawledger.audit.models import AuditRecord
from lawledger.core.access import Action, Role, role_allows
from lawledger.core.errors import (
    ClientLedgerOverdraft,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from lawledger.core.ledger import EntryKind
from lawledger.firm.services import firm_set
from lawledger.ledger import approvals, services
from lawledger.ledger.models import ApprovalRequest, JournalEntry
from lawledger.ledger.posting import PostResult
from tests import factories
from tests.access_matrix import build_matrix
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db

THRESHOLD = "50000"  # 500.00 USD


@pytest.fixture
def firm() -> dict[str, str]:
    made = factories.trust_firm()
    factories.deposit(made["matter"], "1000.00")
    return made


def _ask(matter: str, amount: str, actor: object, kind: EntryKind = EntryKind.DISBURSEMENT,
         **kwargs: object) -> PostResult | ApprovalRequest:
    return approvals.outflow_request(actor, kind, matter=matter, amount=amount,  # type: ignore[arg-type]
                                     account="IOLTA", date="2026-03-20", payee="Court clerk",
                                     **kwargs)  # type: ignore[arg-type]


def _events(name: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(event=name).order_by("seq"))


def test_without_a_threshold_a_large_disbursement_posts_at_once(firm: dict[str, str]) -> None:
    result = _ask(firm["matter"], "900.00", factories.user(Role.BOOKKEEPER))
    assert isinstance(result, PostResult) and result.entry.amount_minor == 90000
    assert ApprovalRequest.objects.count() == 0
    assert factories.balance(firm["matter"]) == "100.00"


def test_below_the_threshold_it_posts_and_at_it_the_payment_is_held(firm: dict[str, str]) -> None:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value=THRESHOLD)
    clerk = factories.user(Role.BOOKKEEPER)
    below = _ask(firm["matter"], "499.99", clerk)
    assert isinstance(below, PostResult)
    held = _ask(firm["matter"], "500.00", clerk, purpose="filing fee", memo="secret memo")
    assert isinstance(held, ApprovalRequest)
    assert (held.status, held.amount_minor, held.requested_by) == ("pending", 50000, clerk.label)
    assert held.public_id.startswith("apr_")
    assert JournalEntry.objects.count() == 2  # the deposit and the 499.99
    assert factories.balance(firm["matter"]) == "500.01"
    [asked] = _events("trust.approval_requested")
    assert (asked.object_id, asked.actor, asked.details["amount"]) == (
        held.public_id, clerk.label, "500.00")
    with connection.cursor() as cursor:  # the confidential text is stored sealed
        cursor.execute("SELECT payee, purpose, memo FROM ledger_approval_request")
        stored = cursor.fetchone()
    assert "Court clerk" not in str(stored) and "secret memo" not in str(stored)


def test_a_refund_is_held_too_and_composite_commands_are_refused(firm: dict[str, str]) -> None:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value=THRESHOLD)
    held = _ask(firm["matter"], "600.00", OPERATOR, kind=EntryKind.REFUND)
    assert isinstance(held, ApprovalRequest) and held.kind == "refund"
    with pytest.raises(services.ApprovalRequired) as refused:
        factories.disburse(firm["matter"], "500.00")
    assert refused.value.code == "approval_required"
    assert JournalEntry.objects.count() == 1


def test_an_approver_posts_it_once_with_the_request_named(firm: dict[str, str]) -> None:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value=THRESHOLD)
    clerk, approver = factories.user(Role.BOOKKEEPER), factories.user(Role.ADMIN)
    held = _ask(firm["matter"], "700.00", clerk)
    assert isinstance(held, ApprovalRequest)
    done = approvals.approval_approve(actor=approver, request=held.public_id)
    assert (done.status, done.decided_by) == ("approved", approver.label)
    assert done.entry is not None and done.entry.amount_minor == 70000
    assert done.entry.recorded_by == approver.label and done.entry.payee == "Court clerk"
    assert factories.balance(firm["matter"]) == "300.00"
    posted = _events("trust.entry_posted")[-1]
    assert posted.details["approval"] == held.public_id
    assert posted.details["requested_by"] == clerk.label
    [approved] = _events("trust.approval_approved")
    assert (approved.actor, approved.details["entry"]) == (approver.label, done.entry.public_id)
    with pytest.raises(approvals.ApprovalDecided):
        approvals.approval_approve(actor=approver, request=held.public_id)
    assert JournalEntry.objects.count() == 2


def test_the_requester_cannot_approve_or_reject_their_own(firm: dict[str, str]) -> None:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value=THRESHOLD)
    clerk = factories.user(Role.BOOKKEEPER)
    held = _ask(firm["matter"], "700.00", clerk)
    assert isinstance(held, ApprovalRequest)
    with pytest.raises(approvals.SameApprover) as refused:
        approvals.approval_approve(actor=clerk, request=held.public_id)
    assert refused.value.code == "approver_is_requester"
    with pytest.raises(approvals.SameApprover):
        approvals.approval_reject(actor=clerk, request=held.public_id, reason="mine")
    assert ApprovalRequest.objects.get().status == "pending"
    assert [r.details["code"] for r in _events("trust.approval_refused")] == [
        "approver_is_requester", "approver_is_requester"]
    assert JournalEntry.objects.count() == 1


def _raw_update(sql: str, params: list[object]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_a_self_approval_and_a_second_decision(firm: dict[str, str]) -> None:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value=THRESHOLD)
    clerk, approver = factories.user(Role.BOOKKEEPER), factories.user(Role.ADMIN)
    held = _ask(firm["matter"], "700.00", clerk)
    assert isinstance(held, ApprovalRequest)
    with pytest.raises(IntegrityError):  # decided by the requester's own label
        _raw_update("UPDATE ledger_approval_request SET status = 'rejected', decided_by = %s "
                    "WHERE id = %s", [clerk.label, held.pk])
    with pytest.raises(IntegrityError):  # another label, but the requester's user
        _raw_update("UPDATE ledger_approval_request SET status = 'rejected', decided_by = 'x', "
                    "decided_by_user_id = %s WHERE id = %s", [clerk.user_id, held.pk])
    with pytest.raises(IntegrityError):  # approved without an entry
        _raw_update("UPDATE ledger_approval_request SET status = 'approved', decided_by = %s "
                    "WHERE id = %s", [approver.label, held.pk])
    approvals.approval_reject(actor=approver, request=held.public_id, reason="no invoice")
    for sql in ("UPDATE ledger_approval_request SET status = 'pending', decided_by = '' "
                "WHERE id = %s", "UPDATE ledger_approval_request SET decided_by = 'z' WHERE id = %s",
                "UPDATE ledger_approval_request SET amount_minor = 1 WHERE id = %s",
                "DELETE FROM ledger_approval_request WHERE id = %s"):
        with pytest.raises((IntegrityError, InternalError)) as refused:
            _raw_update(sql, [held.pk])
        assert "lawledger" in str(refused.value)
    assert ApprovalRequest.objects.get().status == "rejected"


def test_approval_checks_the_balance_again_and_leaves_the_request_pending(
        firm: dict[str, str]) -> None:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value=THRESHOLD)
    clerk, approver = factories.user(Role.BOOKKEEPER), factories.user(Role.ADMIN)
    held = _ask(firm["matter"], "800.00", clerk)
    assert isinstance(held, ApprovalRequest)
    factories.disburse(firm["matter"], "300.00")  # spent meanwhile: 700.00 left
    with pytest.raises(ClientLedgerOverdraft):
        approvals.approval_approve(actor=approver, request=held.public_id)
    assert ApprovalRequest.objects.get().status == "pending"
    [refusal] = _events("trust.approval_refused")
    assert (refusal.actor, refusal.details["code"]) == (approver.label,
                                                        "client_ledger_overdraft")
    assert factories.balance(firm["matter"]) == "700.00"
    factories.deposit(firm["matter"], "100.00")
    assert approvals.approval_approve(actor=approver, request=held.public_id).status == "approved"
    assert factories.balance(firm["matter"]) == "0.00"


def test_a_request_is_rejected_with_a_reason_or_withdrawn_by_its_requester(
        firm: dict[str, str]) -> None:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value=THRESHOLD)
    clerk, approver = factories.user(Role.BOOKKEEPER), factories.user(Role.ADMIN)
    first, second = _ask(firm["matter"], "600.00", clerk), _ask(firm["matter"], "700.00", clerk)
    assert isinstance(first, ApprovalRequest) and isinstance(second, ApprovalRequest)
    with pytest.raises(InvalidInput) as empty:
        approvals.approval_reject(actor=approver, request=first.public_id, reason="  ")
    assert empty.value.param == "reason"
    rejected = approvals.approval_reject(actor=approver, request=first.public_id,
                                         reason="no invoice attached")
    assert (rejected.status, rejected.reason) == ("rejected", "no invoice attached")
    with pytest.raises(PermissionDenied):
        approvals.approval_withdraw(actor=approver, request=second.public_id)
    withdrawn = approvals.approval_withdraw(actor=clerk, request=second.public_id)
    assert (withdrawn.status, withdrawn.decided_by) == ("withdrawn", clerk.label)
    assert [r.actor for r in _events("trust.approval_rejected")] == [approver.label]
    assert [r.actor for r in _events("trust.approval_withdrawn")] == [clerk.label]
    assert approvals.approvals_pending(approver) == []
    assert JournalEntry.objects.count() == 1


def test_a_retried_request_with_its_key_answers_with_the_same_request(
        firm: dict[str, str]) -> None:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value=THRESHOLD)
    clerk = factories.user(Role.BOOKKEEPER)
    first = _ask(firm["matter"], "600.00", clerk, idempotency_key="k-1")
    again = _ask(firm["matter"], "600.00", clerk, idempotency_key="k-1")
    assert isinstance(first, ApprovalRequest) and isinstance(again, ApprovalRequest)
    assert again.public_id == first.public_id and ApprovalRequest.objects.count() == 1
    with pytest.raises(IdempotencyKeyReused):
        _ask(firm["matter"], "650.00", clerk, idempotency_key="k-1")


def test_another_currency_is_always_held_and_the_setting_is_validated(
        firm: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as bad:
        firm_set(actor=OPERATOR, key="approval_threshold_minor", value="-1")
    assert bad.value.param == "approval_threshold_minor"
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value=THRESHOLD)
    change = _events("firm.setting_changed")[-1]
    assert change.details == {"key": "approval_threshold_minor", "old": "0", "new": "50000"}
    factories.trust_account("EUR trust", currency="EUR")
    factories.deposit(firm["matter"], "10.00", account="EUR trust")
    held = approvals.outflow_request(OPERATOR, EntryKind.DISBURSEMENT, matter=firm["matter"],
                                     amount="1.00", account="EUR trust", date="2026-03-20",
                                     payee="Notary")
    assert isinstance(held, ApprovalRequest) and held.currency == "EUR"


APPROVERS = {"admin", "bookkeeper"}


def test_who_lists_approves_and_rejects_follows_the_role_matrix() -> None:
    matrix = build_matrix()
    factories.trust_account()
    factories.deposit(matrix.matter, "5000.00")
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value="100")
    for who, principal in matrix.principals.items():
        if principal is None:
            continue
        held = _ask(matrix.matter, "10.00", OPERATOR)
        assert isinstance(held, ApprovalRequest)
        expected = who in APPROVERS
        assert expected == matrix.may(who, Action.RECORD_DISBURSEMENT), who
        if expected:
            assert [r.public_id for r in approvals.approvals_pending(principal)] == [held.public_id]
            assert approvals.approval_approve(actor=principal,
                                              request=held.public_id).status == "approved"
            continue
        if role_allows(principal, Action.RECORD_DISBURSEMENT):  # walled: sees none of M's
            assert approvals.approvals_pending(principal) == [], who
        else:
            with pytest.raises(PermissionDenied):
                approvals.approvals_pending(principal)
        with pytest.raises((PermissionDenied, NotFound)):
            approvals.approval_approve(actor=principal, request=held.public_id)
        with pytest.raises((PermissionDenied, NotFound)):
            approvals.approval_reject(actor=principal, request=held.public_id, reason="no")
        approvals.approval_withdraw(actor=OPERATOR, request=held.public_id)
    assert ApprovalRequest.objects.filter(status="approved").count() == len(APPROVERS)
