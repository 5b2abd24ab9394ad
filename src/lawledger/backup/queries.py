"""How recent the firm's backups are, read from the backup log in the audit chain.

`backup_status` is what the staff dashboard shows: the last backup created, the last one that
`backup verify` proved restorable, and a warning when that proof is older than a day (or missing):
a backup that was never restored into a scratch database is an assumption, not a backup.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lawledger.access.policy import require
from lawledger.audit.models import AuditRecord
from lawledger.backup.events import BackupEvent
from lawledger.core import clock
from lawledger.core.access import Action, Principal

STALE_AFTER = dt.timedelta(days=1)


def _last(event: BackupEvent) -> AuditRecord | None:
    return (AuditRecord.objects.filter(event=event.value, outcome="ok").order_by("-seq")
            .only("recorded_at", "details").first())


def backup_status(principal: Principal, now: dt.datetime | None = None) -> dict[str, Any]:
    """The last created and last verified backup, and the warning to show (None when fresh)."""
    require(principal, Action.VIEW_FIRM_REPORTS)
    moment = now or clock.now()
    created, verified = _last(BackupEvent.CREATED), _last(BackupEvent.VERIFIED)
    if verified is None:
        warning: str | None = ("No backup has been verified yet: run `lawledger backup verify` on "
                               "the newest backup (docs/operations.md).")
    elif moment - verified.recorded_at > STALE_AFTER:
        hours = int((moment - verified.recorded_at).total_seconds() // 3600)
        warning = (f"The last verified backup is {hours} hours old: verify a recent backup "
                   "(`lawledger backup verify`).")
    else:
        warning = None
    return {"last_created_at": created.recorded_at.isoformat() if created else None,
            "last_verified_at": verified.recorded_at.isoformat() if verified else None,
            "last_verified_file": str(verified.details.get("file", "")) if verified else None,
            "warning": warning}
