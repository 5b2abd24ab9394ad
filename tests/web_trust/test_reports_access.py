"""The report pages and their CSV/PDF downloads answer each principal as the policy says.

A download is an attachment with a safe file name, `nosniff` and `no-store`, and is audited as an
export (with the served file's sha256). Totals are the sums of the ledgers the user may see (A3).
"""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from django.test import Client

from lawledger.core.access import Action
from tests.access_matrix import EXPECTED_VIEW, Matrix
from tests.web_trust.helpers import Books, audit_seq, audited_since, browser_for

pytestmark = pytest.mark.django_db

FIRM_WIDE = {"admin", "bookkeeper", "auditor", "admin_walled"}


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _assert_download(response: object, filename: str, content_type: str) -> None:
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'  # type: ignore[index]
    assert response["Content-Type"] == content_type  # type: ignore[index]
    assert response["X-Content-Type-Options"] == "nosniff"  # type: ignore[index]
    assert response["Cache-Control"] == "no-store"  # type: ignore[index]


def _staff_status(who: str, allowed: bool) -> int:
    if who == "anonymous":
        return 302
    if who.startswith("portal"):
        return 403
    return 200 if allowed else 403


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_client_ledger_downloads_follow_the_policy_for(matrix: Matrix, who: str) -> None:
    from lawledger.firm.queries import firm_today

    browser = browser_for(matrix, who)
    today = firm_today().isoformat()
    for fmt, content_type in (("csv", "text/csv; charset=utf-8"), ("pdf", "application/pdf")):
        before, since = Books.take(), audit_seq()
        response = browser.get(f"/matters/{matrix.matter}/ledger/export/{fmt}/")
        assert Books.take() == before
        if who == "anonymous":
            assert response.status_code == 302
        elif who.startswith("portal"):
            assert response.status_code == 403
            assert "access.denied" in [r.event for r in audited_since(since)]
        elif not EXPECTED_VIEW[who]:
            assert response.status_code == 404
            assert b"Canary" not in response.content
            assert [r.event for r in audited_since(since)] == ["access.denied"]
            assert audited_since(since, "export.created") == []
        else:
            _assert_download(response, f"client-ledger-{matrix.matter}-IOLTA-{today}.{fmt}",
                             content_type)
            exports = audited_since(since, "export.created")
            assert [(e.actor, e.matter_ref, e.details["format"]) for e in exports] == [
                (matrix.principals[who].label, matrix.matter, fmt)]  # type: ignore[union-attr]
            assert exports[0].details["sha256"] == hashlib.sha256(response.content).hexdigest()
            assert "trust.ledger_viewed" in [r.event for r in audited_since(since)]


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_listing_download_totals_only_visible_matters_for(matrix: Matrix, who: str) -> None:
    response = browser_for(matrix, who).get("/trust/export/csv/")
    status = _staff_status(who, True)
    assert response.status_code == status
    if status != 200:
        return
    rows = _rows(response.content)
    clients = {row["Ledger"]: row["Balance"] for row in rows if row["Ledger"].startswith("M-")}
    expected = {}
    if EXPECTED_VIEW[who]:
        expected[matrix.matter] = "500.00"
    if matrix.may(who, Action.VIEW, matrix.other_matter):
        expected[matrix.other_matter] = "250.00"
    assert clients == expected
    pdf = browser_for(matrix, who).get("/trust/export/pdf/")
    assert pdf.status_code == 200
    text = " ".join(_pdf_text(pdf.content).split())
    total = sum(int(value.replace(".", "")) for value in expected.values())
    if total:
        assert f"Total {total // 100:,}.{total % 100:02d} USD" in text
    assert (matrix.matter in text) == (matrix.matter in expected)


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_journal_and_inactive_downloads_follow_the_policy_for(matrix: Matrix,
                                                                  who: str) -> None:
    browser = browser_for(matrix, who)
    status = _staff_status(who, who in FIRM_WIDE)
    for url in ("/trust/journal/IOLTA/export/csv/", "/trust/journal/IOLTA/export/pdf/",
                "/trust/inactive/export/csv/?months=1", "/trust/inactive/export/pdf/",
                "/trust/inactive/?months=1", "/trust/journal/IOLTA/"):
        since = audit_seq()
        response = browser.get(url)
        assert response.status_code == status, (url, who)
        if status == 403 and not who.startswith("portal"):
            assert "rule.refused" in [r.event for r in audited_since(since)]
    if who == "admin_walled":
        rows = _rows(browser.get("/trust/journal/IOLTA/export/csv/").content)
        walled = [row for row in rows if row["Amount"] == "500.00"]
        assert [(row["Matter"], row["Received from"], row["Memo"]) for row in walled] == [
            ("", "", "")]
        assert [row["Balance"] for row in rows] == ["500.00", "750.00"]


