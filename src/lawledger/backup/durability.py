"""Durability settings asserted at start (SECURITY.md E6), and the one test for "the disk is full".

A trust ledger must never lose an entry it has reported as committed, nor come back corrupt after
a power cut. So lawledger refuses to start (exit 2, code `unsafe_durability`) when the database
runs with settings that allow either:

- SQLite: `journal_mode` must be WAL and `synchronous` FULL (2) or EXTRA (3). lawledger asks for
  both on every connection; if they do not hold, the file system or an override has defeated them.
- PostgreSQL: `fsync` and `full_page_writes` on (off risks a corrupt cluster after a crash) and
  `synchronous_commit` not `off` (off loses the last commits after a crash; `local`,
  `remote_write`, `on` and `remote_apply` all flush locally first).
- PostgreSQL `data_checksums` off only warns: it is fixed at initdb (or offline with
  pg_checksums), and the cluster is still crash-safe without it.

LAWLEDGER_ALLOW_UNSAFE_DURABILITY=1 turns the refusal into a warning, for throwaway clusters
(benchmarks, demos on a RAM disk); docs/operations.md says why a firm must never set it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from lawledger.backup.errors import StorageFull, UnsafeDurability

ALLOW_UNSAFE_ENV = "LAWLEDGER_ALLOW_UNSAFE_DURABILITY"
PG_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes", "data_checksums")
SQLITE_SYNCHRONOUS_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


@dataclass(frozen=True)
class Finding:
    setting: str
    actual: str
    expected: str
    refuse: bool  # False: a warning only

    def describe(self) -> str:
        return f"{self.setting} is {self.actual} (lawledger needs {self.expected})"


def judge(vendor: str, values: dict[str, str]) -> list[Finding]:
    """The findings for one database's settings, as read by `read_settings` (pure, testable)."""
    findings: list[Finding] = []
    if vendor == "sqlite":
        if values.get("journal_mode", "").lower() != "wal":
            findings.append(Finding("journal_mode", values.get("journal_mode", "?"), "wal", True))
        synchronous = int(values.get("synchronous", "0"))
        if synchronous < 2:
            findings.append(Finding("synchronous",
                                    f"{synchronous} ({SQLITE_SYNCHRONOUS_NAMES.get(synchronous)})",
                                    "2 (FULL) or 3 (EXTRA)", True))
    elif vendor == "postgresql":
        for name in ("fsync", "full_page_writes"):
            if values.get(name) != "on":
                findings.append(Finding(name, values.get(name, "?"), "on", True))
        if values.get("synchronous_commit", "on") == "off":
            findings.append(Finding("synchronous_commit", "off",
                                    "on (or local, remote_write, remote_apply)", True))
        if values.get("data_checksums") != "on":
            findings.append(Finding("data_checksums", values.get("data_checksums", "?"), "on "
                                    "(initdb --data-checksums, or pg_checksums --enable offline)",
                                    False))
    return findings


def read_settings(connection: Any) -> dict[str, str]:
    """The durability settings of a Django connection, as the server reports them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            journal_mode = str(cursor.fetchone()[0])
            cursor.execute("PRAGMA synchronous")
            return {"journal_mode": journal_mode, "synchronous": str(cursor.fetchone()[0])}
        if connection.vendor == "postgresql":
            cursor.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                           [list(PG_SETTINGS)])
            return {str(name): str(value) for name, value in cursor.fetchall()}
    return {}


def check(connection: Any = None) -> tuple[dict[str, str], list[Finding]]:
    if connection is None:
        from django.db import connection as default_connection

        connection = default_connection
    values = read_settings(connection)
    return values, judge(connection.vendor, values)


def assert_durable(connection: Any = None) -> list[str]:
    """Refuse to run on settings that can lose committed entries; return the warnings to show."""
    _, findings = check(connection)
    refusals = [f for f in findings if f.refuse]
    warnings = [f"durability: {f.describe()}" for f in findings if not f.refuse]
    if refusals:
        message = "; ".join(f.describe() for f in refusals)
        if os.environ.get(ALLOW_UNSAFE_ENV) != "1":
            raise UnsafeDurability(
                f"the database may lose or corrupt committed entries: {message}. Fix the "
                f"settings (docs/operations.md, 'Durability') or, for a throwaway database only, "
                f"set {ALLOW_UNSAFE_ENV}=1")
        warnings.insert(0, f"durability: running UNSAFELY ({ALLOW_UNSAFE_ENV}=1): {message}")
    return warnings


def is_disk_full(error: BaseException) -> bool:
    """Does this database error (or its cause) say the disk is full? (SQLITE_FULL, PG 53100)."""
    seen: BaseException | None = error
    while seen is not None:
        if getattr(seen, "sqlite_errorname", None) == "SQLITE_FULL":
            return True
        if getattr(seen, "sqlstate", None) == "53100":  # psycopg: disk_full
            return True
        if isinstance(seen, OSError) and seen.errno == 28:
            return True
        text = str(seen).lower()
        if "database or disk is full" in text or "no space left on device" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def storage_full(error: BaseException) -> StorageFull:
    return StorageFull(
        "the database's disk is full (ENOSPC/SQLITE_FULL): the command was rolled back and "
        f"nothing was written. Free some space and run it again. ({error})")


LOW_SPACE_BYTES = 1024 * 1024


def free_space_hint() -> str:
    """Why a SQLite database may fail to open: its disk is (nearly) full. "" when that is not it.

    SQLite cannot even create its shared-memory file on a full disk, and says only "disk I/O
    error"; the free space of the database's file system tells the operator what is wrong.
    """
    from pathlib import Path

    from django.db import connection

    if connection.vendor != "sqlite":
        return ""
    try:
        stats = os.statvfs(Path(connection.settings_dict["NAME"]).parent)
    except OSError:
        return ""
    free = stats.f_bavail * stats.f_frsize
    if free >= LOW_SPACE_BYTES:
        return ""
    return (f" — the disk holding the database is full ({free // 1024} KiB free, ENOSPC): "
            "free some space and run the command again")
