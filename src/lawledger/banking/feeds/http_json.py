"""A connector for a bank or aggregator that serves transactions as paged JSON over HTTPS.

The reference implementation of docs/feeds.md's recipe, and what the fake-bank tests drive.
`GET {base_url}/accounts/{remote_account}/transactions?cursor=C` answers
`{"transactions": [{"id", "booked_on", "amount_minor", "currency", "description",
"counterparty", "check_number"}], "next_cursor": "...", "has_more": true|false}`.
A timeout, a connection failure, an HTTP error status or a document that is not that shape is
FeedUnavailable: the page is not imported and the cursor does not move.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from lawledger.banking.feeds.connectors import FeedAccount, FeedPage, register
from lawledger.banking.feeds.errors import FeedLineInvalid, FeedUnavailable
from lawledger.core.formats.statement import LineKind, StatementLine

MAX_PAGE_BYTES = 5 * 1024 * 1024


class HttpJsonConnector:
    name = "http_json"

    def __init__(self, settings: dict[str, Any]) -> None:
        self.base_url = str(settings.get("base_url") or "").rstrip("/")
        self.remote_account = str(settings.get("remote_account") or "")
        self.timeout_seconds = float(settings.get("timeout_seconds") or 10)
        self.token = str(settings.get("token") or "")
        parsed = urllib.parse.urlparse(self.base_url)
        # Plain http only to this machine (a local bridge, the tests' fake bank).
        if not parsed.hostname or not (parsed.scheme == "https" or (
                parsed.scheme == "http" and parsed.hostname in ("127.0.0.1", "localhost", "::1"))):
            from lawledger.core.errors import InvalidInput

            raise InvalidInput("base_url: an aggregator is reached over https:// only",
                               param="base_url")

    def _get(self, cursor: str) -> dict[str, Any]:
        account = urllib.parse.quote(self.remote_account, safe="")
        url = (f"{self.base_url}/accounts/{account}/transactions?"
               f"{urllib.parse.urlencode({'cursor': cursor})}")
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 (scheme checked in __init__)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310 (scheme checked above)
                body = response.read(MAX_PAGE_BYTES + 1)
        except urllib.error.HTTPError as error:
            raise FeedUnavailable(f"bank answered HTTP {error.code}", param="feed") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise FeedUnavailable(f"bank did not answer: {type(reason).__name__}",
                                  param="feed") from None
        if len(body) > MAX_PAGE_BYTES:
            raise FeedUnavailable("bank sent a page larger than 5 MB", param="feed")
        try:
            document = json.loads(body)
        except ValueError:
            raise FeedUnavailable("bank sent a page that is not JSON", param="feed") from None
        if not isinstance(document, dict) or not isinstance(document.get("transactions"), list):
            raise FeedUnavailable("bank sent a page without a transactions list", param="feed")
        return document

    def fetch(self, account: FeedAccount, cursor: str) -> FeedPage:
        document = self._get(cursor)
        lines = tuple(_line(position, item, account.currency)
                      for position, item in enumerate(document["transactions"], start=1))
        next_cursor = document.get("next_cursor")
        if not isinstance(next_cursor, str):
            raise FeedUnavailable("bank sent a page without a next_cursor", param="feed")
        return FeedPage(lines=lines, next_cursor=next_cursor,
                        has_more=document.get("has_more") is True)


def _line(position: int, item: Any, currency: str) -> StatementLine:
    where = f"line {position}"
    if not isinstance(item, dict):
        raise FeedLineInvalid(f"{where}: not an object", param="line")
    amount = item.get("amount_minor")
    if type(amount) is not int:
        raise FeedLineInvalid(f"{where}: amount_minor is not a whole number", param="line")
    if str(item.get("currency") or currency).upper() != currency:
        raise FeedLineInvalid(f"{where}: currency {item.get('currency')!r} is not {currency}",
                              param="line")
    try:
        booked_on = dt.date.fromisoformat(str(item.get("booked_on")))
    except ValueError:
        raise FeedLineInvalid(f"{where}: booked_on is not a date", param="line") from None
    try:
        kind = LineKind(str(item.get("kind") or _default_kind(amount, item)))
    except ValueError:
        raise FeedLineInvalid(f"{where}: kind {item.get('kind')!r} is not one of "
                              f"{', '.join(LineKind)}", param="line") from None
    return StatementLine(
        line_number=position, posted_on=booked_on, amount_minor=amount, kind=kind,
        bank_reference=str(item.get("id") or ""), check_number=str(item.get("check_number") or ""),
        counterparty=str(item.get("counterparty") or ""),
        description=str(item.get("description") or ""))


def _default_kind(amount: int, item: dict[str, Any]) -> LineKind:
    if amount > 0:
        return LineKind.DEPOSIT
    return LineKind.CHECK if item.get("check_number") else LineKind.PAYMENT


register("http_json", HttpJsonConnector)
