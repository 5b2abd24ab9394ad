"""Billing over the API, the second set: editing and deleting time, taking lines off a pre-bill
and deleting it, applying and refunding credit, the billing settings and the earned-fees report.
The role matrix over each operation, exact values, money moved once under one key, tokens
without the scope or limited to another client, and bad fields named."""

from __future__ import annotations

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
from tests.access_matrix import EXPECTED_VIEW
from tests.api.conftest import MoneyFirm
from tests.api.support import Api, mint
from tests.factories import OPERATOR
from tests.mfa import login

pytestmark = pytest.mark.django_db

ATTORNEY = "attorney_assigned@firm.example"


@dataclass
class Setup:
    final: str        # a finalized invoice on M (its number), 300.00, issued 2026-03-01
    draft: str        # a pre-bill on M with two lines (300.00 and 150.00)
    payment: str      # a client payment of 400.00 received before the invoice: all credit
    edit: str         # an unbilled entry on M (2026-04-05), for editing
    doomed: str       # another, for deleting


def _time(matter: str, minutes: int, day: str, by: str = ATTORNEY, text: str = "Work") -> str:
    return billing.time_record(actor=OPERATOR, matter=matter, minutes=minutes, by=by, date=day,
                               narrative=text, task="L110", activity="A101").public_id


def _setup(firm: MoneyFirm, keeper: str = ATTORNEY) -> Setup:
    matter = firm.matrix.matter
    billing.rate_set(actor=OPERATOR, email=ATTORNEY, amount="300.00")
    _time(matter, 60, "2026-02-02", text="Canary narrative 5521")
    first = billing.invoice_draft(actor=OPERATOR, matter=matter, through="2026-02-28")
    payment = billing.payment_receive(actor=OPERATOR, client=firm.matrix.client,
                                      amount="400.00", date="2026-02-20", method="check")
    final = billing.invoice_finalize(actor=OPERATOR, invoice=first.public_id, date="2026-03-01")
    _time(matter, 60, "2026-03-02")
    _time(matter, 30, "2026-03-03")
    draft = billing.invoice_draft(actor=OPERATOR, matter=matter, through="2026-03-31")
    return Setup(final.number or "", draft.public_id, payment.payment.public_id,
                 _time(matter, 60, "2026-04-05", by=keeper),
                 _time(matter, 30, "2026-04-06", by=keeper))


@dataclass
class Case:
    name: str
    method: str
    path: Callable[[MoneyFirm, Setup], str]
    scope: Scope
    act: BillingAct
    ok: int = 200
    body: Callable[[MoneyFirm, Setup], Any] | None = None
    firm_wide: bool = False      # filtered by the policy, never 404
    role_first: bool = False     # the service refuses the role before it looks the object up


CASES = [
    Case("edit time", "post", lambda f, s: f"/time-entries/{s.edit}", Scope.TIME_WRITE,
         BillingAct.RECORD, body=lambda f, s: {"minutes": "45"}),
    Case("delete time", "post", lambda f, s: f"/time-entries/{s.doomed}/delete", Scope.TIME_WRITE,
         BillingAct.RECORD),
    Case("remove a line", "post", lambda f, s: f"/invoices/{s.draft}/lines/2/remove",
         Scope.BILLING_WRITE, BillingAct.DRAFT),
    Case("delete a draft", "post", lambda f, s: f"/invoices/{s.draft}/delete",
         Scope.BILLING_WRITE, BillingAct.DRAFT),
    Case("apply credit", "post",
         lambda f, s: f"/clients/{f.matrix.client}/credit-applications", Scope.BILLING_WRITE,
         BillingAct.COLLECT, body=lambda f, s: {"date": "2026-03-05"}),
    Case("refund credit", "post", lambda f, s: "/credit-refunds", Scope.BILLING_WRITE,
         BillingAct.COLLECT, ok=201, role_first=True,
         body=lambda f, s: {"source": s.payment, "amount": "10.00", "currency": "USD",
                            "date": "2026-03-06"}),
    Case("settings", "get", lambda f, s: "/billing-settings", Scope.BILLING_READ,
         BillingAct.VIEW, firm_wide=True),
    Case("change settings", "post", lambda f, s: "/billing-settings", Scope.BILLING_WRITE,
         BillingAct.MANAGE, firm_wide=True, body=lambda f, s: {"payment_terms_days": 45}),
    Case("earned fees", "get", lambda f, s: "/reports/earned-fees-left-in-trust?as_of=2026-06-01",
         Scope.BILLING_READ, BillingAct.VIEW, firm_wide=True),
]


