"""Rates, fee arrangements, contingency settlements, replenishment requests and expense receipts
over the API: the role matrix over each operation, the precedence of rates, effective dates,
money moved once under one key, receipts checked by their bytes and downloaded as attachments,
tokens without the scope or limited to another client, and bad fields named."""

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

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@dataclass
class Setup:
    expense: str      # an operating expense of 10.00 on M
    receipt: str      # its PNG receipt


def _setup(firm: MoneyFirm) -> Setup:
    expense = billing.expense_record(actor=OPERATOR, matter=firm.matrix.matter, amount="10.00",
                                     date="2026-03-12", description="Courier Canary 8812")
    receipt = billing.receipt_attach(actor=OPERATOR, expense=expense.public_id,
                                     filename="courier.png", data=PNG)
    billing.arrangement_set(actor=OPERATOR, matter=firm.matrix.matter, kind="contingency",
                            tiers=[":33.33"])
    return Setup(expense.public_id, receipt.public_id)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass
class Case:
    name: str
    method: str
    path: Callable[[MoneyFirm, Setup], str]
    scope: Scope
    act: BillingAct
    ok: int = 200
    body: Callable[[MoneyFirm], Any] | None = None


CASES = [
    Case("rates of a matter", "get", lambda f, s: f"/rates?matter={f.matrix.matter}",
         Scope.BILLING_READ, BillingAct.VIEW),
    Case("fee arrangement", "get", lambda f, s: f"/matters/{f.matter_m_id}/fee-arrangement",
         Scope.BILLING_READ, BillingAct.VIEW),
    Case("replenishment requests", "get",
         lambda f, s: f"/matters/{f.matter_m_id}/replenishment-requests", Scope.BILLING_READ,
         BillingAct.VIEW),
    Case("receipt download", "get", lambda f, s: f"/receipts/{s.receipt}", Scope.BILLING_READ,
         BillingAct.VIEW),
    Case("receipt upload", "post", lambda f, s: f"/expenses/{s.expense}/receipts",
         Scope.TIME_WRITE, BillingAct.RECORD, ok=201,
         body=lambda f: {"filename": "scan.png", "content_base64": _b64(PNG)}),
    Case("matter rate", "post", lambda f, s: "/rates", Scope.BILLING_WRITE, BillingAct.MANAGE,
         ok=201, body=lambda f: {"timekeeper": "attorney_assigned@firm.example",
                                 "rate": "275.00", "currency": "USD",
                                 "matter": f.matrix.matter}),
    Case("set arrangement", "post", lambda f, s: f"/matters/{f.matter_m_id}/fee-arrangement",
         Scope.BILLING_WRITE, BillingAct.MANAGE, ok=201,
         body=lambda f: {"kind": "contingency", "currency": "USD",
                         "tiers": [{"percent": "25"}], "effective_from": "2026-01-01"}),
    Case("replenishment check", "post", lambda f, s: "/replenishment-checks",
         Scope.BILLING_WRITE, BillingAct.COLLECT, body=lambda f: {"matter": f.matrix.matter}),
    Case("settlement", "post", lambda f, s: f"/matters/{f.matter_m_id}/settlements",
         Scope.BILLING_WRITE, BillingAct.MANAGE, ok=201,
         body=lambda f: {"gross": "300.00", "currency": "USD", "date": "2026-04-01",
                         "liens": [{"payee": "Canary Clinic", "amount": "50.00"}]}),
]


def _expected(firm: MoneyFirm, who: str, case: Case) -> int:
    principal = firm.matrix.principals[who]
    if principal is None:
        return 401
    if principal.role is Role.CLIENT or case.scope not in role_scopes(principal.role):
        return 403
    if not EXPECTED_VIEW[who]:
        return 404
    return case.ok if may(principal, case.act) else 403


def _api(firm: MoneyFirm, who: str) -> Api:
    principal = firm.matrix.principals[who]
    if principal is None:
        return Api()
    if principal.role is Role.CLIENT:
        api = Api()
        login(api.client, principal.label)
        return api
    return Api(mint(principal))


