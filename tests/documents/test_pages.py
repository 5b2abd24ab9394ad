"""Documents on the pages of other contexts: the matter, trust entry and invoice pages list
attachments with an upload form; the client ledger and trust journal name the entries shown that
lack a supporting document; the report lists them all, as a page and as CSV."""

from __future__ import annotations

import pytest
from django.test import Client

from lawledger.core.access import Role
from lawledger.documents.services import document_upload
from tests import factories
from tests.documents.builders import PDF_BYTES
from tests.factories import OPERATOR
from tests.mfa import login as mfa_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> dict[str, str]:
    made = factories.trust_firm()
    documented = factories.deposit(made["matter"], "100.00", date="2026-03-02").entry.public_id
    bare = factories.disburse(made["matter"], "40.00", date="2026-03-05").entry.public_id
    document_upload(actor=OPERATOR, kind="trust_entry", ref=documented,
                    file_name="deposit-slip.pdf", data=PDF_BYTES)
    document_upload(actor=OPERATOR, kind="matter", ref=made["matter"],
                    file_name="engagement-letter.pdf", data=PDF_BYTES)
    factories.user(Role.BOOKKEEPER, email="books@firm.example")
    return {**made, "documented": documented, "bare": bare}


def _browser() -> Client:
    browser = Client()
    mfa_login(browser, "books@firm.example")
    return browser


def test_the_matter_and_entry_pages_list_their_documents_with_an_upload_form(
        firm: dict[str, str]) -> None:
    browser = _browser()
    matter_page = browser.get(f"/matters/{firm['matter']}/").content.decode()
    assert "engagement-letter.pdf" in matter_page
    assert f'action="/documents/matter/{firm["matter"]}/"' in matter_page
    entry_page = browser.get(f"/trust/entries/{firm['documented']}/").content.decode()
    assert "deposit-slip.pdf" in entry_page
    assert f'action="/documents/trust_entry/{firm["documented"]}/"' in entry_page


def test_the_ledger_and_journal_name_the_entries_without_a_document(
        firm: dict[str, str]) -> None:
    browser = _browser()
    for path in (f"/matters/{firm['matter']}/ledger/", "/trust/journal/IOLTA/"):
        page = browser.get(path).content.decode()
        assert "1 of the 2 entries shown have no supporting document" in page, path
        assert f'href="/documents/trust_entry/{firm["bare"]}/"' in page
        assert f'href="/documents/trust_entry/{firm["documented"]}/"' not in page


def test_the_report_lists_the_entries_without_a_document_as_csv(firm: dict[str, str]) -> None:
    browser = _browser()
    page = browser.get("/documents/missing/").content.decode()
    assert firm["bare"] in page and firm["documented"] not in page
    response = browser.get("/documents/missing/csv/")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "\ufeffAccount,Date,Entry,Kind,Matter,Amount,Currency",
        f"IOLTA,2026-03-05,{firm['bare']},disbursement,{firm['matter']},-40.00,USD"]
