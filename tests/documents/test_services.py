"""Uploading, versioning, reading and deleting documents through the services (both engines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import time_machine

from lawledger.audit.models import AuditRecord
from lawledger.core.access import Role
from lawledger.core.errors import DecryptionFailed, InvalidInput, NotFound, PermissionDenied
from lawledger.crypto.keyring import KEYRING
from lawledger.documents.errors import DocumentOnLegalHold, DocumentRetained, DocumentTooLarge
from lawledger.documents.models import Document, DocumentVersion
from lawledger.documents.queries import (
    document_detail,
    document_download,
    documents_for,
    missing_documents_report,
)
from lawledger.documents.services import document_delete, document_upload, documents_settings_set
from tests import factories
from tests.documents.builders import CANARY, PDF_BYTES, PNG_BYTES, RECEIPT_TEXT, storage_files
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def matter() -> str:
    return factories.trust_firm()["matter"]


def _events(name: str) -> int:
    return AuditRecord.objects.filter(event=name).count()


def test_it_stores_an_upload_encrypted_under_a_server_generated_id(matter: str,
                                                                   store: Path) -> None:
    made = document_upload(actor=OPERATOR, kind="matter", ref=matter, file_name="receipt.txt",
                           data=RECEIPT_TEXT)
    files = storage_files(store)
    version = DocumentVersion.objects.get(document__public_id=made["id"])
    assert [path.relative_to(store).as_posix() for path in files] == [
        f"{version.storage_id[:2]}/{version.storage_id}"]
    raw = files[0].read_bytes()
    assert CANARY not in raw and b"receipt" not in raw
    assert made == {"id": made["id"], "version": 1, "file_name": "receipt.txt",
                    "content_type": "text/plain", "bytes": len(RECEIPT_TEXT),
                    "subject": {"kind": "matter", "ref": matter}}
    download = document_download(OPERATOR, made["id"])
    assert (download.data, download.file_name, download.content_type) == (
        RECEIPT_TEXT, "receipt.txt", "text/plain")


def test_it_keeps_every_version_when_a_new_one_is_uploaded(matter: str) -> None:
    first = document_upload(actor=OPERATOR, kind="matter", ref=matter, file_name="a.pdf",
                            data=PDF_BYTES)
    second = document_upload(actor=OPERATOR, document=first["id"], file_name="a-signed.png",
                             data=PNG_BYTES)
    assert (second["id"], second["version"]) == (first["id"], 2)
    assert document_download(OPERATOR, first["id"], 1).data == PDF_BYTES
    assert document_download(OPERATOR, first["id"]).data == PNG_BYTES
    detail = document_detail(OPERATOR, first["id"])
    assert [(row["version"], row["file_name"]) for row in detail["versions"]] == [
        (2, "a-signed.png"), (1, "a.pdf")]


def test_it_audits_every_listing_view_and_download(matter: str) -> None:
    made = document_upload(actor=OPERATOR, kind="matter", ref=matter, file_name="a.pdf",
                           data=PDF_BYTES)
    documents_for(OPERATOR, "matter", matter)
    document_detail(OPERATOR, made["id"])
    document_download(OPERATOR, made["id"])
    document_download(OPERATOR, made["id"], 1)
    assert [_events(name) for name in ("document.uploaded", "document.listed",
                                       "document.viewed", "document.downloaded")] == [1, 1, 1, 2]
    last = AuditRecord.objects.order_by("-seq").first()
    assert (last.object_id, last.matter_ref, last.details) == (made["id"], matter,
                                                              {"version": 1})


def test_it_refuses_a_file_over_the_firms_size_limit(matter: str, store: Path) -> None:
    documents_settings_set(actor=OPERATOR, key="max_upload_bytes", value="2048")
    with pytest.raises(DocumentTooLarge) as refused:
        document_upload(actor=OPERATOR, kind="matter", ref=matter, file_name="big.txt",
                        data=b"a" * 2049)
    assert refused.value.code == "document_too_large"
    assert "2049 bytes is over the firm's limit of 2048" in refused.value.message
    assert (Document.objects.count(), storage_files(store)) == (0, [])


def test_it_refuses_a_size_limit_outside_its_range() -> None:
    factories.firm()
    with pytest.raises(InvalidInput, match="between 1024 and 104857600"):
        documents_settings_set(actor=OPERATOR, key="max_upload_bytes", value="10")


def test_it_refuses_a_version_whose_file_was_swapped_with_another(matter: str) -> None:
    first = document_upload(actor=OPERATOR, kind="matter", ref=matter, file_name="a.txt",
                            data=b"first\n")
    second = document_upload(actor=OPERATOR, kind="matter", ref=matter, file_name="b.txt",
                             data=b"second\n")
    from lawledger.documents.storage import path_for

    one = DocumentVersion.objects.get(document__public_id=first["id"])
    two = DocumentVersion.objects.get(document__public_id=second["id"])
    path_for(one.storage_id).write_bytes(path_for(two.storage_id).read_bytes())
    with pytest.raises(DecryptionFailed, match="failed authentication"):
        document_download(OPERATOR, first["id"])


def test_it_attaches_to_each_kind_of_subject_and_records_its_matter(matter: str) -> None:
    entry = factories.deposit(matter, "100.00")
    client = _client_of(matter)
    made = {kind: document_upload(actor=OPERATOR, kind=kind, ref=ref, file_name="x.pdf",
                                  data=PDF_BYTES)
            for kind, ref in (("matter", matter), ("client", client),
                              ("trust_entry", entry.entry.public_id))}
    rows = {kind: Document.objects.get(public_id=row["id"]) for kind, row in made.items()}
    assert rows["matter"].matter.number == matter
    assert (rows["client"].matter, rows["client"].client.number) == (None, client)
    assert rows["trust_entry"].matter.number == matter


def _client_of(matter: str) -> str:
    from lawledger.firm.models import Matter

    return Matter.objects.get(number=matter).client.number


def test_it_answers_not_found_for_a_subject_that_does_not_exist(matter: str) -> None:
    with pytest.raises(NotFound, match="no trust entry 'je_nothing'"):
        document_upload(actor=OPERATOR, kind="trust_entry", ref="je_nothing", file_name="x.pdf",
                        data=PDF_BYTES)
    with pytest.raises(InvalidInput, match="kind: 'note' is not one of"):
        document_upload(actor=OPERATOR, kind="note", ref=matter, file_name="x.pdf",
                        data=PDF_BYTES)


def test_it_lets_only_an_admin_delete_and_only_after_retention(
        matter: str, store: Path, django_capture_on_commit_callbacks: Any) -> None:
    made = document_upload(actor=OPERATOR, kind="matter", ref=matter, file_name="a.pdf",
                           data=PDF_BYTES)
    bookkeeper = factories.user(Role.BOOKKEEPER)
    with pytest.raises(PermissionDenied, match="bookkeeper may not delete documents"):
        document_delete(actor=bookkeeper, document=made["id"], reason="tidy up")
    with pytest.raises(DocumentRetained, match="must be kept until"):
        document_delete(actor=OPERATOR, document=made["id"], reason="tidy up")
    assert len(storage_files(store)) == 1
    with time_machine.travel("2040-01-01", tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        assert document_delete(actor=OPERATOR, document=made["id"], reason="retention over") == {
            "id": made["id"], "deleted": True, "versions": 1}
    assert storage_files(store) == []
    with pytest.raises(NotFound):
        document_download(OPERATOR, made["id"])
    assert _events("document.deleted") == 1


def test_it_keeps_a_trust_entrys_document_while_the_matter_holds_money(matter: str) -> None:
    entry = factories.deposit(matter, "100.00")
    made = document_upload(actor=OPERATOR, kind="trust_entry", ref=entry.entry.public_id,
                           file_name="slip.pdf", data=PDF_BYTES)
    with time_machine.travel("2060-01-01", tick=False):
        with pytest.raises(DocumentRetained, match="the matter still holds trust money"):
            document_delete(actor=OPERATOR, document=made["id"], reason="old")


def test_it_lists_the_trust_entries_that_lack_a_supporting_document(matter: str) -> None:
    documented = factories.deposit(matter, "100.00", date="2026-03-02")
    bare = factories.disburse(matter, "40.00", date="2026-03-05")
    document_upload(actor=OPERATOR, kind="trust_entry", ref=documented.entry.public_id,
                    file_name="slip.pdf", data=PDF_BYTES)
    report = missing_documents_report(OPERATOR)
    assert report == {"count": 1, "entries": [{
        "account": "IOLTA", "currency": "USD", "id": bare.entry.public_id, "date": "2026-03-05",
        "kind": "disbursement", "amount": "-40.00", "matter": matter, "restricted": False}]}


def test_it_refuses_to_delete_a_document_of_a_matter_under_legal_hold(matter: str,
                                                                      store: Path) -> None:
    from lawledger.privacy.holds import place_hold

    made = document_upload(actor=OPERATOR, kind="matter", ref=matter, file_name="a.pdf",
                           data=PDF_BYTES)
    place_hold(OPERATOR, matter, "litigation expected")
    with time_machine.travel("2060-01-01", tick=False):
        with pytest.raises(DocumentOnLegalHold) as refused:
            document_delete(actor=OPERATOR, document=made["id"], reason="retention over")
    assert (refused.value.code, refused.value.message) == (
        "document_on_legal_hold",
        f"document: matter {matter} is under legal hold; it cannot be deleted")
    assert document_detail(OPERATOR, made["id"])["legal_hold"] == (
        f"matter {matter} is under legal hold")
    assert len(storage_files(store)) == 1


def test_a_key_rotation_reseals_the_file_keys_and_documents_still_open(matter: str) -> None:
    from lawledger.crypto.rotation import key_usage, rotate

    made = document_upload(actor=OPERATOR, kind="matter", ref=matter, file_name="a.pdf",
                           data=PDF_BYTES)
    before = DocumentVersion.objects.values_list("file_key", flat=True).get()  # still sealed
    old_key = KEYRING.key_id_of(before.token)
    assert key_usage()[old_key] >= 2  # the file key and the file name of the version
    result = rotate(OPERATOR)
    after = DocumentVersion.objects.values_list("file_key", flat=True).get()
    assert KEYRING.key_id_of(after.token) == result.primary != old_key
    assert key_usage()[old_key] == 0
    assert document_download(OPERATOR, made["id"]).data == PDF_BYTES


def test_it_attaches_to_an_expense_an_invoice_and_a_bank_statement(matter: str) -> None:
    from lawledger.banking.models import BankStatement
    from lawledger.billing.entries import expense_record
    from lawledger.billing.invoicing import invoice_draft
    from lawledger.core.formats.statement import LineKind
    from tests.banking.builders import line, load, statement

    expense = expense_record(actor=OPERATOR, matter=matter, amount="12.50", date="2026-03-04",
                             description="Filing fee")
    invoice = invoice_draft(actor=OPERATOR, matter=matter, through="2026-03-31")
    load(statement(line(1, "2026-03-03", 10_000, LineKind.DEPOSIT, bank_reference="F1")))
    statement_id = BankStatement.objects.get().public_id
    made = [document_upload(actor=OPERATOR, kind=kind, ref=ref, file_name="x.pdf",
                            data=PDF_BYTES)["subject"]
            for kind, ref in (("expense", expense.public_id), ("invoice", invoice.public_id),
                              ("bank_statement", statement_id))]
    assert made == [{"kind": "expense", "ref": expense.public_id},
                    {"kind": "invoice", "ref": invoice.public_id},
                    {"kind": "bank_statement", "ref": statement_id}]
    rows = Document.objects.order_by("pk")
    assert [(row.matter.number if row.matter else None) for row in rows] == [matter, matter, None]
    attorney = factories.user(Role.ATTORNEY)  # not on the matter, no firm-report right
    for kind, ref in (("expense", expense.public_id), ("bank_statement", statement_id)):
        with pytest.raises(NotFound):
            documents_for(attorney, kind, ref)