def _missing(path: str, firm: MoneyFirm, setup: Setup) -> str:
    return (path.replace(setup.receipt, "rc_0000000000000000")
            .replace(setup.expense, "ex_0000000000000000")
            .replace(firm.matter_m_id, "mat_0000000000000000")
            .replace(f"={firm.matrix.matter}", "=M-9999"))


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_every_fee_operation_answers_as_the_policy_says_for(firm: MoneyFirm, who: str) -> None:
    setup = _setup(firm)
    api = _api(firm, who)
    wrong = []
    for number, case in enumerate(CASES):
        expected = _expected(firm, who, case)
        before = (JournalEntry.objects.count(), AuditRecord.objects.count())
        path = case.path(firm, setup)
        body = case.body(firm) if case.body else {}
        answer = (api.get(path) if case.method == "get"
                  else api.post(path, body, key=f"{who}-{number}"))
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
            if isinstance(body, dict) and "matter" in body:
                body["matter"] = "M-9999"
            missing = _missing(path, firm, setup)
            absent = (api.get(missing) if case.method == "get"
                      else api.post(missing, body, key=f"{who}-{number}-missing"))
            assert (absent.status, absent.raw) == (404, answer.raw), case.name
    assert not wrong, "\n".join(wrong)


def _admin(firm: MoneyFirm) -> Api:
    principal = firm.matrix.principals["admin"]
    assert principal is not None
    return Api(mint(principal))


def _time(api: Api, firm: MoneyFirm, day: str) -> tuple[str, str]:
    answer = api.post("/time-entries", {"matter": firm.matrix.matter, "minutes": "60",
                                        "timekeeper": "attorney_assigned@firm.example",
                                        "date": day, "narrative": "Drafted the brief"})
    assert answer.status == 201, answer.body
    return answer.body["rate"], answer.body["rate_source"]


def test_rates_take_effect_from_their_dates_with_the_matter_before_the_client(
        firm: MoneyFirm) -> None:
    api = _admin(firm)
    email = "attorney_assigned@firm.example"
    default = api.post("/rates", {"timekeeper": email, "rate": "300.00", "currency": "USD"})
    assert (default.status, default.body) == (201, {
        "timekeeper": email, "rate": "300.00", "currency": "USD", "scope": "timekeeper",
        "matter": None, "client": None, "effective_from": None})
    client = api.post("/rates", {"timekeeper": email, "rate": "250.00", "currency": "USD",
                                 "client": firm.matrix.client, "effective_from": "2026-02-01"})
    assert (client.status, client.body["scope"], client.body["client"]) == (
        201, "client", firm.matrix.client)
    matter = api.post("/rates", {"timekeeper": email, "rate": "200.00", "currency": "USD",
                                 "matter": firm.matrix.matter, "effective_from": "2026-03-01"})
    assert (matter.status, matter.body["scope"], matter.body["effective_from"]) == (
        201, "matter", "2026-03-01")
    api.post("/rates", {"timekeeper": email, "rate": "999.00", "currency": "USD",
                        "matter": firm.matrix.other_matter})
    assert _time(api, firm, "2026-01-15") == ("300.00", "timekeeper")
    assert _time(api, firm, "2026-02-15") == ("250.00", "client")
    assert _time(api, firm, "2026-03-15") == ("200.00", "matter")
    listed = api.get("/rates", {"matter": firm.matter_m_id})
    assert listed.status == 200, listed.body
    assert [(row["rate"], row["scope"]) for row in listed.body["data"]] == [
        ("300.00", "timekeeper"), ("250.00", "client"), ("200.00", "matter")]
    everything = api.get("/rates", {"timekeeper": email}).body["data"]
    assert [row["rate"] for row in everything] == ["300.00", "999.00", "250.00", "200.00"]


