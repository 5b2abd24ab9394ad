"""`lawledger trust disburse|refund` hold a payment at the firm's threshold (exit 0, status
pending_approval); `trust approvals|approve|reject|withdraw` decide it, approve and reject only
with the approver's one-time code (SECURITY.md D7)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from lawledger.access.models import User
from lawledger.audit.models import AuditRecord
from lawledger.core.access import Role
from lawledger.firm.services import firm_set
from lawledger.interfaces.cli.app import app
from lawledger.ledger.models import ApprovalRequest, JournalEntry
from tests import factories
from tests.factories import OPERATOR
from tests.mfa import next_totp_code, totp_device

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else None


def _disburse(matter: str, amount: str, *extra: str) -> tuple[int, Any]:
    return _run("trust", "disburse", matter, amount, "--account", "IOLTA", "--date",
                "2026-03-20", "--to", "Court clerk", *extra)


def _code(email: str) -> str:
    return next_totp_code(totp_device(User.objects.get(email=email)))


@pytest.fixture
def firm() -> str:
    made = factories.trust_firm()
    factories.deposit(made["matter"], "1000.00")
    return made["matter"]


def test_a_firm_without_a_threshold_disburses_as_before(firm: str) -> None:
    code, posted = _disburse(firm, "900.00")
    assert code == 0 and posted["id"].startswith("je_")
    assert (posted["amount"], posted["balances"], posted["replayed"]) == (
        "900.00", {firm: "100.00"}, False)
    assert "status" not in posted and ApprovalRequest.objects.count() == 0


def test_a_large_payment_waits_and_another_user_approves_it_with_a_code(firm: str) -> None:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value="50000")
    clerk = factories.user(Role.BOOKKEEPER, email="clerk@firm.example")
    factories.user(Role.ADMIN, email="partner@firm.example")
    code, held = _disburse(firm, "600.00", "--as", clerk.label)
    assert code == 0
    assert (held["status"], held["amount"], held["requested_by"]) == (
        "pending_approval", "600.00", clerk.label)
    request = held["request"]
    assert request.startswith("apr_") and JournalEntry.objects.count() == 1
    code, listed = _run("trust", "approvals", "--as", "partner@firm.example")
    assert code == 0 and [r["id"] for r in listed["approvals"]] == [request]
    code, refused = _run("trust", "approve", request, "--as", "partner@firm.example")
    assert (code, refused["error"]["code"]) == (1, "step_up_required")
    code, refused = _run("trust", "approve", request, "--as", "partner@firm.example",
                         "--code", "000000")
    assert (code, refused["error"]["code"]) == (1, "step_up_required")
    code, refused = _run("trust", "approve", request, "--as", clerk.label,
                         "--code", _code(clerk.label))
    assert (code, refused["error"]["code"]) == (1, "approver_is_requester")
    code, refused = _run("trust", "approve", request, "--code", "123456")  # the operator
    assert (code, refused["error"]["code"]) == (1, "step_up_required")
    code, approved = _run("trust", "approve", request, "--as", "partner@firm.example",
                          "--code", _code("partner@firm.example"))
    assert code == 0 and approved["status"] == "approved"
    assert approved["entry"] == JournalEntry.objects.get(kind="disbursement").public_id
    assert factories.balance(firm) == "400.00"
    assert AuditRecord.objects.filter(event="auth.mfa_verified",
                                      actor="partner@firm.example").count() == 1


def test_a_refund_is_rejected_with_a_reason_and_a_disbursement_withdrawn(firm: str) -> None:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value="50000")
    factories.user(Role.BOOKKEEPER, email="clerk@firm.example")
    code, held = _run("trust", "refund", firm, "600.00", "--account", "IOLTA", "--date",
                      "2026-03-20", "--to", "The client")
    assert (code, held["status"], held["kind"]) == (0, "pending_approval", "refund")
    code, rejected = _run("trust", "reject", held["request"], "--reason", "wrong client",
                          "--as", "clerk@firm.example", "--code", _code("clerk@firm.example"))
    assert (code, rejected["status"], rejected["decided_by"]) == (
        0, "rejected", "clerk@firm.example")
    _, second = _disburse(firm, "700.00")
    code, refused = _run("trust", "withdraw", second["request"], "--as", "clerk@firm.example")
    assert (code, refused["error"]["code"]) == (1, "permission_denied")
    code, withdrawn = _run("trust", "withdraw", second["request"])
    assert (code, withdrawn["status"]) == (0, "withdrawn")
    assert JournalEntry.objects.count() == 1


@pytest.mark.parametrize("role", [Role.ATTORNEY, Role.PARALEGAL, Role.AUDITOR])
def test_roles_that_may_not_pay_from_trust_neither_list_nor_approve(firm: str,
                                                                     role: Role) -> None:
    firm_set(actor=OPERATOR, key="approval_threshold_minor", value="50000")
    _, held = _disburse(firm, "600.00")
    who = factories.user(role).label
    assert _run("trust", "approvals", "--as", who)[0] == 1
    code, refused = _run("trust", "approve", held["request"], "--as", who, "--code", _code(who))
    # A role without the act is refused (1); one who does not see the matter is told of none (2).
    assert (code, refused["error"]["code"]) in ((1, "permission_denied"), (2, "not_found"))
    assert ApprovalRequest.objects.get().status == "pending"
