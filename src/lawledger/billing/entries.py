"""Time entries, expenses and receipts: what is recorded before anything is billed.

A time entry keeps the minutes worked and the minutes billable (rounded UP to the firm's billing
increment); its narrative is encrypted. An expense is quantity × unit cost with a UTBMS expense
code; one paid from trust is a trust disbursement through the ledger engine and is not billed
again. Receipts are size- and type-checked by their bytes and stored encrypted.

Entries on a draft can still change (the draft is rebuilt and loses its approval); entries on a
finalized invoice cannot (service check here, trigger in the database).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

from django.db import transaction

from lawledger.access.models import User
from lawledger.access.policy import matter_facts
from lawledger.audit.services import record
from lawledger.billing.common import (
    BillingAct,
    base_currency,
    billing_matter,
    clean_amount,
    clean_date,
    clean_text,
)
from lawledger.billing.events import BillingEvent
from lawledger.billing.models import BillingStatus, Expense, Invoice, Receipt, TimeEntry
from lawledger.billing.rates import ensure_timekeeper, timekeeper_user
from lawledger.core import clock, utbms
from lawledger.core.access import Principal, Role
from lawledger.core.billing import (
    EntryBilled,
    TimekeeperWalled,
    billable_minutes,
    expense_minor,
    parse_minutes,
    parse_quantity,
)
from lawledger.core.errors import InvalidInput, NotFound, PermissionDenied
from lawledger.core.money import format_minor, normalize_currency
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_settings
from lawledger.ledger.services import MatterClosed

MAX_NARRATIVE = 5000
MAX_RECEIPT_BYTES = 5 * 1024 * 1024
RECEIPT_TYPES = {  # content type: (magic bytes, file extensions)
    "application/pdf": (b"%PDF-", ("pdf",)),
    "image/png": (b"\x89PNG\r\n\x1a\n", ("png",)),
    "image/jpeg": (b"\xff\xd8\xff", ("jpg", "jpeg")),
}


def _status(no_charge: bool, non_billable: bool) -> str:
    if no_charge and non_billable:
        raise InvalidInput("no_charge: an entry is either no-charge or non-billable", param="no_charge")
    if no_charge:
        return BillingStatus.NO_CHARGE
    return BillingStatus.NON_BILLABLE if non_billable else BillingStatus.BILLABLE


def _open(matter: Matter) -> None:
    if matter.status != Matter.Status.OPEN:
        raise MatterClosed(f"{matter.number} is closed: nothing more is recorded on it",
                           param="matter")


def check_timekeeper(actor: Principal, user: User, matter: Matter) -> None:
    """The person whose time it is must not be walled off the matter; attorneys and paralegals
    record time only for people on the matter's team (a paralegal only their own)."""
    facts = matter_facts(matter)
    if user.pk in facts.walled_user_ids:
        raise TimekeeperWalled(f"{user.email} is walled off {matter.number}", param="by")
    if actor.is_operator or actor.role not in (Role.ATTORNEY, Role.PARALEGAL):
        return
    if actor.role is Role.PARALEGAL and user.pk != actor.user_id:
        raise PermissionDenied("a paralegal records only their own time", param="by")
    if user.pk not in facts.team_user_ids:
        raise TimekeeperWalled(f"{user.email} is not on {matter.number}'s team", param="by")


