"""Alerts raised by the access monitor, legal holds on matters, and clients' consents.

A legal hold is active while `released_at` is empty; at most one active hold per matter (a
partial unique index). A consent names a third party, a scope and an expiry; disclosures to that
party check it. Reasons and notes are free text and so are sealed.
"""

from __future__ import annotations

from django.db import models

from lawledger.crypto.fields import EncryptedTextField, PublicIdField


class Alert(models.Model):
    class Kind(models.TextChoices):
        BULK_EXPORT = "bulk_export"
        MANY_CLIENTS = "many_clients"
        AFTER_HOURS = "after_hours"
        REPEATED_DENIALS = "repeated_denials"
        FAILED_LOGINS = "failed_logins"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    subject = models.CharField(max_length=254)  # the actor (or the attempted login name)
    raised_at = models.DateTimeField()
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    count = models.PositiveIntegerField()
    summary = models.CharField(max_length=300)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=254, blank=True, default="")

    class Meta:
        db_table = "privacy_alert"
        indexes = [models.Index(fields=["acknowledged_at", "raised_at"], name="alert_open")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"


class AlertCursor(models.Model):
    """The last audit seq the monitor has looked at (one row, locked while scanning)."""

    id = models.SmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)

    class Meta:
        db_table = "privacy_alert_cursor"


class LegalHold(models.Model):
    PUBLIC_ID_PREFIX = "hld"

    public_id = PublicIdField()
    matter = models.ForeignKey("firm.Matter", on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField()
    placed_by = models.CharField(max_length=254)
    placed_at = models.DateTimeField()
    released_by = models.CharField(max_length=254, blank=True, default="")
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "privacy_legal_hold"
        constraints = [
            models.UniqueConstraint(fields=["matter"], condition=models.Q(released_at__isnull=True),
                                    name="privacy_one_active_hold"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)


class Consent(models.Model):
    class Scope(models.TextChoices):
        INVOICES = "invoices"
        LEDGER = "ledger"
        ALL_BILLING = "all_billing"

    PUBLIC_ID_PREFIX = "cns"

    public_id = PublicIdField()
    client = models.ForeignKey("firm.Client", on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=200)  # e.g. "Acme Insurance" (searchable by name)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    valid_from = models.DateField()
    expires_on = models.DateField()
    note = EncryptedTextField(null=True, blank=True)
    granted_by = models.CharField(max_length=254)
    granted_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "privacy_consent"
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_on__gte=models.F("valid_from")),
                                   name="privacy_consent_expiry_after_start"),
            models.CheckConstraint(condition=models.Q(scope__in=["invoices", "ledger",
                                                                 "all_billing"]),
                                   name="privacy_consent_scope_known"),
        ]

    def __str__(self) -> str:
        return f"{self.party} ({self.scope})"
