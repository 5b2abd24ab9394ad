"""A bookkeeper records a deposit and a disbursement in a real browser and sees the ledger move.

Screenshots land in test-artifacts/ (trust-*.png) for a person to look at, including the
disbursement page at a tablet's width.
"""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.access_matrix import PASSWORD, build_matrix
from tests.browser import browser_page, screenshot
from tests.mfa import login_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_bookkeeper_records_a_deposit_and_a_disbursement(live_server: object) -> None:
    matrix = build_matrix()
    factories.trust_account()
    bookkeeper = matrix.principals["bookkeeper"]
    assert bookkeeper is not None
    with browser_page() as page:
        page.goto(f"{live_server}/login/")
        login_page(page, str(live_server), bookkeeper.label, PASSWORD)
        page.wait_for_url(f"{live_server}/")

        page.goto(f"{live_server}/matters/{matrix.matter}/")
        page.get_by_role("link", name="Deposit", exact=True).click()
        page.wait_for_url(re.compile(r".*/trust/deposit/$"))
        page.get_by_label("Amount").fill("1,000.00")
        page.get_by_label("Received from").fill("Client A")
        page.get_by_label("Reference").fill("wire 8812")
        screenshot(page, "trust-deposit-form")
        page.get_by_role("button", name="Record deposit").click()
        page.wait_for_url(re.compile(r".*/trust/entries/je_[0-9a-z]+/$"))
        assert page.get_by_role("status").inner_text() == "Recorded."
        screenshot(page, "trust-deposit-recorded")

        page.get_by_role("link", name="Client ledger").click()
        assert "Balance 1000.00 USD" in page.locator("p.balance").inner_text()

        page.goto(f"{live_server}/matters/{matrix.matter}/trust/disburse/")
        position = page.locator(".position").first.inner_text()
        assert "Client ledger balance\n1000.00 USD\nNot yet cleared" in position  # before paying
        page.get_by_label("Amount").fill("5000.00")
        page.get_by_label("Pay to").fill("County Recorder")
        page.get_by_label("Purpose").fill("recording fees")
        page.get_by_role("button", name="Record disbursement").click()
        alert = page.get_by_role("alert").first
        assert "client_ledger_overdraft" in alert.inner_text()
        assert page.locator("#id_amount").get_attribute("aria-invalid") == "true"
        screenshot(page, "trust-disbursement-refused")

        page.get_by_label("Amount").fill("250.00")
        page.get_by_role("button", name="Record disbursement").click()
        page.wait_for_url(re.compile(r".*/trust/entries/je_[0-9a-z]+/$"))
        warning = page.locator("p.warning").inner_text()
        assert "uncleared_funds" in warning  # paid the day the deposit came in: warned
        screenshot(page, "trust-disbursement-recorded")

        page.get_by_role("link", name="Client ledger").click()
        assert "Balance 750.00 USD" in page.locator("p.balance").inner_text()
        rows = page.locator("table.ledger tbody tr")
        assert rows.count() == 2
        assert rows.nth(1).locator("td").nth(6).inner_text() == "750.00"
        screenshot(page, "trust-ledger-after")

        page.set_viewport_size({"width": 768, "height": 1024})
        page.goto(f"{live_server}/matters/{matrix.matter}/trust/disburse/")
        screenshot(page, "trust-disbursement-tablet")
        page.goto(f"{live_server}/reports/")
        screenshot(page, "trust-reports-tablet")
