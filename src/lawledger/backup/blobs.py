"""The firm's document files in a backup: which ones, their digests, their check, their restore.

The documents app keeps each version's bytes sealed (AES-GCM, see documents/storage.py) in a
write-once file named by the version row's `storage_id`; the file is on disk before its row
commits. So the set a backup carries is exactly the files named by the version rows of the
database snapshot (live documents only: a deleted document's files are removed): a file written
after the snapshot belongs to a row the snapshot does not hold, and is simply not carried.

Files are carried as stored (still sealed: a backup never holds a document's plaintext) under
`documents/<storage_id>`, with `documents/index.json` listing, per file, its document, version,
size and the sha256 of its sealed bytes. The signed manifest's `documents` section holds the
counts and the sha256 of that index, so the signature covers every file's digest without the
manifest growing with the number of documents.

A document deleted between the snapshot and the copy has lost its files; the index lists it as
`absent` (the signed record of why), and verify accepts exactly those. A file missing for a live
document is a fault of the store: the backup is refused, naming the document.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connections

from lawledger.backup import archive
from lawledger.backup.checks import CheckResult
from lawledger.backup.databases import as_default
from lawledger.backup.errors import (
    BackupDamaged,
    DocumentFileMissing,
    RestoreTargetNotEmpty,
)
from lawledger.backup.keys import fsync_directory

LIMIT = 5


@dataclass(frozen=True)
class BlobRef:
    storage_id: str
    document: str
    version: int


def snapshot_refs(alias: str) -> list[BlobRef]:
    """The files the live documents of this database name (read in the caller's snapshot)."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT v.storage_id, d.public_id, v.version FROM documents_version v "
                       "JOIN documents_document d ON d.id = v.document_id "
                       "WHERE d.deleted_at IS NULL ORDER BY v.storage_id")
        return [BlobRef(str(sid), str(doc), int(number)) for sid, doc, number in cursor.fetchall()]


def _canonical(document: Any) -> bytes:
    return json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")


# create -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Collected:
    section: dict[str, Any]
    members: list[archive.Member]


def _pin(source: Path, copy: Path) -> None:
    """A hard link keeps the file's bytes even if its document is deleted meanwhile; a copy
    where the staging directory is on another file system."""
    try:
        os.link(source, copy)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
            raise
        shutil.copyfile(source, copy)


def _deleted_since(public_id: str) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1 FROM documents_document WHERE public_id = %s "
                       "AND deleted_at IS NOT NULL", [public_id])
        return cursor.fetchone() is not None


def collect(refs: list[BlobRef], staging: Path) -> Collected:
    """Pin the snapshot's files in `staging`, digest them; the manifest section and tar members."""
    from lawledger.documents import storage

    folder = staging / "documents"
    folder.mkdir(mode=0o700)
    carried: list[dict[str, Any]] = []
    absent: list[dict[str, Any]] = []
    for ref in refs:
        copy = folder / ref.storage_id
        try:
            _pin(storage.path_for(ref.storage_id), copy)
        except FileNotFoundError:
            entry = {"storage_id": ref.storage_id, "document": ref.document,
                     "version": ref.version}
            if _deleted_since(ref.document):
                absent.append({**entry, "reason": "deleted after the snapshot"})
                continue
            raise DocumentFileMissing(
                f"document {ref.document} version {ref.version}: its file "
                f"{storage.path_for(ref.storage_id)} is missing from the document store; no "
                "backup was written (restore that file from an earlier backup first)") from None
        carried.append({"storage_id": ref.storage_id, "document": ref.document,
                        "version": ref.version, "bytes": copy.stat().st_size,
                        "sha256": archive.sha256_of(copy)})
    index = _canonical({"files": carried, "absent": absent})
    section = {"documents": len({ref.document for ref in refs}), "versions": len(refs),
               "files": len(carried), "absent": len(absent),
               "bytes": sum(entry["bytes"] for entry in carried),
               "index_sha256": hashlib.sha256(index).hexdigest()}
    members = [archive.Member(archive.INDEX_NAME, index)]
    members += [archive.Member(archive.BLOB_PREFIX + entry["storage_id"],
                               path=folder / entry["storage_id"]) for entry in carried]
    return Collected(section, members)


# verify -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Carried:
    """A backup's document files, as its signed manifest and index describe them."""

    files: dict[str, dict[str, Any]]
    absent: dict[str, dict[str, Any]]
    paths: dict[str, Path] = field(default_factory=dict)


def read_index(manifest: dict[str, Any], index_bytes: bytes | None,
               paths: dict[str, Path]) -> Carried | None:
    """The carried files, once the index matches the manifest; None for a backup made before
    backups carried documents."""
    section = manifest.get("documents")
    if section is None:
        if index_bytes is not None or paths:
            raise BackupDamaged("the backup holds document files its manifest does not list")
        return None
    if index_bytes is None:
        raise BackupDamaged("the backup lacks its documents index (documents/index.json)")
    if hashlib.sha256(index_bytes).hexdigest() != section.get("index_sha256"):
        raise BackupDamaged("the documents index does not match the sha256 in the manifest")
    try:
        index = json.loads(index_bytes)
        files = {str(e["storage_id"]): e for e in index["files"]}
        absent = {str(e["storage_id"]): e for e in index["absent"]}
    except (ValueError, KeyError, TypeError):
        raise BackupDamaged("the documents index is malformed") from None
    return Carried(files, absent, paths)


