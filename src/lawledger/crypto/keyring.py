"""The process-wide key ring: unwraps data keys with the master key and seals/opens text.

Token format: `enc1:<key_id>:<base64url(nonce ‖ ciphertext ‖ tag)>`. The associated data binds a
value to its table, column and row, so a ciphertext copied into another row fails to open (F5).
Every failure raises DecryptionFailed: a value that cannot be authenticated is never shown.
"""

from __future__ import annotations

import base64
import os
import threading

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lawledger.core import clock
from lawledger.core.errors import DecryptionFailed
from lawledger.crypto.master import load_master_key

TOKEN_PREFIX = "enc1"
NONCE_BYTES = 12


def _wrap_aad(key_id: str) -> bytes:
    return b"lawledger-data-key:" + key_id.encode()


class KeyRing:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, AESGCM] = {}
        self._primary: str | None = None
        self._master: bytes | None = None
        self._derived: dict[str, bytes] = {}

    def reset(self) -> None:
        with self._lock:
            self._keys.clear()
            self._primary = None
            self._master = None
            self._derived.clear()

    def derived_key(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose (e.g. audit checkpoints), derived from the master key.

        HKDF keeps the master key itself to one use (wrapping data keys) while other keyed
        proofs still depend on a secret that never lives in the database.
        """
        with self._lock:
            found = self._derived.get(purpose)
            if found is None:
                found = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                             info=purpose.encode()).derive(self._master_key())
                self._derived[purpose] = found
            return found

    def _master_key(self) -> bytes:
        if self._master is None:
            self._master = load_master_key()
        return self._master

    def _load(self) -> None:
        from lawledger.crypto.models import DataKey

        master = AESGCM(self._master_key())
        keys: dict[str, AESGCM] = {}
        primary = None
        for row in DataKey.objects.all():
            wrapped = bytes(row.wrapped_key)
            try:
                raw = master.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:],
                                     _wrap_aad(row.key_id))
            except InvalidTag:
                raise DecryptionFailed(
                    f"data key {row.key_id} does not open with this master key: wrong master key?"
                ) from None
            keys[row.key_id] = AESGCM(raw)
            if row.is_primary:
                primary = row.key_id
        self._keys = keys
        self._primary = primary

    def primary_key_id(self) -> str:
        with self._lock:
            if self._primary is None:
                self._load()
            if self._primary is None:
                raise DecryptionFailed("no data key exists: run `lawledger init`")
            return self._primary

    def _key(self, key_id: str) -> AESGCM:
        with self._lock:
            key = self._keys.get(key_id)
            if key is None:
                self._load()
                key = self._keys.get(key_id)
            if key is None:
                raise DecryptionFailed(f"data key {key_id} is not in the key ring")
            return key

    def seal(self, plaintext: str, aad: bytes, key_id: str | None = None) -> str:
        key_id = key_id or self.primary_key_id()
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = self._key(key_id).encrypt(nonce, plaintext.encode("utf-8"), aad)
        body = base64.urlsafe_b64encode(nonce + ciphertext).decode("ascii").rstrip("=")
        return f"{TOKEN_PREFIX}:{key_id}:{body}"

    def open(self, token: str, aad: bytes) -> str:
        try:
            prefix, key_id, body = token.split(":", 2)
        except ValueError:
            raise DecryptionFailed("stored value is not an encrypted token") from None
        if prefix != TOKEN_PREFIX:
            raise DecryptionFailed("stored value is not an encrypted token")
        try:
            blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plaintext = self._key(key_id).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
        except (InvalidTag, ValueError):
            raise DecryptionFailed("stored value failed authentication (tampered or moved)") from None
        return plaintext.decode("utf-8")

    @staticmethod
    def key_id_of(token: str) -> str:
        return token.split(":", 2)[1]


KEYRING = KeyRing()


def create_data_key(*, make_primary: bool) -> str:
    """Create and store a new wrapped data key. The caller owns the transaction."""
    from lawledger.crypto.models import DataKey

    existing = set(DataKey.objects.values_list("key_id", flat=True))
    number = 1
    while f"k{number}" in existing:
        number += 1
    key_id = f"k{number}"
    raw = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    wrapped = nonce + AESGCM(load_master_key()).encrypt(nonce, raw, _wrap_aad(key_id))
    if make_primary:
        DataKey.objects.filter(is_primary=True).update(is_primary=False)
    DataKey.objects.create(key_id=key_id, wrapped_key=wrapped, is_primary=make_primary,
                           created_at=clock.now())
    KEYRING.reset()
    return key_id


def ensure_data_key() -> str:
    from lawledger.crypto.models import DataKey

    if not DataKey.objects.filter(is_primary=True).exists():
        return create_data_key(make_primary=True)
    return KEYRING.primary_key_id()
