"""One row per bank feed: which account, which connector, how far it has read, how it is doing.

`cursor` is the connector's own bookmark, advanced in the same transaction as the lines it covers
were imported, so a crash or an error never skips lines (the next run starts from the last
committed page) and never imports them twice (lines are deduplicated by the bank's id anyway).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from lawledger.crypto.fields import PublicIdField


class Feed(models.Model):
    PUBLIC_ID_PREFIX = "feed"

    public_id = PublicIdField()
    bank_account = models.OneToOneField("ledger.BankAccount", on_delete=models.PROTECT,
                                        related_name="+")
    connector = models.CharField(max_length=32)
    settings = models.JSONField(default=dict)
    cursor = models.TextField(blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    consecutive_failures = models.PositiveIntegerField(default=0)
    lines_imported = models.BigIntegerField(default=0)

    class Meta:
        db_table = "feeds_feed"
        constraints = [models.CheckConstraint(condition=Q(lines_imported__gte=0),
                                              name="feeds_lines_imported_not_negative")]
