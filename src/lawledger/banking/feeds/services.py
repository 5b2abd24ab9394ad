"""Adding a feed and running it: each page goes through the statement import, then the cursor
moves, in one transaction.

A page's lines become one statement (format "feed") for `lawledger.banking.imports`, which
deduplicates them by the bank's transaction id against everything already imported — from
files or from earlier pages — so a bank that repeats or reorders lines adds nothing twice. A
failure (timeout, HTTP error, bad line) leaves the cursor where the last committed page left it
and is recorded on the feed, which is how a failing or stalled feed shows.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.db.models import F

from lawledger.access.policy import require
from lawledger.audit.services import record
from lawledger.banking.feeds import file_drop, http_json  # noqa: F401 (register the connectors)
from lawledger.banking.feeds.connectors import FeedAccount, FeedPage, build, checked_lines
from lawledger.banking.feeds.events import FeedEvent
from lawledger.banking.feeds.models import Feed
from lawledger.banking.imports import import_statements, parse_file
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput, LawLedgerError, NotFound
from lawledger.core.formats.statement import Statement
from lawledger.ledger.accounts import get_bank_account
from lawledger.ledger.models import BankAccount

MAX_PAGES_PER_RUN = 200


def feed_add(*, actor: Principal, account: str, connector: str,
             settings: dict[str, Any]) -> dict[str, Any]:
    require(actor, Action.MANAGE_FIRM)
    bank = get_bank_account(account)
    build(connector, settings)  # refuses an unknown connector or incomplete settings now
    with transaction.atomic():
        if Feed.objects.filter(bank_account=bank).exists():
            raise InvalidInput(f"account: {bank.name} already has a feed", param="account")
        feed = Feed.objects.create(bank_account=bank, connector=connector, settings=settings,
                                   created_at=clock.now())
        record(actor, FeedEvent.ADDED, object_type="feed", object_id=feed.public_id,
               details={"account": bank.name, "connector": connector})
    return {"id": feed.public_id, "account": bank.name, "connector": connector}


def _feed(ref: str) -> Feed:
    cleaned = (ref or "").strip()
    feed = Feed.objects.select_related("bank_account").filter(public_id=cleaned).first() or \
        Feed.objects.select_related("bank_account").filter(bank_account__name=cleaned).first()
    if feed is None:
        raise NotFound(f"feed: no feed {ref!r}", param="feed")
    return feed


def _page_statements(bank: BankAccount, page: FeedPage) -> list[Statement]:
    if page.files:
        return [statement for _, data in page.files
                for statement in parse_file(data, "auto", None, default_currency=bank.currency)]
    return [Statement(format="feed", currency=bank.currency, lines=checked_lines(page.lines))]


def _page_digest(feed: Feed, cursor: str, page: FeedPage) -> str:
    if page.files:
        return hashlib.sha256(page.files[0][1]).hexdigest()  # a file is known by its bytes
    body = json.dumps([feed.public_id, cursor, [
        [line.bank_reference, line.posted_on.isoformat(), line.amount_minor]
        for line in page.lines]], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _import_page(actor: Principal, feed: Feed, bank: BankAccount, cursor: str,
                 page: FeedPage) -> tuple[int, int]:
    """Import one page and move the cursor past it, together. Returns (new, duplicate)."""
    new = duplicate = 0
    with transaction.atomic():
        if page.files or page.lines:
            result = import_statements(
                actor=actor, bank=bank, statements=_page_statements(bank, page),
                file_sha256=_page_digest(feed, cursor, page),
                file_size_bytes=sum(len(data) for _, data in page.files) or len(page.lines),
                file_name=page.files[0][0] if page.files else f"feed {feed.public_id}")
            new, duplicate = result.new_lines, result.duplicate_lines
        Feed.objects.filter(pk=feed.pk).update(cursor=page.next_cursor,
                                               lines_imported=F("lines_imported") + new)
    return new, duplicate


def _failed(actor: Principal, feed: Feed, error: LawLedgerError) -> None:
    message = "".join(ch if ch.isprintable() else "?" for ch in f"{error.code}: {error.message}")
    with transaction.atomic():
        Feed.objects.filter(pk=feed.pk).update(
            last_attempt_at=clock.now(), last_error=message[:500],
            consecutive_failures=F("consecutive_failures") + 1)
        record(actor, FeedEvent.FAILED, object_type="feed", object_id=feed.public_id,
               outcome="failed", details={"account": feed.bank_account.name, "code": error.code})


def feed_sync(*, actor: Principal, feed: str) -> dict[str, Any]:
    """Fetch and import every page waiting on one feed. A failure of the bank is recorded on the
    feed and raised; a statement file that cannot be read is set aside, recorded and reported,
    and the folder's other files are still imported."""
    require(actor, Action.RECORD_DEPOSIT)
    row = _feed(feed)
    bank = get_bank_account(row.bank_account.public_id)
    connector = build(row.connector, row.settings)
    account = FeedAccount(bank.name, bank.currency, dict(row.settings))
    cursor, pages, new, duplicate = row.cursor, 0, 0, 0
    rejected: list[str] = []
    try:
        while pages < MAX_PAGES_PER_RUN:
            page = connector.fetch(account, cursor)
            pages += 1
            try:
                page_new, page_duplicate = _import_page(actor, row, bank, cursor, page)
            except InvalidInput as error:
                if not page.files:
                    raise
                connector.reject(page)  # type: ignore[attr-defined]
                _failed(actor, row, error)
                rejected.append(f"{page.files[0][0]}: {error.message}")
                if page.has_more:
                    continue
                break
            new, duplicate, cursor = new + page_new, duplicate + page_duplicate, page.next_cursor
            if page.files:
                connector.acknowledge(page)  # type: ignore[attr-defined]
            if not page.has_more:
                break
    except LawLedgerError as error:
        _failed(actor, row, error)
        raise
    return _finished(actor, row, bank, pages=pages, new=new, duplicate=duplicate,
                     rejected=rejected)


def _finished(actor: Principal, feed: Feed, bank: BankAccount, *, pages: int, new: int,
              duplicate: int, rejected: list[str]) -> dict[str, Any]:
    with transaction.atomic():
        if not rejected:  # a run that set a file aside stays marked as failing
            Feed.objects.filter(pk=feed.pk).update(last_attempt_at=clock.now(),
                                                   last_success_at=clock.now(), last_error="",
                                                   consecutive_failures=0)
        record(actor, FeedEvent.SYNCED, object_type="feed", object_id=feed.public_id,
               details={"account": bank.name, "pages": pages, "new": new,
                        "duplicate": duplicate, "rejected": len(rejected)})
    proposed = 0
    if new:
        from lawledger.banking.matching import auto_match

        proposed = auto_match(actor=actor, account=bank.name).proposed
    return {"feed": feed.public_id, "account": bank.name, "pages": pages, "new": new,
            "duplicate": duplicate, "rejected": rejected, "proposed_matches": proposed}


def feeds_sync_all(*, actor: Principal) -> list[dict[str, Any]]:
    """Run every active feed; one failing feed does not stop the others."""
    results = []
    for public_id in Feed.objects.filter(is_active=True).order_by("pk").values_list(
            "public_id", flat=True):
        try:
            results.append(feed_sync(actor=actor, feed=public_id))
        except LawLedgerError as error:
            results.append({"feed": public_id, "error": f"{error.code}: {error.message}"})
    return results
