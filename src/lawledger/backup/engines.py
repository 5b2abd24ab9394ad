"""Consistent snapshots and restores, per engine, while the firm keeps working.

SQLite: `VACUUM INTO` a private staging file. It runs as one read transaction, and in WAL mode a
reader never blocks writers, so postings go on while it copies; the copy is a single point in
time. The manifest's figures (and the document files to carry) are then read from that copy, so
they describe exactly what it holds.

PostgreSQL: one REPEATABLE READ, READ ONLY transaction exports its snapshot; `pg_dump
--snapshot` dumps exactly that snapshot while the same transaction reads the manifest's figures.
Restores use `pg_restore --single-transaction --exit-on-error`: all of it or none of it.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connections, transaction

from lawledger.backup import blobs, inventory
from lawledger.backup.checks import CheckResult
from lawledger.backup.databases import (
    pg_binary,
    pg_command,
    pg_connect,
    sqlite_settings,
    temporary_alias,
    with_name,
)
from lawledger.backup.errors import BackupWriteFailed, RestoreTargetNotEmpty, ToolMissing
from lawledger.backup.keys import fsync_directory

PG_TIMEOUT_SECONDS = 6 * 3600


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603
                              timeout=PG_TIMEOUT_SECONDS, check=False)
    except FileNotFoundError:
        raise ToolMissing(f"{command[0]} is not installed") from None
    if done.returncode != 0:
        raise BackupWriteFailed(f"{what} failed (exit {done.returncode}): "
                                f"{done.stderr.strip()[-800:]}")


# snapshots --------------------------------------------------------------------------------------

Snapshot = tuple[dict[str, Any], list[blobs.BlobRef]]


def sqlite_snapshot(source: Path, staged: Path) -> Snapshot:
    """Copy the live database into `staged` at one point in time; its figures and the document
    files its rows name."""
    link = sqlite3.connect(str(source), timeout=30, isolation_level=None)
    try:
        link.execute("PRAGMA busy_timeout = 30000")
        link.execute("VACUUM INTO ?", (str(staged),))
    except sqlite3.OperationalError as exc:
        from lawledger.backup.durability import is_disk_full

        if is_disk_full(exc):
            raise BackupWriteFailed(f"no space left for the snapshot in {staged.parent} "
                                    "(ENOSPC): nothing was written") from None
        raise
    finally:
        link.close()
    os.chmod(staged, 0o600)
    with temporary_alias(sqlite_settings(staged)) as alias:
        return inventory.take(alias), blobs.snapshot_refs(alias)


def postgresql_snapshot(source: dict[str, Any], staged: Path) -> Snapshot:
    """pg_dump of one exported snapshot; the figures and document files read in that snapshot."""
    dump = pg_binary("pg_dump")
    args, env = pg_command(source)
    with temporary_alias(with_name(source, str(source["NAME"]))) as alias:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = str(cursor.fetchone()[0])
            process = subprocess.Popen(  # noqa: S603 (fixed program, our arguments)
                [dump, *args, "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot}", f"--file={staged}"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                figures = inventory.take(alias)
                refs = blobs.snapshot_refs(alias)
            finally:
                _, errors = process.communicate(timeout=PG_TIMEOUT_SECONDS)
            if process.returncode != 0:
                raise BackupWriteFailed(f"pg_dump failed (exit {process.returncode}): "
                                        f"{errors.strip()[-800:]}")
    os.chmod(staged, 0o600)
    return figures, refs


# restores ---------------------------------------------------------------------------------------

def sqlite_target_is_free(path: Path) -> None:
    taken = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    if taken:
        raise RestoreTargetNotEmpty(f"{taken[0]} exists: lawledger restores only into an empty "
                                    "place (move the old database away first)", param="to")
    if not path.parent.is_dir():
        from lawledger.core.errors import InvalidInput

        raise InvalidInput(f"to: the directory {path.parent} does not exist", param="to")


def sqlite_place(staged: Path, target: Path) -> None:
    """Move a checked copy to the target name: rename within one directory, then fsync it."""
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        with open(staged, "rb") as source, open(partial, "xb") as out:
            os.chmod(partial, 0o600)
            while chunk := source.read(1024 * 1024):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sqlite_target_is_free(target)  # again, just before the rename
        os.rename(partial, target)
        fsync_directory(target.parent)
    finally:
        partial.unlink(missing_ok=True)


def postgresql_target_is_empty(settings: dict[str, Any]) -> None:
    sql = ("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
           "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
           "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' LIMIT 1")
    with pg_connect(settings) as link:
        found = link.execute(sql).fetchone()
    if found is not None:
        raise RestoreTargetNotEmpty(
            f"database {settings['NAME']} is not empty (it has {found[0]}): lawledger restores "
            "only into an empty database (createdb a new one)", param="to")


def pg_restore(dump: Path, settings: dict[str, Any], dbname: str) -> None:
    args, env = pg_command(settings, dbname)
    _run([pg_binary("pg_restore"), *args, "--single-transaction", "--exit-on-error",
          "--no-owner", "--no-privileges", str(dump)], env, f"pg_restore into {dbname}")


@contextmanager
def postgresql_scratch(settings: dict[str, Any], dump: Path) -> Iterator[dict[str, Any]]:
    """A scratch database on the same server holding the dump; dropped afterwards, always."""
    name = "lawledger_scratch_" + secrets.token_hex(6)
    with pg_connect(settings) as link:
        link.execute(f'CREATE DATABASE "{name}"')
    try:
        pg_restore(dump, settings, name)
        yield with_name(settings, name)
    finally:
        # FORCE: a connection left open by a failed check must not keep the scratch alive.
        with pg_connect(settings) as link:
            link.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgresql_integrity(settings: dict[str, Any]) -> CheckResult:
    """pg_amcheck over every table and B-tree index (installs amcheck in the scratch copy)."""
    name = "database integrity (pg_amcheck: heap and B-tree indexes)"
    try:
        binary = pg_binary("pg_amcheck")
    except ToolMissing:
        return CheckResult(name, True, "skipped: pg_amcheck is not installed")
    args, env = pg_command(settings, positional=True)
    done = subprocess.run([binary, "--install-missing", "--heapallindexed", *args],  # noqa: S603
                          env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_SECONDS,
                          check=False)
    if done.returncode == 0:
        return CheckResult(name, True)
    text = (done.stderr or done.stdout).strip()
    if "permission denied" in text or "must be" in text:
        return CheckResult(name, True, f"skipped: not allowed to install amcheck ({text[-200:]})")
    return CheckResult(name, False, text[-800:])
