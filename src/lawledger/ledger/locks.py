"""Locks on ledger accounts, always taken in sorted order so that two writers never deadlock.

On PostgreSQL each writer locks the balance rows it will change (SELECT … FOR UPDATE, ordered by
id). On SQLite the whole database is locked at BEGIN IMMEDIATE, so the select is a plain read.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from lawledger.ledger.accounts import ledger_rows
from lawledger.ledger.models import LedgerAccount


def lock_ledger_accounts(ids: Iterable[int]) -> dict[int, LedgerAccount]:
    wanted = sorted(set(ids))
    marks = ", ".join(["%s"] * len(wanted))
    # FOR UPDATE where the engine has row locks; SQLite holds the database lock since BEGIN.
    lock = "FOR UPDATE" if connection.features.has_select_for_update else ""
    rows = ledger_rows(f"id IN ({marks})", list(wanted), suffix=f"ORDER BY id {lock}")
    locked = {row.pk: row for row in rows}
    missing = set(wanted) - set(locked)
    if missing:
        raise LookupError(f"ledger accounts {sorted(missing)} vanished while being locked")
    return locked
