"""Keyed checkpoints of the audit chain (F1): an HMAC over (seq, hash) that only the firm can make.

The hash chain alone proves order and content, but anyone with write access to the database can
recompute a whole rewritten chain. The chain head therefore carries an HMAC of its (seq, hash), and
every CHECKPOINT_EVERY-th record leaves an append-only checkpoint row with the same kind of HMAC.
The HMAC key is derived (HKDF) from the firm's master key, which never lives in the database, so a
chain recomputed without it fails `audit verify` at the first checkpoint it passes, or at the head.
"""

from __future__ import annotations

import hashlib
import hmac

from django.db import connection

CHECKPOINT_EVERY = 1000
_PURPOSE = "lawledger-audit-checkpoint-v1"


def _key() -> bytes:
    from lawledger.crypto.keyring import KEYRING

    return KEYRING.derived_key(_PURPOSE)


def checkpoint_mac(seq: int, digest: str) -> str:
    return hmac.new(_key(), f"{seq}:{digest}".encode("ascii"), hashlib.sha256).hexdigest()


def mac_matches(seq: int, digest: str, mac: str) -> bool:
    return hmac.compare_digest(checkpoint_mac(seq, digest), mac)


def write_checkpoint(seq: int, digest: str, mac: str) -> None:
    """Called by `record` inside the transaction that appends record `seq`."""
    if seq % CHECKPOINT_EVERY:
        return
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO audit_checkpoint (seq, hash, mac) VALUES (%s, %s, %s)",
                       [seq, digest, mac])
