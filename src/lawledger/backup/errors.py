"""The refusals of the backup area, each with a stable code (CLI exit 1 for a refusal, 2 for usage).

A backup that cannot be trusted is refused with the reason, before anything is written to a
restore target: damaged or truncated ciphertext, the wrong identity, a manifest whose signature
does not verify, a schema newer than this lawledger, or contents that disagree with the manifest.
"""

from __future__ import annotations

from lawledger.core.errors import EXIT_INPUT, EXIT_RULE, LawLedgerError, RuleViolation


class BackupRefused(RuleViolation):
    """The backup file may not be trusted or used; the message says why."""

    code = "backup_refused"


class BackupDamaged(BackupRefused):
    code = "backup_damaged"


class BackupTruncated(BackupRefused):
    code = "backup_truncated"


class BackupWrongIdentity(BackupRefused):
    code = "backup_wrong_identity"


class BackupBadSignature(BackupRefused):
    code = "backup_bad_signature"


class BackupNewerSchema(BackupRefused):
    code = "backup_newer_schema"


class BackupCheckFailed(BackupRefused):
    """The restored copy fails an integrity check, an invariant, or disagrees with its manifest."""

    code = "backup_check_failed"


class RestoreTargetNotEmpty(RuleViolation):
    code = "restore_target_not_empty"


class BackupKeyMissing(LawLedgerError):
    """A key the command needs is not configured (recipient, identity, trusted signer)."""

    code = "backup_key_missing"
    exit_status = EXIT_INPUT


class BackupWriteFailed(LawLedgerError):
    """Writing the backup failed (the final name was never created); ENOSPC is `disk_full`."""

    code = "backup_write_failed"
    http_status = 507
    exit_status = EXIT_RULE


class DiskFull(BackupWriteFailed):
    code = "disk_full"


class DocumentFileMissing(BackupWriteFailed):
    """A live document's file is not in the store: a backup would silently lack it."""

    code = "document_file_missing"


class ToolMissing(LawLedgerError):
    """A PostgreSQL client program (pg_dump, pg_restore) is not installed or failed to run."""

    code = "tool_missing"
    exit_status = EXIT_INPUT


class UnsafeDurability(LawLedgerError):
    """The database runs with settings that can lose or corrupt committed entries (E6)."""

    code = "unsafe_durability"
    http_status = 503
    exit_status = EXIT_INPUT


class StorageFull(LawLedgerError):
    """The database's disk is full: the command's transaction was rolled back, nothing written."""

    code = "disk_full"
    http_status = 507
    exit_status = EXIT_RULE
