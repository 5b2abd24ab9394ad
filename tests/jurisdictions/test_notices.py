"""Client notices: California's notice of receipt, Washington's annual accounting and the NSW
trust account statement — which are due, generated as PDF (data shown literally), and logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import subprocess

import pytest
import time_machine
from pypdf import PdfReader

from lawledger.audit.models import AuditRecord
from lawledger.core.errors import InvalidInput
from lawledger.firm.services import client_add, firm_set, matter_close, matter_open
from lawledger.jurisdictions.errors import NoticeNotApplicable, NoticeNotInJurisdiction
from lawledger.jurisdictions.models import ClientNotice
from lawledger.jurisdictions.queries import notice_pdf, notices_due, notices_list
from lawledger.jurisdictions.services import notice_generate
from lawledger.ledger.services import trust_refund_record
from tests import factories
from tests.browser import ARTIFACTS
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db
SCRIPT_NAME = "<script>alert(1)</script> & Sons"
FONT_PAYOR = '<font color="[[[">Evil</font> <img src="/etc/passwd"/>'
NOW = dt.datetime(2026, 3, 20, 9, 30, tzinfo=dt.UTC)


def _text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(body)).pages)


def _firm(code: str, currency: str = "USD") -> str:
    factories.firm(uncleared_funds="off")
    firm_set(actor=OPERATOR, key="jurisdiction", value=code)
    factories.trust_account(currency=currency)
    client = client_add(actor=OPERATOR, name=SCRIPT_NAME,
                        address="12 Harbour Road\nSpringfield").number
    return matter_open(actor=OPERATOR, client=client, title="Estate <b>of</b> A. Person").number


@time_machine.travel(NOW, tick=False)
def test_california_lists_each_receipt_until_its_notice_is_generated() -> None:
    matter = _firm("ca")
    first = factories.deposit(matter, "25000.00", date="2026-03-02", payor=FONT_PAYOR,
                              method="wire", reference="WIRE-77").entry
    factories.deposit(matter, "10.00", date="2026-03-18", payor="Court refund")
    due = notices_due(OPERATOR)
    assert (due["kinds"], due["overdue"]) == (["receipt"], 1)
    assert [(row["entry"] == first.public_id, row["received_on"], row["amount"], row["due"],
             row["overdue"]) for row in due["notices"]] == [
        (True, "2026-03-02", "25000.00", "2026-03-16", True),
        (False, "2026-03-18", "10.00", "2026-04-01", False)]
    notice, pdf = notice_generate(actor=OPERATOR, matter=matter, kind="receipt",
                                  entry=first.public_id)
    text = _text(pdf)
    assert "Notice of receipt of funds held in trust" in text
    assert f"{SCRIPT_NAME} Client C-0001 12 Harbour Road Springfield" in text
    assert f"Matter: {matter} Estate <b>of</b> A. Person" in text
    assert (f"On 02 March 2026 we received 25,000.00 USD from {FONT_PAYOR} by wire "
            "(reference WIRE-77)") in text
    assert "Given under rule 1.15(d)(1) (California (rule 1.15))." in text
    for marker in (b"/JavaScript", b"/JS", b"/EmbeddedFile", b"/Launch", b"/URI"):
        assert marker not in pdf
    assert (notice.kind, notice.entry_id, notice.pdf_sha256) == (
        "receipt", first.pk, hashlib.sha256(pdf).hexdigest())
    assert [row["received_on"] for row in notices_due(OPERATOR)["notices"]] == ["2026-03-18"]
    (logged,) = notices_list(OPERATOR, matter=matter)["notices"]
    assert (logged["id"], logged["kind"], logged["generated_at"], logged["generated_by"]) == (
        notice.public_id, "receipt", "2026-03-20T09:30:00+00:00", OPERATOR.label)
    name, body = notice_pdf(OPERATOR, notice.public_id)
    assert (name, body) == (f"notice-receipt-{matter}-{notice.public_id}.pdf", pdf)
    generated = AuditRecord.objects.get(event="notice.generated")
    assert (generated.matter_ref, generated.details["pdf_sha256"]) == (matter, notice.pdf_sha256)


@time_machine.travel(NOW, tick=False)
def test_a_notice_the_pack_does_not_have_or_that_does_not_fit_is_refused() -> None:
    matter = _firm("ca")
    other = factories.matter()
    elsewhere = factories.deposit(other, "5.00", date="2026-03-02").entry
    with pytest.raises(NoticeNotInJurisdiction):
        notice_generate(actor=OPERATOR, matter=matter, kind="annual_accounting")
    with pytest.raises(InvalidInput) as refused:
        notice_generate(actor=OPERATOR, matter=matter, kind="postcard")
    assert refused.value.param == "kind"
    with pytest.raises(InvalidInput) as refused:
        notice_generate(actor=OPERATOR, matter=matter, kind="receipt")
    assert refused.value.param == "entry"
    with pytest.raises(NoticeNotApplicable):
        notice_generate(actor=OPERATOR, matter=matter, kind="receipt",
                        entry=elsewhere.public_id)
    assert ClientNotice.objects.count() == 0


def test_washington_accounts_annually_to_each_client_whose_money_it_holds() -> None:
    with time_machine.travel(dt.datetime(2025, 3, 1, tzinfo=dt.UTC), tick=False):
        matter = _firm("wa")
    factories.deposit(matter, "2000.00", date="2025-03-10", payor="Client")
    factories.disburse(matter, "150.25", date="2025-04-02", payee="County Clerk",
                       purpose="filing fee", check_number="1001")
    with time_machine.travel(NOW, tick=False):
        (due,) = notices_due(OPERATOR)["notices"]
        assert (due["kind"], due["period_start"], due["due"], due["overdue"]) == (
            "annual_accounting", "2025-03-10", "2026-03-10", True)
        notice, pdf = notice_generate(actor=OPERATOR, matter=matter, kind="annual_accounting")
        (after,) = notices_due(OPERATOR)["notices"]
    assert (notice.period_start, notice.period_end) == (dt.date(2025, 3, 10), dt.date(2026, 3, 20))
    assert (after["period_start"], after["due"], after["overdue"]) == (
        "2026-03-21", "2027-03-21", False)
    text = _text(pdf)
    assert "Annual accounting of funds held in trust" in text
    assert "Opening balance 0.00" in text and "Closing balance 1849.75" in text
    assert "disbursement · County Clerk · filing fee · check 1001" in text
    assert "Given under RPC 1.15A(e)" in text


def test_nsw_sends_a_statement_after_30_june_and_on_completion() -> None:
    with time_machine.travel(dt.datetime(2025, 8, 1, tzinfo=dt.UTC), tick=False):
        matter = _firm("nsw", "AUD")
        quiet = factories.matter(factories.client("Quiet Pty Ltd"), "Old matter")
    factories.deposit(matter, "3000.00", date="2025-09-01", account="IOLTA")
    with time_machine.travel(dt.datetime(2026, 7, 5, tzinfo=dt.UTC), tick=False):
        assert [(row["matter"], row["occasion"], row["period_end"], row["due"], row["overdue"])
                for row in notices_due(OPERATOR)["notices"]] == [
            (matter, "annual", "2026-06-30", "2026-07-31", False)]
        notice, pdf = notice_generate(actor=OPERATOR, matter=matter, kind="trust_statement")
        assert notices_due(OPERATOR)["notices"] == []
        assert (notice.period_start, notice.period_end) == (dt.date(2025, 7, 1),
                                                            dt.date(2026, 6, 30))
        assert "Closing balance 3000.00" in _text(pdf)
        trust_refund_record(actor=OPERATOR, matter=matter, amount="3000.00", account="IOLTA",
                            date="2026-07-06", payee="Client")
        matter_close(actor=OPERATOR, matter=matter)
        assert [(row["occasion"], row["period_end"], row["due"]) for row in
                notices_due(OPERATOR)["notices"]] == [("completion", "2026-07-05", "2026-08-05")]
    assert quiet  # a matter with no trust ledger needs no statement


@time_machine.travel(NOW, tick=False)
def test_a_notice_renders_to_an_image_for_review() -> None:
    """Writes test-artifacts/notice-of-receipt-1.png: look at it."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: `make system-packages`")
    matter = _firm("ca")
    entry = factories.deposit(matter, "25000.00", date="2026-03-02", payor=FONT_PAYOR,
                              method="wire", reference="WIRE-77").entry
    _, pdf = notice_generate(actor=OPERATOR, matter=matter, kind="receipt", entry=entry.public_id)
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / "notice-of-receipt.pdf"
    pdf_path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", str(pdf_path),
                    str(ARTIFACTS / "notice-of-receipt")], check=True, timeout=60)
    assert (ARTIFACTS / "notice-of-receipt-1.png").stat().st_size > 10_000
