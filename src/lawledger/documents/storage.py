"""Where document bytes live: sealed files under LAWLEDGER_HOME/documents, outside any web root.

A file's path comes only from its server-generated `storage_id` (hex), never from anything a user
sent. Files are written to a temporary name, flushed to disk and renamed into place, so a crash
leaves either no file or a whole one. Envelope encryption: each file is AES-256-GCM sealed under
its own random file key, with associated data naming the document and version (a file moved to
another version fails to open); the file key is kept on the version's row in an
EncryptedTextField, i.e. sealed by the crypto app's data keys — so key rotation re-seals it with
every other confidential value, and a data key still protecting a document is never removed.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lawledger.core.errors import DecryptionFailed
from lawledger.home import home_dir

FILE_MAGIC = b"LLDOC1\n"
NONCE_BYTES = 12
STORAGE_ID = re.compile(r"^[0-9a-f]{32}$")


def storage_root() -> Path:
    return home_dir() / "documents"


def new_storage_id() -> str:
    return secrets.token_hex(16)


def associated_data(document_public_id: str, version: int) -> bytes:
    return f"lawledger-document:{document_public_id}:v{version}".encode()


def path_for(storage_id: str) -> Path:
    if not STORAGE_ID.match(storage_id):
        raise ValueError(f"not a storage id: {storage_id!r}")
    return storage_root() / storage_id[:2] / storage_id


def write_sealed(storage_id: str, data: bytes, aad: bytes) -> str:
    """Seal `data` under a new file key and write it at `storage_id`; returns the file key
    (base64), which the caller stores sealed."""
    file_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    blob = nonce + AESGCM(file_key).encrypt(nonce, data, aad)
    target = path_for(storage_id)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = target.with_name(f".{storage_id}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(FILE_MAGIC + blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return base64.b64encode(file_key).decode("ascii")


def read_sealed(storage_id: str, file_key: str, aad: bytes) -> bytes:
    try:
        raw = path_for(storage_id).read_bytes()
    except FileNotFoundError:
        raise DecryptionFailed("stored file is missing") from None
    return unseal(raw, file_key, aad)


def unseal(raw: bytes, file_key: str, aad: bytes) -> bytes:
    """The plaintext of a sealed file's bytes (also used on a backup's copy of the file)."""
    if not raw.startswith(FILE_MAGIC):
        raise DecryptionFailed("stored file is not a sealed document")
    blob = raw[len(FILE_MAGIC):]
    try:
        return AESGCM(base64.b64decode(file_key)).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:],
                                                          aad)
    except (InvalidTag, ValueError):
        raise DecryptionFailed("stored file failed authentication (tampered or moved)") from None


def remove(storage_id: str) -> None:
    path_for(storage_id).unlink(missing_ok=True)
