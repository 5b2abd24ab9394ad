"""Locks on ledger accounts, always taken in sorted order so that two writers never deadlock.

On PostgreSQL each writer locks the balance rows it will change (SELECT … FOR UPDATE, ordered by
id). On SQLite the whole database is locked at BEGIN IMMEDIATE, so the select is a plain read.
"""

from __future__ import annotations

from collections.abc import Iterable

from lawledger.ledger.models import LedgerAccount


def lock_ledger_accounts(ids: Iterable[int]) -> dict[int, LedgerAccount]:
    wanted = sorted(set(ids))
    rows = LedgerAccount.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    locked = {row.pk: row for row in rows}
    missing = set(wanted) - set(locked)
    if missing:
        raise LookupError(f"ledger accounts {sorted(missing)} vanished while being locked")
    return locked
