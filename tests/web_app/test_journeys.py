"""In a real browser (Debian's chromium): the bookkeeper's month and the attorney's day.

The bookkeeper records the month's last deposit, imports the real Schwab statement of the
corpus (csv2ofx__schwab-checking.csv, August 2022) into the trust account, confirms the matches
and prepares the reconciliation; the managing partner signs it off (sign-off is an admin's act).
The July statement, which opens the account, is imported beforehand through the services.
Every page visited is checked with axe-core; screenshots go to test-artifacts/web-app-*.png.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from lawledger.banking.matching import auto_match, matches_confirm_all
from lawledger.banking.models import Reconciliation
from lawledger.banking.services import statement_import
from lawledger.core.access import Role
from tests import factories
from tests.browser import browser_page, screenshot
from tests.factories import OPERATOR
from tests.web_app.pages import serious_violations, sign_in, sign_out

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]

SCHWAB_AUGUST = Path("/work/shared/corpus/csv/csv2ofx__schwab-checking.csv")
JULY = """"Date","Status","Type","CheckNumber","Description","Withdrawal","Deposit","RunningBalance"
"07/29/2022","Posted","DEPOSIT","","Deposit Branch","","$1,093.74","$1,093.74"
"""


def _bookkeeping_firm() -> str:
    factories.firm(uncleared_funds="off")
    factories.trust_account(account_number="440012345")
    factories.user(Role.BOOKKEEPER, email="priya@firm.example")
    factories.user(Role.ADMIN, email="managing@firm.example")
    matter = factories.matter(factories.client("Acme Corp"), "Sale of premises")
    factories.deposit(matter, "1093.74", date="2022-07-29", payor="Acme Corp")
    statement_import(actor=OPERATOR, account="IOLTA", data=JULY.encode(), file_name="july.csv")
    auto_match(actor=OPERATOR, account="IOLTA")
    matches_confirm_all(actor=OPERATOR, account="IOLTA")
    factories.disburse(matter, "57.27", date="2022-08-03", payee="PayPal", method="ach")
    factories.disburse(matter, "75.00", date="2022-08-08", check_number="558", payee="County")
    factories.disburse(matter, "103.00", date="2022-08-13", payee="BMO Harris", method="ach")
    return matter


def _accessible(page: Any, name: str) -> None:
    screenshot(page, f"web-app-{name}")
    assert serious_violations(page) == [], name


def test_a_bookkeeper_deposits_imports_matches_and_the_month_is_signed_off(
        live_server: Any) -> None:
    if not SCHWAB_AUGUST.exists():
        pytest.skip("the shared corpus is not beside the project")
    matter = _bookkeeping_firm()
    base = str(live_server)
    with browser_page() as page:
        sign_in(page, base, "priya@firm.example")
        assert page.get_by_role("heading", level=1).inner_text().startswith("Dashboard")
        _accessible(page, "dashboard-bookkeeper")
        page.get_by_role("link", name=matter).first.click()
        page.get_by_role("link", name="Deposit", exact=True).click()
        page.get_by_label("Amount").fill("20.00")
        page.get_by_label("Effective date").fill("2022-08-17")
        page.get_by_label("Received from").fill("Acme Corp")
        _accessible(page, "deposit-form")
        page.get_by_role("button", name="Record deposit").click()
        assert page.get_by_role("status").inner_text() == "Recorded."

        page.get_by_role("link", name="Banking").click()
        page.locator("table.bk-accounts tbody tr").filter(has_text="IOLTA").get_by_role(
            "link", name="Import").click()
        _accessible(page, "import")
        page.get_by_label("Statement file").set_input_files(str(SCHWAB_AUGUST))
        with page.expect_request(lambda r: r.method == "POST" and "/import/" in r.url) as sent:
            page.get_by_role("button", name="Import").click()
        assert sent.value.resource_type == "xhr"  # sent by the upload-with-progress script
        assert page.locator("#imported").inner_text() == "Imported"
        facts = page.locator("dl.facts").inner_text()
        assert "New lines\n4" in facts and "2022-08-04 to 2022-08-17" in facts
        page.get_by_role("link", name="Go to the matching workbench").click()
        assert page.locator("table.bk-proposed tbody tr").count() == 4
        _accessible(page, "workbench")
        confirm = page.get_by_role("button", name=re.compile(r"^Confirm match "))
        for remaining in range(4, 0, -1):
            assert confirm.count() == remaining
            confirm.first.click()
            page.wait_for_load_state()
        page.get_by_role("link", name="Reconcile").first.click()
        page.get_by_label("Statement date").fill("2022-08-31")
        page.get_by_label("Balance on the bank statement (USD)").fill("878.47")
        page.get_by_role("button", name="Reconcile").click()
        assert page.get_by_role("status").filter(has_text="Balanced").count() == 1
        figures = " ".join(page.locator("table.bk-figures").all_inner_texts())
        assert "Trust journal balance\t878.47" in figures
        page.get_by_role("button", name="Save as draft").click()
        _accessible(page, "reconciliation-draft")
        sign_out(page)

        sign_in(page, base, "managing@firm.example")
        page.goto(f"{base}/banking/")
        page.locator("table.bk-accounts tbody tr").filter(has_text="IOLTA").get_by_role(
            "link", name="Reconcile").click()
        page.get_by_label("Statement date").fill("2022-08-31")
        page.get_by_label("Balance on the bank statement (USD)").fill("878.47")
        page.get_by_role("button", name="Reconcile").click()
        page.get_by_role("button", name="Sign off and lock through 2022-08-31").click()
        assert "Signed off" in page.locator(".bk-messages").inner_text()
        page.goto(f"{base}/")
        reconciliations = page.locator("table.dash-rec").inner_text()
        assert "2022-08-31 · signed" in reconciliations and "overdue" in reconciliations
        _accessible(page, "dashboard-admin")
    signed = Reconciliation.objects.get(status="signed")
    assert (signed.statement_date.isoformat(), signed.signed_by) == (
        "2022-08-31", "managing@firm.example")


def _attorney_firm() -> str:
    from lawledger.billing import services

    factories.firm(uncleared_funds="off")
    factories.trust_account()
    factories.operating_account()
    attorney = factories.user(Role.ATTORNEY, email="ada@firm.example")
    matter = factories.matter(factories.client("Acme Corp"), "Acme v. Widget",
                              responsible=attorney)
    other = factories.matter(factories.client("Beta LLC"), "Beta lease")
    today = dt.date.today()
    factories.deposit(matter, "5000.00", date=(today - dt.timedelta(days=200)).isoformat())
    factories.disburse(matter, "1200.00", date=(today - dt.timedelta(days=40)).isoformat())
    factories.deposit(other, "900.00", date=(today - dt.timedelta(days=20)).isoformat())
    services.rate_set(actor=OPERATOR, email=attorney.label, amount="300.00")
    services.arrangement_set(actor=OPERATOR, matter=matter, kind="evergreen", minimum="5000.00")
    worked = (today - dt.timedelta(days=75)).isoformat()
    services.time_record(actor=OPERATOR, matter=matter, minutes=240, by=attorney.label,
                         date=worked, narrative="Discovery plan")
    services.invoice_finalize(actor=OPERATOR, invoice=services.invoice_draft(
        actor=OPERATOR, matter=matter, through=worked).public_id,
        date=(today - dt.timedelta(days=70)).isoformat())
    return matter


def test_an_attorney_times_work_approves_the_pre_bill_and_finds_it(live_server: Any) -> None:
    matter = _attorney_firm()
    base = str(live_server)
    with browser_page() as page:
        sign_in(page, base, "ada@firm.example")
        board = page.locator("main").inner_text()
        assert "Figures of the matters you are assigned to." in board
        assert "Reconciliations and bank lines" not in board and "Beta lease" not in board
        assert "3800.00 USD" in page.locator("table.dash-trust").inner_text()
        assert "1200.00 USD" in page.locator("section[aria-labelledby=h-evergreen]").inner_text()
        _accessible(page, "dashboard-attorney")
        page.set_viewport_size({"width": 768, "height": 1024})
        screenshot(page, "web-app-dashboard-tablet")
        page.set_viewport_size({"width": 1280, "height": 900})

        page.goto(f"{base}/billing/time/")
        page.get_by_role("button", name="Start").click()
        page.wait_for_timeout(1200)
        page.get_by_role("button", name="Stop and fill in minutes").click()
        assert page.get_by_label("Minutes").input_value() == "1"
        page.get_by_label("Minutes").fill("90")
        page.get_by_label("Matter").select_option(matter)
        page.get_by_label("Date").fill(dt.date.today().isoformat())
        page.get_by_label("Narrative").fill("Reviewed the lease")
        _accessible(page, "time-entry")
        page.get_by_role("button", name="Record time").click()
        assert "Recorded 90 minutes on" in page.get_by_role("status").first.inner_text()

        page.goto(f"{base}/billing/invoices/")
        page.get_by_label("Matter").select_option(matter)
        page.get_by_label("Work through").fill(dt.date.today().isoformat())
        page.get_by_role("button", name="Draft pre-bill").click()
        page.wait_for_url(f"{base}/billing/invoices/inv_*/")
        assert page.locator("#invoice-total").inner_text() == "450.00"
        page.get_by_role("button", name="Approve pre-bill").click()
        page.wait_for_load_state()
        assert "approved" in page.locator("main").inner_text().lower()
        _accessible(page, "pre-bill-approved")

        page.get_by_label("Quick find").fill("Acme")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/search/?q=Acme")
        results = page.locator("main").inner_text()
        assert "Clients (1)" in results and "Matters (1)" in results
        _accessible(page, "search")
        for path in (f"/matters/{matter}/", f"/matters/{matter}/ledger/",
                     f"/matters/{matter}/trust/disburse/", "/billing/expenses/",
                     "/billing/payments/", "/billing/reports/wip/"):
            page.goto(f"{base}{path}")
            _accessible(page, path.strip("/").replace("/", "-"))
