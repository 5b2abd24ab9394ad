"""How each bank feed is doing, for the dashboard: ok, failing (its last run failed) or stalled
(no successful run for longer than STALL_HOURS, or never)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from lawledger.access.policy import require
from lawledger.audit.services import record
from lawledger.banking.feeds.events import FeedEvent
from lawledger.banking.feeds.models import Feed
from lawledger.core import clock
from lawledger.core.access import Action, Principal

STALL_HOURS = 36


def feed_state(feed: Feed, now: dt.datetime) -> str:
    if not feed.is_active:
        return "paused"
    if feed.consecutive_failures:
        return "failing"
    since = feed.last_success_at or feed.created_at
    if now - since > dt.timedelta(hours=STALL_HOURS):
        return "stalled"
    return "ok"


def feeds_status(actor: Principal) -> list[dict[str, Any]]:
    """Every feed with its state; a failing or stalled feed comes first."""
    require(actor, Action.VIEW_FIRM_REPORTS)
    now = clock.now()
    with transaction.atomic():
        rows = list(Feed.objects.select_related("bank_account").order_by("bank_account__name"))
        record(actor, FeedEvent.STATUS_VIEWED, object_type="report", object_id="feeds",
               details={"feeds": len(rows)})
    out = [{"feed": row.public_id, "account": row.bank_account.name, "connector": row.connector,
            "state": feed_state(row, now),
            "last_success_at": row.last_success_at.isoformat() if row.last_success_at else None,
            "last_attempt_at": row.last_attempt_at.isoformat() if row.last_attempt_at else None,
            "consecutive_failures": row.consecutive_failures, "last_error": row.last_error or None,
            "lines_imported": row.lines_imported} for row in rows]
    return sorted(out, key=lambda row: (row["state"] == "ok", row["account"]))


def feeds_needing_attention(actor: Principal) -> list[dict[str, Any]]:
    return [row for row in feeds_status(actor) if row["state"] in ("failing", "stalled")]
