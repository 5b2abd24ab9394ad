"""Maintenance windows: the one declared way past append-only triggers, inside one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from django.db import connection, transaction

from lawledger.db.triggers import MAINTENANCE_TABLE

Mode = Literal["purge", "rekey"]


@contextmanager
def window(mode: Mode) -> Iterator[None]:
    if mode not in ("purge", "rekey"):
        raise ValueError(mode)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a maintenance window must be opened inside a transaction")
    # A savepoint of its own: if the work inside fails, the flag is rolled back with it.
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('lawledger.maintenance', %s, true)", [mode])
            else:
                cursor.execute(f"INSERT INTO {MAINTENANCE_TABLE} (mode) VALUES (%s)", [mode])
        yield
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('lawledger.maintenance', '', true)")
            else:
                cursor.execute(f"DELETE FROM {MAINTENANCE_TABLE} WHERE mode = %s", [mode])
