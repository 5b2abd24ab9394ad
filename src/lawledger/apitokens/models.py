"""API tokens and the API's idempotency records.

ApiToken                a credential of one user for integrations. Only the sha256 of the secret
                        is kept; `lookup_prefix` (in clear inside the token text) finds the row.
                        Scopes, owner, hash, expiry and the client allow-list never change once
                        written, and a revocation is final: triggers refuse anything else on both
                        engines, and refuse deleting a token (its id is referenced by the audit).
ApiIdempotencyRecord    an API request made with an `Idempotency-Key`: the request fingerprint and
                        the response (status and body, sealed: bodies hold confidential text),
                        unique per principal and key, written in the transaction of the effect.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from lawledger.crypto.fields import EncryptedTextField, PublicIdField


class ApiToken(models.Model):
    PUBLIC_ID_PREFIX = "tok"

    public_id = PublicIdField()
    lookup_prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    user = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="api_tokens")
    scopes = models.CharField(max_length=400)
    # Either every client the user may see, or only the clients listed (public ids, sorted).
    all_clients = models.BooleanField(default=True)
    client_ids = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=254)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=254, blank=True, default="")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "apitokens_api_token"
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")),
                                   name="apitokens_token_expires_after_creation"),
            models.CheckConstraint(
                condition=(Q(all_clients=True) & Q(client_ids=""))
                | (Q(all_clients=False) & ~Q(client_ids="")),
                name="apitokens_token_clients_all_or_listed"),
            models.CheckConstraint(condition=~Q(scopes=""), name="apitokens_token_has_scopes"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)


class ApiIdempotencyRecord(models.Model):
    PUBLIC_ID_PREFIX = "idem"

    public_id = PublicIdField()
    scope = models.CharField(max_length=64)  # the principal: "user:<id>" or "operator:<name>"
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    operation = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = EncryptedTextField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "apitokens_idempotency_record"
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="apitokens_idempotency_unique"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="apitokens_idempotency_expiry")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class WebhookEndpoint(models.Model):
    """A receiver of event notifications: its URL, the events it wants and the secret that signs
    each delivery (encrypted at rest: lawledger must read it back to sign)."""

    PUBLIC_ID_PREFIX = "wh"

    public_id = PublicIdField()
    url = models.CharField(max_length=500)
    events = models.CharField(max_length=400)
    secret = EncryptedTextField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=254)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "apitokens_webhook_endpoint"
        constraints = [
            models.CheckConstraint(condition=~Q(events=""), name="apitokens_webhook_has_events"),
            models.CheckConstraint(
                condition=Q(url__startswith="https://") | Q(url__startswith="http://127.0.0.1")
                | Q(url__startswith="http://localhost"), name="apitokens_webhook_url_https"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)


class WebhookDelivery(models.Model):
    """One event for one endpoint: the exact body sent (no confidential text in it), and the
    state of its delivery with retries and backoff. Unique per endpoint and audit record, so an
    event is queued at most once however often the collector runs."""

    PUBLIC_ID_PREFIX = "whd"

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    public_id = PublicIdField()
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT,
                                 related_name="deliveries")
    event = models.CharField(max_length=64)
    audit_seq = models.BigIntegerField()
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "apitokens_webhook_delivery"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "audit_seq"],
                                    name="apitokens_webhook_delivery_once"),
            models.CheckConstraint(condition=Q(status__in=["pending", "delivered", "failed"]),
                                   name="apitokens_webhook_delivery_status"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"],
                                name="apitokens_webhook_due")]

    def __str__(self) -> str:
        return str(self.public_id)


class WebhookCursor(models.Model):
    """How far the collector has read the audit chain (one row, id 1)."""

    id = models.SmallIntegerField(primary_key=True)
    audit_seq = models.BigIntegerField(default=0)

    class Meta:
        db_table = "apitokens_webhook_cursor"
