"""Idempotency records of the API (I7 over HTTP), called inside the request's transaction.

`claim` runs first in the transaction of the effect: it answers with the stored response of an
earlier request with the same key, refuses a different request under that key, or inserts this
request's record. A duplicate sent while the first is still running waits on the unique index
(PostgreSQL) or on the write lock (SQLite) and then finds the first one's record, so two requests
never both take effect. `complete` writes the response into the record before the transaction
commits, so the effect and its stored response are committed together or not at all. Records
expire after a day; after that the key may be used again as a new request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from lawledger.apitokens.models import ApiIdempotencyRecord
from lawledger.core import clock
from lawledger.core.access import Principal
from lawledger.core.errors import IdempotencyKeyReused, InvalidInput

TTL = dt.timedelta(hours=24)
HEADER = "Idempotency-Key"
_PURGE_BATCH = 200


@dataclass(frozen=True)
class Stored:
    status: int
    body: str


def scope_of(principal: Principal) -> str:
    """Keys are per principal: a user's tokens and sessions share them; other users never do."""
    return f"user:{principal.user_id}" if principal.user_id is not None else principal.label[:64]


def validate_key(value: str | None) -> str:
    cleaned = (value or "").strip()
    if not 1 <= len(cleaned) <= 128 or not all(33 <= ord(ch) <= 126 for ch in cleaned):
        raise InvalidInput(f"{HEADER}: 1-128 visible ASCII characters", param=HEADER)
    return cleaned


def request_fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps({"method": method, "path": path, "body": body}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _find(scope: str, key: str, fingerprint: str) -> Stored | None:
    found = ApiIdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if found is None:
        return None
    if found.expires_at <= clock.now():
        found.delete()
        return None
    if found.fingerprint != fingerprint:
        raise IdempotencyKeyReused(f"{HEADER} {key!r} was already used for a different request",
                                   param=HEADER)
    if found.response_status == 0:
        # Only visible inside the transaction that claimed it: the same request re-entered.
        raise RuntimeError("idempotency record claimed twice in one transaction")
    return Stored(found.response_status, str(found.response_body))


def claim(principal: Principal, key: str, fingerprint: str,
          operation: str) -> Stored | ApiIdempotencyRecord:
    """The stored response of an earlier identical request, or this request's new record."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim() runs inside the transaction of the effect")
    scope = scope_of(principal)
    earlier = _find(scope, key, fingerprint)
    if earlier is not None:
        return earlier
    now = clock.now()
    row = ApiIdempotencyRecord(scope=scope, key=key, fingerprint=fingerprint,
                               operation=operation[:64], response_status=0, response_body="",
                               created_at=now, expires_at=now + TTL)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        # A concurrent duplicate committed first (we waited on its index entry): answer with it.
        earlier = _find(scope, key, fingerprint)
        if earlier is None:
            raise
        return earlier
    _purge_expired(now)
    return row


def complete(row: ApiIdempotencyRecord, status: int, body: str) -> None:
    """Store the response in the claimed record, inside the transaction of the effect."""
    row.response_status = status
    row.response_body = body
    row.save(update_fields=["response_status", "response_body"])


def store_refusal(principal: Principal, key: str, fingerprint: str, *, operation: str,
                  status: int, body: str) -> None:
    """After the effect's transaction rolled back: keep the refusal so a retry gets the same one."""
    now = clock.now()
    try:
        with transaction.atomic():
            ApiIdempotencyRecord(scope=scope_of(principal), key=key, fingerprint=fingerprint,
                                 operation=operation[:64], response_status=status,
                                 response_body=body, created_at=now,
                                 expires_at=now + TTL).save(force_insert=True)
    except IntegrityError:
        pass  # a duplicate finished meanwhile; its record stands and later retries get it


def _purge_expired(now: dt.datetime) -> None:
    stale = list(ApiIdempotencyRecord.objects.filter(expires_at__lte=now)
                 .values_list("pk", flat=True)[:_PURGE_BATCH])
    if stale:
        ApiIdempotencyRecord.objects.filter(pk__in=stale).delete()
