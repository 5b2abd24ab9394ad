"""Every banking page and action answers each principal of the role matrix as the policy says.

Reading needs VIEW_FIRM_REPORTS (admin, bookkeeper, auditor); importing and matching need
RECORD_DEPOSIT (admin, bookkeeper); signing off needs SIGN_OFF (admin). Denied requests change
nothing; every read and every denial is audited.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lawledger.audit.models import AuditRecord
from lawledger.banking.models import BankLine, BankOnlyProposal, Match, Reconciliation
from lawledger.core.access import Action
from lawledger.core.formats.statement import LineKind
from lawledger.ledger.accounts import get_bank_account
from tests import factories
from tests.access_matrix import EXPECTED_VIEW, Matrix, build_matrix
from tests.banking.builders import line, load, statement
from tests.mfa import login as mfa_login

pytestmark = pytest.mark.django_db

READERS = {"admin", "admin_walled", "bookkeeper", "auditor"}
WRITERS = {"admin", "admin_walled", "bookkeeper"}
SIGNERS = {"admin", "admin_walled"}
CSV = b"Date,Description,Amount\n2026-03-03,Deposit Canary 5521,100.00\n"


@pytest.fixture
def matrix() -> tuple[Matrix, str]:
    from lawledger.firm.services import firm_set

    built = build_matrix()

    firm_set(actor=factories.OPERATOR, key="uncleared_funds", value="off")
    factories.trust_account()
    factories.deposit(built.matter, "100.00", date="2026-03-02", payor="Canary Payor 7731")
    load(statement(line(1, "2026-03-03", 10_000, LineKind.DEPOSIT, bank_reference="F1",
                        counterparty="Canary Bank Payor"),
                   line(2, "2026-03-31", 250, LineKind.INTEREST, bank_reference="F2")))
    return built, get_bank_account("IOLTA").public_id


def _client(matrix: Matrix, who: str) -> Client:
    browser = Client()
    principal = matrix.principals[who]
    if principal is not None:
        mfa_login(browser, principal.label)
    return browser


def _expected(who: str, allowed: set[str], ok: int = 200) -> int:
    if who == "anonymous":
        return 302
    return ok if who in allowed else 403


def _state() -> tuple[int, ...]:
    return (BankLine.objects.count(), Match.objects.count(),
            Match.objects.filter(status="confirmed").count(), BankOnlyProposal.objects.count(),
            Reconciliation.objects.count())


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_banking_pages_follow_the_policy_for(matrix: tuple[Matrix, str], who: str) -> None:
    built, account = matrix
    browser = _client(built, who)
    pages = {"/banking/": READERS, f"/banking/{account}/match/": READERS,
             f"/banking/{account}/reconcile/": READERS,
             f"/banking/{account}/reconcile/?date=2026-03-31&statement_balance=100.00": READERS,
             f"/banking/{account}/import/": WRITERS}
    for path, allowed in pages.items():
        before = AuditRecord.objects.count()
        response = browser.get(path)
        assert response.status_code == _expected(who, allowed), path
        if response.status_code == 200:
            assert response["Cache-Control"] == "no-store"
        if who not in allowed:
            assert b"Canary" not in response.content
        staff = who != "anonymous" and not who.startswith("portal")
        if staff and (who not in allowed or allowed is READERS):
            assert AuditRecord.objects.count() > before, path  # the read, or the refusal
    if who in READERS:
        assert "Canary Bank Payor" in browser.get(f"/banking/{account}/match/").content.decode()


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_banking_actions_follow_the_policy_for(matrix: tuple[Matrix, str], who: str) -> None:
    built, account = matrix
    browser = _client(built, who)
    before = _state()
    response = browser.post(f"/banking/{account}/match/auto/")
    assert response.status_code == _expected(who, WRITERS, 302)
    if who not in WRITERS:
        assert _state() == before
        match = None
    else:
        assert Match.objects.count() == 1
        match = Match.objects.get()
    ref = match.public_id if match else "mt_none"
    response = browser.post(f"/banking/{account}/match/confirm/", {"match": ref})
    assert response.status_code == _expected(who, WRITERS, 302)
    response = browser.post(f"/banking/{account}/bank-only/propose/")
    assert response.status_code == _expected(who, WRITERS, 302)
    upload = SimpleUploadedFile("march.csv", CSV, content_type="text/csv")
    response = browser.post(f"/banking/{account}/import/", {"file": upload, "format": "auto"})
    assert response.status_code == _expected(who, WRITERS, 200)
    # the bank: 100.00 matched, 2.50 interest and the uploaded 100.00, neither in the books
    response = browser.post(f"/banking/{account}/reconcile/",
                            {"date": "2026-03-31", "statement_balance": "202.50",
                             "action": "sign_off"})
    assert response.status_code == _expected(who, SIGNERS, 302)
    if who not in WRITERS:
        assert _state() == before
    if who in SIGNERS:
        assert Reconciliation.objects.filter(status="signed").count() == 1
    elif who in WRITERS:
        assert Reconciliation.objects.count() == 0


def test_a_bookkeeper_may_save_a_draft_but_not_sign_off(matrix: tuple[Matrix, str]) -> None:
    built, account = matrix
    browser = _client(built, "bookkeeper")
    refused = browser.post(f"/banking/{account}/reconcile/",
                           {"date": "2026-03-31", "statement_balance": "100.00",
                            "action": "sign_off"})
    assert refused.status_code == 403
    saved = browser.post(f"/banking/{account}/reconcile/",
                         {"date": "2026-03-31", "statement_balance": "90.00", "action": "draft",
                          "explanation": "awaiting the bank's letter"})
    assert saved.status_code == 302
    assert Reconciliation.objects.get().status == "draft"


def test_the_report_pdf_is_an_attachment_never_cached_and_audited(
        matrix: tuple[Matrix, str]) -> None:
    built, account = matrix
    admin = _client(built, "admin")
    admin.post(f"/banking/{account}/reconcile/",
               {"date": "2026-03-31", "statement_balance": "102.50", "action": "draft"})
    ref = Reconciliation.objects.get().public_id
    for who in sorted(EXPECTED_VIEW):
        response = _client(built, who).get(f"/banking/reconciliations/{ref}/pdf/")
        assert response.status_code == _expected(who, READERS), who
        if response.status_code == 200:
            assert response["Content-Type"] == "application/pdf"
            assert response["Content-Disposition"] == (
                'attachment; filename="reconciliation-IOLTA-2026-03-31-draft.pdf"')
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Cache-Control"] == "no-store"
            assert response.content.startswith(b"%PDF")
    assert AuditRecord.objects.filter(event="reconciliation.downloaded").count() == len(READERS)
    missing = _client(built, "auditor").get("/banking/reconciliations/rec_nothing/pdf/")
    assert missing.status_code == 404


def test_an_upload_larger_than_the_limit_is_refused_before_it_is_read(
        matrix: tuple[Matrix, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from lawledger.banking import imports

    built, account = matrix
    monkeypatch.setattr(imports, "MAX_STATEMENT_BYTES", 1024)
    upload = SimpleUploadedFile("big.csv", CSV + b"2026-03-04,x,1.00\n" * 200,
                                content_type="text/csv")
    before = _state()
    response = _client(built, "bookkeeper").post(f"/banking/{account}/import/",
                                                 {"file": upload})
    assert response.status_code == 413
    assert b"statement_too_large" in response.content
    assert _state() == before


def test_a_match_by_hand_that_does_not_balance_is_shown_on_the_workbench(
        matrix: tuple[Matrix, str]) -> None:
    built, account = matrix
    browser = _client(built, "bookkeeper")
    interest = BankLine.objects.get(bank_reference="F2").public_id
    response = browser.post(f"/banking/{account}/match/manual/", {"line": [interest]},
                            follow=True)
    assert response.status_code == 200
    assert "match_unbalanced: match: the bank lines total 2.50 and the entries 0.00" in (
        response.content.decode())
    assert Match.objects.count() == 0


def test_the_matrix_and_the_policy_agree_on_who_reads_firm_reports(
        matrix: tuple[Matrix, str]) -> None:
    from lawledger.core.access import decide

    built, _ = matrix
    for who, principal in built.principals.items():
        readers = principal is not None and decide(principal, Action.VIEW_FIRM_REPORTS, None)
        assert readers == (who in READERS), who


def test_the_reconcile_page_says_when_the_next_is_due_and_shows_the_packs_layout(
        matrix: tuple[Matrix, str]) -> None:
    from lawledger.firm.services import firm_set

    built, account = matrix
    firm_set(actor=factories.OPERATOR, key="jurisdiction", value="ew")
    page = _client(built, "bookkeeper").get(
        f"/banking/{account}/reconcile/", {"date": "2026-03-31", "statement_balance": "100.00"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Does not balance: the adjusted bank balance differs from the trust journal" in html
    # Never reconciled: five weeks from the first entry (2 March).
    assert ("Next reconciliation (period to 2026-04-06) due by 2026-04-06 "
            '<span class="bk-flag">overdue</span>') in html
    assert "Client account reconciliation statement (SRA Accounts Rules 2019, rule 8.3)" in html
