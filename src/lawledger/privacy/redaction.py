"""Redacted billing exports for disputes: narratives replaced, every copy watermarked.

A privileged narrative (a time entry's words, an expense's description, an entry's memo and
purpose) is replaced by the UTBMS description of its task/activity or expense code, or by
REDACTION_MARK when it has none. Each copy carries who exported it, when (UTC) and for whom: in the
PDF's header and on every page's footer, in the first rows of the CSV, and in the LEDES invoice
description. An export for a third party needs the client's consent for that party (consents.py).
The read is audited in the same transaction as any other export.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import transaction

from lawledger.audit.services import record
from lawledger.billing.common import BillingAct
from lawledger.billing.events import BillingEvent
from lawledger.billing.invoicing import get_invoice
from lawledger.billing.ledes_export import ledes_invoice
from lawledger.billing.pdf import render_invoice_pdf
from lawledger.billing.queries import build_document
from lawledger.core import clock
from lawledger.core.access import Principal
from lawledger.core.errors import InvalidInput
from lawledger.core.formats import ledes
from lawledger.core.utbms import describe
from lawledger.firm.queries import firm_settings
from lawledger.ledger.queries import client_ledger_report
from lawledger.privacy.consents import require_consent
from lawledger.privacy.events import PrivacyEvent
from lawledger.reports.csv_safe import write_csv
from lawledger.reports.tables import CellKind, Column

REDACTION_MARK = "[privileged: redacted]"
FORMATS = ("pdf", "csv", "ledes")


def _substitute(*codes: str | None) -> str:
    words = [describe(code) for code in codes if code]
    words = [word for word in words if word]
    return " / ".join(words) if words else REDACTION_MARK


def watermark(principal: Principal, party: str | None) -> str:
    stamp = clock.now().strftime("%Y-%m-%d %H:%M UTC")
    target = f" for {party}" if party else ""
    return f"REDACTED COPY{target}, exported by {principal.label} at {stamp}"


def _redact_document(document: dict[str, Any]) -> dict[str, Any]:
    lines = []
    for line in document["lines"]:
        if line["kind"] == "fee":
            text = _substitute(line["task"], line["activity"])
        elif line["kind"] == "expense":
            text = _substitute(line["expense_code"])
        else:
            text = line["description"]  # an adjustment's label is the firm's own wording
        lines.append({**line, "description": text, "adjustment_reason": None})
    return {**document, "lines": lines, "note": None}


INVOICE_COLUMNS = [
    Column("number", "Line", CellKind.NUMBER), Column("date", "Date"), Column("kind", "Kind"),
    Column("task", "Task"), Column("activity", "Activity"), Column("expense_code", "Code"),
    Column("hours", "Hours", CellKind.NUMBER), Column("rate", "Rate", CellKind.NUMBER),
    Column("amount", "Amount", CellKind.NUMBER), Column("description", "Description"),
]


def redacted_invoice(principal: Principal, ref: str, fmt: str, *,
                     party: str | None = None) -> tuple[str, bytes]:
    """(file name, bytes) of a redacted, watermarked invoice in pdf, csv or ledes."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format: {fmt!r} is not one of {', '.join(FORMATS)}", param="format")
    with transaction.atomic():
        invoice = get_invoice(principal, ref, BillingAct.VIEW)
        if party:
            require_consent(principal, invoice.client, party, "invoices")
        mark = watermark(principal, party)
        record(principal, BillingEvent.INVOICE_EXPORTED, object_type="invoice",
               object_id=invoice.public_id, matter_ref=invoice.matter.number,
               client_ref=invoice.client.number,
               details={"format": fmt, "number": invoice.number, "redacted": True,
                        "party": party or "", "watermark": mark})
        name = f"invoice-{invoice.number or invoice.public_id}-redacted"
        if fmt == "ledes":
            base = ledes_invoice(invoice)
            lines = tuple(dataclasses.replace(line, description=_substitute(
                line.task_code, line.activity_code) if line.kind == "F" else (
                _substitute(line.expense_code) if line.kind == "E" else line.description))
                for line in base.lines)
            redacted = dataclasses.replace(base, lines=lines, description=mark)
            return f"{name}.ledes", ledes.export([redacted]).encode("utf-8")
        document = _redact_document(build_document(invoice))
        if fmt == "pdf":
            firm = f"{firm_settings().name} · {mark}"
            return f"{name}.pdf", render_invoice_pdf(document, firm)
        rows: list[dict[str, Any]] = [{"description": mark}, {
            "description": f"invoice {document['number']} of {document['client']} "
                           f"{document['matter']}: total {document['total']} "
                           f"{document['currency']}"}]
        rows += document["lines"]
        return f"{name}.csv", write_csv(INVOICE_COLUMNS, rows)


LEDGER_COLUMNS = [
    Column("date", "Date"), Column("kind", "Kind"), Column("id", "Entry"),
    Column("amount", "Amount", CellKind.NUMBER),
    Column("running_balance", "Balance", CellKind.NUMBER), Column("counterparty", "Payor/payee"),
    Column("memo", "Memo"),
]


def redacted_ledger_csv(principal: Principal, matter: str, *,
                        party: str | None = None) -> tuple[str, bytes]:
    """A client ledger as CSV with memos and purposes redacted, watermarked."""
    with transaction.atomic():
        report = client_ledger_report(principal, matter)  # audited read (trust.ledger_viewed)
        if party:
            from lawledger.access.policy import get_matter

            require_consent(principal, get_matter(principal, matter).client, party, "ledger")
        mark = watermark(principal, party)
        record(principal, PrivacyEvent.LEDGER_EXPORTED_REDACTED, object_type="matter",
               object_id=report["matter"],
               matter_ref=report["matter"], details={"format": "csv", "redacted": True,
                                                     "party": party or "", "watermark": mark})
        rows: list[dict[str, Any]] = [{"memo": mark}]
        rows += [{"date": e["date"], "kind": e["kind"], "id": e["id"], "amount": e["amount"],
                  "running_balance": e["running_balance"],
                  "counterparty": e.get("payor") or e.get("payee") or "",
                  "memo": REDACTION_MARK if (e.get("memo") or e.get("purpose")) else ""}
                 for e in report["entries"]]
        return f"ledger-{report['matter']}-redacted.csv", write_csv(LEDGER_COLUMNS, rows)
