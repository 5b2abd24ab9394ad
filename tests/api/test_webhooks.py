"""Webhooks: events read from the audit chain reach a loopback receiver once, signed so that the
documented recipe verifies them, carrying figures and never confidential text; failures are
retried with backoff and given up; only admins manage endpoints; the database refuses bad rows."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from lawledger.apitokens import webhooks
from lawledger.apitokens.models import WebhookDelivery
from lawledger.core.access import Role
from lawledger.core.errors import InvalidInput, PermissionDenied
from lawledger.core.webhook_signature import HEADER, header_value, verify
from tests import factories
from tests.billing.builders import billing_firm, draft, finalize
from tests.billing.builders import time as time_entry
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps what it is sent and answers `status`."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers.items()), body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.server.shutdown()
    made.server.server_close()


def test_events_reach_the_receiver_once_signed_and_without_confidential_text(
        receiver: Receiver) -> None:
    firm = billing_firm()
    row, secret = webhooks.endpoint_add(actor=OPERATOR, url=receiver.url,
                                        events=["entry.posted", "invoice.finalized"])
    factories.deposit(firm.matter, "1000.00", payor="Canary Payor 4471")
    time_entry(firm, minutes=60, date="2026-03-02", narrative="Canary narrative 8812")
    invoice = finalize(draft(firm), date="2026-04-01")
    run = webhooks.deliver_due()
    assert (run.delivered, run.retrying, run.failed) == (2, 0, 0)
    bodies = [json.loads(body) for _, body in receiver.received]
    assert [(b["event"], b["data"]) for b in bodies] == [
        ("entry.posted", {"id": bodies[0]["data"]["id"], "matter": firm.matter,
                          "client": firm.client, "kind": "deposit", "amount": "1000.00",
                          "currency": "USD", "date": "2026-03-10", "account": "IOLTA"}),
        ("invoice.finalized", {"id": invoice.public_id, "matter": firm.matter,
                               "client": firm.client, "number": invoice.number,
                               "total": "300.00", "currency": "USD", "date": "2026-04-01"})]
    now = int(time.time())
    for headers, body in receiver.received:
        assert "Canary" not in body.decode()
        assert verify(secret, headers[HEADER], body, now)
        assert not verify(secret, headers[HEADER], body.replace(b"USD", b"EUR"), now)
        assert not verify("whsec_wrong", headers[HEADER], body, now)
        assert headers["Lawledger-Delivery"] == json.loads(body)["id"]
        assert headers["Lawledger-Delivery"].startswith("whd_")
    assert webhooks.deliver_due().delivered == 0 and webhooks.collect() == 0
    assert len(receiver.received) == 2
    assert webhooks.endpoints_list(actor=OPERATOR)[0]["id"] == row.public_id


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(receiver: Receiver) -> None:
    billing_firm()
    receiver.status = 500
    webhooks.endpoint_add(actor=OPERATOR, url=receiver.url, events=["entry.posted"])
    factories.deposit("M-0001", "10.00")
    assert webhooks.deliver_due().retrying == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        1, 500, "HTTP 500")
    assert webhooks.deliver_due().retrying == 0  # not due yet: 30 s later
    assert [webhooks.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 12)] == [
        30, 60, 120, 240, 6 * 3600]
    for _ in range(webhooks.MAX_ATTEMPTS - 1):
        WebhookDelivery.objects.update(next_attempt_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        webhooks.deliver_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS


def test_a_receiver_back_up_gets_the_delivery_and_a_redirect_is_a_failure(
        receiver: Receiver) -> None:
    billing_firm()
    receiver.status = 302
    webhooks.endpoint_add(actor=OPERATOR, url=receiver.url, events=["entry.posted"])
    factories.deposit("M-0001", "10.00")
    assert webhooks.deliver_due().retrying == 1
    receiver.status = 204
    WebhookDelivery.objects.update(next_attempt_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert webhooks.deliver_due().delivered == 1
    assert WebhookDelivery.objects.get().status == "delivered"


def test_only_admins_manage_endpoints_and_bad_addresses_are_refused() -> None:
    factories.firm()
    keeper = factories.user(Role.BOOKKEEPER, email="bea@firm.example")
    with pytest.raises(PermissionDenied):
        webhooks.endpoint_add(actor=keeper, url="https://hooks.example/x", events=["entry.posted"])
    for url in ("http://hooks.example/x", "file:///etc/passwd", "https://user:pw@hooks.example/",
                "ftp://hooks.example/", "https://"):
        with pytest.raises(InvalidInput) as refused:
            webhooks.endpoint_add(actor=OPERATOR, url=url, events=["entry.posted"])
        assert refused.value.param == "url"
    with pytest.raises(InvalidInput) as refused:
        webhooks.endpoint_add(actor=OPERATOR, url="https://hooks.example/x", events=["all"])
    assert refused.value.param == "event"
    assert webhooks.endpoints_list(actor=OPERATOR) == []


def test_the_signature_recipe_refuses_an_old_timestamp() -> None:
    body = b'{"event":"entry.posted"}'
    signed = header_value("whsec_x", 1_000_000, body)
    assert verify("whsec_x", signed, body, 1_000_100)
    assert not verify("whsec_x", signed, body, 1_000_000 + 301)
    assert not verify("whsec_x", "t=abc,v1=00", body, 1_000_000)


def test_the_database_refuses_a_plain_http_endpoint_and_a_delivery_queued_twice(
        receiver: Receiver) -> None:
    billing_firm()
    webhooks.endpoint_add(actor=OPERATOR, url=receiver.url, events=["entry.posted"])
    factories.deposit("M-0001", "10.00")
    webhooks.collect()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE apitokens_webhook_endpoint SET url = %s",
                       ["http://hooks.example/x"])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO apitokens_webhook_delivery (public_id, endpoint_id, event, audit_seq, "
            "body, status, attempts, next_attempt_at, last_error, created_at) SELECT "
            "'whd_duplicate00000', endpoint_id, event, audit_seq, body, status, attempts, "
            "next_attempt_at, last_error, created_at FROM apitokens_webhook_delivery")
    assert WebhookDelivery.objects.count() == 1


def test_each_principal_of_the_role_matrix_manages_endpoints_only_as_an_admin() -> None:
    from lawledger.audit.models import AuditRecord
    from lawledger.core.errors import NotFound
    from tests.access_matrix import build_matrix

    matrix = build_matrix()
    kept, _ = webhooks.endpoint_add(actor=OPERATOR, url="https://hooks.example/kept",
                                    events=["entry.posted"])
    admins = {"admin", "admin_walled"}  # a wall keeps a matter from them, not the firm's settings
    for who, principal in matrix.principals.items():
        if principal is None:
            continue
        audited = AuditRecord.objects.filter(event__startswith="webhook.").count()
        if who in admins:
            row, _ = webhooks.endpoint_add(actor=principal, url=f"https://hooks.example/{who}",
                                           events=["invoice.finalized"])
            listed = [item["id"] for item in webhooks.endpoints_list(actor=principal)]
            assert listed == [kept.public_id, row.public_id], who
            webhooks.endpoint_remove(actor=principal, endpoint=row.public_id)
            assert AuditRecord.objects.filter(event__startswith="webhook.").count() == audited + 2
            continue
        with pytest.raises(PermissionDenied):
            webhooks.endpoint_add(actor=principal, url=f"https://hooks.example/{who}",
                                  events=["entry.posted"])
        with pytest.raises(PermissionDenied):
            webhooks.endpoints_list(actor=principal)
        with pytest.raises((PermissionDenied, NotFound)):
            webhooks.endpoint_remove(actor=principal, endpoint=kept.public_id)
        assert AuditRecord.objects.filter(event__startswith="webhook.").count() == audited, who
    assert [item["id"] for item in webhooks.endpoints_list(actor=OPERATOR)] == [kept.public_id]


def test_the_endpoint_list_counts_pending_and_failed_deliveries_per_endpoint(
        receiver: Receiver) -> None:
    billing_firm()
    busy, _ = webhooks.endpoint_add(actor=OPERATOR, url=receiver.url, events=["entry.posted"])
    quiet, _ = webhooks.endpoint_add(actor=OPERATOR, url="https://hooks.example/quiet",
                                     events=["invoice.finalized"])
    factories.deposit("M-0001", "10.00")
    factories.deposit("M-0001", "20.00")
    webhooks.collect()
    WebhookDelivery.objects.filter(pk=WebhookDelivery.objects.order_by("pk").first().pk).update(
        status=WebhookDelivery.Status.FAILED)
    counts = {item["id"]: (item["pending"], item["failed"])
              for item in webhooks.endpoints_list(actor=OPERATOR)}
    assert counts == {busy.public_id: (1, 1), quiet.public_id: (0, 0)}