@pytest.mark.parametrize("who", sorted(EXPECTED_VIEW))
def test_the_reports_page_lists_what_the_role_may_use(matrix: Matrix, who: str) -> None:
    browser = browser_for(matrix, who)
    response = browser.get("/reports/")
    status = _staff_status(who, True)
    assert response.status_code == status
    for url in ("/trust/earned-fees/", "/trust/earned-fees/export/csv/"):
        assert browser.get(url).status_code == status, url
    if status != 200:
        return
    content = response.content
    assert b'href="/trust/export/csv/"' in content and b'href="/trust/export/pdf/"' in content
    assert (b'href="/trust/inactive/"' in content) == (who in FIRM_WIDE)
    assert (b"/trust/journal/acct_" in content) == (who in FIRM_WIDE)
    assert b'aria-current="page">Reports</a>' in content


def test_a_journal_is_downloaded_by_its_public_id_too(matrix: Matrix) -> None:
    from lawledger.ledger.queries import bank_accounts

    trust = next(a for a in bank_accounts() if a.name == "IOLTA")
    response = browser_for(matrix, "auditor").get(f"/trust/journal/{trust.public_id}/export/csv/")
    assert response.status_code == 200
    assert [row["Amount"] for row in _rows(response.content)] == ["500.00", "250.00"]


def test_an_unknown_format_or_account_is_not_found(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    before = audit_seq()
    assert browser.get(f"/matters/{matrix.matter}/ledger/export/xlsx/").status_code == 404
    assert browser.get("/trust/journal/NOPE/export/csv/").status_code == 404
    assert audited_since(before, "export.created") == []


def test_bad_report_parameters_are_refused_naming_them(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    months = browser.get("/trust/inactive/export/csv/?months=0")
    assert months.status_code == 400 and b"months: a whole number of months" in months.content
    day = browser.get(f"/matters/{matrix.matter}/ledger/export/csv/?from=2026-02-30")
    assert day.status_code == 400 and b"from: &#x27;2026-02-30&#x27; is not a date" in day.content


def test_a_failing_audit_serves_no_file(matrix: Matrix) -> None:
    from lawledger.audit import services as audit_services
    from lawledger.core.errors import AuditFailure

    browser = browser_for(matrix, "bookkeeper")

    def fail() -> None:
        raise AuditFailure("audit store unavailable")

    audit_services.fault_hook = fail
    response = browser.get(f"/matters/{matrix.matter}/ledger/export/csv/")
    audit_services.fault_hook = None
    assert response.status_code != 200
    assert b"Canary" not in response.content and "Content-Disposition" not in response


def test_downloads_are_get_only(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    assert browser.post(f"/matters/{matrix.matter}/ledger/export/csv/").status_code == 405


def test_the_ledger_page_filters_by_date_and_its_downloads_keep_the_filter(
        matrix: Matrix) -> None:
    from tests import factories

    factories.deposit(matrix.matter, "20.00", date="2026-04-02", payor="April payor")
    browser = browser_for(matrix, "bookkeeper")
    page = browser.get(f"/matters/{matrix.matter}/ledger/?account=IOLTA&from=2026-04-01")
    content = page.content.decode()
    assert "April payor" in content and "Canary Payor" not in content
    assert "opening balance on 2026-04-01: 500.00" in content
    link = f"/matters/{matrix.matter}/ledger/export/csv/?account=IOLTA&amp;from=2026-04-01"
    assert link in content
    rows = _rows(browser.get(link.replace("&amp;", "&")).content)
    assert [(row["Received from"], row["Balance"]) for row in rows] == [("April payor", "520.00")]


def test_an_anonymous_download_is_sent_to_sign_in() -> None:
    response = Client().get("/trust/export/csv/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
