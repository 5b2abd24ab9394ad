"""Documents and their versions; the bytes live encrypted in files, never in the database.

A `Document` is attached to one subject (a matter, client, trust entry, bank statement, expense or
invoice) and remembers the matter and client that subject belongs to, so the access policy can be
applied without resolving the subject again. Each upload adds a `DocumentVersion` (append-only:
database triggers refuse UPDATE and DELETE on both engines); a new upload never overwrites.
A version's bytes are stored under `LAWLEDGER_HOME/documents/` at a server-generated
`storage_id`, AES-256-GCM sealed under a file key of its own with associated data binding the
document's public id and the version number; the file key is an encrypted field of the version,
sealed by the crypto app's data keys (envelope encryption, see `storage.py`).
Deleting a document marks it deleted and removes its files; the rows stay as the record that it
existed. A trigger refuses DELETE of documents and any change to a deleted one.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from lawledger.crypto.fields import EncryptedTextField, PublicIdField


class SubjectKind(models.TextChoices):
    MATTER = "matter"
    CLIENT = "client"
    TRUST_ENTRY = "trust_entry"
    BANK_STATEMENT = "bank_statement"
    EXPENSE = "expense"
    INVOICE = "invoice"


MAX_UPLOAD_BYTES_DEFAULT = 20 * 1024 * 1024


class DocumentSettings(models.Model):
    id = models.SmallIntegerField(primary_key=True, default=1)
    max_upload_bytes = models.PositiveIntegerField(default=MAX_UPLOAD_BYTES_DEFAULT)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "documents_settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="documents_settings_single"),
            models.CheckConstraint(condition=Q(max_upload_bytes__gte=1024,
                                               max_upload_bytes__lte=100 * 1024 * 1024),
                                   name="documents_settings_max_upload_range"),
        ]


class Document(models.Model):
    PUBLIC_ID_PREFIX = "doc"

    public_id = PublicIdField()
    subject_kind = models.CharField(max_length=16, choices=SubjectKind.choices)
    subject_ref = models.CharField(max_length=64)
    matter = models.ForeignKey("firm.Matter", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    client = models.ForeignKey("firm.Client", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=254)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.CharField(max_length=254, blank=True, default="")
    delete_reason = EncryptedTextField(null=True, blank=True)

    class Meta:
        db_table = "documents_document"
        indexes = [models.Index(fields=["subject_kind", "subject_ref"], name="document_subject")]
        constraints = [
            models.CheckConstraint(condition=Q(subject_kind__in=list(SubjectKind.values)),
                                   name="document_subject_kind_known"),
            # A matter's papers, an expense's receipt and an invoice always belong to a matter;
            # a client's papers to a client and no matter; a bank statement to neither.
            models.CheckConstraint(
                condition=(Q(subject_kind__in=["matter", "expense", "invoice"],
                             matter__isnull=False, client__isnull=False)
                           | Q(subject_kind="client", matter__isnull=True, client__isnull=False)
                           | Q(subject_kind="bank_statement", matter__isnull=True,
                               client__isnull=True)
                           | Q(subject_kind="trust_entry")),
                name="document_subject_owner"),
        ]


class DocumentVersion(models.Model):
    PUBLIC_ID_PREFIX = "docv"

    public_id = PublicIdField()
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    storage_id = models.CharField(max_length=64, unique=True)
    file_name = EncryptedTextField()
    content_type = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField()
    file_key = EncryptedTextField()
    uploaded_at = models.DateTimeField()
    uploaded_by = models.CharField(max_length=254)

    class Meta:
        db_table = "documents_version"
        ordering = ["document", "version"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="document_version_once"),
            models.CheckConstraint(condition=Q(version__gte=1), name="document_version_positive"),
            models.CheckConstraint(condition=Q(size_bytes__gt=0), name="document_version_not_empty"),
        ]
