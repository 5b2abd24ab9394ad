"""Audit events of the backup area (namespaced "backup.*")."""

from __future__ import annotations

from enum import StrEnum


class BackupEvent(StrEnum):
    CREATED = "backup.created"
    FAILED = "backup.failed"
    VERIFIED = "backup.verified"
    RESTORED = "backup.restored"
    PRUNED = "backup.pruned"
    RECIPIENT_SET = "backup.recipient_set"
    SCHEDULE_WRITTEN = "backup.schedule_written"