def test_a_rate_names_the_field_at_fault(firm: MoneyFirm) -> None:
    api = _admin(firm)
    base = {"timekeeper": "attorney_assigned@firm.example", "rate": "300.00", "currency": "USD"}
    cases = [({"rate": "3,00"}, 422, "invalid_input", "rate"),
             ({"hourly": "1"}, 422, "unknown_field", "hourly"),
             ({"currency": "EUR"}, 409, "currency_mismatch", "currency"),
             ({"timekeeper": "auditor@firm.example"}, 422, "invalid_input", "timekeeper"),
             ({"effective_from": "2026-02-30"}, 422, "invalid_input", "effective_from"),
             ({"matter": firm.matrix.matter, "client": firm.matrix.client}, 422,
              "invalid_input", "matter")]
    for change, status, code, param in cases:
        answer = api.post("/rates", {**base, **change})
        assert (answer.status, answer.error["code"], answer.error["param"]) == (
            status, code, param), change
    assert api.get("/rates").body == {"data": []}


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_setting_a_timekeeper_is_firm_wide_billing_management_for(firm: MoneyFirm,
                                                                 who: str) -> None:
    principal = firm.matrix.principals[who]
    if principal is None:
        expected = 401
    elif principal.role is Role.CLIENT or Scope.BILLING_WRITE not in role_scopes(principal.role):
        expected = 403
    else:
        expected = 200 if may(principal, BillingAct.MANAGE) else 403
    before = AuditRecord.objects.count()
    answer = _api(firm, who).post("/timekeepers", {"timekeeper": "attorney_assigned@firm.example",
                                                   "ledes_id": "AA01"}, key=f"tk-{who}")
    assert answer.status == expected, answer.body
    if expected == 200:
        assert answer.body == {"timekeeper": "attorney_assigned@firm.example",
                               "ledes_id": "AA01", "classification": "ASSOC"}
    elif who != "anonymous":
        assert set(answer.body) == {"error"} and AuditRecord.objects.count() > before


def test_a_timekeeper_names_the_field_at_fault_and_a_limited_token_is_refused(
        firm: MoneyFirm) -> None:
    api = _admin(firm)
    first = api.post("/timekeepers", {"timekeeper": "Attorney_Assigned@firm.example",
                                      "classification": "PARTNR", "ledes_id": "AA01"}, key="t1")
    assert (first.status, first.body) == (200, {"timekeeper": "attorney_assigned@firm.example",
                                                "ledes_id": "AA01", "classification": "PARTNR"})
    again = api.post("/timekeepers", {"timekeeper": "Attorney_Assigned@firm.example",
                                      "classification": "PARTNR", "ledes_id": "AA01"}, key="t1")
    assert (again.raw, again.headers["Idempotent-Replayed"]) == (first.raw, "true")
    for change, code, param in (
            ({"timekeeper": "paralegal_assigned@firm.example", "ledes_id": "AA01"},
             "invalid_input", "ledes_id"),
            ({"timekeeper": "bookkeeper@firm.example"}, "invalid_input", "timekeeper"),
            ({"timekeeper": "admin@firm.example", "classification": "BOSS"}, "invalid_input",
             "classification")):
        answer = api.post("/timekeepers", change)
        assert (answer.status, answer.error["code"], answer.error["param"]) == (
            422, code, param), change
    bookkeeper = firm.matrix.principals["bookkeeper"]
    assert bookkeeper is not None
    limited = Api(mint(bookkeeper, clients=[firm.matrix.client]))
    refused = limited.post("/timekeepers", {"timekeeper": "admin@firm.example"})
    assert (refused.status, refused.error["code"]) == (403, "token_limited_to_clients")
    reader = Api(mint(bookkeeper, ["billing:read"]))
    refused = reader.post("/timekeepers", {"timekeeper": "admin@firm.example"})
    assert (refused.status, refused.error["code"]) == (403, "insufficient_scope")


