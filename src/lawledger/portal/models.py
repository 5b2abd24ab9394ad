"""Invitations of client users and secure messages between a client and the firm.

PortalInvitation  one link the firm sends to a client's contact. Only the sha256 of the token is
                  stored (the token itself is shown once, to the staff member who invited); the
                  link expires, and is spent by its first use. The database refuses accepting it
                  after its expiry and refuses any change to a spent or revoked invitation.
PortalMessage     a message about one matter's billing, either from the client ("in") or from the
                  firm ("out"). The body is sealed (EncryptedTextField, bound to the row); once
                  written a message never changes, except that it is marked read once, and it is
                  never deleted (triggers on both engines).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lawledger.crypto.fields import EncryptedTextField, PublicIdField


class PortalInvitation(models.Model):
    PUBLIC_ID_PREFIX = "pinv"

    public_id = PublicIdField()
    client = models.ForeignKey("firm.Client", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    token_sha256 = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=254)

    class Meta:
        db_table = "portal_invitation"
        constraints = [
            models.CheckConstraint(condition=Q(accepted_at__isnull=True)
                                   | Q(accepted_at__lte=models.F("expires_at")),
                                   name="portal_invitation_accepted_before_expiry"),
            models.CheckConstraint(condition=Q(accepted_at__isnull=True)
                                   | Q(revoked_at__isnull=True),
                                   name="portal_invitation_accepted_or_revoked"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                   name="portal_invitation_expires_after_creation"),
        ]


class PortalMessage(models.Model):
    PUBLIC_ID_PREFIX = "msg"

    class Direction(models.TextChoices):
        FROM_CLIENT = "in"
        TO_CLIENT = "out"

    public_id = PublicIdField()
    matter = models.ForeignKey("firm.Matter", on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    subject = EncryptedTextField()
    body = EncryptedTextField()
    sent_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "portal_message"
        indexes = [models.Index(fields=["matter", "sent_at"], name="portal_msg_matter_sent")]
        constraints = [
            models.CheckConstraint(condition=Q(direction__in=["in", "out"]),
                                   name="portal_message_direction"),
            models.CheckConstraint(condition=Q(read_at__isnull=True)
                                   | Q(read_at__gte=models.F("sent_at")),
                                   name="portal_message_read_after_sent"),
        ]
