"""A disbursement or refund at the firm's approval threshold through the API (SECURITY.md D7):
202 with the held request, nothing posted, a retry with the same key answers the same; without a
threshold the API answers as before."""

from __future__ import annotations

import pytest

from lawledger.firm.services import firm_set
from lawledger.ledger.models import ApprovalRequest, JournalEntry
from tests import factories
from tests.api.conftest import MoneyFirm
from tests.api.support import Api, mint

pytestmark = pytest.mark.django_db


def _api(firm: MoneyFirm, who: str = "bookkeeper") -> Api:
    principal = firm.matrix.principals[who]
    assert principal is not None
    return Api(mint(principal))


def _body(firm: MoneyFirm, amount: str) -> dict[str, str]:
    return {"account": "IOLTA", "currency": "USD", "date": "2026-03-20",
            "matter": firm.matrix.matter, "amount": amount, "payee": "Court clerk"}


def test_a_payment_at_the_threshold_answers_202_and_waits(firm: MoneyFirm) -> None:
    firm_set(actor=factories.OPERATOR, key="approval_threshold_minor", value="30000")
    api = _api(firm)
    before = JournalEntry.objects.count()
    small = api.post("/trust/disbursements", _body(firm, "299.99"), key="small")
    assert small.status == 201 and small.body["kind"] == "disbursement"
    held = api.post("/trust/disbursements", _body(firm, "300.00"), key="large")
    row = ApprovalRequest.objects.get()
    assert held.status == 202
    assert held.body == {
        "status": "pending_approval", "request": row.public_id, "kind": "disbursement",
        "date": "2026-03-20", "amount": "300.00", "currency": "USD", "account": "IOLTA",
        "matter": firm.matrix.matter, "payee": "Court clerk",
        "requested_by": "bookkeeper@firm.example",
        "requested_at": held.body["requested_at"]}
    again = api.post("/trust/disbursements", _body(firm, "300.00"), key="large")
    assert (again.status, again.body, again.headers["Idempotent-Replayed"]) == (
        202, held.body, "true")
    refund = api.post("/trust/refunds", {**_body(firm, "300.00"), "payee": "Client A"},
                      key="refund")
    assert (refund.status, refund.body["kind"]) == (202, "refund")
    assert ApprovalRequest.objects.count() == 2
    assert JournalEntry.objects.count() == before + 1
    assert factories.balance(firm.matrix.matter) == "200.01"


def test_without_a_threshold_the_api_posts_as_before(firm: MoneyFirm) -> None:
    answer = _api(firm).post("/trust/disbursements", _body(firm, "450.00"), key="k")
    assert answer.status == 201 and answer.body["client_ledger_balances"] == [
        {"matter": firm.matrix.matter, "balance": "50.00"}]
    assert ApprovalRequest.objects.count() == 0


def test_the_schema_declares_the_held_answer_of_payments_only() -> None:
    from lawledger.interfaces.api.app import api

    paths = api.get_openapi_schema()["paths"]
    statuses = {path: {str(code) for code in paths[f"/api/v1{path}"]["post"]["responses"]}
                for path in ("/trust/disbursements", "/trust/refunds", "/trust/deposits")}
    assert {"201", "202"} <= statuses["/trust/disbursements"]
    assert {"201", "202"} <= statuses["/trust/refunds"]
    assert "202" not in statuses["/trust/deposits"] and "201" in statuses["/trust/deposits"]
