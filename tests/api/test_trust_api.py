"""The trust ledger and the firm's records through the API: each operation does what the service
does, answers with exact amounts, and shows nothing of a matter the caller may not see."""

from __future__ import annotations

from typing import Any

import pytest

from lawledger.audit.models import AuditRecord
from lawledger.ledger.models import JournalEntry
from tests import factories
from tests.api.conftest import MoneyFirm
from tests.api.support import Api, mint
from tests.mfa import login as mfa_login

pytestmark = pytest.mark.django_db


def _api(firm: MoneyFirm, who: str = "bookkeeper") -> Api:
    principal = firm.matrix.principals[who]
    assert principal is not None
    return Api(mint(principal))


def _money(**fields: str) -> dict[str, str]:
    return {"account": "IOLTA", "currency": "USD", "date": "2026-03-20", **fields}


def test_each_money_movement_posts_one_entry_with_exact_balances(firm: MoneyFirm) -> None:
    api = _api(firm)
    m, n = firm.matrix.matter, firm.matrix.other_matter
    calls: list[tuple[str, dict[str, Any], str, list[dict[str, str]]]] = [
        ("/trust/deposits", _money(matter=m, amount="100.00", payor="Client A", method="wire"),
         "deposit", [{"matter": m, "balance": "600.00"}]),
        ("/trust/disbursements", _money(matter=m, amount="60.00", payee="Court clerk",
                                        check_number="1001", purpose="filing fee"),
         "disbursement", [{"matter": m, "balance": "540.00"}]),
        ("/trust/transfers", _money(from_matter=m, to_matter=n, amount="40.00", memo="split"),
         "transfer", [{"matter": m, "balance": "500.00"}, {"matter": n, "balance": "290.00"}]),
        ("/trust/earned-fees", _money(matter=m, amount="150.00", invoice="INV-7"),
         "earned_fee", [{"matter": m, "balance": "350.00"}]),
        ("/trust/refunds", _money(matter=m, amount="50.00", payee="Client A"),
         "refund", [{"matter": m, "balance": "300.00"}]),
    ]
    for number, (path, body, kind, balances) in enumerate(calls):
        answer = api.post(path, body, key=f"move-{number}")
        assert answer.status == 201, answer.body
        assert (answer.body["kind"], answer.body["amount"], answer.body["currency"]) == (
            kind, body["amount"], "USD")
        assert answer.body["client_ledger_balances"] == balances
        assert answer.body["account"] == {"id": firm.account_id, "name": "IOLTA"}
    assert factories.balance(m) == "300.00" and factories.balance(n) == "290.00"
    assert JournalEntry.objects.count() == 7


def test_a_reversal_undoes_an_entry_once(firm: MoneyFirm) -> None:
    api = _api(firm)
    reversed_ = api.post(f"/trust/entries/{firm.entry_n}/reversal", {"reason": "bounced"},
                         key="rev-1")
    assert reversed_.status == 201
    assert (reversed_.body["kind"], reversed_.body["reverses"]) == ("reversal", firm.entry_n)
    assert factories.balance(firm.matrix.other_matter) == "0.00"
    again = api.post(f"/trust/entries/{firm.entry_n}/reversal", {"reason": "again"},
                     key="rev-2")
    assert (again.status, again.error["code"], again.error["param"]) == (
        409, "entry_already_reversed", "entry_id")


def test_an_overdraft_is_refused_with_the_rule_and_nothing_posted(firm: MoneyFirm) -> None:
    api = _api(firm)
    answer = api.post("/trust/disbursements", _money(matter=firm.matrix.matter,
                                                     amount="500.01", payee="x"), key="od")
    assert (answer.status, answer.error["code"], answer.error["param"]) == (
        409, "client_ledger_overdraft", "amount")
    assert factories.balance(firm.matrix.matter) == "500.00"
    refusal = AuditRecord.objects.filter(event="rule.refused").order_by("-seq").first()
    assert refusal is not None and refusal.details["code"] == "client_ledger_overdraft"


def test_service_field_names_become_the_apis_in_errors(firm: MoneyFirm) -> None:
    api = _api(firm)
    answer = api.post("/trust/deposits", _money(matter=firm.matrix.matter, amount="1.00",
                                                payor="   "), key="names")
    assert (answer.status, answer.error["param"]) == (422, "payor")
    assert answer.error["message"].startswith("payor:")


def test_the_ledger_journal_listing_and_entry_read_the_same_numbers(firm: MoneyFirm) -> None:
    api = _api(firm)
    ledger = api.get(f"/matters/{firm.matter_m_id}/ledger").body
    assert (ledger["balance"], ledger["opening_balance"], ledger["currency"]) == (
        "500.00", "0.00", "USD")
    assert [(e["id"], e["amount"], e["running_balance"], e["payor"]) for e in ledger["entries"]] \
        == [(firm.entry_m, "500.00", "500.00", "Canary Payor 7731")]
    assert ledger["matter"]["id"] == firm.matter_m_id
    assert api.get(f"/matters/{firm.matter_m_id}/ledger", {"from": "2026-03-11"}).body[
        "opening_balance"] == "500.00"
    journal = api.get(f"/bank-accounts/{firm.account_id}/journal").body
    assert (journal["balance"], len(journal["entries"])) == ("750.00", 2)
    listing = api.get("/trust/listing").body["accounts"]
    assert [(a["total"], [(r["matter"], r["balance"]) for r in a["ledgers"]]) for a in listing] \
        == [("750.00", [(firm.matrix.matter, "500.00"), (firm.matrix.other_matter, "250.00")])]
    entry = api.get(f"/trust/entries/{firm.entry_m}")
    assert (entry.body["payor"], entry.body["amount"]) == ("Canary Payor 7731", "500.00")
    viewed = AuditRecord.objects.filter(event="trust.entry_viewed").order_by("-seq").first()
    assert viewed is not None and viewed.object_id == firm.entry_m
    accounts = api.get("/bank-accounts").body["data"]
    assert [(a["name"], a["balance"], a["client_ledgers_total"]) for a in accounts] == [
        ("Operating", "0.00", None), ("IOLTA", "750.00", "750.00")]


