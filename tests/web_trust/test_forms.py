"""The recording forms: errors say which input and what to fix, rules are named, nothing is
half-written, a double submit records once, and the uncleared-funds policy is shown and kept."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
import time_machine

from lawledger.audit.models import AuditRecord
from tests import factories
from tests.access_matrix import Matrix
from tests.web_trust.helpers import Books, audit_seq, audited_since, browser_for

pytestmark = pytest.mark.django_db


def _disbursement(**overrides: str) -> dict[str, str]:
    return {"account": "IOLTA", "date": "2026-03-21", "amount": "100.00", "payee": "Court clerk",
            "method": "check", "check_number": "", "reference": "", "purpose": "filing fee",
            "memo": "", "idempotency_key": "form-key-1", **overrides}


def _field_errors(content: bytes, field: str) -> str:
    match = re.search(rf'<ul class="field-errors" id="id_{field}_error">(.*?)</ul>',
                      content.decode(), re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def test_a_bad_amount_is_refused_beside_the_amount_input_and_writes_nothing(
        matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    before = Books.take()
    page = browser.post(f"/matters/{matrix.matter}/trust/disburse/",
                        _disbursement(amount="12,34.5x"))
    assert page.status_code == 422
    assert _field_errors(page.content, "amount") == (
        "amount: &#x27;12,34.5x&#x27; is not an amount; write it like &quot;1250.00&quot;")
    assert b'aria-invalid="true"' in page.content
    assert b'aria-describedby="id_amount_helptext id_amount_error"' in page.content
    assert b"Nothing was recorded" in page.content
    assert Books.take() == before


def test_a_missing_payee_is_named_before_the_service_is_asked(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    before, since = Books.take(), audit_seq()
    page = browser.post(f"/matters/{matrix.matter}/trust/disburse/", _disbursement(payee=""))
    assert page.status_code == 422
    assert _field_errors(page.content, "payee") == "Enter pay to"
    assert Books.take() == before
    assert audited_since(since, "trust.entry_posted") == []


def test_an_overdraft_is_refused_naming_the_rule_and_writes_nothing(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    before, since = Books.take(), audit_seq()
    page = browser.post(f"/matters/{matrix.matter}/trust/disburse/",
                        _disbursement(amount="500.01"))
    assert page.status_code == 409
    assert _field_errors(page.content, "amount") == (
        f"client_ledger_overdraft: client ledger {matrix.matter} would go below zero: it holds "
        "500.00 USD then, and this takes 500.01")
    assert Books.take() == before
    refusal = audited_since(since, "rule.refused")
    assert [record.details["code"] for record in refusal] == ["client_ledger_overdraft"]
    assert factories.balance(matrix.matter) == "500.00"


def test_a_backdated_overdraft_names_the_day_it_would_go_below_zero(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    assert browser.post(f"/matters/{matrix.matter}/trust/disburse/",
                        _disbursement(amount="400.00")).status_code == 303
    before = Books.take()
    page = browser.post(f"/matters/{matrix.matter}/trust/disburse/",
                        _disbursement(amount="150.00", date="2026-03-15",
                                      idempotency_key="form-key-2"))
    assert page.status_code == 409
    assert "would go below zero on 2026-03-21" in _field_errors(page.content, "amount")
    assert Books.take() == before


def test_a_double_submit_records_the_entry_once(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    before = Books.take()
    first = browser.post(f"/matters/{matrix.matter}/trust/disburse/", _disbursement())
    second = browser.post(f"/matters/{matrix.matter}/trust/disburse/", _disbursement())
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert Books.take().entries == before.entries + 1
    assert factories.balance(matrix.matter) == "400.00"
    shown = browser.get(second["Location"]).content
    assert b"already been submitted, so nothing was recorded twice" in shown


def test_reusing_a_form_for_other_values_is_refused_with_a_fresh_key(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    browser.post(f"/matters/{matrix.matter}/trust/disburse/", _disbursement())
    before = Books.take()
    page = browser.post(f"/matters/{matrix.matter}/trust/disburse/",
                        _disbursement(amount="120.00"))
    assert page.status_code == 422
    assert b"already used to record an entry with other values" in page.content
    key = re.search(rb'name="idempotency_key" value="([^"]+)"', page.content)
    assert key is not None and key.group(1) != b"form-key-1"
    assert Books.take() == before


def test_each_drawing_of_a_form_gets_its_own_idempotency_key(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    keys = {re.search(rb'name="idempotency_key" value="([^"]+)"',
                      browser.get(f"/matters/{matrix.matter}/trust/deposit/").content)
            .group(1) for _ in range(3)}  # type: ignore[union-attr]
    assert len(keys) == 3


class _Labels(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[str] = []
        self.labels: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.inputs.append(found.get("id") or "")
        if tag == "label" and found.get("for"):
            self.labels.add(found["for"] or "")


@pytest.mark.parametrize("path", ["deposit", "disburse", "transfer", "fee", "refund"])
def test_every_input_of_the_matter_forms_has_a_label(matrix: Matrix, path: str) -> None:
    page = browser_for(matrix, "admin").get(f"/matters/{matrix.matter}/trust/{path}/")
    parser = _Labels()
    parser.feed(page.content.decode())
    form_inputs = [name for name in parser.inputs if name.startswith("id_")]
    assert form_inputs and set(form_inputs) <= parser.labels


@pytest.mark.parametrize("path", ["/trust/firm-entry/", "/trust/unidentified/assign/"])
def test_every_input_of_the_firm_forms_has_a_label(matrix: Matrix, path: str) -> None:
    parser = _Labels()
    parser.feed(browser_for(matrix, "bookkeeper").get(path).content.decode())
    form_inputs = [name for name in parser.inputs if name.startswith("id_")]
    assert form_inputs and set(form_inputs) <= parser.labels


# ---------------------------------------------------------------------------------------------
# uncleared funds


def _uncleared_firm(policy: str) -> Matrix:
    from lawledger.firm.services import firm_set
    from tests.access_matrix import build_matrix

    built = build_matrix()
    firm_set(actor=factories.OPERATOR, key="uncleared_funds", value=policy)
    factories.trust_account()
    factories.deposit(built.matter, "300.00", date="2026-03-02")  # cleared by 2026-03-10
    factories.deposit(built.matter, "200.00", date="2026-03-09")  # not yet on 2026-03-10
    return built


@time_machine.travel(dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC), tick=False)
def test_the_disbursement_page_shows_the_balance_and_cleared_funds_before_paying() -> None:
    matrix = _uncleared_firm("warn")
    page = browser_for(matrix, "bookkeeper").get(f"/matters/{matrix.matter}/trust/disburse/")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))
    assert "Before you disburse" in text
    assert ("IOLTA Client ledger balance 500.00 USD Not yet cleared 200.00 USD "
            "Cleared funds available 300.00 USD") in text
    assert "Uncleared-funds policy: warn" in text
    viewed = AuditRecord.objects.filter(event="trust.ledger_viewed",
                                        details__view="disbursement_position")
    assert viewed.count() == 1


@time_machine.travel(dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC), tick=False)
def test_an_uncleared_funds_warning_is_shown_after_posting() -> None:
    matrix = _uncleared_firm("warn")
    browser = browser_for(matrix, "bookkeeper")
    posted = browser.post(f"/matters/{matrix.matter}/trust/disburse/",
                          _disbursement(amount="450.00", date="2026-03-10"))
    assert posted.status_code == 303
    shown = browser.get(posted["Location"]).content.decode()
    assert '<p class="warning" role="alert"><strong>Warning</strong> uncleared_funds: ' in shown
    assert "cleared funds available on 2026-03-10 are 300.00" in shown
    again = browser.get(posted["Location"]).content.decode()
    assert "uncleared_funds" not in again  # the notice is shown once


@time_machine.travel(dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC), tick=False)
def test_under_hold_a_bookkeeper_is_refused_and_sees_no_override() -> None:
    matrix = _uncleared_firm("hold")
    browser = browser_for(matrix, "bookkeeper")
    page = browser.get(f"/matters/{matrix.matter}/trust/disburse/")
    assert b"override_uncleared" not in page.content
    before = Books.take()
    refused = browser.post(f"/matters/{matrix.matter}/trust/disburse/",
                           _disbursement(amount="450.00", date="2026-03-10"))
    assert refused.status_code == 409
    assert _field_errors(refused.content, "amount").startswith("uncleared_funds: ")
    forged = browser.post(f"/matters/{matrix.matter}/trust/disburse/",
                          _disbursement(amount="450.00", date="2026-03-10",
                                        override_uncleared="on", idempotency_key="forged"))
    assert forged.status_code == 409  # the override box is not on a bookkeeper's form at all
    assert Books.take() == before


@time_machine.travel(dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC), tick=False)
def test_under_hold_an_admin_may_override_and_the_override_is_audited() -> None:
    matrix = _uncleared_firm("hold")
    browser = browser_for(matrix, "admin")
    page = browser.get(f"/matters/{matrix.matter}/trust/disburse/")
    assert b'name="override_uncleared"' in page.content
    assert b'<label for="id_override_uncleared">' in page.content
    since = audit_seq()
    posted = browser.post(f"/matters/{matrix.matter}/trust/disburse/",
                          _disbursement(amount="450.00", date="2026-03-10",
                                        override_uncleared="on"))
    assert posted.status_code == 303
    assert [r.event for r in audited_since(since, "trust.uncleared_override")] == [
        "trust.uncleared_override"]
    shown = browser.get(posted["Location"]).content.decode()
    assert "uncleared_funds overridden" in shown
    assert "paid against uncleared funds by an admin" in shown


# ---------------------------------------------------------------------------------------------
# the other kinds of entry


def test_a_transfer_to_a_matter_the_user_cannot_see_is_refused_beside_that_input(
        matrix: Matrix) -> None:
    from lawledger.firm.services import matter_open

    hidden = matter_open(actor=factories.OPERATOR, client=matrix.other_client,
                         title="Walled off").number
    from lawledger.access.services import wall_raise

    wall_raise(actor=factories.OPERATOR, matter=hidden, email="bookkeeper@firm.example",
               reason="conflict")
    browser = browser_for(matrix, "bookkeeper")
    before, since = Books.take(), audit_seq()
    for target in (hidden, "M-9999"):
        page = browser.post(f"/matters/{matrix.matter}/trust/transfer/", {
            "to_matter": target, "account": "IOLTA", "date": "2026-03-21", "amount": "10.00",
            "idempotency_key": f"transfer-{target}"})
        assert page.status_code == 422
        assert _field_errors(page.content, "to_matter") == (
            f"to_matter: no matter &#x27;{target}&#x27;")
    assert Books.take() == before
    assert "access.denied" in [record.event for record in audited_since(since)]


def test_a_transfer_moves_money_between_the_two_ledgers(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    posted = browser.post(f"/matters/{matrix.matter}/trust/transfer/", {
        "to_matter": matrix.other_matter, "account": "IOLTA", "date": "2026-03-21",
        "amount": "75.00", "memo": "costs shared", "idempotency_key": "t-1"})
    assert posted.status_code == 303
    assert (factories.balance(matrix.matter), factories.balance(matrix.other_matter)) == (
        "425.00", "325.00")


def test_an_earned_fee_transfer_names_its_invoice_on_the_entry_page(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    posted = browser.post(f"/matters/{matrix.matter}/trust/fee/", {
        "account": "IOLTA", "operating_account": "Operating", "date": "2026-03-21",
        "amount": "120.00", "invoice_ref": "INV-0042", "idempotency_key": "fee-1"})
    assert posted.status_code == 303
    shown = browser.get(posted["Location"]).content.decode()
    assert "<dt>Invoice</dt><dd>INV-0042</dd>" in shown
    assert "operating bank · Operating" in shown
    assert factories.balance(matrix.matter) == "380.00"


def test_a_refund_defaults_to_the_client_and_empties_the_ledger(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    form = browser.get(f"/matters/{matrix.matter}/trust/refund/").content.decode()
    assert 'name="payee" value="Client A"' in form
    posted = browser.post(f"/matters/{matrix.matter}/trust/refund/", {
        "account": "IOLTA", "date": "2026-03-21", "amount": "500.00", "payee": "Client A",
        "method": "check", "check_number": "2001", "idempotency_key": "refund-1"})
    assert posted.status_code == 303
    assert factories.balance(matrix.matter) == "0.00"


def test_a_bank_charge_without_firm_funds_is_refused_and_never_touches_a_client(
        matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    before = Books.take()
    page = browser.post("/trust/firm-entry/", {
        "kind": "bank_charge", "account": "IOLTA", "date": "2026-03-31", "amount": "15.00",
        "idempotency_key": "charge-1"})
    assert page.status_code == 409
    assert "firm_ledger_overdraft" in _field_errors(page.content, "amount")
    assert Books.take() == before


def test_an_interest_remittance_needs_its_payee(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    page = browser.post("/trust/firm-entry/", {
        "kind": "interest_remittance", "account": "IOLTA", "date": "2026-03-31",
        "amount": "1.00", "idempotency_key": "remit-1"})
    assert page.status_code == 422
    assert _field_errors(page.content, "counterparty") == "counterparty: must not be empty"


def test_unidentified_money_is_received_then_assigned_to_its_matter(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    received = browser.post("/trust/firm-entry/", {
        "kind": "unidentified_deposit", "account": "IOLTA", "date": "2026-03-15",
        "amount": "60.00", "counterparty": "Wire from J. Doe", "idempotency_key": "u-1"})
    assert received.status_code == 303
    form = browser.get("/trust/unidentified/assign/").content.decode()
    assert "unidentified" in form and "60.00 USD" in form
    data = {"account": "IOLTA", "matter": matrix.matter, "date": "2026-03-16", "amount": "60.00",
            "idempotency_key": "assign-1"}
    first = browser.post("/trust/unidentified/assign/", data)
    second = browser.post("/trust/unidentified/assign/", data)
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert factories.balance(matrix.matter) == "560.00"


def test_a_reversal_from_the_entry_row_restores_the_balance_once(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    paid = browser.post(f"/matters/{matrix.matter}/trust/disburse/", _disbursement())
    entry_id = paid["Location"].rstrip("/").rsplit("/", 1)[-1]
    ledger = browser.get(f"/matters/{matrix.matter}/ledger/").content.decode()
    assert f'href="/trust/entries/{entry_id}/reverse/"' in ledger
    data = {"reason": "check voided", "date": "2026-03-22"}
    first = browser.post(f"/trust/entries/{entry_id}/reverse/", data)
    second = browser.post(f"/trust/entries/{entry_id}/reverse/", data)
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert factories.balance(matrix.matter) == "500.00"
    original = browser.get(f"/trust/entries/{entry_id}/").content.decode()
    reversal_id = first["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert f'<a href="/trust/entries/{reversal_id}/"><code>{reversal_id}</code></a>' in original
    assert "check voided" in original
    reversal = browser.get(first["Location"]).content.decode()
    assert f'<a href="/trust/entries/{entry_id}/"><code>{entry_id}</code></a>' in reversal
    assert "Reverse this entry" not in reversal


def test_the_entry_page_shows_every_field_and_who_recorded_it(matrix: Matrix) -> None:
    browser = browser_for(matrix, "bookkeeper")
    posted = browser.post(f"/matters/{matrix.matter}/trust/disburse/", _disbursement(
        method="check", check_number="1007", memo="first line\nsecond <b>line</b>"))
    shown = browser.get(posted["Location"]).content.decode()
    for fragment in ("<dt>Paid to</dt><dd>Court clerk</dd>",
                     "<dt>Purpose</dt><dd>filing fee</dd>",
                     "<dt>Check number</dt><dd>1007</dd>",
                     "first line<br>second &lt;b&gt;line&lt;/b&gt;",
                     "<dt>Recorded by</dt><dd>bookkeeper@firm.example</dd>",
                     '<p class="notice ok" role="status">Recorded.</p>',
                     "<td>client ledger M-0001</td><td class=\"num\">-100.00</td>"
                     "<td class=\"num\">400.00 USD</td>"):
        assert fragment in shown, fragment

