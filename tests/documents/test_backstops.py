"""The database keeps document records even against raw SQL (both engines): versions are never
updated or deleted, a document is never deleted, its subject never changes, and a deleted
document stays deleted."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from lawledger.documents.models import Document, DocumentVersion
from lawledger.documents.services import document_upload
from tests import factories
from tests.documents.builders import PDF_BYTES
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def document() -> Document:
    matter = factories.trust_firm()["matter"]
    made = document_upload(actor=OPERATOR, kind="matter", ref=matter, file_name="a.pdf",
                           data=PDF_BYTES)
    return Document.objects.get(public_id=made["id"])


def _refused(sql: str, params: list[object]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_database_refuses_to_change_or_delete_a_version(document: Document) -> None:
    version = DocumentVersion.objects.get(document=document)
    _refused("UPDATE documents_version SET storage_id = %s WHERE id = %s",
             ["0" * 32, version.pk])
    _refused("UPDATE documents_version SET size_bytes = 1 WHERE id = %s", [version.pk])
    _refused("DELETE FROM documents_version WHERE id = %s", [version.pk])
    assert DocumentVersion.objects.get(pk=version.pk).storage_id == version.storage_id


def test_the_database_refuses_to_delete_a_document_or_move_it(document: Document) -> None:
    _refused("DELETE FROM documents_document WHERE id = %s", [document.pk])
    _refused("UPDATE documents_document SET subject_ref = %s WHERE id = %s",
             ["M-9999", document.pk])
    _refused("UPDATE documents_document SET matter_id = NULL, client_id = NULL, "
             "subject_kind = 'bank_statement' WHERE id = %s", [document.pk])
    row = Document.objects.get(pk=document.pk)
    assert (row.subject_kind, row.subject_ref, row.matter_id) == (
        "matter", document.subject_ref, document.matter_id)


def test_the_database_keeps_a_deleted_document_deleted(document: Document) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE documents_document SET deleted_at = %s, deleted_by = 'x' "
                       "WHERE id = %s", [document.created_at, document.pk])
    _refused("UPDATE documents_document SET deleted_at = NULL WHERE id = %s", [document.pk])
    assert Document.objects.get(pk=document.pk).deleted_at == document.created_at


def test_the_database_refuses_a_matter_document_without_its_matter(document: Document) -> None:
    _refused("INSERT INTO documents_document (public_id, subject_kind, subject_ref, created_at, "
             "created_by, deleted_by) VALUES ('doc_x', 'matter', 'M-0001', %s, 'x', '')",
             [document.created_at])


def test_the_database_refuses_to_delete_a_document_under_legal_hold(document: Document) -> None:
    from lawledger.privacy.holds import place_hold

    place_hold(OPERATOR, document.matter.number, "litigation expected")
    _refused("UPDATE documents_document SET deleted_at = %s, deleted_by = 'x' WHERE id = %s",
             [document.created_at, document.pk])
    assert Document.objects.get(pk=document.pk).deleted_at is None