def test_an_entry_never_shows_the_other_side_of_a_transfer_to_a_walled_user(
        firm: MoneyFirm) -> None:
    moved = _api(firm).post("/trust/transfers", _money(
        from_matter=firm.matrix.matter, to_matter=firm.matrix.other_matter, amount="5.00"),
        key="to-n")
    attorney = _api(firm, "attorney_assigned")
    seen = attorney.get(f"/trust/entries/{moved.body['id']}")
    assert seen.status == 200
    assert seen.body["counter_matter"] is None
    assert [b["matter"] for b in seen.body["client_ledger_balances"]] == [firm.matrix.matter]
    assert firm.matrix.other_matter not in seen.raw.decode()


def test_clients_and_matters_are_created_read_and_closed(firm: MoneyFirm) -> None:
    api = _api(firm, "admin")
    client = api.post("/clients", {"name": "Beta LLC", "email": "ap@beta.example",
                                   "notes": "pays late\nalways"})
    assert client.status == 201 and client.body["number"] == "C-0003"
    assert api.get(f"/clients/{client.body['id']}").body["notes"] == "pays late\nalways"
    matter = api.post("/matters", {"client": client.body["id"], "title": "Lease review",
                                   "description": "Confidential brief"})
    assert matter.status == 201
    assert (matter.body["number"], matter.body["client"]["number"]) == ("M-0003", "C-0003")
    closed = api.post(f"/matters/{matter.body['id']}/close")
    assert (closed.status, closed.body["status"]) == (200, "closed")
    busy = api.post(f"/matters/{firm.matter_m_id}/close")
    assert (busy.status, busy.error["code"]) == (409, "matter_has_trust_balance")
    duplicate = api.post("/clients", {"name": "Again", "number": "C-0003"})
    assert (duplicate.status, duplicate.error["code"], duplicate.error["param"]) == (
        409, "conflict", "number")


def test_an_admin_adds_a_bank_account(firm: MoneyFirm) -> None:
    answer = _api(firm, "admin").post("/bank-accounts", {
        "name": "Escrow EUR", "kind": "trust", "currency": "EUR", "account_number": "DE12 3456"})
    assert answer.status == 201
    assert (answer.body["balance"], answer.body["client_ledgers_total"]) == ("0.00", "0.00")
    assert "3456" not in answer.raw.decode()


def test_tokens_are_listed_minted_and_revoked_through_the_api(firm: MoneyFirm) -> None:
    principal = firm.matrix.principals["attorney_assigned"]
    assert principal is not None
    api = Api(mint(principal, ["matters:read", "tokens:write"]))
    minted = api.post("/tokens", {"name": "calendar sync", "scopes": ["matters:read"],
                                  "clients": [firm.matrix.client], "expires_in_days": 30})
    assert minted.status == 201
    child = Api(minted.body["secret"])
    assert [m["number"] for m in child.get("/matters").body["data"]] == [firm.matrix.matter]
    assert child.get("/tokens").error["code"] == "insufficient_scope"
    listed = api.get("/tokens").body["data"]
    assert {t["name"] for t in listed} == {"test", "calendar sync"}
    assert all("secret" not in t for t in listed)
    revoked = api.post(f"/tokens/{minted.body['token']['id']}/revoke")
    assert (revoked.status, revoked.body["status"]) == (200, "revoked")
    assert child.get("/matters").status == 401
    wider = api.post("/tokens", {"name": "wider", "scopes": ["ledger:write"]})
    assert (wider.status, wider.error["param"]) == (403, "scopes")


def test_an_auditor_reads_everything_and_writes_nothing(firm: MoneyFirm) -> None:
    auditor = firm.matrix.principals["auditor"]
    assert auditor is not None
    api = Api(mint(auditor))
    assert api.get(f"/bank-accounts/{firm.account_id}/journal").status == 200
    assert api.get("/audit/verify").body["ok"] is True
    for path, body in (("/trust/deposits", _money(matter=firm.matrix.matter, amount="1.00",
                                                   payor="x")),
                       ("/clients", {"name": "x"}), ("/tokens", {"name": "x",
                                                                "scopes": ["ledger:read"]})):
        assert api.post(path, body, key=f"auditor-{path}").status == 403, path
    assert factories.balance(firm.matrix.matter) == "500.00"


def test_the_web_apps_own_session_calls_the_api(firm: MoneyFirm) -> None:
    from django.test import Client


    browser = Client()
    mfa_login(browser, "bookkeeper@firm.example")
    answer = Api(client=browser).get("/matters")
    assert answer.status == 200
    record = AuditRecord.objects.filter(event="api.request").order_by("-seq").first()
    assert record is not None and record.details["via"] == "session"
    assert record.actor == "bookkeeper@firm.example"