def _expected(firm: MoneyFirm, who: str, case: Case) -> int:
    principal = firm.matrix.principals[who]
    if principal is None:
        return 401
    if principal.role is Role.CLIENT or case.scope not in role_scopes(principal.role):
        return 403
    if not (case.firm_wide or case.role_first) and not EXPECTED_VIEW[who]:
        return 404
    if not may(principal, case.act):
        return 403
    return case.ok if EXPECTED_VIEW[who] or case.firm_wide else 404


def _api(firm: MoneyFirm, who: str) -> Api:
    principal = firm.matrix.principals[who]
    if principal is None:
        return Api()
    if principal.role is Role.CLIENT:
        api = Api()
        login(api.client, principal.label)
        return api
    return Api(mint(principal))


def _missing(path: str, body: Any, setup: Setup) -> tuple[str, Any]:
    path = (path.replace(setup.edit, "te_0000000000000000")
            .replace(setup.doomed, "te_0000000000000000")
            .replace(setup.draft, "inv_0000000000000000")
            .replace("/clients/C-", "/clients/C-99"))
    if isinstance(body, dict) and "source" in body:
        body = {**body, "source": "pay_0000000000000000"}
    return path, body


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_every_operation_answers_as_the_policy_says_for(firm: MoneyFirm, who: str) -> None:
    principal = firm.matrix.principals[who]
    # A paralegal changes only their own time: their entries are the ones they edit.
    paralegal = principal is not None and principal.role is Role.PARALEGAL
    setup = _setup(firm, principal.label if paralegal and principal else ATTORNEY)
    api = _api(firm, who)
    wrong = []
    for number, case in enumerate(CASES):
        expected = _expected(firm, who, case)
        before = (JournalEntry.objects.count(), AuditRecord.objects.count())
        path = case.path(firm, setup)
        body = case.body(firm, setup) if case.body else {}
        answer = (api.get(path) if case.method == "get"
                  else api.post(path, body, key=f"{who}-{number}"))
        if answer.status != expected:
            wrong.append(f"{case.name}: {answer.status} (expected {expected}) {answer.body}")
            continue
        if who != "anonymous":
            assert AuditRecord.objects.count() > before[1], f"{case.name}: not audited"
        if expected >= 400:
            assert set(answer.body) == {"error"}, case.name
            assert "Canary" not in answer.raw.decode(), case.name
            assert JournalEntry.objects.count() == before[0], case.name
        if expected == 404:
            missing, body = _missing(path, body, setup)
            absent = api.post(missing, body, key=f"{who}-{number}-missing")
            assert (absent.status, absent.raw) == (404, answer.raw), case.name
    assert not wrong, "\n".join(wrong)


def _admin(firm: MoneyFirm) -> Api:
    principal = firm.matrix.principals["admin"]
    assert principal is not None
    return Api(mint(principal))


def test_an_edited_entry_changes_only_what_was_sent_and_its_pre_bill_is_rebuilt(
        firm: MoneyFirm) -> None:
    setup = _setup(firm)
    api = _admin(firm)
    edited = api.post(f"/time-entries/{setup.edit}", {"minutes": "45", "status": "no_charge",
                                                      "narrative": "Revised the brief"})
    assert (edited.status, edited.body) == (200, {
        "id": setup.edit, "matter": firm.matrix.matter, "date": "2026-04-05",
        "timekeeper": ATTORNEY, "minutes": 45, "billable_minutes": 48, "hours": "0.8",
        "task": "L110", "activity": "A101", "status": "no_charge", "rate": "300.00",
        "rate_source": "timekeeper"})
    on_draft = api.get(f"/matters/{firm.matter_m_id}/time-entries").body["data"]
    second = next(row for row in on_draft if row["date"] == "2026-03-03")["id"]
    assert api.get(f"/invoices/{setup.draft}").body["total"] == "450.00"
    moved = api.post(f"/time-entries/{second}", {"minutes": "60"})
    assert (moved.status, moved.body["billable_minutes"]) == (200, 60)
    assert api.get(f"/invoices/{setup.draft}").body["total"] == "600.00"


