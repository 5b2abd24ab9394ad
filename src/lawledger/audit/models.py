"""Audit records and the chain head.

Each record stores the hash of its predecessor and its own hash over a canonical JSON form of its
fields, so any edit, deletion or reordering breaks the chain (`lawledger audit verify`). The table
is append-only by trigger on both engines. The head row is the lock that keeps the chain linear
when many PostgreSQL writers append at once (F3); it is a cache, verified against the records.
"""

from __future__ import annotations

from django.db import models

from lawledger.db.triggers import MAINTENANCE_TABLE


class AuditRecord(models.Model):
    seq = models.BigIntegerField(unique=True)
    recorded_at = models.DateTimeField()
    actor = models.CharField(max_length=254)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    event = models.CharField(max_length=64)
    outcome = models.CharField(max_length=16, default="ok")
    object_type = models.CharField(max_length=32, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    client_ref = models.CharField(max_length=32, blank=True, default="")
    matter_ref = models.CharField(max_length=32, blank=True, default="")
    source = models.CharField(max_length=128, blank=True, default="")
    details = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "audit_record"
        indexes = [
            models.Index(fields=["actor", "recorded_at"], name="audit_actor_time"),
            models.Index(fields=["event", "recorded_at"], name="audit_event_time"),
            models.Index(fields=["matter_ref"], name="audit_matter"),
            models.Index(fields=["client_ref"], name="audit_client"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event}"


class AuditHead(models.Model):
    id = models.SmallIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    # HMAC of (seq, hash) under a key derived from the master key (audit/checkpoints.py).
    mac = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "audit_head"


class AuditCheckpoint(models.Model):
    """Every CHECKPOINT_EVERY-th record's (seq, hash) with its HMAC; append-only."""

    seq = models.BigIntegerField(unique=True)
    hash = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        db_table = "audit_checkpoint"

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"


class Maintenance(models.Model):
    """A row here, inside one transaction, is SQLite's flag for a maintenance window."""

    mode = models.CharField(max_length=16)

    class Meta:
        db_table = MAINTENANCE_TABLE
