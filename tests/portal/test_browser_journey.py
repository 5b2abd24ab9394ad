"""In a real browser: a client's contact accepts the firm's invitation, signs in with a second
factor, sees their matter, downloads their invoice and trust statement, writes to the firm, and
cannot open another client's invoice."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lawledger.portal import services
from lawledger.portal.models import PortalMessage
from tests.browser import ARTIFACTS, browser_page, screenshot
from tests.factories import OPERATOR
from tests.mfa import login_page
from tests.portal.builders import INTERNAL_MEMO, portal_firm

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
PASSPHRASE = "my own long portal passphrase"


def _pdf_to_png(pdf: Path, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(pdf),
                    str(ARTIFACTS / name)], check=True)
    return ARTIFACTS / f"{name}.png"


def test_a_client_accepts_the_invitation_signs_in_and_downloads_only_their_invoice(
        live_server: object, tmp_path: Path) -> None:
    scene = portal_firm()
    issued = services.invitation_create(actor=OPERATOR, client=scene.client,
                                        email="cleo@acme.example", full_name="Cleo")
    base = str(live_server)
    with browser_page() as page:
        page.goto(f"{base}/portal/invitation/{issued.token}/")
        assert "cleo@acme.example" in page.locator("main").inner_text()
        page.get_by_label("Password", exact=True).fill(PASSPHRASE)
        page.get_by_label("Password again").fill(PASSPHRASE)
        screenshot(page, "portal-invitation")
        page.get_by_role("button", name="Set password").click()
        page.wait_for_url("**/login/?next=/portal/")
        login_page(page, base, "cleo@acme.example", PASSPHRASE)
        page.wait_for_url(f"{base}/portal/")
        assert page.locator("h1").inner_text() == "Acme Corp"
        assert "1500.00 USD" in page.locator("main").inner_text()
        screenshot(page, "portal-home")

        page.get_by_role("link", name="M-0001 · Acme v. Widget").click()
        page.wait_for_url(f"{base}/portal/matters/M-0001/")
        text = page.locator("main").inner_text()
        assert "Invoice 00001" in text and "CHK-1001" in text and INTERNAL_MEMO not in text
        screenshot(page, "portal-matter")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download PDF of 00001").click()
        invoice_pdf = tmp_path / download.value.suggested_filename
        download.value.save_as(str(invoice_pdf))
        assert invoice_pdf.name == "invoice-00001.pdf"
        assert invoice_pdf.read_bytes().startswith(b"%PDF-")
        _pdf_to_png(invoice_pdf, "portal-invoice-pdf")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download trust statement (PDF)").click()
        statement = tmp_path / download.value.suggested_filename
        download.value.save_as(str(statement))
        _pdf_to_png(statement, "portal-trust-statement-pdf")

        page.get_by_role("link", name="Messages about billing").click()
        page.get_by_label("Subject").fill("Question on invoice 00001")
        page.get_by_label("Message", exact=True).fill("Could we pay the balance from trust?")
        page.get_by_role("button", name="Send message").click()
        assert "Your message was sent to the firm." in page.get_by_role("status").inner_text()
        screenshot(page, "portal-messages")

        response = page.goto(f"{base}/portal/invoices/{scene.other_invoice_id}/pdf/")
        assert response is not None and response.status == 404
        assert response.headers["content-type"].startswith("text/html")
        response = page.goto(f"{base}/portal/invoices/{scene.other_invoice_id}/")
        assert response is not None and response.status == 404
        screenshot(page, "portal-other-clients-invoice")
        response = page.goto(f"{base}/billing/invoices/")
        assert response is not None and response.status == 403
    assert PortalMessage.objects.filter(direction="in").count() == 1
