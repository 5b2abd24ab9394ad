"""Billing's "earned fees left in trust" report, served on the Reports page with CSV and PDF."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from tests import factories
from tests.billing.builders import billing_firm, draft, finalize, time
from tests.mfa import login as mfa_login

pytestmark = pytest.mark.django_db


def _signed_in(email: str) -> Client:
    browser = Client()
    mfa_login(browser, email)
    return browser


def test_an_unpaid_invoice_with_money_in_trust_is_listed_and_downloadable() -> None:
    firm = billing_firm()
    factories.deposit(firm.matter, "1000.00", date="2026-03-02")
    time(firm, minutes=60)
    invoice = finalize(draft(firm))
    outsider = factories.user("attorney", email="outsider@firm.example")
    browser = _signed_in(firm.bookkeeper.label)
    page = browser.get("/trust/earned-fees/?as_of=2026-06-01").content.decode()
    number = invoice.number
    assert f"<td>{number}</td><td>2026-04-01</td><td class=\"num\">61</td>" in page
    assert "300.00 USD</td><td class=\"num\">1000.00 USD</td><td class=\"num\">300.00 USD" in page
    assert 'href="/trust/earned-fees/export/csv/?as_of=2026-06-01"' in page
    body = browser.get("/trust/earned-fees/export/csv/?as_of=2026-06-01")
    assert body["Content-Disposition"] == (
        'attachment; filename="earned-fees-left-in-trust-2026-06-01.csv"')
    rows = list(csv.DictReader(io.StringIO(body.content.decode("utf-8-sig"), newline="")))
    assert [(r["Invoice"], r["Days"], r["Transferable"]) for r in rows] == [(number, "61", "300.00")]
    assert browser.get("/trust/earned-fees/export/pdf/?as_of=2026-06-01").content.startswith(b"%PDF")
    hidden = _signed_in(outsider.label).get("/trust/earned-fees/?as_of=2026-06-01").content
    assert number.encode() not in hidden
    assert b"/trust/earned-fees/" in browser.get("/reports/").content
