"""Commands of the documents context: upload (a new document or a new version), delete, settings.

Each runs in one transaction that also writes its audit record. An upload writes the sealed file
before the rows; if the transaction then fails the file is removed, so the store never holds a
version the database does not know (a crash in between leaves only an unreadable orphan).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lawledger.access.policy import AccessRefused, require
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput, LawLedgerError
from lawledger.documents import storage
from lawledger.documents.content import settle
from lawledger.documents.errors import DocumentOnLegalHold, DocumentRetained, DocumentTooLarge
from lawledger.documents.events import DocumentEvent
from lawledger.documents.models import (
    MAX_UPLOAD_BYTES_DEFAULT,
    Document,
    DocumentSettings,
    DocumentVersion,
)
from lawledger.documents.retention import document_keep_until, legal_hold_reason
from lawledger.documents.subjects import may_see, require_delete, require_upload, resolve
from lawledger.firm.queries import firm_today

MAX_UPLOAD_RANGE = (1024, 100 * 1024 * 1024)


def max_upload_bytes() -> int:
    row = DocumentSettings.objects.filter(id=1).first()
    return row.max_upload_bytes if row is not None else MAX_UPLOAD_BYTES_DEFAULT


def check_size(size_bytes: int) -> None:
    limit = max_upload_bytes()
    if size_bytes > limit:
        raise DocumentTooLarge(f"file: {size_bytes} bytes is over the firm's limit of {limit} "
                               "bytes (documents setting max_upload_bytes)", param="file")


def _audit_refs(document: Document) -> dict[str, Any]:
    return {"matter_ref": document.matter.number if document.matter else "",
            "client_ref": document.client.number if document.client else ""}


def get_document(principal: Principal, ref: str, *, for_update: bool = False) -> Document:
    """A live document the principal may see, else NotFound (the same for missing and hidden)."""
    cleaned = (ref or "").strip()[:64]
    rows = Document.objects.select_related("matter", "client")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    document = rows.filter(public_id=cleaned, deleted_at__isnull=True).first() if cleaned else None
    if document is None or not may_see(principal, document):
        raise AccessRefused(f"document: no document {ref!r}", param="document",
                            principal=principal, object_type="document", object_id=cleaned,
                            action="view")
    return document


def document_upload(*, actor: Principal, file_name: str, data: bytes, kind: str = "",
                    ref: str = "", document: str | None = None) -> dict[str, Any]:
    """Attach `data` to the subject (kind, ref), or add it as the next version of `document`."""
    check_size(len(data))
    file_type, safe_name = settle(data, file_name)
    storage_id = storage.new_storage_id()
    try:
        with transaction.atomic():
            if document:
                row = get_document(actor, document, for_update=True)
                require_upload(actor, resolve(actor, row.subject_kind, row.subject_ref))
                number = (row.versions.order_by("-version").values_list("version", flat=True)
                          .first() or 0) + 1
            else:
                subject = resolve(actor, kind, ref)
                require_upload(actor, subject)
                row = Document.objects.create(
                    subject_kind=subject.kind, subject_ref=subject.ref, matter=subject.matter,
                    client=subject.client, created_at=clock.now(), created_by=actor.label)
                number = 1
            file_key = storage.write_sealed(storage_id, data,
                                            storage.associated_data(row.public_id, number))
            version = DocumentVersion.objects.create(
                document=row, version=number, storage_id=storage_id, file_name=safe_name,
                content_type=file_type.content_type, size_bytes=len(data), file_key=file_key,
                uploaded_at=clock.now(), uploaded_by=actor.label)
            record(actor, DocumentEvent.UPLOADED, object_type="document", object_id=row.public_id,
                   **_audit_refs(row),
                   details={"version": number, "subject": f"{row.subject_kind}:{row.subject_ref}",
                            "content_type": file_type.content_type, "bytes": len(data)})
    except BaseException:
        storage.remove(storage_id)
        raise
    return {"id": row.public_id, "version": version.version, "file_name": safe_name,
            "content_type": file_type.content_type, "bytes": len(data),
            "subject": {"kind": row.subject_kind, "ref": row.subject_ref}}


def record_refused_upload(actor: Principal, error: LawLedgerError, where: str) -> None:
    """Audit a refused upload in a transaction of its own (the upload's rolled back)."""
    with transaction.atomic():
        record(actor, DocumentEvent.UPLOAD_REFUSED, outcome="refused", object_type="upload",
               object_id=where[:64], details={"code": error.code, "param": error.param or ""})


def document_delete(*, actor: Principal, document: str, reason: str) -> dict[str, Any]:
    """Delete every version's file; refused under legal hold or inside the retention period."""
    cleaned_reason = (reason or "").strip()
    if not cleaned_reason:
        raise InvalidInput("reason: say why the document is deleted", param="reason")
    with transaction.atomic():
        row = get_document(actor, document, for_update=True)
        require_delete(actor)
        hold = legal_hold_reason(row)
        if hold:
            raise DocumentOnLegalHold(f"document: {hold}; it cannot be deleted",
                                      param="document")
        keep = document_keep_until(row)
        if not keep.allows_purge_on(firm_today()):
            until = keep.date.isoformat() if keep.date else "an open-ended date"
            raise DocumentRetained(f"document: must be kept until {until} ({keep.reason})",
                                   param="document")
        storage_ids = list(row.versions.values_list("storage_id", flat=True))
        row.deleted_at = clock.now()
        row.deleted_by = actor.label
        row.delete_reason = cleaned_reason[:500]
        row.save(update_fields=["deleted_at", "deleted_by", "delete_reason"])
        record(actor, DocumentEvent.DELETED, object_type="document", object_id=row.public_id,
               **_audit_refs(row), details={"versions": len(storage_ids)})
        transaction.on_commit(lambda: _remove_files(storage_ids))
    return {"id": row.public_id, "deleted": True, "versions": len(storage_ids)}


def _remove_files(storage_ids: list[str]) -> None:
    for storage_id in storage_ids:
        storage.remove(storage_id)


def documents_settings_set(*, actor: Principal, key: str, value: str) -> dict[str, Any]:
    require(actor, Action.MANAGE_FIRM)
    if (key or "").strip().lower() != "max_upload_bytes":
        raise InvalidInput(f"key: {key!r} is not a documents setting (max_upload_bytes)",
                           param="key")
    try:
        number = int((value or "").strip())
    except ValueError:
        raise InvalidInput(f"max_upload_bytes: {value!r} is not a whole number",
                           param="max_upload_bytes") from None
    low, high = MAX_UPLOAD_RANGE
    if not low <= number <= high:
        raise InvalidInput(f"max_upload_bytes: must be between {low} and {high}",
                           param="max_upload_bytes")
    with transaction.atomic():
        row = DocumentSettings.objects.select_for_update().filter(id=1).first() \
            or DocumentSettings(id=1)
        before = row.max_upload_bytes
        row.max_upload_bytes = number
        row.updated_at = clock.now()
        row.save()
        record(actor, DocumentEvent.SETTINGS_CHANGED, object_type="settings",
               object_id="max_upload_bytes", details={"from": before, "to": number})
    return {"max_upload_bytes": number}
