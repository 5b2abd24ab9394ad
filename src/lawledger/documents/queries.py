"""Reads of the documents context, each audited in its own transaction (fail closed).

File names are confidential (they often name the client or the dispute) and are opened only
inside the audited transaction; the bytes of a version are decrypted there too, so a failing
audit write means nothing is shown or served.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from lawledger.access.policy import require
from lawledger.audit.services import record
from lawledger.core.access import Action, Principal
from lawledger.core.errors import NotFound
from lawledger.documents import storage
from lawledger.documents.events import DocumentEvent
from lawledger.documents.models import Document, DocumentVersion, SubjectKind
from lawledger.documents.retention import document_keep_until, legal_hold_reason
from lawledger.documents.services import _audit_refs, get_document, max_upload_bytes
from lawledger.documents.subjects import UPLOAD_ROLES, may_see, resolve


def _version_row(version: DocumentVersion) -> dict[str, Any]:
    return {"version": version.version, "file_name": version.file_name,
            "content_type": version.content_type, "bytes": version.size_bytes,
            "uploaded_at": version.uploaded_at.isoformat(), "uploaded_by": version.uploaded_by}


def _document_row(document: Document, versions: list[DocumentVersion]) -> dict[str, Any]:
    latest = versions[-1]
    return {"id": document.public_id, "subject": {"kind": document.subject_kind,
                                                  "ref": document.subject_ref},
            "matter": document.matter.number if document.matter else None,
            "file_name": latest.file_name, "content_type": latest.content_type,
            "bytes": latest.size_bytes, "version": latest.version,
            "versions": [_version_row(version) for version in reversed(versions)],
            "created_at": document.created_at.isoformat(), "created_by": document.created_by}


def _with_versions(documents: list[Document]) -> list[dict[str, Any]]:
    by_document: dict[int, list[DocumentVersion]] = {document.pk: [] for document in documents}
    for version in DocumentVersion.objects.filter(document__in=documents).order_by("version"):
        by_document[version.document_id].append(version)
    return [_document_row(document, by_document[document.pk]) for document in documents
            if by_document[document.pk]]


def documents_for(principal: Principal, kind: str, ref: str) -> dict[str, Any]:
    """The live documents attached to one subject, newest first (audited)."""
    with transaction.atomic():
        subject = resolve(principal, kind, ref)
        documents = list(Document.objects.select_related("matter", "client").filter(
            subject_kind=subject.kind, subject_ref=subject.ref, deleted_at__isnull=True)
            .order_by("-created_at", "-pk"))
        record(principal, DocumentEvent.LISTED, object_type=subject.kind, object_id=subject.ref,
               matter_ref=subject.matter.number if subject.matter else "",
               client_ref=subject.client.number if subject.client else "",
               details={"documents": len(documents)})
        return {"subject": {"kind": subject.kind, "ref": subject.ref, "label": subject.label,
                            "matter": subject.matter.number if subject.matter else None},
                "documents": _with_versions(documents),
                "may_upload": principal.role in UPLOAD_ROLES or principal.is_operator,
                "max_upload_bytes": max_upload_bytes()}


def document_detail(principal: Principal, ref: str) -> dict[str, Any]:
    with transaction.atomic():
        document = get_document(principal, ref)
        record(principal, DocumentEvent.VIEWED, object_type="document",
               object_id=document.public_id, **_audit_refs(document))
        row = _with_versions([document])[0]
        keep = document_keep_until(document)
        row["keep_until"] = keep.date.isoformat() if keep.date else None
        row["keep_reason"] = keep.reason
        row["legal_hold"] = legal_hold_reason(document)
        row["max_upload_bytes"] = max_upload_bytes()
        return row


@dataclass(frozen=True, slots=True)
class Download:
    data: bytes
    file_name: str
    content_type: str
    version: int


def document_download(principal: Principal, ref: str, version: int | None = None) -> Download:
    """One version's bytes (the latest by default), decrypted inside the audited transaction."""
    with transaction.atomic():
        document = get_document(principal, ref)
        versions = DocumentVersion.objects.filter(document=document)
        row = (versions.filter(version=version) if version is not None
               else versions.order_by("-version")).first()
        if row is None:
            raise NotFound(f"version: document {document.public_id} has no version {version}",
                           param="version")
        record(principal, DocumentEvent.DOWNLOADED, object_type="document",
               object_id=document.public_id, **_audit_refs(document),
               details={"version": row.version})
        data = storage.read_sealed(row.storage_id, row.file_key,
                                   storage.associated_data(document.public_id, row.version))
        return Download(data, row.file_name, row.content_type, row.version)


def recent_documents(principal: Principal, limit: int = 50) -> list[dict[str, Any]]:
    """The newest live documents the principal may see, across every subject (audited)."""
    with transaction.atomic():
        candidates = Document.objects.select_related("matter", "client").filter(
            deleted_at__isnull=True).order_by("-created_at", "-pk")[:limit * 4]
        documents = [document for document in candidates if may_see(principal, document)][:limit]
        record(principal, DocumentEvent.LISTED, object_type="report", object_id="recent",
               details={"documents": len(documents)})
        return _with_versions(documents)


def documented_entry_ids(entry_ids: list[str]) -> set[str]:
    """Which of these trust entries have at least one live document (no confidential data)."""
    return set(Document.objects.filter(
        subject_kind=SubjectKind.TRUST_ENTRY, subject_ref__in=entry_ids,
        deleted_at__isnull=True).values_list("subject_ref", flat=True))


def missing_documents_report(principal: Principal) -> dict[str, Any]:
    """Every trust entry of every trust account with no supporting document (audited)."""
    from lawledger.ledger.queries import account_balances, trust_journal_report

    require(principal, Action.VIEW_FIRM_REPORTS)
    rows: list[dict[str, Any]] = []
    with transaction.atomic():
        for account in account_balances(principal):
            if account["kind"] != "trust":
                continue
            journal = trust_journal_report(principal, account["account"])
            documented = documented_entry_ids([entry["id"] for entry in journal["entries"]])
            rows += [{"account": journal["account"], "currency": journal["currency"],
                      "id": entry["id"], "date": entry["date"], "kind": entry["kind"],
                      "amount": entry["amount"], "matter": entry.get("matter"),
                      "restricted": bool(entry.get("restricted"))}
                     for entry in journal["entries"] if entry["id"] not in documented]
        record(principal, DocumentEvent.MISSING_REPORTED, object_type="report",
               object_id="missing_documents", details={"entries": len(rows)})
    return {"entries": rows, "count": len(rows)}
