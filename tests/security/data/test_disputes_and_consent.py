"""Disputes: redacted, watermarked billing exports; legal holds; consent to disclose (issue 6).

A privileged narrative never leaves in a redacted copy (PDF, CSV, LEDES, ledger CSV): it is
replaced by its UTBMS description or the redaction mark, and the copy names who exported it and
when. A copy for a third party needs the client's unexpired, unrevoked consent for that scope. A
matter under legal hold refuses any purge, in the service and in the database (raw SQL, inside
the purge maintenance window).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from pypdf import PdfReader

from lawledger.audit.models import AuditRecord
from lawledger.core.access import Role
from lawledger.core.errors import InvalidInput, PermissionDenied
from lawledger.db import maintenance
from lawledger.firm.models import Matter
from lawledger.ledger.models import Posting
from lawledger.privacy import consents, holds
from lawledger.privacy.errors import HoldNotActive, MatterOnLegalHold, NoConsent
from lawledger.privacy.redaction import REDACTION_MARK, redacted_invoice, redacted_ledger_csv
from tests import factories
from tests.billing import builders
from tests.cli import fresh_firm
from tests.factories import OPERATOR


class _RolledBack(Exception):
    pass


@pytest.fixture
def invoiced() -> dict[str, str]:
    firm = builders.billing_firm()
    secret = f"privileged-{uuid.uuid4().hex[:12]}"
    builders.time(firm, narrative=f"Call with client re {secret}", task="L110", activity="A106")
    builders.time(firm, minutes=30, narrative=f"Strategy {secret}")  # no codes at all
    builders.expense(firm, description=f"Courier for {secret}", code="E107")
    invoice = builders.finalize(builders.draft(firm))
    factories.deposit(firm.matter, "100.00", memo=f"memo {secret}")
    return {"invoice": invoice.number, "secret": secret, "matter": firm.matter,
            "client": firm.client}


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.django_db
def test_a_redacted_invoice_replaces_narratives_and_names_who_exported_it(
        invoiced: dict[str, str]) -> None:
    secret = invoiced["secret"]
    name, csv_bytes = redacted_invoice(OPERATOR, invoiced["invoice"], "csv")
    text = csv_bytes.decode("utf-8-sig")
    assert name == f"invoice-{invoiced['invoice']}-redacted.csv"
    assert secret not in text
    assert "Fact Investigation/Development / Communicate (with client)" in text
    assert REDACTION_MARK in text and "Delivery services/messengers" in text
    assert f"REDACTED COPY, exported by {OPERATOR.label} at " in text.splitlines()[1]

    _, pdf_bytes = redacted_invoice(OPERATOR, invoiced["invoice"], "pdf")
    shown = _pdf_text(pdf_bytes)
    assert secret not in shown and secret.encode() not in pdf_bytes
    assert "REDACTED COPY" in shown and OPERATOR.label in shown
    assert REDACTION_MARK in shown

    _, ledes_bytes = redacted_invoice(OPERATOR, invoiced["invoice"], "ledes")
    ledes = ledes_bytes.decode()
    assert secret not in ledes and "REDACTED COPY, exported by" in ledes
    assert ledes.startswith("LEDES1998B[]")

    exports = AuditRecord.objects.filter(event="billing.invoice_exported").order_by("seq")
    assert [(r.details["format"], r.details["redacted"]) for r in exports] == [
        ("csv", True), ("pdf", True), ("ledes", True)]


@pytest.mark.django_db
def test_a_redacted_ledger_keeps_amounts_and_hides_memos(invoiced: dict[str, str]) -> None:
    _, content = redacted_ledger_csv(OPERATOR, invoiced["matter"])
    text = content.decode("utf-8-sig")
    assert invoiced["secret"] not in text
    rows = text.splitlines()
    assert "REDACTED COPY" in rows[1]
    assert rows[2].split(",")[3:5] == ["100.00", "100.00"] and REDACTION_MARK in rows[2]


@pytest.mark.django_db
def test_a_copy_for_a_third_party_needs_its_consent(invoiced: dict[str, str]) -> None:
    with pytest.raises(NoConsent, match="has not consented"):
        redacted_invoice(OPERATOR, invoiced["invoice"], "csv", party="Acme Insurance")
    consents.grant_consent(OPERATOR, invoiced["client"], "Acme Insurance", "ledger",
                           dt.date(2098, 1, 1))
    with pytest.raises(NoConsent):  # ledger consent does not cover invoices
        redacted_invoice(OPERATOR, invoiced["invoice"], "csv", party="Acme Insurance")
    expired = consents.grant_consent(OPERATOR, invoiced["client"], "Acme Insurance", "invoices",
                                     dt.date(2020, 1, 31), valid_from=dt.date(2020, 1, 1))
    with pytest.raises(NoConsent):
        redacted_invoice(OPERATOR, invoiced["invoice"], "csv", party="Acme Insurance")
    granted = consents.grant_consent(OPERATOR, invoiced["client"], "Acme  Insurance",
                                     "all_billing", dt.date(2099, 1, 1))
    _, content = redacted_invoice(OPERATOR, invoiced["invoice"], "csv", party="Acme Insurance")
    assert "REDACTED COPY for Acme Insurance, exported by" in content.decode("utf-8-sig")
    redacted_ledger_csv(OPERATOR, invoiced["matter"], party="Acme Insurance")
    consents.revoke_consent(OPERATOR, granted.public_id)
    with pytest.raises(NoConsent):
        redacted_invoice(OPERATOR, invoiced["invoice"], "pdf", party="Acme Insurance")
    assert expired.expires_on == dt.date(2020, 1, 31)
    checked = AuditRecord.objects.filter(event="consent.checked").values_list(
        "object_id", flat=True)
    assert list(checked) == [granted.public_id, granted.public_id]


@pytest.mark.django_db
def test_a_consent_refuses_bad_input_and_a_backwards_expiry_in_the_database(
        invoiced: dict[str, str]) -> None:
    with pytest.raises(InvalidInput, match="scope"):
        consents.grant_consent(OPERATOR, invoiced["client"], "X", "everything", dt.date(2099, 1, 1))
    with pytest.raises(InvalidInput, match="expires_on"):
        consents.grant_consent(OPERATOR, invoiced["client"], "X", "ledger", dt.date(2000, 1, 1))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO privacy_consent (public_id, client_id, party, scope, valid_from, "
            "expires_on, granted_by, granted_at) SELECT 'cns_x', id, 'X', 'ledger', "
            "'2026-02-01', '2026-01-01', 'x', '2026-01-01T00:00:00Z' FROM firm_client")


@pytest.mark.django_db
def test_a_matter_under_legal_hold_cannot_be_purged_even_with_raw_sql(
        invoiced: dict[str, str]) -> None:
    matter = Matter.objects.get(number=invoiced["matter"])
    hold = holds.place_hold(OPERATOR, invoiced["matter"], "litigation pending")
    with pytest.raises(MatterOnLegalHold):
        holds.place_hold(OPERATOR, invoiced["matter"], "again")
    with pytest.raises(MatterOnLegalHold, match="under legal hold"):
        holds.require_no_hold(matter)
    postings = Posting.objects.filter(ledger_account__matter=matter).count()
    assert postings >= 1
    for statement in (
            "DELETE FROM ledger_posting WHERE ledger_account_id IN "
            f"(SELECT id FROM ledger_account WHERE matter_id = {matter.pk})",
            f"DELETE FROM firm_matter WHERE id = {matter.pk}"):
        with pytest.raises(DatabaseError, match="legal_hold"), transaction.atomic():
            with maintenance.window("purge"), connection.cursor() as cursor:
                cursor.execute(statement)
    assert Posting.objects.filter(ledger_account__matter=matter).count() == postings
    holds.release_hold(OPERATOR, invoiced["matter"])
    holds.require_no_hold(matter)
    with pytest.raises(HoldNotActive):
        holds.release_hold(OPERATOR, invoiced["matter"])
    with pytest.raises(_RolledBack), transaction.atomic():
        # released: the purge window lets the rows go (then the test rolls them back)
        with maintenance.window("purge"), connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_posting WHERE ledger_account_id IN "
                           f"(SELECT id FROM ledger_account WHERE matter_id = {matter.pk})")
            assert cursor.rowcount == postings
        raise _RolledBack
    events = list(AuditRecord.objects.filter(event__startswith="hold.").order_by("seq")
                  .values_list("event", "object_id"))
    assert events == [("hold.placed", hold.public_id), ("hold.released", hold.public_id)]


@pytest.mark.django_db
def test_a_matter_has_at_most_one_active_hold_even_with_raw_sql(
        invoiced: dict[str, str]) -> None:
    holds.place_hold(OPERATOR, invoiced["matter"], "litigation pending")
    second_hold = ("INSERT INTO privacy_legal_hold (public_id, matter_id, reason, placed_by, "
                   "placed_at, released_by) SELECT %s, matter_id, reason, placed_by, placed_at, "
                   "'' FROM privacy_legal_hold")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(second_hold, ["hld_second"])
    holds.release_hold(OPERATOR, invoiced["matter"])
    with pytest.raises(_RolledBack), transaction.atomic():
        with connection.cursor() as cursor:  # released: a new hold may be placed
            cursor.execute(second_hold, ["hld_after_release"])
            assert cursor.rowcount == 1
        raise _RolledBack


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.BOOKKEEPER, Role.ATTORNEY, Role.PARALEGAL, Role.AUDITOR])
def test_only_administrators_place_holds_and_record_consents(role: Role,
                                                             invoiced: dict[str, str]) -> None:
    who = factories.user(role, email=f"x-{role}@firm.example")
    with pytest.raises(PermissionDenied):
        holds.place_hold(who, invoiced["matter"], "x")
    with pytest.raises(PermissionDenied):
        consents.grant_consent(who, invoiced["client"], "X", "ledger", dt.date(2099, 1, 1))
    assert not AuditRecord.objects.filter(event__in=["hold.placed", "consent.granted"]).exists()


@pytest.mark.slow
def test_the_privacy_commands_keep_their_contract(tmp_path: Path) -> None:
    with fresh_firm(tmp_path) as firm:
        firm.ok("client", "add", "Acme", "--notes", "privileged note")
        firm.ok("matter", "open", "C-0001", "Deal")
        firm.ok("account", "add", "IOLTA", "--kind", "trust")
        firm.ok("trust", "deposit", "M-0001", "10.00", "--account", "IOLTA", "--date",
                "2026-03-10", "--from", "Acme", "--memo", "secret memo")
        held = firm.json("privacy", "hold", "M-0001", "--reason", "litigation")
        assert held["matter"] == "M-0001" and held["hold"].startswith("hld_")
        again = firm.run("privacy", "hold", "M-0001", "--reason", "x", "--json")
        assert again.code == 1 and again.json["error"]["code"] == "legal_hold"
        out = tmp_path / "ledger.csv"
        refused = firm.run("privacy", "redact-ledger", "M-0001", "--out", str(out), "--for",
                           "Insurer", "--json")
        assert refused.code == 1 and refused.json["error"]["code"] == "no_consent"
        assert not out.exists()
        firm.ok("privacy", "consent", "add", "C-0001", "Insurer", "--scope", "ledger",
                "--expires", "2099-12-31")
        wrote = firm.json("privacy", "redact-ledger", "M-0001", "--out", str(out), "--for",
                          "Insurer")
        text = out.read_text(encoding="utf-8-sig")
        assert wrote["file"] == str(out) and "secret memo" not in text
        assert "REDACTED COPY for Insurer" in text
        bad = firm.run("privacy", "consent", "add", "C-0001", "X", "--scope", "ledger",
                       "--expires", "someday", "--json")
        assert bad.code == 2 and bad.json["error"]["param"] == "expires"
        exported = firm.json("privacy", "export", "C-0001")
        assert exported["client"]["notes"] == "privileged note"
