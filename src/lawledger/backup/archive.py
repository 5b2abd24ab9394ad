"""The backup file: a tar of (manifest.json, manifest.sig, the database payload, the document
files and their index), age-encrypted.

Writing: the tar is produced on the fly and streamed through age (pyrage) to the public
recipient(s) into `.NAME.partial` in the target directory (created 0600, exclusive), fsynced,
renamed to NAME, and the directory fsynced: a backup exists under its final name only once it is
complete and on disk. A lock file keeps two writers out of one directory; stale partial files of
a killed writer are removed by the next one. Any failure removes the partial file.

Reading: the header is checked, the file decrypted into a private staging directory (age
authenticates every 64 KiB chunk and detects truncation), and only the expected regular members
are taken from the tar, never extracted by their own names.

With the identity, an operator can also open a backup by hand: `age -d -i IDENTITY FILE | tar x`.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import os
import re
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage

from lawledger.backup.errors import (
    BackupDamaged,
    BackupRefused,
    BackupTruncated,
    BackupWriteFailed,
    BackupWrongIdentity,
    DiskFull,
)
from lawledger.backup.keys import fsync_directory

AGE_HEADER = b"age-encryption.org/v1\n"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
PAYLOAD_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
# Document files (backup/blobs.py): an index of their digests, and each file by its storage id.
INDEX_NAME = "documents/index.json"
BLOB_PREFIX = "documents/"
BLOB_NAME = re.compile(r"^documents/([0-9a-f]{32})$")
MAX_INDEX_BYTES = 64 * 1024 * 1024
BACKUP_NAME = re.compile(r"^lawledger-(\d{8}T\d{6}(?:\.\d{6})?Z)-[0-9a-f]{6}\.age$")
LOCK_NAME = ".lawledger-backup.lock"
PARTIAL_PREFIX = ".lawledger-"
PARTIAL_SUFFIX = ".partial"
CHUNK_BYTES = 1024 * 1024

# Tests set this to act between two written chunks (e.g. to SIGKILL a writer mid-backup).
chunk_hook: Callable[[int], None] | None = None


@dataclass(frozen=True)
class Member:
    name: str
    data: bytes | None = None
    path: Path | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else os.path.getsize(self.path or "")


class TarStream(io.RawIOBase):
    """A readable tar of `members`, produced on the fly (no plaintext copy of the tar on disk)."""

    def __init__(self, members: list[Member], mtime: int) -> None:
        self._parts = self._generate(members, mtime)
        self._buffer = b""

    @staticmethod
    def _generate(members: list[Member], mtime: int) -> Iterator[bytes]:
        for member in members:
            info = tarfile.TarInfo(member.name)
            info.size, info.mode, info.mtime = member.size, 0o600, mtime
            yield info.tobuf(format=tarfile.PAX_FORMAT)
            if member.data is not None:
                yield member.data
            else:
                assert member.path is not None
                with open(member.path, "rb") as handle:
                    while chunk := handle.read(CHUNK_BYTES):
                        yield chunk
            yield b"\0" * (-member.size % tarfile.BLOCKSIZE)
        yield b"\0" * (2 * tarfile.BLOCKSIZE)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._parts)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._buffer))
        buffer[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


class DurableWriter(io.RawIOBase):
    """Writes to a raw fd, hashing what it writes.

    pyrage turns whatever stops a write into its own EncryptError, so the original exception
    (ENOSPC, or a Ctrl-C between chunks) is kept here and raised again by the caller.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.sha256 = hashlib.sha256()
        self.written = 0
        self.error: BaseException | None = None

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        try:
            while view:
                count = os.write(self.fd, view)
                self.sha256.update(view[:count])
                self.written += count
                view = view[count:]
            if chunk_hook is not None:
                chunk_hook(self.written)
        except BaseException as exc:
            self.error = exc
            raise
        return len(data)


def _write_error(exc: OSError, directory: Path) -> BackupWriteFailed:
    name = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    if exc.errno == errno.ENOSPC:
        return DiskFull(f"no space left on the device of {directory} (ENOSPC) while writing the "
                        "backup: no file was left under the final name; earlier backups and "
                        "the database are untouched")
    return BackupWriteFailed(f"writing the backup to {directory} failed ({name}: "
                             f"{exc.strerror}): no file was left under the final name")


@contextmanager
def directory_lock(directory: Path) -> Iterator[None]:
    """One writer per backup directory; stale partial files of a killed writer are removed."""
    try:
        fd = os.open(directory / LOCK_NAME, os.O_WRONLY | os.O_CREAT, 0o600)
    except OSError as exc:
        raise _write_error(exc, directory) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupWriteFailed(f"another backup is being written to {directory}") from None
        except OSError:
            pass  # a share without locks (some SMB mounts): one writer is the operator's duty
        for stale in directory.glob(f"{PARTIAL_PREFIX}*{PARTIAL_SUFFIX}"):
            stale.unlink(missing_ok=True)
        yield
    finally:
        os.close(fd)


