"""Billing over the API: the role matrix over every billing operation, a payment from trust that
is idempotent and refused without funds, LEDES out and back, and client-limited tokens."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from lawledger.apitokens.scopes import Scope, role_scopes
from lawledger.audit.models import AuditRecord
from lawledger.billing import services as billing
from lawledger.billing.common import BillingAct, may
from lawledger.core.access import Role
from lawledger.ledger.models import JournalEntry
from tests import factories
from tests.access_matrix import EXPECTED_VIEW
from tests.api.conftest import MoneyFirm
from tests.api.support import Api, mint
from tests.factories import OPERATOR
from tests.mfa import login

pytestmark = pytest.mark.django_db


@dataclass
class Invoices:
    final: str        # a finalized invoice on M (its number), 300.00 owed
    final_id: str     # its public id


def _bill(firm: MoneyFirm) -> Invoices:
    """One hour of the responsible attorney's time on M at 300.00, finalized."""
    attorney = firm.matrix.principals["attorney_assigned"]
    assert attorney is not None
    billing.rate_set(actor=OPERATOR, email=attorney.label, amount="300.00")
    billing.time_record(actor=OPERATOR, matter=firm.matrix.matter, minutes=60, by=attorney.label,
                        date="2026-03-02", narrative="Canary narrative 5521", task="L110",
                        activity="A101")
    draft = billing.invoice_draft(actor=OPERATOR, matter=firm.matrix.matter, through="2026-03-31")
    final = billing.invoice_finalize(actor=OPERATOR, invoice=draft.public_id, date="2026-04-01")
    return Invoices(final.number or "", final.public_id)


@dataclass
class Case:
    name: str
    method: str
    path: Callable[[MoneyFirm, Invoices], str]
    scope: Scope
    act: BillingAct
    ok: int = 200
    body: Callable[[MoneyFirm, str], Any] | None = None


CASES = [
    Case("invoice detail", "get", lambda f, i: f"/invoices/{i.final_id}", Scope.BILLING_READ,
         BillingAct.VIEW),
    Case("invoice by number", "get", lambda f, i: f"/invoices/{i.final}", Scope.BILLING_READ,
         BillingAct.VIEW),
    Case("LEDES export", "get", lambda f, i: f"/invoices/{i.final}/ledes", Scope.BILLING_READ,
         BillingAct.VIEW),
    Case("time entries", "get", lambda f, i: f"/matters/{f.matter_m_id}/time-entries",
         Scope.BILLING_READ, BillingAct.VIEW),
    Case("expenses", "get", lambda f, i: f"/matters/{f.matter_m_id}/expenses", Scope.BILLING_READ,
         BillingAct.VIEW),
    Case("record time", "post", lambda f, i: "/time-entries", Scope.TIME_WRITE, BillingAct.RECORD,
         ok=201, body=lambda f, email: {"matter": f.matrix.matter, "minutes": "15",
                                         "timekeeper": email, "date": "2026-04-02",
                                         "narrative": "Called opposing counsel"}),
    Case("draft", "post", lambda f, i: "/invoices", Scope.BILLING_WRITE, BillingAct.DRAFT, ok=201,
         body=lambda f, email: {"matter": f.matrix.matter}),
    Case("client payment", "post", lambda f, i: f"/invoices/{i.final}/payments",
         Scope.BILLING_WRITE, BillingAct.COLLECT, ok=201,
         body=lambda f, email: {"amount": "1.00", "currency": "USD", "date": "2026-04-03",
                                "method": "check"}),
]


def _expected(firm: MoneyFirm, who: str, case: Case) -> int:
    principal = firm.matrix.principals[who]
    if principal is None:
        return 401
    if principal.role is Role.CLIENT:
        return 403
    if case.scope not in role_scopes(principal.role):
        return 403
    if not EXPECTED_VIEW[who]:
        return 404
    if not may(principal, case.act):
        return 403
    return case.ok


