"""Audit events of bank feeds (values namespaced "feed.")."""

from __future__ import annotations

from enum import StrEnum


class FeedEvent(StrEnum):
    ADDED = "feed.added"
    SYNCED = "feed.synced"
    FAILED = "feed.failed"
    STATUS_VIEWED = "feed.status_viewed"