def _problems(refs: list[BlobRef], carried: Carried) -> list[str]:
    problems = []
    listed = dict(carried.files)
    for ref in refs:
        entry = listed.pop(ref.storage_id, None)
        if ref.storage_id in carried.absent:
            continue
        name = f"{ref.document} v{ref.version}"
        if entry is None:
            problems.append(f"{name}: its file is not listed in the backup")
        elif (entry.get("document"), entry.get("version")) != (ref.document, ref.version):
            problems.append(f"{name}: the index files its file under another document")
        elif ref.storage_id not in carried.paths:
            problems.append(f"{name}: its file is missing from the backup")
        elif archive.sha256_of(carried.paths[ref.storage_id]) != entry.get("sha256"):
            problems.append(f"{name}: its file was altered (sha256 differs from the manifest)")
    problems += [f"{entry.get('document')} v{entry.get('version')}: a file in the backup that "
                 "no document of its database names" for entry in listed.values()]
    problems += [f"file {sid}: in the backup but not in its index"
                 for sid in sorted(set(carried.paths) - set(carried.files))]
    return problems


def _unopened(alias: str, carried: Carried) -> list[str]:
    """Documents whose carried file does not open with its key and associated data."""
    from lawledger.core.errors import DecryptionFailed
    from lawledger.documents import storage
    from lawledger.documents.models import DocumentVersion

    failed = []
    with as_default(alias):
        for row in (DocumentVersion.objects.select_related("document")
                    .filter(document__deleted_at__isnull=True).order_by("storage_id")):
            path = carried.paths.get(row.storage_id)
            if path is None:
                continue  # listed as absent (checked above)
            aad = storage.associated_data(row.document.public_id, row.version)
            try:
                storage.unseal(path.read_bytes(), str(row.file_key), aad)
            except DecryptionFailed as exc:
                failed.append(f"{row.document.public_id} v{row.version}: {exc.message}")
    return failed


def check(alias: str, carried: Carried | None) -> CheckResult:
    """Every live document version of the copy has its file in the backup, with its digest;
    and, where this machine has the master key, the file opens."""
    from lawledger.crypto.master import MasterKeyError, load_master_key

    name = "every document's file is in the backup, unaltered (sha256 of its sealed bytes)"
    if carried is None:
        return CheckResult(name, True, "this backup carries no documents (it was made before "
                                       "lawledger backed up document files)")
    refs = snapshot_refs(alias)
    problems = _problems(refs, carried)
    if problems:
        return CheckResult(name, False, f"{len(problems)} problem(s): "
                                        f"{'; '.join(problems[:LIMIT])}")
    try:
        load_master_key()
    except MasterKeyError:
        return CheckResult(name, True, f"{len(carried.files)} files; not opened: no master key "
                                       "here")
    unopened = _unopened(alias, carried)
    if unopened:
        return CheckResult(name, False, f"files that do not open: {'; '.join(unopened[:LIMIT])}")
    absent = f", {len(carried.absent)} deleted after the snapshot" if carried.absent else ""
    return CheckResult(name, True, f"{len(carried.files)} files, each opens{absent}")


# restore ----------------------------------------------------------------------------------------

def target_is_free(root: Path) -> None:
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise RestoreTargetNotEmpty(
            f"{root} is not empty: lawledger restores documents only into an empty documents "
            "directory (move the old one away first, or set LAWLEDGER_HOME to the new firm's "
            "home)", param="documents")


def stage(carried: Carried, root: Path) -> Path:
    """Copy the files into a hidden directory beside `root`, laid out as the store, on disk."""
    root.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staged = root.parent / f".documents-restore-{secrets.token_hex(4)}"
    staged.mkdir(mode=0o700)
    folders = set()
    for storage_id, source in sorted(carried.paths.items()):
        folder = staged / storage_id[:2]
        if folder not in folders:
            folder.mkdir(mode=0o700)
            folders.add(folder)
        with open(source, "rb") as data, open(folder / storage_id, "xb") as out:
            os.chmod(out.fileno(), 0o600)
            shutil.copyfileobj(data, out, archive.CHUNK_BYTES)
            out.flush()
            os.fsync(out.fileno())
    for folder in folders:
        fsync_directory(folder)
    fsync_directory(staged)
    return staged


def place(staged: Path, root: Path) -> None:
    """One rename puts every file in place (an empty `root` is replaced, never merged into)."""
    target_is_free(root)  # again, just before the rename
    if root.exists():
        root.rmdir()
    os.rename(staged, root)
    fsync_directory(root.parent)
