"""In a real browser: an attorney times work and records it, drafts and approves the pre-bill;
a bookkeeper finalizes it and downloads the PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawledger.billing import services
from lawledger.core.access import Role
from tests import factories
from tests.access_matrix import PASSWORD
from tests.browser import browser_page, screenshot
from tests.factories import OPERATOR
from tests.mfa import login_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _sign_in(page: object, base: str, email: str) -> None:
    page.goto(f"{base}/login/")  # type: ignore[attr-defined]
    login_page(page, base, email, PASSWORD)  # password, then the second factor
    page.wait_for_url(f"{base}/")  # type: ignore[attr-defined]


def test_an_attorney_bills_time_and_a_bookkeeper_finalizes_and_downloads_the_pdf(
        live_server: object, tmp_path: Path) -> None:
    factories.firm()
    attorney = factories.user(Role.ATTORNEY, email="ada@firm.example")
    factories.user(Role.BOOKKEEPER, email="bea@firm.example")
    client = factories.client("Acme Corp")
    matter = factories.matter(client, "Acme v. Widget", responsible=attorney)
    services.rate_set(actor=OPERATOR, email=attorney.label, amount="300.00")
    base = str(live_server)
    with browser_page() as page:
        _sign_in(page, base, "ada@firm.example")
        page.goto(f"{base}/billing/time/")
        page.get_by_role("button", name="Start").click()
        page.wait_for_timeout(1200)
        page.get_by_role("button", name="Stop and fill in minutes").click()
        assert page.get_by_label("Minutes").input_value() == "1"
        page.get_by_label("Minutes").fill("50")
        page.get_by_label("Matter").select_option(matter)
        page.get_by_label("Date").fill("2026-03-10")
        page.get_by_label("Task (UTBMS)").select_option("L110")
        page.get_by_label("Narrative").fill("Drafted the complaint <b>urgent</b>")
        page.get_by_role("button", name="Record time").click()
        page.wait_for_url(f"{base}/billing/time/")
        assert "Recorded 50 minutes on M-0001" in page.get_by_role("status").first.inner_text()
        assert "Drafted the complaint <b>urgent</b>" in page.locator("table.time-entries").inner_text()
        screenshot(page, "billing-time-entry")
        page.goto(f"{base}/billing/invoices/")
        page.get_by_label("Matter").select_option(matter)
        page.get_by_label("Work through").fill("2026-03-31")
        page.get_by_role("button", name="Draft pre-bill").click()
        page.wait_for_url(f"{base}/billing/invoices/inv_*/")
        assert page.locator("#invoice-total").inner_text() == "270.00"
        page.get_by_role("button", name="Approve pre-bill").click()
        assert page.locator("#invoice-status").inner_text() == "approved"
        screenshot(page, "billing-prebill-approved")
        invoice_url = page.url
        page.get_by_role("button", name="Sign out").click()

        _sign_in(page, base, "bea@firm.example")
        page.goto(invoice_url)
        page.get_by_role("button", name="Finalize invoice").click()
        assert page.locator("h1").inner_text() == "Invoice 00001"
        assert page.locator("#invoice-status").inner_text() == "finalized"
        with page.expect_download() as download:
            page.get_by_role("link", name="Download PDF").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(str(saved))
        assert saved.name == "invoice-00001.pdf"
        assert saved.read_bytes().startswith(b"%PDF-")
        screenshot(page, "billing-invoice-finalized")
