"""Every API operation answers each principal of the role matrix as the policy says (A1, A5, A8).

For each principal of `tests/access_matrix.py` every operation is called once: staff through a
token holding every scope their role may hold, portal users through their session, anonymous with
nothing. The expected answer is derived from the policy (`core.access`) and the scope table, not
from the API. A matter the principal may not see is a 404 with the very bytes of a matter that
does not exist; every refusal leaves the books as they were and is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from lawledger.apitokens.scopes import Scope, role_scopes
from lawledger.audit.models import AuditRecord
from lawledger.core.access import Action, Role, decide
from lawledger.ledger.models import JournalEntry
from tests import factories
from tests.access_matrix import EXPECTED_VIEW
from tests.api.conftest import MoneyFirm
from tests.api.support import Answer, Api, mint
from tests.mfa import login as mfa_login

pytestmark = pytest.mark.django_db

Thing = Callable[[MoneyFirm], Any]


@dataclass
class Case:
    name: str
    method: str
    path: Thing
    scope: Scope
    ok: int = 200
    body: Thing | None = None
    about_m: bool = True             # the answer depends on who may see matter M
    action: Action | None = None     # a role action needed beyond the scope (None: just view)
    missing: Thing | None = None     # the same request about something that does not exist
    lists_m: Callable[[Answer], bool] | None = None  # for lists: is M in the answer?
    refused_ok: int | None = None    # a rule refusal expected where allowed (409)
    extra: dict[str, Any] = field(default_factory=dict)


def _money(firm: MoneyFirm, **fields: str) -> dict[str, str]:
    return {"account": "IOLTA", "currency": "USD", "date": "2026-03-20", "amount": "10.00",
            **fields}


CASES = [
    Case("matter detail", "get", lambda f: f"/matters/{f.matter_m_id}", Scope.MATTERS_READ,
         missing=lambda f: "/matters/mat_0000000000000000"),
    Case("client ledger", "get", lambda f: f"/matters/{f.matter_m_id}/ledger", Scope.LEDGER_READ,
         missing=lambda f: "/matters/M-9999/ledger"),
    Case("entry detail", "get", lambda f: f"/trust/entries/{f.entry_m}", Scope.LEDGER_READ,
         missing=lambda f: "/trust/entries/je_0000000000000000"),
    Case("client detail", "get", lambda f: f"/clients/{f.matrix.client}", Scope.MATTERS_READ,
         missing=lambda f: "/clients/C-9999"),
    Case("deposit", "post", lambda f: "/trust/deposits", Scope.LEDGER_WRITE, ok=201,
         body=lambda f: _money(f, matter=f.matrix.matter, payor="Client"),
         action=Action.RECORD_DEPOSIT, missing=lambda f: "M-9999"),
    Case("disbursement", "post", lambda f: "/trust/disbursements", Scope.LEDGER_WRITE, ok=201,
         body=lambda f: _money(f, matter=f.matrix.matter, payee="Court clerk"),
         action=Action.RECORD_DISBURSEMENT, missing=lambda f: "M-9999"),
    Case("transfer", "post", lambda f: "/trust/transfers", Scope.LEDGER_WRITE, ok=201,
         body=lambda f: _money(f, from_matter=f.matrix.matter, to_matter=f.matrix.other_matter),
         action=Action.RECORD_DISBURSEMENT),
    Case("earned fee", "post", lambda f: "/trust/earned-fees", Scope.LEDGER_WRITE, ok=201,
         body=lambda f: _money(f, matter=f.matrix.matter, invoice="INV-1"),
         action=Action.RECORD_DISBURSEMENT),
    Case("refund", "post", lambda f: "/trust/refunds", Scope.LEDGER_WRITE, ok=201,
         body=lambda f: _money(f, matter=f.matrix.matter, payee="Client A"),
         action=Action.RECORD_DISBURSEMENT),
    Case("reversal", "post", lambda f: f"/trust/entries/{f.extra['small']}/reversal",
         Scope.LEDGER_WRITE, ok=201, body=lambda f: {"reason": "entered twice"},
         action=Action.RECORD_DISBURSEMENT),
    Case("close matter", "post", lambda f: f"/matters/{f.matter_m_id}/close", Scope.MATTERS_WRITE,
         ok=409, action=Action.CLOSE_MATTER),
    Case("matter list", "get", lambda f: "/matters", Scope.MATTERS_READ, about_m=False,
         lists_m=lambda a: any(row["number"] == "M-0001" for row in a.body["data"])),
    Case("client list", "get", lambda f: "/clients", Scope.MATTERS_READ, about_m=False,
         lists_m=lambda a: any(row["number"] == "C-0001" for row in a.body["data"])),
    Case("trust listing", "get", lambda f: "/trust/listing", Scope.LEDGER_READ, about_m=False,
         lists_m=lambda a: any(row["matter"] == "M-0001" for acct in a.body["accounts"]
                               for row in acct["ledgers"])),
    Case("bank accounts", "get", lambda f: "/bank-accounts", Scope.LEDGER_READ, about_m=False,
         action=Action.VIEW_FIRM_REPORTS),
    Case("journal", "get", lambda f: f"/bank-accounts/{f.account_id}/journal", Scope.LEDGER_READ,
         about_m=False, action=Action.VIEW_FIRM_REPORTS),
    Case("new client", "post", lambda f: "/clients", Scope.MATTERS_WRITE, ok=201, about_m=False,
         body=lambda f: {"name": "New Client LLC"}),
    Case("new matter", "post", lambda f: "/matters", Scope.MATTERS_WRITE, ok=201,
         body=lambda f: {"client": f.matrix.client, "title": "Second matter"}),
    Case("new bank account", "post", lambda f: "/bank-accounts", Scope.BANKING_WRITE, ok=201,
         about_m=False, action=Action.MANAGE_FIRM,
         body=lambda f: {"name": "Escrow", "kind": "trust", "currency": "USD"}),
    Case("token list", "get", lambda f: "/tokens", Scope.TOKENS_WRITE, about_m=False),
    Case("token mint", "post", lambda f: "/tokens", Scope.TOKENS_WRITE, ok=201, about_m=False,
         body=lambda f: {"name": "integration", "scopes": ["matters:read"]}),
    Case("audit verify", "get", lambda f: "/audit/verify", Scope.AUDIT_READ, about_m=False),
]


def _expected(firm: MoneyFirm, who: str, case: Case) -> int:
    principal = firm.matrix.principals[who]
    if principal is None:
        return 401
    if principal.role is Role.CLIENT:
        return 403
    if case.scope not in role_scopes(principal.role):
        return 403
    if case.about_m and not EXPECTED_VIEW[who]:
        return 404
    if case.action is not None and not decide(principal, case.action, None):
        return 403
    return case.ok


def _api(firm: MoneyFirm, who: str) -> Api:
    principal = firm.matrix.principals[who]
    if principal is None:
        return Api()
    if principal.role is Role.CLIENT:
        browser = Client()
        mfa_login(browser, principal.label)
        return Api(client=browser)
    return Api(mint(principal))


def _state(firm: MoneyFirm) -> tuple[int, str, str]:
    return (JournalEntry.objects.count(), factories.balance(firm.matrix.matter),
            factories.balance(firm.matrix.other_matter))


def _send(api: Api, case: Case, firm: MoneyFirm, *, key: str, missing: bool = False) -> Answer:
    path, body = case.path(firm), case.body(firm) if case.body else None
    if missing and case.missing is not None:
        if body is not None and "matter" in body:
            body = {**body, "matter": case.missing(firm)}
        else:
            path = case.missing(firm)
    if case.method == "get":
        return api.get(path)
    return api.post(path, body, key=key)


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_every_operation_answers_as_the_policy_says_for(firm: MoneyFirm, who: str) -> None:
    firm.extra = {"small": factories.deposit(firm.matrix.matter, "5.00").entry.public_id}
    api = _api(firm, who)
    wrong = []
    for number, case in enumerate(CASES):
        expected = _expected(firm, who, case)
        before, audited = _state(firm), AuditRecord.objects.count()
        answer = _send(api, case, firm, key=f"{who}-{number}")
        if answer.status != expected:
            wrong.append(f"{case.name}: {answer.status} (expected {expected}) {answer.body}")
            continue
        if expected >= 400:
            assert set(answer.body) == {"error"}, case.name
            assert "Canary" not in answer.raw.decode(), case.name
            if not (case.name == "close matter" and expected == 409):
                assert _state(firm) == before, case.name
            if who != "anonymous":
                assert AuditRecord.objects.count() > audited, f"{case.name}: denial not audited"
        if expected == 404 and case.missing is not None:
            absent = _send(api, case, firm, key=f"{who}-{number}-missing", missing=True)
            assert (absent.status, absent.raw) == (404, answer.raw), case.name
        if case.lists_m is not None and expected == 200 \
                and case.lists_m(answer) != EXPECTED_VIEW[who]:
            wrong.append(f"{case.name}: M listed = {not EXPECTED_VIEW[who]}")
    assert not wrong, "\n".join(wrong)


def test_a_client_limited_token_sees_and_moves_only_its_clients(firm: MoneyFirm) -> None:
    admin = firm.matrix.principals["bookkeeper"]
    assert admin is not None
    api = Api(mint(admin, clients=[firm.matrix.other_client]))
    matters = api.get("/matters").body["data"]
    assert [m["number"] for m in matters] == [firm.matrix.other_matter]
    assert [c["number"] for c in api.get("/clients").body["data"]] == [firm.matrix.other_client]
    assert api.get(f"/matters/{firm.matter_m_id}").status == 404
    assert api.get(f"/matters/{firm.matter_n_id}").status == 200
    listing = api.get("/trust/listing").body["accounts"]
    assert [(a["total"], [row["matter"] for row in a["ledgers"]]) for a in listing] == [
        ("250.00", [firm.matrix.other_matter])]
    for path in ("/bank-accounts", f"/bank-accounts/{firm.account_id}/journal"):
        answer = api.get(path)
        assert (answer.status, answer.error["code"]) == (403, "token_limited_to_clients")
    moved = api.post("/trust/transfers", _money(firm, from_matter=firm.matrix.other_matter,
                                                to_matter=firm.matrix.matter), key="t-1")
    assert moved.status == 404
    assert api.post("/clients", {"name": "Outside Co"}).status == 403
    assert api.post("/trust/deposits", _money(firm, matter=firm.matrix.other_matter,
                                              payor="N's client"), key="d-1").status == 201
    assert factories.balance(firm.matrix.other_matter) == "260.00"
