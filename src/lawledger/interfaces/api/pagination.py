"""Cursor pagination over policy-filtered querysets, with allow-listed sort keys (C1).

A page is `{"data": [...], "next_cursor": "…" | null}`. The cursor is opaque to clients: the sort
it was made for, the last row's sort value and its public id (the tie-breaker, so no integer key
leaves the server). A cursor only moves the starting point inside the caller's own visible rows,
so a forged one reveals nothing; a malformed one is refused naming `cursor`. Sort keys come from a
fixed table per list and are never interpolated into SQL.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet
from ninja import Schema

from lawledger.interfaces.api.errors import BadParameter

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


@dataclass(frozen=True)
class SortKey:
    field: str          # the model field ordered by
    kind: type          # str or dt.date: how the cursor value is read back


@dataclass(frozen=True)
class Page[M: Model]:
    rows: list[M]
    next_cursor: str | None


class PageMeta(Schema):
    next_cursor: str | None


def _order(sort: str, keys: Mapping[str, SortKey]) -> tuple[SortKey, bool]:
    descending = sort.startswith("-")
    name = sort[1:] if descending else sort
    key = keys.get(name)
    if key is None:
        allowed = ", ".join(f"{k}, -{k}" for k in keys)
        raise BadParameter(f"sort: unknown sort key {sort[:40]!r} (one of {allowed})", param="sort")
    return key, descending


def _encode(sort: str, value: Any, public_id: str) -> str:
    raw = json.dumps([sort, value.isoformat() if isinstance(value, dt.date) else value, public_id],
                     separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def _decode(cursor: str, sort: str, key: SortKey) -> tuple[Any, str]:
    bad = BadParameter("cursor: not a cursor this list gave out", param="cursor")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        made_for, value, public_id = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise bad from None
    if made_for != sort:
        raise BadParameter("cursor: it was made for another sort order", param="cursor")
    if not isinstance(public_id, str) or not isinstance(value, str) or len(value) > 400:
        raise bad
    if key.kind is dt.date:
        try:
            return dt.date.fromisoformat(value), public_id
        except ValueError:
            raise bad from None
    return value, public_id


def paginate[M: Model](queryset: QuerySet[M], *, sort: str, keys: Mapping[str, SortKey],
             cursor: str | None, limit: int) -> Page[M]:
    """One page of `queryset` (already filtered by the access policy) in the order asked for."""
    key, descending = _order(sort, keys)
    if not 1 <= limit <= MAX_LIMIT:
        raise BadParameter(f"limit: from 1 to {MAX_LIMIT}", param="limit")
    if cursor:
        value, public_id = _decode(cursor, sort, key)
        op = "lt" if descending else "gt"
        queryset = queryset.filter(Q(**{f"{key.field}__{op}": value})
                                   | Q(**{key.field: value, f"public_id__{op}": public_id}))
    prefix = "-" if descending else ""
    rows = list(queryset.order_by(prefix + key.field, prefix + "public_id")[:limit + 1])
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    last = rows[-1]
    return Page(rows, _encode(sort, getattr(last, key.field), str(last.public_id)))  # type: ignore[attr-defined]