def _minutes(value: str | int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return parse_minutes(str(value))
    return parse_minutes(str(value))


def time_record(*, actor: Principal, matter: str, minutes: str | int, by: str,
                date: str | dt.date, narrative: str, task: str | None = None,
                activity: str | None = None, no_charge: bool = False,
                non_billable: bool = False) -> TimeEntry:
    worked = _minutes(minutes)
    day = clean_date(date)
    text = clean_text(narrative, param="narrative", max_length=MAX_NARRATIVE, required=True,
                      multiline=True)
    task_value = utbms.task_code(task) or ""
    activity_value = utbms.activity_code(activity) or ""
    status = _status(no_charge, non_billable)
    with transaction.atomic():
        matter_row = billing_matter(actor, matter, BillingAct.RECORD)
        _open(matter_row)
        user = timekeeper_user(by)
        check_timekeeper(actor, user, matter_row)
        ensure_timekeeper(user)
        increment = firm_settings().billing_increment_minutes
        entry = TimeEntry(matter=matter_row, timekeeper=user, work_date=day, minutes_worked=worked,
                          minutes_billable=billable_minutes(worked, increment), narrative=text,
                          task_code=task_value, activity_code=activity_value,
                          billing_status=status, recorded_at=clock.now(), recorded_by=actor.label)
        entry.save(force_insert=True)
        record(actor, BillingEvent.TIME_RECORDED, object_type="time_entry",
               object_id=entry.public_id, matter_ref=matter_row.number,
               client_ref=matter_row.client.number,
               details={"timekeeper": user.email, "date": day.isoformat(), "minutes": worked,
                        "billable_minutes": entry.minutes_billable, "status": status})
    return entry


def _entry_for_change(actor: Principal, ref: str) -> TimeEntry:
    entry = (TimeEntry.objects.select_related("matter", "matter__client", "invoice")
             .filter(public_id=(ref or "").strip()).first())
    if entry is None:
        raise NotFound(f"entry: no time entry {ref!r}", param="entry")
    billing_matter(actor, entry.matter.number, BillingAct.RECORD, param="entry")
    if actor.role is Role.PARALEGAL and entry.timekeeper_id != actor.user_id:
        raise PermissionDenied("a paralegal changes only their own time", param="entry")
    entry = TimeEntry.objects.select_for_update().select_related("matter", "matter__client").get(
        pk=entry.pk)
    if entry.invoice_id is not None and Invoice.objects.filter(
            pk=entry.invoice_id, status=Invoice.Status.FINALIZED).exists():
        raise EntryBilled(f"entry {entry.public_id} is on a finalized invoice: correct it with a "
                          "credit note", param="entry")
    return entry


def time_update(*, actor: Principal, entry: str, minutes: str | int | None = None,
                date: str | dt.date | None = None, narrative: str | None = None,
                task: str | None = None, activity: str | None = None,
                status: str | None = None) -> TimeEntry:
    """Change an unbilled entry, or one on a draft (the draft is rebuilt)."""
    with transaction.atomic():
        row = _entry_for_change(actor, entry)
        if minutes is not None:
            row.minutes_worked = _minutes(minutes)
            row.minutes_billable = billable_minutes(row.minutes_worked,
                                                    firm_settings().billing_increment_minutes)
        if date is not None:
            row.work_date = clean_date(date)
        if narrative is not None:
            row.narrative = clean_text(narrative, param="narrative", max_length=MAX_NARRATIVE,
                                       required=True, multiline=True)
        if task is not None:
            row.task_code = utbms.task_code(task) or ""
        if activity is not None:
            row.activity_code = utbms.activity_code(activity) or ""
        if status is not None:
            if status not in BillingStatus.values:
                raise InvalidInput(f"status: one of {', '.join(BillingStatus.values)}",
                                   param="status")
            row.billing_status = status
        row.save()
        record(actor, BillingEvent.TIME_CHANGED, object_type="time_entry", object_id=row.public_id,
               matter_ref=row.matter.number, client_ref=row.matter.client.number,
               details={"minutes": row.minutes_worked, "status": row.billing_status})
        _rebuild_draft_of(actor, row.invoice_id)
    return row


def time_delete(*, actor: Principal, entry: str) -> None:
    with transaction.atomic():
        row = _entry_for_change(actor, entry)
        draft = row.invoice_id
        if draft is not None:
            row.invoice = None
            row.save(update_fields=["invoice"])
            _rebuild_draft_of(actor, draft)
        record(actor, BillingEvent.TIME_DELETED, object_type="time_entry", object_id=row.public_id,
               matter_ref=row.matter.number, client_ref=row.matter.client.number)
        row.delete()


def _rebuild_draft_of(actor: Principal, invoice_id: int | None) -> None:
    if invoice_id is None:
        return
    from lawledger.billing.invoicing import rebuild_after_change

    rebuild_after_change(actor, invoice_id)


# --------------------------------------------------------------------------------------------
# expenses and receipts


def expense_record(*, actor: Principal, matter: str, amount: str | int, date: str | dt.date,
                   description: str, code: str | None = None, quantity: str | None = None,
                   currency: str | None = None, soft: bool = False, no_charge: bool = False,
                   non_billable: bool = False, from_trust: bool = False,
                   account: str | None = None, payee: str | None = None,
                   receipt: tuple[str, bytes] | None = None) -> Expense:
    """An expense: AMOUNT is the unit cost, the expense is quantity × unit cost. A receipt
    (file name, bytes) is checked first and attached in the same transaction."""
    day = clean_date(date)
    text = clean_text(description, param="description", max_length=2000, required=True,
                      multiline=True)
    code_value = utbms.expense_code(code) or ""
    code_currency = normalize_currency(currency) if currency else base_currency()
    unit_cost = clean_amount(amount, code_currency)
    thousandths = parse_quantity(quantity) if quantity else 1000
    total = expense_minor(thousandths, unit_cost)
    status = _status(no_charge, non_billable)
    if from_trust and (not payee or not payee.strip()):
        raise InvalidInput("to: an expense paid from trust names its payee (--to)", param="to")
    if receipt is not None:
        sniff_receipt(*receipt)
    with transaction.atomic():
        matter_row = billing_matter(actor, matter, BillingAct.RECORD)
        _open(matter_row)
        trust_entry = ""
        if from_trust:
            from lawledger.ledger.services import trust_disbursement_record

            posted = trust_disbursement_record(
                actor=actor, matter=matter_row.number, amount=total, account=account, date=day,
                payee=payee or "", purpose=f"expense {code_value}".strip())
            if posted.entry.currency != code_currency:
                raise InvalidInput("currency: the trust account holds another currency",
                                   param="currency")
            trust_entry = posted.entry.public_id
        expense = Expense(matter=matter_row, incurred_on=day, description=text,
                          expense_code=code_value, quantity_thousandths=thousandths,
                          unit_cost_minor=unit_cost, amount_minor=total, currency=code_currency,
                          cost_kind=Expense.CostKind.SOFT if soft else Expense.CostKind.HARD,
                          billing_status=status,
                          paid_from=Expense.PaidFrom.TRUST if from_trust
                          else Expense.PaidFrom.OPERATING,
                          trust_entry=trust_entry, recorded_at=clock.now(),
                          recorded_by=actor.label)
        expense.save(force_insert=True)
        record(actor, BillingEvent.EXPENSE_RECORDED, object_type="expense",
               object_id=expense.public_id, matter_ref=matter_row.number,
               client_ref=matter_row.client.number,
               details={"amount": format_minor(total, code_currency), "currency": code_currency,
                        "code": code_value, "paid_from": expense.paid_from,
                        "trust_entry": trust_entry})
        if receipt is not None:
            receipt_attach(actor=actor, expense=expense.public_id, filename=receipt[0],
                           data=receipt[1])
    return expense


def sniff_receipt(filename: str, data: bytes) -> tuple[str, str]:
    """(safe file name, content type) of a receipt, or InvalidInput naming what is wrong."""
    if not data:
        raise InvalidInput("receipt: the file is empty", param="receipt")
    if len(data) > MAX_RECEIPT_BYTES:
        raise InvalidInput("receipt: larger than 5 MB", param="receipt")
    kind = next((name for name, (magic, _) in RECEIPT_TYPES.items() if data.startswith(magic)),
                None)
    if kind is None:
        raise InvalidInput("receipt: only PDF, PNG and JPEG receipts are kept", param="receipt")
    head = data[:4096].lower()
    if b"<html" in head or b"<script" in head or b"<svg" in head:
        raise InvalidInput("receipt: the file carries HTML or script as well", param="receipt")
    base = re.split(r"[\\/]", filename or "")[-1]
    base = "".join(ch for ch in base if ch.isalnum() or ch in "._- ")[:100].strip(" .")
    extension = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    allowed = RECEIPT_TYPES[kind][1]
    if extension and extension not in allowed:
        raise InvalidInput(f"receipt: the file is a {kind} but is named .{extension}",
                           param="receipt")
    if not base or not extension:
        base = f"receipt.{allowed[0]}"
    return base, kind


def receipt_attach(*, actor: Principal, expense: str, filename: str, data: bytes) -> Receipt:
    safe_name, kind = sniff_receipt(filename, data)
    with transaction.atomic():
        row = Expense.objects.select_related("matter", "matter__client").filter(
            public_id=(expense or "").strip()).first()
        if row is None:
            raise NotFound(f"expense: no expense {expense!r}", param="expense")
        billing_matter(actor, row.matter.number, BillingAct.RECORD, param="expense")
        receipt = Receipt(expense=row, filename=safe_name, content_type=kind,
                          size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
                          content=base64.b64encode(data).decode("ascii"),
                          recorded_at=clock.now(), recorded_by=actor.label)
        receipt.save(force_insert=True)
        record(actor, BillingEvent.RECEIPT_ATTACHED, object_type="receipt",
               object_id=receipt.public_id, matter_ref=row.matter.number,
               client_ref=row.matter.client.number,
               details={"expense": row.public_id, "bytes": len(data), "type": kind})
    return receipt


def receipt_read(principal: Principal, ref: str) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of a receipt; the read is audited (fail closed)."""
    with transaction.atomic():
        receipt = Receipt.objects.select_related("expense__matter", "expense__matter__client") \
            .filter(public_id=(ref or "").strip()).first()
        if receipt is None:
            raise NotFound(f"receipt: no receipt {ref!r}", param="receipt")
        matter = billing_matter(principal, receipt.expense.matter.number, BillingAct.VIEW,
                                param="receipt")
        record(principal, BillingEvent.RECEIPT_VIEWED, object_type="receipt",
               object_id=receipt.public_id, matter_ref=matter.number,
               client_ref=matter.client.number)
        data = base64.b64decode(receipt.content)
    return receipt.filename, receipt.content_type, data
