"""Opening a backup and judging a restored copy of it (shared by verify and restore).

Order matters: the signature is checked before anything in the manifest is believed (a forged
manifest claiming a newer schema is a bad signature, not a newer schema), then the schema, then
the payload's sha256 and the documents index's; only then is the payload restored into a copy
and checked, the document files against the copy's document rows last.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.db import connections

from lawledger.backup import archive, blobs, engines, inventory, keys
from lawledger.backup.checks import CheckResult, master_key_opens_data_keys, run_all
from lawledger.backup.databases import parse_database_url, sqlite_settings, temporary_alias
from lawledger.backup.errors import BackupCheckFailed, BackupDamaged, BackupNewerSchema
from lawledger.core.errors import InvalidInput

FORMAT = "lawledger-backup/1"
FIGURES = ("schema", "tables", "balances", "reconciled_periods", "audit", "data_keys")


def lawledger_version() -> str:
    try:
        return version("lawledger")
    except PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class Opened:
    manifest: dict[str, Any]
    engine: str
    payload: Path
    signer_source: str
    documents: blobs.Carried | None = None

    def figures(self) -> dict[str, Any]:
        return {key: self.manifest[key] for key in FIGURES}

    def summary(self) -> dict[str, Any]:
        summary = {key: self.manifest[key] for key in ("created_at", "engine",
                                                       "lawledger_version", "audit", "data_keys",
                                                       "payload")}
        # None: a backup made before backups carried the document files.
        return {**summary, "documents": self.manifest.get("documents")}


def known_migrations() -> set[str]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def _signed_manifest(unpacked: archive.Unpacked, trusted: Any, source: str) -> dict[str, Any]:
    try:
        signature = json.loads(unpacked.signature_bytes)
        claimed, value = str(signature["signer"]), str(signature["signature"])
    except (ValueError, KeyError, TypeError):
        raise BackupDamaged("the manifest's signature file is malformed") from None
    keys.verify_signature(unpacked.manifest_bytes, value, claimed, trusted, source)
    try:
        manifest = json.loads(unpacked.manifest_bytes)
    except ValueError:
        raise BackupDamaged("the manifest is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupDamaged(f"not a {FORMAT} backup")
    if archive.PAYLOAD_NAMES.get(str(manifest.get("engine"))) != unpacked.payload_name:
        raise BackupDamaged("the manifest's engine does not match the database inside")
    return manifest


def open_backup(file: str, staging: Path, *, identity: str | None,
                signer: str | None) -> Opened:
    """Decrypt, check the signature, the schema and the payload's sha256, in that order."""
    identities = keys.load_identities(identity)
    trusted, source = keys.trusted_signer(signer, identities.signer)
    plaintext = staging / "backup.tar"
    archive.decrypt(Path(file), identities.identities, plaintext)
    unpacked = archive.unpack(plaintext, staging)
    plaintext.unlink()
    manifest = _signed_manifest(unpacked, trusted, source)
    unknown = sorted(set(manifest["schema"]["migrations"]) - known_migrations())
    if unknown:
        raise BackupNewerSchema(
            f"the backup comes from a newer lawledger: its schema has {', '.join(unknown[:3])}, "
            f"unknown to lawledger {lawledger_version()}. Upgrade lawledger, then restore")
    if archive.sha256_of(unpacked.payload_path) != manifest["payload"]["sha256"]:
        raise BackupDamaged("the database inside the backup does not match the sha256 in its "
                            "manifest")
    documents = blobs.read_index(manifest, unpacked.documents_index, unpacked.document_files)
    return Opened(manifest, str(manifest["engine"]), unpacked.payload_path, source, documents)


def check_copy(alias: str, opened: Opened,
               pg_settings: dict[str, Any] | None = None) -> list[CheckResult]:
    """Integrity, invariants, figures against the manifest, and the data keys, on a copy."""
    results = []
    if pg_settings is not None:
        results.append(engines.postgresql_integrity(pg_settings))
    results += run_all(alias)
    differences = inventory.differences(opened.figures(), inventory.take(alias))
    results.append(CheckResult("counts, balances, signed-off periods, audit head and data keys "
                               "equal the manifest", not differences, "; ".join(differences[:5])))
    results.append(master_key_opens_data_keys(alias))
    results.append(blobs.check(alias, opened.documents))
    return results


def refuse_failures(results: list[CheckResult]) -> None:
    failures = [r for r in results if not r.ok]
    if failures:
        raise BackupCheckFailed("; ".join(f"{r.name}: {r.detail}" for r in failures)[:2000])


def postgresql_server(scratch: str | None, fallback: dict[str, Any] | None) -> dict[str, Any]:
    """Where a PostgreSQL backup's scratch copy is made: --scratch, else `fallback`."""
    if scratch:
        target = parse_database_url(scratch, param="scratch")
        if target.settings is not None:
            return target.settings
    elif fallback is not None:
        return fallback
    raise InvalidInput("scratch: a PostgreSQL backup is checked on a PostgreSQL server: pass "
                       "--scratch postgres://… (a role that may CREATE DATABASE) or set "
                       "DATABASE_URL", param="scratch")


def check_in_scratch(opened: Opened, server: dict[str, Any] | None) -> list[CheckResult]:
    """Restore the payload into a throwaway copy and check it (SQLite: the staged file)."""
    if opened.engine == "sqlite":
        with temporary_alias(sqlite_settings(opened.payload)) as alias:
            return check_copy(alias, opened)
    assert server is not None
    with engines.postgresql_scratch(server, opened.payload) as copy:
        with temporary_alias(copy) as alias:
            return check_copy(alias, opened, copy)


def default_postgresql() -> dict[str, Any] | None:
    default = connections["default"]
    return dict(default.settings_dict) if default.vendor == "postgresql" else None
