"""Authentication and authorization of the API (A7, A9, B7): tokens only in the Authorization
header, scopes enforced, the user's role re-read each request, sessions with CSRF, staff only,
and the schema and docs closed to anyone else. Every refusal changes nothing and is audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from lawledger.access.models import User
from lawledger.apitokens.models import ApiToken
from lawledger.audit.models import AuditRecord
from lawledger.ledger.models import JournalEntry
from tests import factories
from tests.api.conftest import MoneyFirm
from tests.api.support import BASE, Api, mint
from tests.mfa import login as mfa_login

pytestmark = pytest.mark.django_db


def _disbursement(firm: MoneyFirm, amount: str = "10.00") -> dict[str, str]:
    return {"matter": firm.matrix.matter, "account": "IOLTA", "amount": amount,
            "currency": "USD", "date": "2026-03-20", "payee": "Court clerk"}


def _principal(firm: MoneyFirm, who: str) -> factories.Principal:
    principal = firm.matrix.principals[who]
    assert principal is not None
    return principal


def _session(firm: MoneyFirm, who: str, *, csrf: bool = False) -> Client:
    browser = Client(enforce_csrf_checks=csrf)
    mfa_login(browser, _principal(firm, who).label)
    return browser


def test_an_anonymous_request_gets_401_in_the_error_shape(firm: MoneyFirm) -> None:
    answer = Api().get("/matters")
    assert answer.status == 401
    assert answer.body == {"error": {"code": "authentication_required", "param": None,
                                     "message": answer.error["message"]}}
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_token_is_accepted_only_in_the_authorization_header(firm: MoneyFirm) -> None:
    token = mint(_principal(firm, "admin"))
    as_cookie = Client()
    as_cookie.cookies["sessionid"] = token
    as_cookie.cookies["token"] = token
    assert as_cookie.get(BASE + "/matters").status_code == 401
    assert Api().get("/matters", {"access_token": token}).status == 401
    assert Api().get("/matters", headers={"X-Api-Key": token}).status == 401
    for header in (f"Token {token}", token, "Bearer", f"Basic {token}"):
        answer = Api().get("/matters", headers={"Authorization": header})
        assert (answer.status, answer.error["code"]) == (401, "invalid_token")
    assert Api(token).get("/matters").status == 200


def test_a_revoked_token_gets_401_on_its_next_request(firm: MoneyFirm) -> None:
    admin = _principal(firm, "admin")
    api = Api(mint(admin))
    assert api.get("/matters").status == 200
    token_id = ApiToken.objects.get().public_id
    assert api.post(f"/tokens/{token_id}/revoke").status == 200
    answer = api.get("/matters")
    assert (answer.status, answer.error["code"]) == (401, "token_revoked")


def test_an_expired_token_gets_401(firm: MoneyFirm) -> None:
    api = Api(mint(_principal(firm, "admin"), days=1))
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
        answer = api.get("/matters")
    assert (answer.status, answer.error["code"]) == (401, "token_expired")


def test_a_bad_token_in_a_signed_in_browser_is_still_401(firm: MoneyFirm) -> None:
    browser = _session(firm, "admin")
    answer = Api("llt_0000000000zz_" + "a" * 43, client=browser).get("/matters")
    assert answer.status == 401


def test_a_token_scoped_time_write_cannot_disburse_mint_or_read_the_audit(
        firm: MoneyFirm) -> None:
    api = Api(mint(_principal(firm, "admin"), ["time:write"]))
    entries, before = JournalEntry.objects.count(), factories.balance(firm.matrix.matter)
    refused = AuditRecord.objects.filter(event="rule.refused").count()
    answers = [api.post("/trust/disbursements", _disbursement(firm), key="k-1"),
               api.post("/tokens", {"name": "wider", "scopes": ["ledger:write"]}),
               api.get("/audit/verify"), api.get(f"/matters/{firm.matter_m_id}/ledger")]
    assert [(a.status, a.error["code"]) for a in answers] == [(403, "insufficient_scope")] * 4
    assert JournalEntry.objects.count() == entries
    assert factories.balance(firm.matrix.matter) == before
    assert ApiToken.objects.count() == 1
    assert AuditRecord.objects.filter(event="rule.refused").count() == refused + 4


def test_a_downgrade_applies_on_the_next_request(firm: MoneyFirm) -> None:
    bookkeeper = _principal(firm, "bookkeeper")
    api = Api(mint(bookkeeper, ["ledger:read", "ledger:write"]))
    assert api.post("/trust/disbursements", _disbursement(firm), key="d-1").status == 201
    User.objects.filter(email=bookkeeper.label).update(role="paralegal")
    answer = api.post("/trust/disbursements", _disbursement(firm), key="d-2")
    assert (answer.status, answer.error["code"]) == (403, "permission_denied")
    assert factories.balance(firm.matrix.matter) == "490.00"
    User.objects.filter(email=bookkeeper.label).update(is_active=False)
    assert api.get("/matters").status == 401


def test_a_wall_raised_after_minting_hides_the_matter_on_the_next_request(
        firm: MoneyFirm) -> None:
    from lawledger.access.services import wall_raise

    api = Api(mint(_principal(firm, "bookkeeper")))
    assert api.get(f"/matters/{firm.matter_m_id}").status == 200
    wall_raise(actor=factories.OPERATOR, matter=firm.matrix.matter,
               email=_principal(firm, "bookkeeper").label, reason="conflict")
    assert api.get(f"/matters/{firm.matter_m_id}").status == 404


def test_portal_users_cannot_use_the_staff_api_at_all(firm: MoneyFirm) -> None:
    browser = Client()
    mfa_login(browser, "portal_own@client.example")
    for path in ("/matters", f"/matters/{firm.matter_m_id}/ledger", "/openapi.json"):
        answer = Api(client=browser).get(path)
        assert answer.status == 403, path
        assert answer.error["code"] == "staff_only"
        assert "Canary" not in answer.raw.decode()


def test_the_session_works_for_reads_and_needs_csrf_for_writes(firm: MoneyFirm) -> None:
    browser = _session(firm, "bookkeeper", csrf=True)
    assert Api(client=browser).get("/matters").status == 200
    refused = Api(client=browser).post("/trust/disbursements", _disbursement(firm), key="s-1")
    assert (refused.status, refused.error["code"]) == (403, "csrf_failed")
    assert factories.balance(firm.matrix.matter) == "500.00"
    browser.get("/")  # the web app hands out its CSRF cookie with its pages
    token = browser.cookies["csrftoken"].value
    done = Api(client=browser).post("/trust/disbursements", _disbursement(firm), key="s-2",
                                    headers={"X-CSRFToken": token})
    assert done.status == 201
    assert factories.balance(firm.matrix.matter) == "490.00"


def test_the_schema_and_docs_are_for_signed_in_staff_only(firm: MoneyFirm) -> None:
    for path in ("/openapi.json", "/docs"):
        answer = Api().get(path)
        assert (answer.status, answer.error["code"]) == (401, "authentication_required")
    api = Api(mint(_principal(firm, "paralegal_assigned"), ["matters:read"]))
    schema = api.get("/openapi.json")
    assert schema.status == 200 and schema.body["openapi"].startswith("3.")
    page = Api(client=_session(firm, "auditor")).get("/docs")
    assert page.status == 200
    html = page.raw.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()


def test_every_authenticated_request_writes_one_api_audit_record(firm: MoneyFirm) -> None:
    api = Api(mint(_principal(firm, "bookkeeper")))
    token_id = ApiToken.objects.get().public_id
    calls = [lambda: api.get("/matters"), lambda: api.get("/matters/M-9999"),
             lambda: api.get("/matters", {"sort": "x"}),
             lambda: api.post("/trust/deposits", {"matter": "M-0001"}, key="a-1"),
             lambda: api.post("/trust/disbursements", _disbursement(firm, "1.00"), key="a-2")]
    for call in calls:
        before = AuditRecord.objects.filter(event="api.request").count()
        answer = call()
        records = list(AuditRecord.objects.filter(event="api.request").order_by("seq"))
        assert len(records) == before + 1
        assert records[-1].details["token"] == token_id
        assert records[-1].details["status"] == answer.status
    assert ApiToken.objects.get().last_used_at is not None


def test_no_audit_no_answer(firm: MoneyFirm) -> None:
    from lawledger.audit import services as audit_services
    from lawledger.core.errors import AuditFailure

    api = Api(mint(_principal(firm, "bookkeeper")))
    entries = JournalEntry.objects.count()

    def fail() -> None:
        raise AuditFailure("the audit store is unavailable")

    audit_services.fault_hook = fail
    read = api.get(f"/matters/{firm.matter_m_id}/ledger")
    write = api.post("/trust/disbursements", _disbursement(firm), key="f-1")
    audit_services.fault_hook = None
    assert (read.status, read.error["code"]) == (503, "audit_failure")
    assert "Canary" not in read.raw.decode()
    assert write.status == 503
    assert JournalEntry.objects.count() == entries
    retry = api.post("/trust/disbursements", _disbursement(firm), key="f-1")
    assert retry.status == 201  # a 503 is not stored: the retry under the same key goes through