def test_a_fee_arrangement_is_effective_dated_and_read_as_of_a_day(firm: MoneyFirm) -> None:
    api = _admin(firm)
    path = f"/matters/{firm.matter_m_id}/fee-arrangement"
    assert api.get(path).body == {
        "matter": firm.matrix.matter, "kind": "hourly", "currency": "USD",
        "effective_from": None, "flat_amount": None, "task_fees": {}, "cap": None, "tiers": [],
        "minimum_balance": None}
    capped = api.post(path, {"kind": "capped", "currency": "USD", "cap": "5000.00"},
                      key="arr-1")
    assert (capped.status, capped.body["kind"], capped.body["cap"]) == (201, "capped", "5000.00")
    assert api.post(path, {"kind": "capped", "currency": "USD", "cap": "5000.00"},
                    key="arr-1").headers["Idempotent-Replayed"] == "true"
    flat = api.post(path, {"kind": "flat", "currency": "USD", "flat_amount": "1500.00",
                           "task_fees": {"L120": "500.00"}, "effective_from": "2026-06-01"})
    assert (flat.body["flat_amount"], flat.body["task_fees"], flat.body["effective_from"]) == (
        "1500.00", {"L120": "500.00"}, "2026-06-01")
    contingency = api.post(path, {"kind": "contingency", "currency": "USD",
                                  "effective_from": "2026-07-01",
                                  "tiers": [{"up_to": "100000.00", "percent": "33.33"},
                                            {"percent": "25"}]})
    assert contingency.body["tiers"] == [{"up_to": "100000.00", "percent": "33.33"},
                                         {"up_to": None, "percent": "25"}]
    assert api.get(path, {"as_of": "2026-05-31"}).body["kind"] == "capped"
    assert api.get(path, {"as_of": "2026-06-30"}).body["kind"] == "flat"
    assert api.get(path).body["kind"] == "contingency"
    flat_without_fee = api.post(path, {"kind": "flat", "currency": "USD"})
    assert (flat_without_fee.status, flat_without_fee.error["param"]) == (422, "flat_amount")
    stray = api.post(path, {"kind": "hourly", "currency": "USD", "cap": "100.00"})
    assert (stray.status, stray.error["code"], stray.error["param"]) == (
        422, "invalid_input", "cap")
    evergreen = api.post(path, {"kind": "evergreen", "currency": "USD"})
    assert (evergreen.status, evergreen.error["param"]) == (422, "minimum_balance")
    bad_tier = api.post(path, {"kind": "contingency", "currency": "USD",
                               "tiers": [{"percent": "abc"}]})
    assert (bad_tier.status, bad_tier.error["param"]) == (422, "tiers.0.percent")


def test_a_settlement_pays_fee_liens_and_client_from_trust_once_under_one_key(
        firm: MoneyFirm) -> None:
    _setup(firm)
    api = _admin(firm)
    path = f"/matters/{firm.matter_m_id}/settlements"
    body = {"gross": "300.00", "currency": "USD", "date": "2026-04-01", "account": "IOLTA",
            "liens": [{"payee": "Medical Lien Co", "amount": "50.00"}]}
    unkeyed = api.post(path, body)
    assert (unkeyed.status, unkeyed.error["param"]) == (400, "Idempotency-Key")
    entries = JournalEntry.objects.count()
    first = api.post(path, body, key="settle-1")
    assert first.status == 201, first.body
    shown = {key: value for key, value in first.body.items()
             if key not in ("id", "liens", "entries", "invoice")}
    assert shown == {"matter": firm.matrix.matter, "date": "2026-04-01", "currency": "USD",
                     "gross_recovery": "300.00", "fee": "99.99", "costs": "10.00",
                     "net_to_client": "140.01"}
    assert [lien["amount"] for lien in first.body["liens"]] == ["50.00"]
    assert len(first.body["entries"]) == 3 and first.body["id"].startswith("st_")
    assert factories.balance(firm.matrix.matter) == "200.00"
    again = api.post(path, body, key="settle-1")
    assert (again.status, again.raw, again.headers["Idempotent-Replayed"]) == (
        201, first.raw, "true")
    assert JournalEntry.objects.count() == entries + 3
    other = api.post(path, {**body, "gross": "301.00"}, key="settle-1")
    assert (other.status, other.error["code"]) == (422, "idempotency_key_reused")
    too_much = api.post(path, {**body, "date": "2026-04-02", "gross": "900.00"}, key="settle-2")
    assert (too_much.status, too_much.error["code"]) == (409, "client_ledger_overdraft")
    assert factories.balance(firm.matrix.matter) == "200.00"
    bad_lien = api.post(path, {**body, "liens": [{"payee": "", "amount": "5.00"}]}, key="s-3")
    assert (bad_lien.status, bad_lien.error["param"]) == (422, "liens.0.payee")


