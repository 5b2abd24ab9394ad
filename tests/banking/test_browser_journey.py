"""A bookkeeper imports a month's CSV, matches it, prepares the reconciliation; an admin signs off.

The statement uses a real bank's CSV layout (Charles Schwab checking, as in the corpus file
csv2ofx__schwab-checking.csv) with this firm's March lines, so that the books and the bank agree;
the corpus file itself is imported into the operating account on the way. Screenshots go to
test-artifacts/banking-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from lawledger.banking.models import Match, Reconciliation
from lawledger.core.access import Role
from lawledger.core.ledger import EntryKind
from lawledger.ledger.models import PeriodLock
from lawledger.ledger.services import trust_firm_entry_record
from tests import factories
from tests.browser import browser_page, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]

SCHWAB_CORPUS = Path("/work/shared/corpus/csv/csv2ofx__schwab-checking.csv")
MARCH = """"Date","Status","Type","CheckNumber","Description","Withdrawal","Deposit","RunningBalance"
"03/31/2026","Posted","ACH","","SERVICE CHARGE","$15.00","","$1,310.00"
"03/12/2026","Posted","CHECK","101","Check Paid #101","$75.00","","$1,325.00"
"03/10/2026","Posted","DEPOSIT","","Deposit Branch","","$350.00","$1,400.00"
"03/03/2026","Posted","DEPOSIT","","Deposit Mobile Banking","","$1,000.00","$1,050.00"
"03/01/2026","Posted","DEPOSIT","","Deposit Firm Funds","","$50.00","$50.00"
"""


def _firm() -> dict[str, Any]:
    factories.firm(uncleared_funds="off")
    factories.trust_account(account_number="440012345")
    factories.operating_account()
    bookkeeper = factories.user(Role.BOOKKEEPER, email="priya@firm.example")
    admin = factories.user(Role.ADMIN, email="managing@firm.example")
    acme = factories.matter(factories.client("Acme Corp"), "Sale of premises")
    beta = factories.matter(factories.client("Beta LLC"), "Lease")
    trust_firm_entry_record(actor=factories.OPERATOR, kind=EntryKind.FIRM_DEPOSIT,
                            account="IOLTA", amount="50.00", date="2026-03-01")
    factories.deposit(acme, "1000.00", date="2026-03-02", payor="Acme Corp")
    factories.disburse(acme, "75.00", date="2026-03-05", check_number="101", payee="County")
    factories.deposit(acme, "100.00", date="2026-03-09", payor="Acme Corp")
    factories.deposit(beta, "250.00", date="2026-03-09", payor="Beta LLC")
    factories.disburse(acme, "200.00", date="2026-03-28", check_number="102", payee="Recorder")
    factories.deposit(beta, "500.00", date="2026-03-30", payor="Beta LLC")
    return {"bookkeeper": bookkeeper, "admin": admin}


def _sign_in(page: Any, live_server: Any, email: str) -> None:
    from tests.mfa import login_page

    page.goto(f"{live_server}/login/")
    login_page(page, str(live_server), email)  # password, then the second factor
    page.wait_for_url(f"{live_server}/")


def test_a_month_is_imported_matched_reconciled_and_signed_off(live_server: Any,
                                                               tmp_path: Path) -> None:
    _firm()
    statement = tmp_path / "schwab-march-2026.csv"
    statement.write_text(MARCH)
    with browser_page() as page:
        _sign_in(page, live_server, "priya@firm.example")
        page.get_by_role("link", name="Banking").click()
        page.wait_for_url(f"{live_server}/banking/")
        screenshot(page, "banking-home")
        rows = page.locator("table.bk-accounts tbody tr")
        assert rows.count() == 2
        if SCHWAB_CORPUS.exists():  # the real file, into the operating account
            rows.filter(has_text="Operating").get_by_role("link", name="Import").click()
            page.get_by_label("Statement file").set_input_files(str(SCHWAB_CORPUS))
            page.get_by_role("button", name="Import").click()
            assert page.locator("#imported").inner_text() == "Imported"
            assert "New lines\n4" in page.locator("dl.facts").inner_text()
            page.goto(f"{live_server}/banking/")
        page.locator("table.bk-accounts tbody tr").filter(has_text="IOLTA").get_by_role(
            "link", name="Import").click()
        page.get_by_label("Statement file").set_input_files(str(statement))
        page.get_by_role("button", name="Import").click()
        facts = page.locator("dl.facts").inner_text()
        assert "New lines\n5" in facts and "2026-03-01 to 2026-03-31" in facts
        screenshot(page, "banking-imported")
        page.get_by_role("link", name="Go to the matching workbench").click()
        proposals = page.locator("table.bk-proposed tbody tr")
        assert proposals.count() == 4
        screenshot(page, "banking-workbench-proposed")
        confirm = page.get_by_role("button", name=re.compile(r"^Confirm match "))
        for remaining in range(4, 0, -1):
            assert confirm.count() == remaining
            confirm.first.click()
            page.wait_for_load_state()
        assert Match.objects.filter(status="confirmed").count() == 4
        page.get_by_role("button", name="Propose entries for bank-only lines").click()
        assert "1 bank-only entry proposed" in page.locator(".bk-messages").inner_text()
        page.get_by_role("button", name="Post bank_charge of 15.00").click()
        assert "posted bank charge" in page.locator(".bk-messages").inner_text()
        screenshot(page, "banking-workbench-matched")
        page.get_by_role("link", name="Reconcile").first.click()
        page.get_by_label("Statement date").fill("2026-03-31")
        page.get_by_label("Balance on the bank statement (USD)").fill("1310.00")
        page.get_by_role("button", name="Reconcile").click()
        assert page.get_by_role("status").filter(has_text="Balanced").count() == 1
        figures = page.locator("table.bk-figures").inner_text()
        for figure in ("Adjusted bank balance\t1610.00", "Trust journal balance\t1610.00",
                       "Sum of client ledgers\t1575.00", "Firm ledgers in trust\t35.00"):
            assert figure in figures
        assert page.get_by_role("button", name="Sign off").count() == 0  # admins only
        page.get_by_role("button", name="Save as draft").click()
        assert "Draft saved" in page.locator(".bk-messages").inner_text()
        screenshot(page, "banking-reconciliation-draft")
        page.get_by_role("button", name="Sign out").click()

        _sign_in(page, live_server, "managing@firm.example")
        page.goto(f"{live_server}/banking/")
        page.locator("table.bk-accounts tbody tr").filter(has_text="IOLTA").get_by_role(
            "link", name="Reconcile").click()
        page.get_by_label("Statement date").fill("2026-03-31")
        page.get_by_label("Balance on the bank statement (USD)").fill("1310.00")
        page.get_by_role("button", name="Reconcile").click()
        page.get_by_role("button", name="Sign off and lock through 2026-03-31").click()
        assert "Signed off" in page.locator(".bk-messages").inner_text()
        screenshot(page, "banking-reconciliation-signed")
    signed = Reconciliation.objects.get(status="signed")
    assert (signed.is_balanced, signed.signed_by) == (True, "managing@firm.example")
    assert PeriodLock.objects.get().through_date.isoformat() == "2026-03-31"
