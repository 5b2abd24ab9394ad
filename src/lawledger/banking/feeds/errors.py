"""Refusals and failures of bank feeds, each with a stable code."""

from __future__ import annotations

from lawledger.core.errors import InvalidInput, LawLedgerError


class FeedUnavailable(LawLedgerError):
    """The bank or aggregator did not answer usably (timeout, HTTP error, bad document)."""

    code = "feed_unavailable"
    http_status = 502


class FeedLineInvalid(InvalidInput):
    """A line the connector returned cannot be imported (no transaction id, bad amount…)."""

    code = "feed_line_invalid"