def test_a_settlement_is_refused_on_a_matter_not_on_contingency(firm: MoneyFirm) -> None:
    api = _admin(firm)
    refused = api.post(f"/matters/{firm.matter_m_id}/settlements",
                       {"gross": "100.00", "currency": "USD", "date": "2026-04-01"}, key="s-1")
    assert (refused.status, refused.error["code"], refused.error["param"]) == (
        422, "invalid_input", "matter_id")


def test_an_evergreen_retainer_below_its_minimum_gets_one_replenishment_request(
        firm: MoneyFirm) -> None:
    api = _admin(firm)
    set_ = api.post(f"/matters/{firm.matter_m_id}/fee-arrangement",
                    {"kind": "evergreen", "currency": "USD", "minimum_balance": "1000.00"})
    assert (set_.status, set_.body["minimum_balance"]) == (201, "1000.00")
    made = api.post("/replenishment-checks", {"date": "2026-04-01"}, key="rep-1")
    assert made.status == 200, made.body
    assert [{key: row[key] for key in ("matter", "balance", "minimum", "requested", "currency")}
            for row in made.body["data"]] == [{
                "matter": firm.matrix.matter, "balance": "500.00", "minimum": "1000.00",
                "requested": "500.00", "currency": "USD"}]
    assert api.post("/replenishment-checks", {"date": "2026-04-02"}).body == {"data": []}
    listed = api.get(f"/matters/{firm.matter_m_id}/replenishment-requests").body
    assert listed == {"matter": firm.matrix.matter, "data": [{
        "date": "2026-04-01", "account": "IOLTA", "balance": "500.00", "minimum": "1000.00",
        "requested": "500.00", "currency": "USD"}]}


def test_a_receipt_goes_up_checked_by_its_bytes_and_comes_down_as_an_attachment(
        firm: MoneyFirm) -> None:
    setup = _setup(firm)
    api = _admin(firm)
    path = f"/expenses/{setup.expense}/receipts"
    pdf = b"%PDF-1.4\n% a receipt\n"
    up = api.post(path, {"filename": "../../taxi.pdf", "content_base64": _b64(pdf)}, key="rc-1")
    assert up.status == 201, up.body
    assert {key: up.body[key] for key in ("expense", "filename", "content_type", "bytes")} == {
        "expense": setup.expense, "filename": "taxi.pdf", "content_type": "application/pdf",
        "bytes": len(pdf)}
    again = api.post(path, {"filename": "../../taxi.pdf", "content_base64": _b64(pdf)},
                     key="rc-1")
    assert (again.status, again.raw) == (201, up.raw)
    viewed = AuditRecord.objects.filter(event="billing.receipt_viewed").count()
    down = api.get(f"/receipts/{up.body['id']}")
    assert (down.status, down.raw) == (200, pdf)
    assert (down.headers["Content-Type"], down.headers["Content-Disposition"],
            down.headers["X-Content-Type-Options"], down.headers["Cache-Control"]) == (
        "application/pdf", 'attachment; filename="taxi.pdf"', "nosniff", "no-store")
    assert AuditRecord.objects.filter(event="billing.receipt_viewed").count() == viewed + 1
    refused = [
        ({"filename": "x.pdf", "content_base64": _b64(b"<html><script>1</script></html>")},
         "content_base64"),
        ({"filename": "x.pdf", "content_base64": "%%%%"}, "content_base64"),
        ({"filename": "x.pdf", "content_base64": "QUJD="}, "content_base64"),
        ({"filename": "x.png", "content_base64": _b64(pdf)}, "content_base64"),
        ({"filename": "x.pdf", "content_base64": _b64(pdf), "content": "x"}, "content"),
    ]
    for body, param in refused:
        answer = api.post(path, body)
        assert (answer.status, answer.error["param"]) == (422, param), body


