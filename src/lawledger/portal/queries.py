"""What a client sees in the portal, and the firm's side of the secure messages.

Every read goes through the one access policy (`access.policy`: a client user sees the matters of
their own client, nothing else) and is audited in the same transaction, so a read whose audit
record cannot be written shows nothing (F2). The portal shows only what is meant for the client:
finalized invoices (never drafts or pre-bills), payments, the trust ledger without the firm's
internal memos or who recorded what, replenishment requests, and their messages.

Billing's staff reads refuse a client role; the portal reads finalized invoices, payments and
replenishment requests through billing's client-facing reads (`billing.queries.client_*`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction

from lawledger.access.policy import get_matter, visible_matters
from lawledger.audit.services import record
from lawledger.billing.queries import (
    client_invoices,
    client_payments,
    client_replenishments,
    invoice_document,
)
from lawledger.core import clock
from lawledger.core.access import Action, Principal, Role, role_allows
from lawledger.core.errors import NotFound, PermissionDenied
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_settings, firm_today, firm_zone
from lawledger.ledger.queries import client_ledger_report, matter_trust_balances
from lawledger.portal.events import PortalEvent
from lawledger.portal.models import PortalMessage

# The fields of a trust ledger row a client sees: not the firm's memo, nor who recorded it.
LEDGER_FIELDS = ("id", "date", "kind", "amount", "running_balance", "payor", "payee", "purpose",
                 "method", "check_number", "reference", "invoice", "reverses", "restricted")
# The fields of an invoice line a client sees: what the invoice PDF shows, no internal reasons.
LINE_FIELDS = ("number", "kind", "date", "hours", "quantity", "rate", "amount", "task",
               "activity", "expense_code", "description", "no_charge")
INVOICE_FIELDS = ("id", "number", "kind", "status", "currency", "matter", "matter_title",
                  "client", "client_name", "date", "due_date", "period_start", "period_end",
                  "fees", "expenses", "tax", "total", "paid", "credited", "balance_due",
                  "previous_balance", "trust_balance", "note", "replenishment")


def require_client(principal: Principal) -> None:
    """The portal's pages are for client users only; staff work in the web app."""
    if principal.role is not Role.CLIENT or principal.client_id is None:
        raise PermissionDenied("the client portal is for client users", param="user")


def _unread_for_client(matters: Any) -> int:
    return PortalMessage.objects.filter(matter__in=matters, read_at__isnull=True,
                                        direction=PortalMessage.Direction.TO_CLIENT).count()


def _audit(principal: Principal, event: PortalEvent, matter: Matter | None = None,
           **details: Any) -> None:
    record(principal, event, object_type="matter" if matter else "client",
           object_id=matter.number if matter else str(principal.client_id or ""),
           matter_ref=matter.number if matter else "",
           client_ref=matter.client.number if matter else "", details=details)


def overview(principal: Principal) -> dict[str, Any]:
    """The client's home: their matters with trust balances, open invoices, unread messages."""
    require_client(principal)
    with transaction.atomic():
        matters = list(visible_matters(principal).select_related("client").order_by("number"))
        _audit(principal, PortalEvent.OVERVIEW_VIEWED)
        invoices = client_invoices(principal, matters)
        rows = []
        for matter in matters:
            open_invoices = [summary for summary in invoices.get(matter.pk, [])
                             if summary["kind"] == "invoice" and summary["status"] == "finalized"]
            rows.append({"number": matter.number, "title": matter.title,
                         "status": matter.status, "balances": matter_trust_balances(matter),
                         "open_invoices": open_invoices})
        client = matters[0].client.name if rows else ""
        return {"client_name": client, "matters": rows,
                "unread": _unread_for_client(matters)}


def _ledgers(principal: Principal, matter: Matter) -> list[dict[str, Any]]:
    ledgers = []
    for balance in matter_trust_balances(matter):
        report = client_ledger_report(principal, matter.number, balance["account"])
        report["entries"] = [{key: entry.get(key) for key in LEDGER_FIELDS}
                             for entry in report["entries"]]
        ledgers.append(report)
    return ledgers


def matter_page(principal: Principal, number: str) -> dict[str, Any]:
    """One of the client's matters: trust ledgers and balances, invoices, payments, requests."""
    require_client(principal)
    with transaction.atomic():
        matter = get_matter(principal, number)
        _audit(principal, PortalEvent.MATTER_VIEWED, matter)
        return {"number": matter.number, "title": matter.title, "status": matter.status,
                "ledgers": _ledgers(principal, matter),
                "invoices": client_invoices(principal, [matter]).get(matter.pk, []),
                "payments": client_payments(principal, matter),
                "replenishments": client_replenishments(principal, matter),
                "unread": _unread_for_client([matter])}


def invoice_page(principal: Principal, ref: str) -> dict[str, Any]:
    """One finalized invoice of the client's (billing's policy refuses drafts and others')."""
    require_client(principal)
    with transaction.atomic():
        document = invoice_document(principal, ref)
        shown = {key: document.get(key) for key in INVOICE_FIELDS}
        shown["lines"] = [{key: line.get(key) for key in LINE_FIELDS}
                          for line in document["lines"]]
        record(principal, PortalEvent.INVOICE_VIEWED, object_type="invoice",
               object_id=document["id"], matter_ref=document["matter"],
               client_ref=document["client"])
        return shown


