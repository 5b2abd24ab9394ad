"""Backup commands: create, verify, restore, prune, keygen — each authorised and audited.

create   snapshot (engines) → figures (inventory) + the document files its rows name (blobs) →
         signed manifest (keys) → age file (archive).
verify   decrypt → signature → schema → payload sha256 → restore into a scratch copy → integrity,
         invariants I1–I8, figures equal to the manifest, data keys open (checks), every
         document's file present and unaltered (blobs).
restore  the same checks on the copy first; only then the copy goes to the EMPTY target, and the
         document files to this home's EMPTY documents directory; both are otherwise left
         exactly as they were. The restore is appended to the restored chain.

A backup holds every matter of the firm, so only the server's operator or an admin who is behind
no ethical wall may take, verify or restore one. The master key is never in a backup.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connections, transaction

from lawledger.backup import archive, blobs, engines, inventory, keys
from lawledger.backup.checks import CheckResult
from lawledger.backup.databases import (
    Target,
    as_default,
    parse_database_url,
    sqlite_settings,
    temporary_alias,
    with_name,
)
from lawledger.backup.errors import BackupCheckFailed, BackupWriteFailed
from lawledger.backup.events import BackupEvent
from lawledger.backup.retention import Keep, created_at, plan
from lawledger.backup.verification import (
    FORMAT,
    Opened,
    check_in_scratch,
    default_postgresql,
    lawledger_version,
    open_backup,
    postgresql_server,
    refuse_failures,
)
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput, LawLedgerError, PermissionDenied
from lawledger.home import home_dir

WORK_DIR_ENV = "LAWLEDGER_BACKUP_WORK_DIR"


def require_backup_rights(actor: Principal) -> None:
    """The operator, or an admin who sees every matter (a backup holds all of them)."""
    if actor.is_operator:
        return
    from lawledger.access.policy import require, visible_matters

    require(actor, Action.MANAGE_FIRM)
    everyone = visible_matters(Principal.operator("backup")).count()
    if visible_matters(actor).count() != everyone:
        raise PermissionDenied("a user behind an ethical wall may not take, verify or restore "
                               "backups: a backup holds every matter")


def _audit(actor: Principal, event: BackupEvent, *, outcome: str = "ok",
           details: dict[str, Any]) -> str | None:
    """Append to the chain in a transaction of its own; the warning to show if that failed."""
    from lawledger.audit.services import record

    try:
        with transaction.atomic():
            record(actor, event, object_type="backup", object_id=str(details.get("file", ""))[-64:],
                   outcome=outcome, details=details)
    except (DatabaseError, LawLedgerError) as exc:
        return f"the audit record of this {event.value} could not be written: {exc}"
    return None


@contextmanager
def staging_directory() -> Iterator[Path]:
    """A private (0700) directory for plaintext copies, removed however the block ends."""
    base = Path(os.environ.get(WORK_DIR_ENV) or home_dir() / "tmp")
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = Path(tempfile.mkdtemp(prefix="backup-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")


# create -----------------------------------------------------------------------------------------

def _backup_directory(directory: str) -> Path:
    path = Path(directory).expanduser()
    if not path.exists() and path.parent.is_dir():
        path.mkdir(mode=0o700)
    if not path.is_dir():
        raise InvalidInput(f"dir: {directory} is not a directory", param="dir")
    return path.resolve()


def _snapshot(staging: Path) -> tuple[str, Path, engines.Snapshot]:
    default = connections["default"]
    if default.vendor == "sqlite":
        payload = staging / archive.PAYLOAD_NAMES["sqlite"]
        return "sqlite", payload, engines.sqlite_snapshot(Path(default.settings_dict["NAME"]),
                                                          payload)
    payload = staging / archive.PAYLOAD_NAMES["postgresql"]
    return "postgresql", payload, engines.postgresql_snapshot(dict(default.settings_dict), payload)


def backup_create(*, actor: Principal, directory: str) -> dict[str, Any]:
    require_backup_rights(actor)
    recipients, key_warning = keys.recipients_for_backup()
    target = _backup_directory(directory)
    started = clock.now()
    name = f"lawledger-{started:%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(3)}.age"
    try:
        with staging_directory() as staging:
            engine, payload, (figures, refs) = _snapshot(staging)
            documents = blobs.collect(refs, staging)
            manifest = {"format": FORMAT, "created_at": started.isoformat(), "engine": engine,
                        "lawledger_version": lawledger_version(), "master_key_included": False,
                        "payload": {"name": payload.name, "bytes": payload.stat().st_size,
                                    "sha256": archive.sha256_of(payload)},
                        "documents": documents.section, **figures}
            manifest_bytes = canonical(manifest)
            signer, signature = keys.sign(manifest_bytes)
            signature_doc = canonical({"algorithm": "ed25519", "signer": signer,
                                       "signature": signature})
            members = [archive.Member(archive.MANIFEST_NAME, manifest_bytes),
                       archive.Member(archive.SIGNATURE_NAME, signature_doc),
                       archive.Member(payload.name, path=payload), *documents.members]
            path, size, sha256 = archive.write_encrypted(target, name, members, recipients,
                                                         int(started.timestamp()))
    except BackupWriteFailed as exc:
        _audit(actor, BackupEvent.FAILED, outcome="failed",
               details={"directory": str(target), "code": exc.code, "reason": exc.message[:400]})
        raise
    details = {"file": str(path), "bytes": size, "sha256": sha256, "engine": engine,
               "audit_head_seq": figures["audit"]["head_seq"], "signer": signer,
               "document_files": documents.section["files"]}
    warning = _audit(actor, BackupEvent.CREATED, details=details)
    warnings = [text for text in (key_warning, warning) if text]
    return {**details, "manifest": manifest, "warnings": warnings}




# verify -----------------------------------------------------------------------------------------

def backup_verify(*, actor: Principal | None, file: str, identity: str | None = None,
                  signer: str | None = None, scratch: str | None = None) -> dict[str, Any]:
    """Check a backup end to end; raise BackupRefused (exit 1) naming the reason.

    `actor` is None on a machine with no firm database (an offline verification box): nothing
    is audited there. Otherwise the outcome is appended to the firm's audit chain.
    """
    if actor is not None:
        require_backup_rights(actor)
    try:
        with staging_directory() as staging:
            opened = open_backup(file, staging, identity=identity, signer=signer)
            server = (postgresql_server(scratch, default_postgresql())
                      if opened.engine == "postgresql" else None)
            results = check_in_scratch(opened, server)
        refuse_failures(results)
    except LawLedgerError as exc:
        if actor is not None and exc.exit_status == 1:
            _audit(actor, BackupEvent.VERIFIED, outcome="failed",
                   details={"file": str(file), "code": exc.code, "reason": exc.message[:400]})
        raise
    report: dict[str, Any] = {
        "file": str(Path(file).resolve()), "ok": True, "signer": opened.signer_source,
        "checks": [r.as_dict() for r in results], "manifest": opened.summary(), "warnings": []}
    if actor is not None:
        warning = _audit(actor, BackupEvent.VERIFIED,
                         details={"file": report["file"],
                                  "payload_sha256": opened.manifest["payload"]["sha256"]})
        report["warnings"] = [warning] if warning else []
    return report


# restore ----------------------------------------------------------------------------------------

def default_target() -> Target:
    settings = dict(connections["default"].settings_dict)
    if connections["default"].vendor == "sqlite":
        return Target("sqlite", path=Path(settings["NAME"]))
    return Target("postgresql", settings=settings)


def _place(opened: Opened, target: Target, scratch: str | None) -> list[CheckResult]:
    """Check a copy, then put it at the target: the target is touched only if all passed."""
    documents_root = _documents_root(opened)
    if documents_root is not None:
        blobs.target_is_free(documents_root)
    if target.engine == "sqlite":
        assert target.path is not None
        engines.sqlite_target_is_free(target.path)
        results = check_in_scratch(opened, None)
        refuse_failures(results)
        path = target.path
        _with_documents(opened, documents_root, lambda: engines.sqlite_place(opened.payload, path))
        return results
    assert target.settings is not None
    settings = target.settings
    engines.postgresql_target_is_empty(settings)
    results = check_in_scratch(opened, postgresql_server(scratch, settings))
    refuse_failures(results)
    _with_documents(opened, documents_root,
                    lambda: engines.pg_restore(opened.payload, settings, str(settings["NAME"])))
    return results


def _documents_root(opened: Opened) -> Path | None:
    """Where the backup's document files go (this home's store), if it carries any."""
    if opened.documents is None or not opened.documents.paths:
        return None
    from lawledger.documents.storage import storage_root

    return storage_root()


def _with_documents(opened: Opened, root: Path | None,
                    place_database: Callable[[], None]) -> None:
    """Files staged and on disk first; one rename places them, then the database is placed.
    If placing the database fails, the files placed are removed: all of it or none of it."""
    if root is None or opened.documents is None:
        place_database()
        return
    staged = blobs.stage(opened.documents, root)
    try:
        blobs.place(staged, root)
        try:
            place_database()
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)  # it was empty or absent before the rename
            raise
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _record_restore(actor: Principal, target: Target, details: dict[str, Any],
                    opened: Opened) -> str | None:
    """Compare the placed database with the manifest, then append the restore to its chain."""
    settings = (sqlite_settings(target.path) if target.path is not None
                else with_name(target.settings or {}, str((target.settings or {})["NAME"])))
    with temporary_alias(settings) as alias:
        differences = inventory.differences(opened.figures(), inventory.take(alias))
        if differences:
            raise BackupCheckFailed(f"the restored database {target.describe()} differs from "
                                    f"the manifest: {'; '.join(differences[:5])}")
        with as_default(alias):
            return _audit(actor, BackupEvent.RESTORED, details=details)


def backup_restore(*, actor: Principal, file: str, to: str | None = None,
                   identity: str | None = None, signer: str | None = None,
                   scratch: str | None = None) -> dict[str, Any]:
    """Restore into an empty database; refuse (target untouched) anything that fails a check."""
    if not actor.is_operator:
        raise PermissionDenied("a restore is the server operator's act: run it without --as "
                               "and without LAWLEDGER_USER")
    target = parse_database_url(to) if to else default_target()
    with staging_directory() as staging:
        opened = open_backup(file, staging, identity=identity, signer=signer)
        if opened.engine != target.engine:
            raise InvalidInput(f"to: this is a {opened.engine} backup: restore it into a "
                               f"{opened.engine} database, not {target.describe()}", param="to")
        results = _place(opened, target, scratch)
    details = {"file": str(Path(file).resolve()), "target": target.describe(),
               "created_at": opened.manifest["created_at"],
               "payload_sha256": opened.manifest["payload"]["sha256"],
               "document_files": _restored_files(opened)}
    warning = _record_restore(actor, target, details, opened)
    if target.engine == "sqlite" and target.path == default_target().path:
        from lawledger.crypto.master import ensure_secret_file

        ensure_secret_file("django-secret")  # the web sessions' secret of the new home
    return {**details, "checks": [r.as_dict() for r in results], "manifest": opened.summary(),
            "warnings": [warning] if warning else []}


def _restored_files(opened: Opened) -> dict[str, Any]:
    if opened.documents is None:
        return {"files": 0, "note": "this backup carries no documents (it was made before "
                                    "lawledger backed up document files)"}
    root = _documents_root(opened)
    return {"files": len(opened.documents.paths), "directory": str(root) if root else None}


# prune, keys, schedule --------------------------------------------------------------------------

def backup_prune(*, actor: Principal, directory: str, keep: Keep,
                 dry_run: bool = False) -> dict[str, Any]:
    """Delete the backups no retention rule keeps (only files named like our backups)."""
    require_backup_rights(actor)
    path = Path(directory)
    if not path.is_dir():
        raise InvalidInput(f"dir: {directory} is not a directory", param="dir")
    found = [(entry.name, when) for entry in path.iterdir()
             if entry.is_file() and (when := created_at(entry.name)) is not None]
    kept, pruned = plan(found, keep)
    if not dry_run and pruned:
        with archive.directory_lock(path):
            for name in pruned:
                (path / name).unlink(missing_ok=True)
            keys.fsync_directory(path)
    details = {"directory": str(path.resolve()), "kept": kept, "pruned": pruned,
               "dry_run": dry_run, "keep": {"daily": keep.daily, "weekly": keep.weekly,
                                            "monthly": keep.monthly}}
    warning = None if dry_run else _audit(actor, BackupEvent.PRUNED, details=details)
    return {**details, "warnings": [warning] if warning else []}


def backup_keygen(*, actor: Principal, identity_out: str | None, recipients: list[str],
                  force: bool = False) -> dict[str, Any]:
    """Set the public recipient(s): a new identity written to `identity_out`, and/or given ones."""
    require_backup_rights(actor)
    if not identity_out and not recipients:
        raise InvalidInput("identity: pass --identity FILE (a new key pair) or --recipient "
                           "age1… (a public key made offline)", param="identity")
    for text in recipients:
        keys.parse_recipient(text)
    if keys.recipient_path().exists() and not force:
        raise InvalidInput(f"{keys.recipient_path()} already holds a backup recipient; pass "
                           "--force to replace it (older backups stay readable only with the "
                           "old identity)", param="recipient")
    all_recipients = list(recipients)
    if identity_out:
        all_recipients.insert(0, keys.generate_identity(Path(identity_out)))
    stored = keys.set_recipients(all_recipients, replace=True)
    signer = keys.signer_id(keys.ensure_signing_key().public_key())
    details = {"recipients": stored, "signer": signer,
               "identity_file": str(Path(identity_out).resolve()) if identity_out else None}
    warning = _audit(actor, BackupEvent.RECIPIENT_SET, details=details)
    return {**details, "recipient_file": str(keys.recipient_path()),
            "warnings": [warning] if warning else []}


def backup_schedule(*, actor: Principal, directory: str, kind: str, at: str,
                    keep: tuple[int, int, int], out: str | None = None,
                    env_file: str | None = None) -> dict[str, Any]:
    """Unit files (systemd) or a crontab line running create + prune; printed or written."""
    import sys

    from lawledger.backup import schedule

    require_backup_rights(actor)
    target = Path(directory).expanduser().resolve()
    program = [sys.executable, "-m", "lawledger"]
    retention = Keep(*keep)
    env = Path(env_file).resolve() if env_file else None
    if kind == "systemd":
        files = schedule.systemd_units(program, target, retention, at=at, home=home_dir(),
                                       env_file=env)
    elif kind == "cron":
        files = schedule.cron_line(program, target, retention, at=at, home=home_dir(),
                                   env_file=env, log=home_dir() / "backup.log")
    else:
        raise InvalidInput("format: systemd or cron", param="format")
    written: dict[str, str] = {}
    if out:
        folder = Path(out)
        if not folder.is_dir():
            raise InvalidInput(f"out: {out} is not a directory", param="out")
        for name, text in files.items():
            (folder / name).write_text(text)
            written[name] = str((folder / name).resolve())
        _audit(actor, BackupEvent.SCHEDULE_WRITTEN,
               details={"format": kind, "directory": str(target), "files": list(written.values())})
    create, prune = schedule.commands(program, target, retention)
    return {"format": kind, "files": files, "written": written, "create": create, "prune": prune}