def test_tokens_without_the_scope_or_limited_to_another_client_are_refused(
        firm: MoneyFirm) -> None:
    setup = _setup(firm)
    bookkeeper = firm.matrix.principals["bookkeeper"]
    assert bookkeeper is not None
    reader = Api(mint(bookkeeper, ["billing:read"]))
    for path, body in (("/rates", {"timekeeper": "admin@firm.example", "rate": "1.00",
                                   "currency": "USD"}),
                       (f"/matters/{firm.matter_m_id}/fee-arrangement",
                        {"kind": "capped", "currency": "USD", "cap": "1.00"}),
                       (f"/expenses/{setup.expense}/receipts",
                        {"filename": "a.png", "content_base64": _b64(PNG)})):
        answer = reader.post(path, body, key=path)
        assert (answer.status, answer.error["code"]) == (403, "insufficient_scope"), path
    assert reader.get(f"/receipts/{setup.receipt}").raw == PNG
    limited = Api(mint(bookkeeper, clients=[firm.matrix.other_client]))
    for path in (f"/receipts/{setup.receipt}", f"/matters/{firm.matter_m_id}/fee-arrangement",
                 f"/matters/{firm.matter_m_id}/replenishment-requests",
                 f"/rates?matter={firm.matrix.matter}"):
        answer = limited.get(path)
        assert (answer.status, answer.error["code"]) == (404, "not_found"), path
    for path, body in ((f"/expenses/{setup.expense}/receipts",
                        {"filename": "a.png", "content_base64": _b64(PNG)}),
                       (f"/matters/{firm.matter_m_id}/settlements",
                        {"gross": "300.00", "currency": "USD", "date": "2026-04-01"}),
                       ("/rates", {"timekeeper": "admin@firm.example", "rate": "1.00",
                                   "currency": "USD", "matter": firm.matrix.matter})):
        answer = limited.post(path, body, key=f"limited-{path}")
        assert (answer.status, answer.error["code"]) == (404, "not_found"), path
    assert limited.get("/rates").error["code"] == "token_limited_to_clients"
    assert limited.post("/replenishment-checks", {}).error["code"] == "token_limited_to_clients"
    assert limited.get(f"/matters/{firm.matter_n_id}/fee-arrangement").body["kind"] == "hourly"
    assert factories.balance(firm.matrix.matter) == "500.00"


def test_the_schema_lists_every_fee_operation() -> None:
    from lawledger.interfaces.api.app import api

    schema = api.get_openapi_schema()
    operations = {(path, method): op for path, methods in schema["paths"].items()
                  for method, op in methods.items()}
    for path, method, scope in (
            ("/api/v1/rates", "get", "billing:read"), ("/api/v1/rates", "post", "billing:write"),
            ("/api/v1/timekeepers", "post", "billing:write"),
            ("/api/v1/matters/{matter_id}/fee-arrangement", "get", "billing:read"),
            ("/api/v1/matters/{matter_id}/fee-arrangement", "post", "billing:write"),
            ("/api/v1/matters/{matter_id}/settlements", "post", "billing:write"),
            ("/api/v1/matters/{matter_id}/replenishment-requests", "get", "billing:read"),
            ("/api/v1/replenishment-checks", "post", "billing:write"),
            ("/api/v1/expenses/{expense_id}/receipts", "post", "time:write"),
            ("/api/v1/receipts/{receipt_id}", "get", "billing:read")):
        op = operations[(path, method)]
        assert op["x-required-scope"] == scope, path
        assert {"400", "401", "403", "404"} <= {str(status) for status in op["responses"]}
    settle = operations[("/api/v1/matters/{matter_id}/settlements", "post")]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in settle["parameters"])
    download = operations[("/api/v1/receipts/{receipt_id}", "get")]["responses"][200]
    assert set(download["content"]) == {"application/pdf", "image/png", "image/jpeg"}
