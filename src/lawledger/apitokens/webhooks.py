"""Webhooks: signed notifications of what happened in the books, delivered with retries.

The audit chain is the outbox. Every event a webhook can announce (an entry posted, an invoice
finalized, a reconciliation signed, a replenishment needed) is already an audit record written in
the transaction of the change, so `collect` reads the chain after its cursor and queues one
delivery per endpoint and record (unique: running it twice queues nothing twice), and nothing in
the ledger, billing or banking has to know webhooks exist. `deliver_due` then POSTs each due
delivery, signed with the endpoint's secret (`core.webhook_signature`), outside any database
transaction; a failure is retried with exponential backoff and given up after MAX_ATTEMPTS.

A body carries ids, numbers, dates and amounts only: never a narrative, memo, payor or payee.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Count, Q

from lawledger.access.policy import require
from lawledger.apitokens.models import WebhookCursor, WebhookDelivery, WebhookEndpoint
from lawledger.audit.queries import ChainEvent, events_after, last_seq
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput, NotFound
from lawledger.core.webhook_signature import HEADER, header_value
from lawledger.crypto.fields import ensure_public_id


class WebhookEvent(StrEnum):
    ENDPOINT_ADDED = "webhook.endpoint_added"
    ENDPOINT_REMOVED = "webhook.endpoint_removed"


# What a receiver subscribes to, and the audit event it comes from.
EVENTS: dict[str, str] = {
    "entry.posted": "trust.entry_posted",
    "invoice.finalized": "billing.invoice_finalized",
    "reconciliation.signed": "reconciliation.signed",
    "replenishment.needed": "billing.replenishment_requested",
}
_FROM_AUDIT = {audit: name for name, audit in EVENTS.items()}
# The only detail fields a body may carry (figures, never free text).
_SAFE_DETAILS = ("kind", "amount", "currency", "date", "account", "number", "total", "balance",
                 "requested", "minimum", "statement_balance")
MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 6 * 3600
TIMEOUT_SECONDS = 10
LEASE_SECONDS = 60

Sender = Callable[[str, bytes, dict[str, str]], int]


def _clean_url(url: str) -> str:
    text = (url or "").strip()
    parts = urlsplit(text)
    loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
    if len(text) > 500 or not parts.hostname or parts.username or parts.password or not (
            parts.scheme == "https" or loopback) or not text.isprintable():
        raise InvalidInput("url: an https:// address (http only to 127.0.0.1 or localhost), "
                           "without user or password, at most 500 characters", param="url")
    return text


def _clean_events(names: list[str]) -> str:
    chosen = sorted({name.strip().lower() for name in names if name.strip()})
    unknown = [name for name in chosen if name not in EVENTS]
    if not chosen or unknown:
        raise InvalidInput(f"event: {', '.join(unknown) or 'none given'}: choose from "
                           f"{', '.join(EVENTS)}", param="event")
    return " ".join(chosen)


def endpoint_add(*, actor: Principal, url: str, events: list[str]) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (shown once; kept encrypted to sign with)."""
    require(actor, Action.MANAGE_FIRM)
    clean_url, clean_events = _clean_url(url), _clean_events(events)
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        WebhookCursor.objects.get_or_create(id=1, defaults={"audit_seq": last_seq()})
        row = WebhookEndpoint.objects.create(url=clean_url, events=clean_events, secret=secret,
                                             created_at=clock.now(), created_by=actor.label)
        record(actor, WebhookEvent.ENDPOINT_ADDED, object_type="webhook",
               object_id=row.public_id, details={"url": clean_url, "events": clean_events})
    return row, secret


def endpoint_remove(*, actor: Principal, endpoint: str) -> WebhookEndpoint:
    """Stop delivering to an endpoint (its deliveries are kept; pending ones are dropped)."""
    require(actor, Action.MANAGE_FIRM)
    with transaction.atomic():
        row = WebhookEndpoint.objects.select_for_update().filter(
            public_id=(endpoint or "").strip(), is_active=True).first()
        if row is None:
            raise NotFound(f"endpoint: no webhook endpoint {endpoint!r}", param="endpoint")
        row.is_active, row.removed_at = False, clock.now()
        row.save(update_fields=["is_active", "removed_at"])
        row.deliveries.filter(status=WebhookDelivery.Status.PENDING).update(
            status=WebhookDelivery.Status.FAILED, last_error="endpoint removed")
        record(actor, WebhookEvent.ENDPOINT_REMOVED, object_type="webhook",
               object_id=row.public_id)
    return row