def write_encrypted(directory: Path, name: str, members: list[Member],
                    recipients: list[Any], mtime: int) -> tuple[Path, int, str]:
    """Encrypt the tar of `members` to `directory/name`, atomically; (path, bytes, sha256)."""
    final = directory / name
    partial = directory / f"{PARTIAL_PREFIX}{name}{PARTIAL_SUFFIX}"
    with directory_lock(directory):
        if final.exists():
            raise BackupWriteFailed(f"{final} already exists")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise _write_error(exc, directory) from None
        writer = DurableWriter(fd)
        try:
            try:
                pyrage.encrypt_io(TarStream(members, mtime), writer, recipients)
            except pyrage.EncryptError as exc:
                if writer.error is not None:
                    raise writer.error from None
                raise BackupWriteFailed(f"encrypting the backup failed: {exc}") from None
            os.fsync(fd)
            os.close(fd)
            fd = -1
            os.rename(partial, final)
            fsync_directory(directory)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise _write_error(exc, directory) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            if fd >= 0:
                os.close(fd)
    return final, writer.written, writer.sha256.hexdigest()


# reading ----------------------------------------------------------------------------------------

def _decrypt_refusal(message: str) -> BackupRefused:
    if "No matching keys" in message:
        return BackupWrongIdentity("no identity given opens this backup: it was encrypted to "
                                   "another key (or its header was altered)")
    if "truncated" in message:
        return BackupTruncated("the backup is truncated: it ends before its last chunk")
    if "Header MAC" in message:
        return BackupDamaged("the backup's header was altered (its MAC does not verify)")
    if "fill whole buffer" in message:
        return BackupTruncated("the backup's header is cut short")
    return BackupDamaged("the backup does not decrypt: its contents were altered or cut "
                         f"short (age authentication failed: {message})")


def decrypt(source: Path, identities: list[Any], plaintext_path: Path) -> None:
    """Decrypt `source` into `plaintext_path` (0600); refuse with the reason otherwise."""
    try:
        with open(source, "rb") as handle:
            if handle.read(len(AGE_HEADER)) != AGE_HEADER:
                raise BackupDamaged(f"{source.name} is not a lawledger backup: it does not start "
                                    "with the age header (age-encryption.org/v1)")
            handle.seek(0)
            fd = os.open(plaintext_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                pyrage.decrypt_io(handle, out, identities)
    except FileNotFoundError:
        from lawledger.core.errors import InvalidInput

        raise InvalidInput(f"file: {source} does not exist", param="file") from None
    except (pyrage.DecryptError, OSError) as exc:
        plaintext_path.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno is not None:
            raise  # a real I/O error of ours (unreadable file, full staging disk)
        raise _decrypt_refusal(str(exc)) from None


@dataclass(frozen=True)
class Unpacked:
    manifest_bytes: bytes
    signature_bytes: bytes
    payload_name: str
    payload_path: Path
    documents_index: bytes | None = None
    document_files: dict[str, Path] = field(default_factory=dict)


def _copy_out(source: Any, target: Path) -> None:
    with open(target, "xb") as out:
        while chunk := source.read(CHUNK_BYTES):
            out.write(chunk)


def unpack(tar_path: Path, staging: Path) -> Unpacked:
    """Take manifest, signature, payload and document files out of the decrypted tar, by our
    names only (a document file's name must be a storage id: it never becomes a path itself)."""
    wanted: dict[str, bytes] = {}
    payload: tuple[str, Path] | None = None
    files: dict[str, Path] = {}
    try:
        with tarfile.open(tar_path, mode="r:") as archive:
            for member in archive:
                if not member.isreg():
                    raise BackupDamaged(f"unexpected entry {member.name!r} in the backup")
                source = archive.extractfile(member)
                assert source is not None
                blob = BLOB_NAME.match(member.name)
                if member.name in (MANIFEST_NAME, SIGNATURE_NAME, INDEX_NAME):
                    limit = MAX_INDEX_BYTES if member.name == INDEX_NAME else MAX_MANIFEST_BYTES
                    if member.size > limit or member.name in wanted:
                        raise BackupDamaged(f"{member.name} is too large or given twice")
                    wanted[member.name] = source.read()
                elif member.name in PAYLOAD_NAMES.values() and payload is None:
                    _copy_out(source, staging / member.name)
                    payload = (member.name, staging / member.name)
                elif blob is not None and blob.group(1) not in files:
                    (staging / "documents").mkdir(mode=0o700, exist_ok=True)
                    files[blob.group(1)] = staging / "documents" / blob.group(1)
                    _copy_out(source, files[blob.group(1)])
                else:
                    raise BackupDamaged(f"unexpected entry {member.name!r} in the backup")
    except tarfile.TarError as exc:
        raise BackupDamaged(f"the decrypted backup is not a valid archive: {exc}") from None
    missing = [n for n in (MANIFEST_NAME, SIGNATURE_NAME) if n not in wanted]
    if missing or payload is None:
        raise BackupDamaged(f"the backup lacks {', '.join(missing) or 'its database payload'}")
    return Unpacked(wanted[MANIFEST_NAME], wanted[SIGNATURE_NAME], payload[0], payload[1],
                    wanted.get(INDEX_NAME), files)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