def test_an_entry_goes_away_unless_it_is_on_a_finalized_invoice(firm: MoneyFirm) -> None:
    setup = _setup(firm)
    api = _admin(firm)
    gone = api.post(f"/time-entries/{setup.doomed}/delete", key="del-1")
    assert (gone.status, gone.body) == (200, {"id": setup.doomed, "deleted": True})
    again = api.post(f"/time-entries/{setup.doomed}/delete", key="del-1")
    assert (again.status, again.raw, again.headers["Idempotent-Replayed"]) == (
        200, gone.raw, "true")
    assert setup.doomed not in {row["id"] for row in
                                api.get(f"/matters/{firm.matter_m_id}/time-entries").body["data"]}
    unkeyed = api.post(f"/time-entries/{setup.doomed}/delete")
    assert (unkeyed.status, unkeyed.error["param"]) == (404, "entry_id")
    billed = next(row["id"] for row in
                  api.get(f"/matters/{firm.matter_m_id}/time-entries").body["data"]
                  if row["date"] == "2026-02-02")
    for answer in (api.post(f"/time-entries/{billed}/delete"),
                   api.post(f"/time-entries/{billed}", {"minutes": "1"})):
        assert (answer.status, answer.error["code"], answer.error["param"]) == (
            409, "entry_billed", "entry_id")


def test_an_edit_names_the_field_at_fault(firm: MoneyFirm) -> None:
    setup = _setup(firm)
    api = _admin(firm)
    path = f"/time-entries/{setup.edit}"
    for body, status, code, param in (
            ({}, 422, "invalid_input", "body"),
            ({"minutes": "0"}, 422, "invalid_input", "minutes"),
            ({"minutes": 45}, 422, "invalid_input", "minutes"),
            ({"date": "2026-02-30"}, 422, "invalid_input", "date"),
            ({"task": "X1"}, 422, "invalid_input", "task"),
            ({"rate": "1.00"}, 422, "unknown_field", "rate")):
        answer = api.post(path, body)
        assert (answer.status, answer.error["code"], answer.error["param"]) == (
            status, code, param), body


def test_a_line_comes_off_a_pre_bill_and_a_pre_bill_is_deleted(firm: MoneyFirm) -> None:
    setup = _setup(firm)
    api = _admin(firm)
    path = f"/invoices/{setup.draft}/lines/2/remove"
    for body, line, code, param in (({"non_billable": True}, 2, "invalid_input", "reason"),
                                    ({}, 9, "invalid_input", "line"),
                                    ({"reason": 5}, 2, "invalid_input", "reason")):
        answer = api.post(path.replace("/2/", f"/{line}/"), body)
        assert (answer.status, answer.error["code"], answer.error["param"]) == (
            422, code, param), body
    removed = api.post(path, {"non_billable": True, "reason": "Duplicate call"}, key="rm-1")
    assert removed.status == 200, removed.body
    assert (removed.body["total"], len(removed.body["lines"])) == ("300.00", 1)
    unbilled = api.get(f"/matters/{firm.matter_m_id}/time-entries").body["data"]
    assert [row["status"] for row in unbilled if row["date"] == "2026-03-03"] == ["non_billable"]
    deleted = api.post(f"/invoices/{setup.draft}/delete")
    assert (deleted.status, deleted.body) == (200, {"id": setup.draft, "deleted": True})
    assert api.get(f"/invoices/{setup.draft}").status == 404
    final = api.post(f"/invoices/{setup.final}/delete")
    assert (final.status, final.error["code"], final.error["param"]) == (
        409, "invoice_finalized", "invoice_id")