def invoice_pdf(principal: Principal, ref: str) -> tuple[str, bytes]:
    """(file name, PDF) of one of the client's finalized invoices, audited by billing."""
    from lawledger.billing.pdf import invoice_pdf as billing_invoice_pdf

    require_client(principal)
    return billing_invoice_pdf(principal, ref)


def trust_statement_pdf(principal: Principal, number: str, account: str) -> tuple[str, bytes]:
    """The client's trust statement of one matter and trust account, as a PDF.

    Rendered with the reports' own table and PDF layout, from the client's view of the ledger
    (no internal memos); the export is audited (with the file's sha256) before it is returned.
    """
    from lawledger.reports.exports import safe_filename
    from lawledger.reports.pdf import PageHeader, render_pdf
    from lawledger.reports.tables import client_ledger_table

    require_client(principal)
    with transaction.atomic():
        matter = get_matter(principal, number)
        if account not in {row["account"] for row in matter_trust_balances(matter)}:
            raise NotFound(f"account: {matter.number} has no trust ledger in {account!r}",
                           param="account")
        report = client_ledger_report(principal, matter.number, account)
        report["entries"] = [{key: entry.get(key) for key in LEDGER_FIELDS} | {"memo": None}
                             for entry in report["entries"]]
    as_of = firm_today().isoformat()
    table = client_ledger_table(report, as_of)
    firm = firm_settings()
    header = PageHeader(
        firm_name=firm.name, title=f"Trust statement {report['matter']}", as_of=as_of,
        generated_by=principal.label,
        generated_at=clock.now().astimezone(firm_zone()).strftime("%Y-%m-%d %H:%M %Z"),
        jurisdiction=firm.jurisdiction)
    body = render_pdf(table, header)
    name = safe_filename("trust-statement", report["matter"], report["account"] or "", as_of)
    with transaction.atomic():
        record(principal, PortalEvent.STATEMENT_EXPORTED, object_type="matter",
               object_id=matter.number, matter_ref=matter.number,
               client_ref=matter.client.number,
               details={"account": report["account"] or "", "bytes": len(body),
                        "sha256": hashlib.sha256(body).hexdigest()})
    return f"{name}.pdf", body


def _message_rows(messages: Any, unread_side: str) -> list[dict[str, Any]]:
    """Rows for the thread; `is_new` marks the other side's messages this reader has not seen,
    `awaiting_read` the reader's side's messages the other side has not opened yet."""
    return [{"id": message.public_id, "direction": message.direction,
             "from_client": message.direction == PortalMessage.Direction.FROM_CLIENT,
             "author": message.author.full_name or message.author.email,
             "subject": message.subject, "body": message.body,
             "sent_at": message.sent_at, "read_at": message.read_at,
             "is_new": message.read_at is None and message.direction == unread_side,
             "awaiting_read": message.read_at is None and message.direction != unread_side}
            for message in messages]


def matter_messages(principal: Principal, number: str) -> dict[str, Any]:
    """The message thread of one matter. Reading it marks the other side's messages read (when
    the reader may answer: an auditor reading the thread leaves it unread for the firm)."""
    with transaction.atomic():
        matter = get_matter(principal, number)
        unread_side = (PortalMessage.Direction.TO_CLIENT if principal.role is Role.CLIENT
                       else PortalMessage.Direction.FROM_CLIENT)
        messages = list(PortalMessage.objects.filter(matter=matter).select_related("author")
                        .order_by("sent_at", "pk"))
        rows = _message_rows(messages, unread_side)
        may_answer = role_allows(principal, Action.EXCHANGE_MESSAGES)
        if may_answer:
            PortalMessage.objects.filter(matter=matter, direction=unread_side,
                                         read_at__isnull=True).update(read_at=clock.now())
        _audit(principal, PortalEvent.MESSAGES_VIEWED, matter, count=len(rows))
        return {"number": matter.number, "title": matter.title,
                "client_name": matter.client.name, "messages": rows, "may_send": may_answer}


def inbox(principal: Principal) -> dict[str, Any]:
    """The firm's side: every matter the reader sees that has messages, unread threads first."""
    if not principal.is_staff:
        raise PermissionDenied("the messages inbox is for the firm's staff", param="user")
    with transaction.atomic():
        matters = visible_matters(principal)
        threads: dict[int, dict[str, Any]] = {}
        for message in (PortalMessage.objects.filter(matter__in=matters)
                        .select_related("matter", "matter__client").order_by("-sent_at", "-pk")):
            thread = threads.setdefault(message.matter_id, {
                "matter": message.matter.number, "title": message.matter.title,
                "client_name": message.matter.client.name, "last_subject": message.subject,
                "last_at": message.sent_at, "unread": 0, "count": 0})
            thread["count"] += 1
            if (message.direction == PortalMessage.Direction.FROM_CLIENT
                    and message.read_at is None):
                thread["unread"] += 1
        record(principal, PortalEvent.INBOX_VIEWED, object_type="report",
               object_id="portal_messages", details={"threads": len(threads)})
        rows = sorted(threads.values(), key=lambda row: (row["unread"] == 0, -row["last_at"]
                                                          .timestamp()))
        return {"threads": rows, "unread": sum(row["unread"] for row in rows)}