def endpoints_list(*, actor: Principal) -> list[dict[str, object]]:
    require(actor, Action.MANAGE_FIRM)
    # Both counts in the one query, not two more per endpoint.
    rows = WebhookEndpoint.objects.filter(is_active=True).annotate(
        pending_count=Count("deliveries",
                            filter=Q(deliveries__status=WebhookDelivery.Status.PENDING)),
        failed_count=Count("deliveries",
                           filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)),
    ).order_by("created_at")
    return [{"id": row.public_id, "url": row.url, "events": row.events.split(),
             "created_at": row.created_at.isoformat(), "created_by": row.created_by,
             "pending": row.pending_count, "failed": row.failed_count}
            for row in rows]


def event_body(delivery_id: str, event: ChainEvent) -> str:
    """The JSON a receiver gets: figures and references only."""
    data: dict[str, object] = {"id": event.object_id}
    if event.matter_ref:
        data["matter"] = event.matter_ref
    if event.client_ref:
        data["client"] = event.client_ref
    data.update({key: event.details[key] for key in _SAFE_DETAILS if key in event.details})
    return json.dumps({"id": delivery_id, "event": _FROM_AUDIT[event.event],
                       "created_at": event.recorded_at.isoformat(), "data": data},
                      sort_keys=True, separators=(",", ":"))


def collect(limit: int = 500) -> int:
    """Queue deliveries for the audited events after the cursor; returns how many were queued."""
    queued = 0
    with transaction.atomic():
        cursor = WebhookCursor.objects.select_for_update().filter(id=1).first()
        if cursor is None:
            return 0
        endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
        found = events_after(cursor.audit_seq, frozenset(EVENTS.values()), limit)
        now = clock.now()
        for event in found:
            for endpoint in endpoints:
                wanted = _FROM_AUDIT[event.event] in endpoint.events.split()
                if not wanted or event.recorded_at < endpoint.created_at:
                    continue
                delivery = WebhookDelivery(endpoint=endpoint, event=_FROM_AUDIT[event.event],
                                           audit_seq=event.seq, body="", next_attempt_at=now,
                                           created_at=now)
                delivery.body = event_body(ensure_public_id(delivery), event)
                delivery.save(force_insert=True)
                queued += 1
        if found:
            cursor.audit_seq = found[-1].seq
            cursor.save(update_fields=["audit_seq"])
    return queued


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a receiver that redirects has failed: never re-send the body elsewhere


def http_send(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the body; the HTTP status, or 0 when there was no answer."""
    opener = urllib.request.build_opener(_NoRedirects)
    # The scheme was checked when the endpoint was added (https, or http to loopback only).
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError, ValueError):
        return 0


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … doubling after each failed attempt, at most 6 hours."""
    return dt.timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0),
                                    MAX_RETRY_SECONDS))


@dataclass
class DeliveryRun:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _claim(delivery: WebhookDelivery, now: dt.datetime) -> bool:
    """Lease a due delivery so that two workers never send it at the same time."""
    return WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDelivery.Status.PENDING,
        next_attempt_at=delivery.next_attempt_at).update(
        next_attempt_at=now + dt.timedelta(seconds=LEASE_SECONDS)) == 1


def deliver_due(send: Sender = http_send, limit: int = 100) -> DeliveryRun:
    """Send every due delivery once (collecting new events first)."""
    collect()
    run, now = DeliveryRun(), clock.now()
    due = list(WebhookDelivery.objects.filter(
        Q(status=WebhookDelivery.Status.PENDING) & Q(next_attempt_at__lte=now))
        .select_related("endpoint").order_by("next_attempt_at", "pk")[:limit])
    for delivery in due:
        if not _claim(delivery, now):
            continue
        body = delivery.body.encode("utf-8")
        stamp = int(clock.now().timestamp())
        status = send(delivery.endpoint.url, body, {
            "Content-Type": "application/json", "User-Agent": "lawledger-webhooks/1",
            HEADER: header_value(delivery.endpoint.secret, stamp, body),
            "Lawledger-Event": delivery.event, "Lawledger-Delivery": str(delivery.public_id)})
        delivery.attempts += 1
        delivery.last_status_code = status or None
        if 200 <= status < 300:
            delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, clock.now()
            delivery.last_error = ""
            run.delivered += 1
        else:
            delivery.last_error = f"HTTP {status}" if status else "no answer"
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = WebhookDelivery.Status.FAILED
                run.failed += 1
            else:
                delivery.next_attempt_at = clock.now() + retry_delay(delivery.attempts)
                run.retrying += 1
        delivery.save(update_fields=["attempts", "last_status_code", "status", "delivered_at",
                                     "last_error", "next_attempt_at"])
    return run
