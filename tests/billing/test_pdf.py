"""The invoice PDF: drawn without system libraries, showing the lines, the trust balance and the
previous balance, with hostile markup in narratives shown as literal text (SECURITY B10)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from lawledger.billing import services
from lawledger.billing.pdf import invoice_pdf
from tests import factories
from tests.billing.builders import billing_firm, draft, expense, finalize, time
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db

HOSTILE = ('<font color="red">[[[x]]]</font> <img src="/etc/passwd"/> <a href="javascript:x">pay'
           '</a> & <b>bold</b>')
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _sample() -> tuple[str, bytes]:
    firm = billing_firm()
    factories.deposit(firm.matter, "2500.00")
    time(firm, minutes=48, date="2026-03-02", task="L110", activity="A102")
    time(firm, minutes=100, date="2026-03-03", narrative=HOSTILE, task="L120", activity="A104")
    time(firm, minutes=60, date="2026-03-05", by=firm.paralegal, task="L140", activity="A110",
         narrative="Indexed the document production")
    expense(firm, amount="0.25", quantity="400", code="E101", description="Copies of exhibits")
    first = finalize(draft(firm, through="2026-03-02"), date="2026-03-10")
    services.invoice_pay(actor=OPERATOR, invoice=first.number, amount="100.00",
                         date="2026-03-11")
    second = draft(firm)
    services.invoice_discount_add(actor=OPERATOR, invoice=second.public_id, percent="10",
                                  reason="long-standing client")
    return invoice_pdf(OPERATOR, finalize(second, date="2026-04-01").number)


def test_the_pdf_shows_the_lines_balances_and_hostile_text_literally() -> None:
    name, data = _sample()
    assert name == "invoice-00002.pdf" and data.startswith(b"%PDF-")
    text = " ".join(" ".join(page.extract_text() for page in
                             PdfReader(io.BytesIO(data)).pages).split())
    assert "Invoice" in text and "00002" in text and "Acme Corp" in text
    assert "Held in trust for this matter" in text and "2,500.00" not in text
    assert "2500.00 USD" in text
    assert "Previous balance (earlier invoices)" in text and "140.00 USD" in text
    assert '<font color="red">[[[x]]]</font>' in text
    assert '<img src="/etc/passwd"/>' in text and "javascript:x" in text
    assert b"/Subtype /Image" not in data  # nothing embedded: the <img> stayed text
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "invoice-sample.pdf").write_bytes(data)
    if shutil.which("pdftoppm") and not os.environ.get("LAWLEDGER_SKIP_PNG"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(ARTIFACTS / "invoice-sample.pdf"),
                        str(ARTIFACTS / "invoice-sample")], check=True, timeout=60)