def test_credit_is_applied_and_refunded_once_under_one_key(firm: MoneyFirm) -> None:
    setup = _setup(firm)
    api = _admin(firm)
    path = f"/clients/{firm.matrix.client}/credit-applications"
    unkeyed = api.post(path, {"date": "2026-03-05"})
    assert (unkeyed.status, unkeyed.error["param"]) == (400, "Idempotency-Key")
    applied = api.post(path, {"date": "2026-03-05"}, key="apply-1")
    assert (applied.status, applied.body) == (200, {"client": firm.matrix.client, "applied": [
        {"invoice": setup.final, "amount": "300.00", "currency": "USD"}]})
    again = api.post(path, {"date": "2026-03-05"}, key="apply-1")
    assert (again.raw, again.headers["Idempotent-Replayed"]) == (applied.raw, "true")
    other = api.post(path, {"date": "2026-03-06"}, key="apply-1")
    assert (other.status, other.error["code"]) == (422, "idempotency_key_reused")
    assert api.post(path, {}, key="apply-2").body["applied"] == []
    assert api.get(f"/invoices/{setup.final}").body["balance_due"] == "0.00"
    body = {"source": setup.payment, "amount": "60.00", "currency": "USD",
            "date": "2026-03-06", "method": "wire", "reference": "R-17"}
    refund = api.post("/credit-refunds", body, key="refund-1")
    assert refund.status == 201, refund.body
    assert {k: v for k, v in refund.body.items() if k != "id"} == {
        "source": setup.payment, "client": firm.matrix.client, "amount": "60.00",
        "currency": "USD", "date": "2026-03-06", "method": "wire", "reference": "R-17"}
    assert refund.body["id"].startswith("rf")
    replay = api.post("/credit-refunds", body, key="refund-1")
    assert (replay.status, replay.raw, replay.headers["Idempotent-Replayed"]) == (
        201, refund.raw, "true")
    for change, status, code, param in (
            ({"amount": "40.01"}, 409, "overpayment", "amount"),
            ({"currency": "EUR", "amount": "1.00"}, 409, "currency_mismatch", "currency"),
            ({"amount": "1.5.0"}, 422, "invalid_input", "amount"),
            ({"method": "barter"}, 422, "invalid_input", "method"),
            ({"source": "pay_0000000000000000"}, 404, "not_found", "source")):
        answer = api.post("/credit-refunds", {**body, **change}, key=f"r-{param}")
        assert (answer.status, answer.error["code"], answer.error["param"]) == (
            status, code, param), change
    last = api.post("/credit-refunds", {**body, "amount": "40.00"}, key="refund-2")
    assert (last.status, last.body["amount"]) == (201, "40.00")


def test_billing_settings_change_all_or_nothing_by_billing_managers(firm: MoneyFirm) -> None:
    api = _admin(firm)
    shown = api.get("/billing-settings")
    assert (shown.status, shown.body) == (200, {
        "tax_rate": "0", "tax_label": "Tax", "tax_on_expenses": False, "payment_terms_days": 30,
        "require_prebill_approval": True, "ledes_law_firm_id": ""})
    changed = api.post("/billing-settings", {"tax_rate": "8.25", "tax_on_expenses": True,
                                             "payment_terms_days": 45, "tax_label": "VAT"})
    assert (changed.status, changed.body) == (200, {
        "tax_rate": "8.25", "tax_label": "VAT", "tax_on_expenses": True,
        "payment_terms_days": 45, "require_prebill_approval": True, "ledes_law_firm_id": ""})
    for body, param in (({}, "body"), ({"payment_terms_days": 10, "tax_rate": "101"}, "tax_rate"),
                        ({"tax_rate": "8.255"}, "tax_rate"),
                        ({"payment_terms_days": 366}, "payment_terms_days"),
                        ({"tax_on_expenses": "yes"}, "tax_on_expenses"),
                        ({"ledes_law_firm_id": "a;b"}, "ledes_law_firm_id"),
                        ({"currency": "USD"}, "currency")):
        answer = api.post("/billing-settings", body)
        assert (answer.status, answer.error["param"]) == (422, param), body
    assert api.get("/billing-settings").body == changed.body


def test_earned_fees_left_in_trust_are_reported_past_the_firms_limit(firm: MoneyFirm) -> None:
    setup = _setup(firm)
    billing.credit_apply(actor=OPERATOR, client=firm.matrix.client, date="2026-03-02")
    api = _admin(firm)
    assert api.get("/reports/earned-fees-left-in-trust", {"as_of": "2026-06-01"}).body == {
        "as_of": "2026-06-01", "days": 30, "invoices": []}
    billing.refund_record(actor=OPERATOR, source=setup.payment, amount="100.00",
                          date="2026-03-03")
    # The first invoice is paid by credit: bill all the rest (5 hours at 300.00) anew.
    _time(firm.matrix.matter, 120, "2026-04-10")
    billing.invoice_delete(actor=OPERATOR, invoice=setup.draft)
    draft = billing.invoice_draft(actor=OPERATOR, matter=firm.matrix.matter, through="2026-04-30")
    final = billing.invoice_finalize(actor=OPERATOR, invoice=draft.public_id, date="2026-05-01")
    early = api.get("/reports/earned-fees-left-in-trust", {"as_of": "2026-05-30"})
    assert early.body["invoices"] == []
    late = api.get("/reports/earned-fees-left-in-trust", {"as_of": "2026-06-15"})
    assert late.status == 200, late.body
    assert late.body["invoices"] == [{
        "invoice": final.number, "matter": firm.matrix.matter, "client": firm.matrix.client,
        "client_name": "Client A", "date": "2026-05-01", "days_outstanding": 45,
        "currency": "USD", "balance_due": "1500.00",
        "trust_balance": "500.00", "transferable": "500.00"}]
    bad = api.get("/reports/earned-fees-left-in-trust", {"as_of": "2026-13-01"})
    assert (bad.status, bad.error["param"]) == (400, "as_of")


