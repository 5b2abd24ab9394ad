"""The hash of an audit record: sha256 over a canonical JSON form. Shared by append and verify."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def record_hash(fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def hashed_fields(*, seq: int, recorded_at: dt.datetime, actor: str, actor_user_id: int | None,
                  event: str, outcome: str, object_type: str, object_id: str, client_ref: str,
                  matter_ref: str, source: str, details: dict[str, Any],
                  prev_hash: str) -> dict[str, Any]:
    return {
        "seq": seq, "recorded_at": canonical_time(recorded_at), "actor": actor,
        "actor_user_id": actor_user_id, "event": event, "outcome": outcome,
        "object_type": object_type, "object_id": object_id, "client_ref": client_ref,
        "matter_ref": matter_ref, "source": source, "details": details, "prev_hash": prev_hash,
    }