def _api(firm: MoneyFirm, who: str) -> Api:
    principal = firm.matrix.principals[who]
    if principal is None:
        return Api()
    if principal.role is Role.CLIENT:
        api = Api()
        login(api.client, principal.label)
        return api
    return Api(mint(principal))


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_every_billing_operation_answers_as_the_policy_says_for(firm: MoneyFirm,
                                                               who: str) -> None:
    invoices = _bill(firm)
    api = _api(firm, who)
    principal = firm.matrix.principals[who]
    # Paralegals record their own time; everyone else records the responsible attorney's.
    keeper = firm.matrix.principals["attorney_assigned"]
    assert keeper is not None
    email = (principal.label if principal is not None and principal.role is Role.PARALEGAL
             else keeper.label)
    wrong = []
    for number, case in enumerate(CASES):
        expected = _expected(firm, who, case)
        before = (JournalEntry.objects.count(), AuditRecord.objects.count())
        path = case.path(firm, invoices)
        if case.method == "get":
            answer = api.get(path)
        else:
            answer = api.post(path, case.body(firm, email) if case.body else {},
                              key=f"{who}-{number}")
        if answer.status != expected:
            wrong.append(f"{case.name}: {answer.status} (expected {expected}) {answer.body}")
            continue
        if expected >= 400:
            assert set(answer.body) == {"error"}, case.name
            assert "Canary" not in answer.raw.decode(), case.name
            assert JournalEntry.objects.count() == before[0], case.name
            if who != "anonymous":
                assert AuditRecord.objects.count() > before[1], f"{case.name}: not audited"
        if expected == 404:
            missing = path.replace(invoices.final_id, "inv_0000000000000000").replace(
                invoices.final, "00999").replace(firm.matter_m_id, "mat_0000000000000000")
            body = case.body(firm, email) if case.body else {}
            if isinstance(body, dict) and "matter" in body:
                body["matter"] = "M-9999"
            absent = (api.get(missing) if case.method == "get"
                      else api.post(missing, body, key=f"{who}-{number}-missing"))
            assert (absent.status, absent.raw) == (404, answer.raw), case.name
    assert not wrong, "\n".join(wrong)


def _bookkeeper(firm: MoneyFirm) -> Api:
    principal = firm.matrix.principals["bookkeeper"]
    assert principal is not None
    return Api(mint(principal))


def test_a_payment_from_trust_moves_money_once_under_one_key(firm: MoneyFirm) -> None:
    invoices = _bill(firm)
    api = _bookkeeper(firm)
    body = {"amount": "300.00", "currency": "USD", "date": "2026-04-05", "from_trust": True,
            "account": "IOLTA"}
    first = api.post(f"/invoices/{invoices.final}/payments", body, key="pay-1")
    assert first.status == 201, first.body
    assert (first.body["amount"], first.body["method"], first.body["applied"]) == (
        "300.00", "trust", [{"invoice": invoices.final, "amount": "300.00",
                             "balance_due": "0.00"}])
    assert first.body["trust_entry"].startswith("je_")
    again = api.post(f"/invoices/{invoices.final}/payments", body, key="pay-1")
    assert (again.status, again.raw, again.headers["Idempotent-Replayed"]) == (
        201, first.raw, "true")
    assert factories.balance(firm.matrix.matter) == "200.00"
    other = api.post(f"/invoices/{invoices.final}/payments", {**body, "amount": "1.00"},
                     key="pay-1")
    assert (other.status, other.error["code"]) == (422, "idempotency_key_reused")
    shown = api.get(f"/invoices/{invoices.final}").body
    assert (shown["status"], shown["paid"], shown["balance_due"]) == ("paid", "300.00", "0.00")


def test_a_payment_from_trust_is_refused_when_the_client_ledger_lacks_the_funds(
        firm: MoneyFirm) -> None:
    invoices = _bill(firm)
    api = _bookkeeper(firm)
    factories.disburse(firm.matrix.matter, "450.00", date="2026-03-25")
    body = {"amount": "300.00", "currency": "USD", "date": "2026-04-05", "from_trust": True,
            "account": "IOLTA"}
    assert factories.balance(firm.matrix.matter) == "50.00"
    entries = JournalEntry.objects.count()
    refused = api.post(f"/invoices/{invoices.final}/payments", body, key="pay-2")
    assert (refused.status, refused.error["code"]) == (409, "client_ledger_overdraft")
    assert (JournalEntry.objects.count(), factories.balance(firm.matrix.matter)) == (entries,
                                                                                     "50.00")
    assert api.get(f"/invoices/{invoices.final}").body["balance_due"] == "300.00"
    wrong_currency = api.post(f"/invoices/{invoices.final}/payments",
                              {**body, "amount": "10.00", "currency": "EUR"}, key="pay-3")
    assert (wrong_currency.status, wrong_currency.error["code"]) == (409, "currency_mismatch")


