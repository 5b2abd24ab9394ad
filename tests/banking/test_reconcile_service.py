"""The three-way reconciliation on a hand-built month: figures, sign-off, the period lock."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest

from lawledger.audit.models import AuditRecord
from lawledger.banking.errors import ReconciliationUnbalanced
from lawledger.banking.models import Match, Reconciliation
from lawledger.banking.services import (
    auto_match,
    reconciliation_pdf,
    reconciliation_report,
    reconciliation_save,
)
from lawledger.core.access import Role
from lawledger.core.errors import InvalidInput, PeriodLocked, PermissionDenied
from lawledger.core.formats.statement import LineKind
from lawledger.core.ledger import EntryKind
from lawledger.ledger.models import PeriodLock
from lawledger.ledger.services import trust_firm_entry_record
from tests import factories
from tests.banking.builders import line, load, statement
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def march() -> dict[str, object]:
    """Books and bank for March: 960.00 on the statement, 1,275.00 in the books."""
    factories.firm(uncleared_funds="off")
    factories.trust_account(account_number="123456789")
    m1 = factories.matter(factories.client("Acme Corp"), "Sale")
    m2 = factories.matter(factories.client("Beta LLC"), "Lease")
    trust_firm_entry_record(actor=OPERATOR, kind=EntryKind.FIRM_DEPOSIT, account="IOLTA",
                            amount="50.00", date="2026-03-01")
    ids = {
        "d1": factories.deposit(m1, "1000.00", date="2026-03-02", payor="Acme Corp").entry,
        "c101": factories.disburse(m1, "75.00", date="2026-03-05", check_number="101").entry,
        "c102": factories.disburse(m1, "200.00", date="2026-03-28", check_number="102",
                                   payee="County Recorder").entry,
        "d2": factories.deposit(m2, "500.00", date="2026-03-30", payor="Beta LLC").entry,
    }
    load(statement(line(1, "2026-03-01", 5_000, LineKind.DEPOSIT, bank_reference="F0"),
                   line(2, "2026-03-03", 100_000, LineKind.DEPOSIT, bank_reference="F1"),
                   line(3, "2026-03-12", -7_500, LineKind.CHECK, bank_reference="F2",
                        check_number="101"),
                   line(4, "2026-03-31", -1_500, LineKind.FEE, bank_reference="F3",
                        description="Service charge"),
                   account_number="123456789", closing_minor=96_000, closing_day="2026-03-31"))
    auto_match(actor=OPERATOR, account="IOLTA")
    return {"m1": m1, "m2": m2, **ids}


def test_march_balances_on_all_three_legs(march: dict[str, object]) -> None:
    report = reconciliation_report(actor=OPERATOR, account="IOLTA", date="2026-03-31",
                                   statement_balance="960.00")
    assert {k: report[k] for k in ("statement_balance", "deposits_in_transit",
                                   "outstanding_checks", "other_items", "adjusted_bank_balance",
                                   "journal_balance", "client_ledgers_total",
                                   "firm_ledgers_total", "balanced", "difference")} == {
        "statement_balance": "960.00", "deposits_in_transit": "500.00",
        "outstanding_checks": "200.00", "other_items": "15.00",
        "adjusted_bank_balance": "1275.00", "journal_balance": "1275.00",
        "client_ledgers_total": "1225.00", "firm_ledgers_total": "50.00", "balanced": True,
        "difference": "0.00"}
    assert [(i["type"], i["id"], i["amount"]) for i in report["items"]] == [
        ("deposit_in_transit", march["d2"].public_id, "500.00"),
        ("outstanding_check", march["c102"].public_id, "-200.00"),
        ("bank_only", report["items"][2]["id"], "-15.00")]
    assert report["items"][1]["description"] == "County Recorder"
    assert report["items"][1]["check_number"] == "102"
    assert report["items"][2]["description"] == "Service charge"
    assert [(c["matter"], c["client"], c["balance"], c["last_activity"])
            for c in report["client_ledgers"]] == [
        (march["m1"], "Acme Corp", "725.00", "2026-03-28"),
        (march["m2"], "Beta LLC", "500.00", "2026-03-30")]
    assert report["negative_ledgers"] == []
    assert report["bank_statement_closing_balance"] == "960.00"
    assert report["unconfirmed_matches"] == 3
    # The ABA pack (the firm's default): March is reconciled by the end of April.
    assert {k: report[k] for k in ("last_signed", "next_period_end", "next_due",
                                   "reconciliation_duty", "jurisdiction")} == {
        "last_signed": None, "next_period_end": "2026-03-31", "next_due": "2026-04-30",
        "reconciliation_duty": "Monthly three-way reconciliation", "jurisdiction": "aba"}
    assert AuditRecord.objects.filter(event="reconciliation.viewed").count() == 1


def test_an_earlier_date_uses_only_what_was_dated_by_then(march: dict[str, object]) -> None:
    report = reconciliation_report(actor=OPERATOR, account="IOLTA", date="2026-03-15",
                                   statement_balance="975.00")
    assert (report["journal_balance"], report["adjusted_bank_balance"], report["items"],
            report["balanced"]) == ("975.00", "975.00", [], True)


def test_an_entry_dated_after_its_bank_line_leaves_both_as_reconciling_items(
        march: dict[str, object]) -> None:
    late = factories.deposit(march["m2"], "30.00", date="2026-04-01").entry
    load(statement(line(1, "2026-03-31", 3_000, LineKind.DEPOSIT, bank_reference="F9")),
         name="late.csv")
    auto_match(actor=OPERATOR, account="IOLTA")
    march_end = reconciliation_report(actor=OPERATOR, account="IOLTA", date="2026-03-31",
                                      statement_balance="990.00")
    assert march_end["balanced"] and march_end["other_items"] == "-15.00"
    assert sorted(i["amount"] for i in march_end["items"] if i["type"] == "bank_only") == [
        "-15.00", "30.00"]
    april = reconciliation_report(actor=OPERATOR, account="IOLTA", date="2026-04-01",
                                  statement_balance="990.00")
    assert late.public_id not in [i["id"] for i in april["items"]]


def test_a_wrong_statement_balance_cannot_be_signed_off_and_changes_nothing(
        march: dict[str, object]) -> None:
    admin = factories.user(Role.ADMIN)
    with pytest.raises(ReconciliationUnbalanced) as caught:
        reconciliation_save(actor=admin, account="IOLTA", date="2026-03-31",
                            statement_balance="970.00", sign_off=True)
    assert caught.value.code == "reconciliation_unbalanced" and caught.value.exit_status == 1
    assert "difference 10.00 USD" in caught.value.message
    assert (Reconciliation.objects.count(), PeriodLock.objects.count()) == (0, 0)
    assert Match.objects.filter(status="confirmed").count() == 0


def test_an_unbalanced_reconciliation_is_saved_as_a_draft_with_its_explanation(
        march: dict[str, object]) -> None:
    bookkeeper = factories.user(Role.BOOKKEEPER)
    with pytest.raises(InvalidInput) as caught:
        reconciliation_save(actor=bookkeeper, account="IOLTA", date="2026-03-31",
                            statement_balance="970.00")
    assert caught.value.param == "explanation"
    draft, document = reconciliation_save(
        actor=bookkeeper, account="IOLTA", date="2026-03-31", statement_balance="970.00",
        explanation="bank error of 10.00 queried with the bank")
    assert (draft.status, draft.is_balanced, draft.period_lock_id) == ("draft", False, None)
    assert document["explanation"] == "bank error of 10.00 queried with the bank"
    assert document["difference"] == "10.00"
    assert PeriodLock.objects.count() == 0


def test_only_an_admin_signs_off(march: dict[str, object]) -> None:
    for role in (Role.BOOKKEEPER, Role.AUDITOR):
        with pytest.raises(PermissionDenied):
            reconciliation_save(actor=factories.user(role), account="IOLTA", date="2026-03-31",
                                statement_balance="960.00", sign_off=True)
    with pytest.raises(PermissionDenied):
        reconciliation_save(actor=factories.user(Role.AUDITOR), account="IOLTA",
                            date="2026-03-31", statement_balance="960.00", explanation="x")
    assert Reconciliation.objects.count() == 0


def test_sign_off_locks_the_period_and_stores_the_hashed_report(march: dict[str, object]) -> None:
    admin = factories.user(Role.ADMIN)
    signed, document = reconciliation_save(actor=admin, account="IOLTA", date="2026-03-31",
                                           statement_balance="960.00", sign_off=True)
    assert (signed.status, signed.signed_by, signed.is_balanced) == ("signed", admin.label, True)
    assert signed.period_lock.through_date == dt.date(2026, 3, 31)
    assert document["status"] == "signed" and document["matches_confirmed_at_sign_off"] == 3
    assert (document["last_signed"], document["next_period_end"], document["next_due"]) == (
        "2026-03-31", "2026-04-30", "2026-05-31")
    assert Match.objects.filter(status="proposed").count() == 0
    stored = json.loads(Reconciliation.objects.get(pk=signed.pk).report_json)
    assert hashlib.sha256(json.dumps(stored, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode()).hexdigest() == \
        signed.report_sha256
    audit = AuditRecord.objects.get(event="reconciliation.signed")
    assert audit.details["report_sha256"] == signed.report_sha256
    assert audit.details["pdf_sha256"] == signed.pdf_sha256
    name, pdf = reconciliation_pdf(actor=OPERATOR, ref=signed.public_id)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == signed.pdf_sha256
    assert name == "reconciliation-IOLTA-2026-03-31-signed.pdf"
    assert base64.b64decode(Reconciliation.objects.get(pk=signed.pk).report_pdf) == pdf
    with pytest.raises(PeriodLocked):
        factories.deposit(march["m1"], "1.00", date="2026-03-31")
    factories.deposit(march["m1"], "1.00", date="2026-04-01")
    again = reconciliation_report(actor=OPERATOR, account="IOLTA", date="2026-04-30",
                                  statement_balance="0.00")
    assert (again["last_signed"], again["next_period_end"], again["next_due"]) == (
        "2026-03-31", "2026-04-30", "2026-05-31")


def test_the_pdf_shows_the_figures_and_escapes_hostile_text(march: dict[str, object]) -> None:
    from pypdf import PdfReader

    factories.disburse(march["m1"], "5.00", date="2026-03-29", payee='<font color="red">X</font>')
    admin = factories.user(Role.ADMIN)
    signed, _ = reconciliation_save(actor=admin, account="IOLTA", date="2026-03-31",
                                    statement_balance="960.00", sign_off=True)
    _, pdf = reconciliation_pdf(actor=OPERATOR, ref=signed.public_id)
    import io

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "= Adjusted bank balance\n1270.00\nTrust journal balance\n1270.00" in text
    assert "Negative client ledgers (must be none)\nnone\nThree-way balanced\nyes" in text
    assert "Next reconciliation for the period to 2026-04-30 due by 2026-05-31" in text
    assert "Three-way reconciliation of the client trust account (ABA Model Rules" in text
    assert '<font color="red">X</font>' in text


def test_a_walled_admin_sees_the_totals_but_not_the_walled_matter(march: dict[str, object]) -> None:
    from lawledger.access.services import wall_raise

    admin = factories.user(Role.ADMIN)
    wall_raise(actor=OPERATOR, matter=march["m2"], email=admin.label, reason="conflict")
    report = reconciliation_report(actor=admin, account="IOLTA", date="2026-03-31",
                                   statement_balance="960.00")
    assert report["balanced"] and report["client_ledgers_total"] == "1225.00"
    assert march["m2"] not in json.dumps(report) and "Beta LLC" not in json.dumps(report)
    assert [c["matter"] for c in report["client_ledgers"]] == [march["m1"],
                                                               "(behind an ethical wall)"]


@pytest.mark.parametrize(("jurisdiction", "period_end", "due", "duty"), [
    ("ew", "2026-05-05", "2026-05-05",
     "Client account reconciliation at least every five weeks"),
    ("on", "2026-04-30", "2026-05-25", None),
    ("nc", "2026-04-30", "2026-05-31", None)])
def test_the_next_reconciliation_is_due_by_the_firms_jurisdiction(
        march: dict[str, object], jurisdiction: str, period_end: str, due: str,
        duty: str | None) -> None:
    from lawledger.firm.services import firm_set

    firm_set(actor=OPERATOR, key="jurisdiction", value=jurisdiction)
    _, document = reconciliation_save(actor=OPERATOR, account="IOLTA", date="2026-03-31",
                                      statement_balance="960.00", sign_off=True)
    assert (document["jurisdiction"], document["next_period_end"], document["next_due"],
            document["overdue"]) == (jurisdiction, period_end, due, True)
    if duty:
        assert document["reconciliation_duty"] == duty


def test_the_report_carries_the_jurisdictions_own_layout_of_the_same_figures(
        march: dict[str, object]) -> None:
    from lawledger.firm.services import firm_set

    firm_set(actor=OPERATOR, key="jurisdiction", value="nc")
    report = reconciliation_report(actor=OPERATOR, account="IOLTA", date="2026-03-31",
                                   statement_balance="960.00")
    shaped = report["jurisdiction_report"]
    # The NC form has no line for the unrecorded 15.00 bank charge: line 6 (960 + 500 - 200)
    # does not agree with line 2 until it is posted, and the form says what to attach.
    assert (shaped["jurisdiction"], shaped["shape"], shaped["agrees"]) == ("nc", "nc_form", False)
    lines = {line["number"]: line for line in shaped["sections"][0]["lines"] if line["number"]}
    assert (lines["1"]["label"], lines["1"]["amount"]) == (
        "Total of positive subsidiary ledger balances as of 2026-03-31", "1275.00")
    assert (lines["2"]["amount"], lines["6"]["amount"], lines["7"]["answer"]) == (
        "1275.00", "1260.00", "does not agree")
    assert shaped["notes"][0] == ("1 item(s) on the bank statement are not in the books (net "
                                  "-15.00 USD): attach explanation and corrective action taken")
    assert (report["balanced"], report["problem_text"]) == (True, "")