def test_tokens_without_the_scope_or_limited_to_another_client_are_refused(
        firm: MoneyFirm) -> None:
    setup = _setup(firm)
    bookkeeper = firm.matrix.principals["bookkeeper"]
    assert bookkeeper is not None
    reader = Api(mint(bookkeeper, ["billing:read"]))
    writes = [(f"/time-entries/{setup.edit}", {"minutes": "5"}),
              (f"/time-entries/{setup.doomed}/delete", {}),
              (f"/invoices/{setup.draft}/lines/1/remove", {}),
              (f"/invoices/{setup.draft}/delete", {}),
              (f"/clients/{firm.matrix.client}/credit-applications", {}),
              ("/credit-refunds", {"source": setup.payment, "amount": "1.00",
                                   "currency": "USD", "date": "2026-03-06"}),
              ("/billing-settings", {"payment_terms_days": 1})]
    for path, body in writes:
        answer = reader.post(path, body, key=f"reader-{path}")
        assert (answer.status, answer.error["code"]) == (403, "insufficient_scope"), path
    limited = Api(mint(bookkeeper, clients=[firm.matrix.other_client]))
    for path, body in writes[:6]:
        answer = limited.post(path, body, key=f"limited-{path}")
        missing, absent_body = _missing(path, body, setup)
        absent = limited.post(missing, absent_body, key=f"limited-missing-{path}")
        assert (answer.status, answer.error["code"]) == (404, "not_found"), path
        assert answer.raw == absent.raw, path
    for answer in (limited.post("/billing-settings", {"payment_terms_days": 1}),
                   limited.get("/billing-settings"),
                   limited.get("/reports/earned-fees-left-in-trust")):
        assert (answer.status, answer.error["code"]) == (403, "token_limited_to_clients")
    admin = _admin(firm)
    assert admin.get(f"/invoices/{setup.draft}").body["total"] == "450.00"
    assert admin.get("/billing-settings").body["payment_terms_days"] == 30


def test_the_schema_lists_every_new_billing_operation() -> None:
    from lawledger.interfaces.api.app import api

    schema = api.get_openapi_schema()
    operations = {(path, method): op for path, methods in schema["paths"].items()
                  for method, op in methods.items()}
    for path, method, scope, keyed in (
            ("/api/v1/time-entries/{entry_id}", "post", "time:write", False),
            ("/api/v1/time-entries/{entry_id}/delete", "post", "time:write", False),
            ("/api/v1/invoices/{invoice_id}/lines/{line}/remove", "post", "billing:write", False),
            ("/api/v1/invoices/{invoice_id}/delete", "post", "billing:write", False),
            ("/api/v1/clients/{client_id}/credit-applications", "post", "billing:write", True),
            ("/api/v1/credit-refunds", "post", "billing:write", True),
            ("/api/v1/billing-settings", "get", "billing:read", False),
            ("/api/v1/billing-settings", "post", "billing:write", False),
            ("/api/v1/reports/earned-fees-left-in-trust", "get", "billing:read", False)):
        op = operations[(path, method)]
        assert op["x-required-scope"] == scope, path
        statuses = {str(status) for status in op["responses"]}
        assert {"400", "401", "403", "404"} <= statuses, path
        if method == "post":
            assert {"409", "422"} <= statuses, path
        key = [p for p in op.get("parameters", []) if p["name"] == "Idempotency-Key"]
        assert (bool(key) and key[0]["required"]) is keyed or (not keyed and method == "get"), path