def test_time_to_invoice_to_ledes_through_the_api(firm: MoneyFirm) -> None:
    attorney = firm.matrix.principals["attorney_assigned"]
    assert attorney is not None
    billing.rate_set(actor=OPERATOR, email=attorney.label, amount="250.00")
    api = Api(mint(attorney))
    timed = api.post("/time-entries", {"matter": firm.matrix.matter, "minutes": "50",
                                       "timekeeper": attorney.label, "date": "2026-03-03",
                                       "narrative": "Drafted | the [] motion", "task": "L210",
                                       "activity": "A103"})
    assert timed.status == 201, timed.body
    assert (timed.body["billable_minutes"], timed.body["hours"], timed.body["rate"],
            timed.body["rate_source"]) == (54, "0.9", "250.00", "timekeeper")
    drafted = api.post("/invoices", {"matter": firm.matrix.matter, "through": "2026-03-31"})
    assert drafted.status == 201, drafted.body
    assert (drafted.body["status"], drafted.body["number"], drafted.body["total"]) == (
        "draft", None, "225.00")
    invoice = drafted.body["id"]
    assert api.post(f"/invoices/{invoice}/approve").body["status"] == "approved"
    final = api.post(f"/invoices/{invoice}/finalize", {"date": "2026-04-01"})
    assert (final.status, final.body["status"], final.body["number"]) == (200, "finalized",
                                                                          "00001")
    changed = api.post(f"/invoices/{invoice}/finalize", {"total": "1.00"})
    assert (changed.status, changed.error["code"], changed.error["param"]) == (
        422, "unknown_field", "total")
    ledes = api.get(f"/invoices/{invoice}/ledes")
    assert ledes.status == 200 and ledes.body["content"].startswith("LEDES1998B[]")
    assert (ledes.body["invoices"], ledes.body["lines"]) == (["00001"], 1)
    checked = api.post("/ledes/validate", {"content": ledes.body["content"]})
    assert (checked.body["valid"], checked.body["line_items"]) == (True, 1)
    broken = api.post("/ledes/validate", {"content": ledes.body["content"].replace(
        "LEDES1998B[]", "LEDES98[]")})
    assert (broken.body["valid"], broken.body["first_bad_line"]) == (False, 1)
    pdf = api.get(f"/invoices/{invoice}/pdf").body
    assert (pdf["name"], pdf["content_type"]) == ("invoice-00001.pdf", "application/pdf")
    assert base64.b64decode(pdf["content_base64"]).startswith(b"%PDF-")
    listed = api.get("/invoices", {"matter": firm.matrix.matter, "status": "finalized"}).body
    assert [row["number"] for row in listed["data"]] == ["00001"]
    assert api.post(f"/invoices/{invoice}/payments",
                    {"amount": "1.00", "currency": "USD", "date": "2026-04-02"},
                    key="att-1").error["code"] == "permission_denied"


def test_billing_reports_and_a_client_limited_token(firm: MoneyFirm) -> None:
    invoices = _bill(firm)
    api = _bookkeeper(firm)
    aging = api.get("/reports/ar-aging", {"as_of": "2026-05-15"}).body
    assert aging["totals"] == {"USD": {"current": "0.00", "30": "300.00", "60": "0.00",
                                       "90": "0.00", "120+": "0.00", "total": "300.00"}}
    statement = api.get(f"/clients/{firm.matrix.client}/statement").body
    assert statement["currencies"][0]["closing_balance"] == "300.00"
    assert api.get("/reports/wip").status == 200
    assert api.get("/reports/realization", {"from": "2026-01-01"}).status == 200
    billing.time_record(actor=OPERATOR, matter=firm.matrix.matter, minutes=30,
                        by=firm.matrix.principals["attorney_assigned"].label,  # type: ignore[union-attr]
                        date="2026-04-10", narrative="Reviewed the reply")
    run = api.post("/billing-runs", {"through": "2026-04-30"})
    assert (run.status, run.body["matters"], run.body["failed"]) == (201, 1, [])
    assert [(row["matter"], row["total"]) for row in run.body["drafted"]] == [
        (firm.matrix.matter, "150.00")]
    principal = firm.matrix.principals["bookkeeper"]
    assert principal is not None
    limited = Api(mint(principal, clients=[firm.matrix.other_client]))
    assert limited.get(f"/invoices/{invoices.final}").status == 404
    assert limited.get("/invoices").body["data"] == []
    assert limited.get(f"/clients/{firm.matrix.client}/statement").status == 404
    answer = limited.get("/reports/ar-aging")
    assert (answer.status, answer.error["code"]) == (403, "token_limited_to_clients")
    paid = limited.post(f"/invoices/{invoices.final}/payments",
                        {"amount": "1.00", "currency": "USD", "date": "2026-04-02"}, key="l-1")
    assert paid.status == 404
    assert api.get(f"/invoices/{invoices.final}").body["balance_due"] == "300.00"

