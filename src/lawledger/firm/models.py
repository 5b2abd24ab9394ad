"""Firm settings (one row), clients and matters, with human numbers (C-0001, M-0001).

Client contact details and notes, and a matter's description, are confidential free text and are
stored encrypted (I11). Names and titles stay searchable; every read of them goes through
`lawledger.access.policy`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lawledger.crypto.fields import EncryptedTextField, PublicIdField


class FirmSettings(models.Model):
    id = models.SmallIntegerField(primary_key=True, default=1)
    name = models.CharField(max_length=200, default="My Law Firm")
    jurisdiction = models.CharField(max_length=16, default="aba")
    base_currency = models.CharField(max_length=3, default="USD")
    uncleared_funds = models.CharField(max_length=8, default="warn")
    clearing_business_days = models.PositiveSmallIntegerField(default=5)
    billing_increment_minutes = models.PositiveSmallIntegerField(default=6)
    invoice_prefix = models.CharField(max_length=16, default="", blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    inactive_balance_months = models.PositiveSmallIntegerField(default=24)
    earned_fees_left_days = models.PositiveSmallIntegerField(default=30)
    # Web sessions end after this long without a request, and this long after sign-in at most.
    session_idle_minutes = models.PositiveSmallIntegerField(default=30)
    session_absolute_hours = models.PositiveSmallIntegerField(default=12)
    # Alerts on unusual access (lawledger.privacy.alerts): counts within alert_window_minutes.
    alert_window_minutes = models.PositiveSmallIntegerField(default=10)
    alert_exports = models.PositiveSmallIntegerField(default=5)
    alert_clients_read = models.PositiveSmallIntegerField(default=15)
    alert_denials = models.PositiveSmallIntegerField(default=5)
    alert_failed_logins = models.PositiveSmallIntegerField(default=5)
    firm_hours_start = models.PositiveSmallIntegerField(default=7)
    firm_hours_end = models.PositiveSmallIntegerField(default=20)
    # Disbursements and refunds of at least this much (minor units of base_currency) wait for a
    # second approver (SECURITY.md D7); 0 = off. Outflows in another currency are always held
    # while it is on: the ledger keeps no exchange rates to compare them with.
    approval_threshold_minor = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "firm_settings"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="firm_settings_single")]


class NumberSequence(models.Model):
    """Next human number per kind (client, matter): locked while a number is taken."""

    name = models.CharField(max_length=32, primary_key=True)
    next_value = models.BigIntegerField(default=1)

    class Meta:
        db_table = "firm_number_sequence"


class Client(models.Model):
    PUBLIC_ID_PREFIX = "cli"

    public_id = PublicIdField()
    number = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    email = EncryptedTextField(null=True, blank=True)
    phone = EncryptedTextField(null=True, blank=True)
    address = EncryptedTextField(null=True, blank=True)
    notes = EncryptedTextField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "firm_client"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Matter(models.Model):
    PUBLIC_ID_PREFIX = "mat"

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    public_id = PublicIdField()
    number = models.CharField(max_length=32, unique=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="matters")
    title = models.CharField(max_length=300)
    description = EncryptedTextField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="responsible_for")
    created_at = models.DateTimeField()

    class Meta:
        db_table = "firm_matter"
        ordering = ["number"]
        indexes = [models.Index(fields=["client", "status"], name="matter_client_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"
