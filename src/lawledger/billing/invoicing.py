"""Pre-bills: drafting, the rebuild of a draft's lines, discounts and write-downs, approval.

A draft's lines are derived, never edited: they are rebuilt from the entries and expenses on the
draft, the rates in effect on each entry's date (matter > client > timekeeper), the matter's fee
arrangement, the discounts recorded on the draft and the firm's tax settings. Any change resets an
approval, so what the responsible attorney approved is exactly what is finalized.
One open draft per matter: drafting again adds newly unbilled work to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from lawledger.access.policy import AccessRefused, get_matter
from lawledger.audit.services import record
from lawledger.billing.arrangements import current_arrangement
from lawledger.billing.common import (
    BillingAct,
    base_currency,
    billing_matter,
    billing_settings,
    check_act_on,
    clean_amount,
    clean_date,
    clean_text,
)
from lawledger.billing.events import BillingEvent
from lawledger.billing.models import (
    BillingSettings,
    BillingStatus,
    Expense,
    FeeArrangement,
    Invoice,
    InvoiceDiscount,
    InvoiceLine,
    TimeEntry,
)
from lawledger.billing.rates import rate_candidates
from lawledger.core import clock, utbms
from lawledger.core.access import Principal, Role
from lawledger.core.billing import (
    AdjustmentCode,
    Category,
    Discount,
    InvoiceNotDraft,
    InvoiceTerms,
    NoRate,
    NothingToBill,
    RateCandidate,
    choose_rate,
    expense_minor,
    fee_minor,
    format_basis_points,
    invoice_adjustments,
    parse_percent,
)
from lawledger.core.errors import CurrencyMismatch, InvalidInput, NotFound
from lawledger.firm.models import Matter

OPEN = (Invoice.Status.DRAFT, Invoice.Status.APPROVED)
ITEM_STATUSES = (BillingStatus.BILLABLE, BillingStatus.NO_CHARGE)


def get_invoice(principal: Principal, ref: str, act: BillingAct, *, param: str = "invoice",
                for_update: bool = False) -> Invoice:
    """An invoice by id or number through the access policy: not found when its matter is unseen
    (and a client sees only finalized invoices of their own matters)."""
    cleaned = (ref or "").strip()
    invoice = (Invoice.objects.select_related("matter", "client", "matter__client")
               .filter(Q(public_id=cleaned) | Q(number=cleaned)).first()) if cleaned else None
    refused = AccessRefused(f"{param}: no invoice {ref!r}", param=param, principal=principal,
                            object_type="invoice", object_id=cleaned[:64], action=act.name.lower())
    if invoice is None:
        raise refused
    try:
        matter = get_matter(principal, invoice.matter.number, param=param)
    except NotFound:
        raise refused from None
    if principal.role is Role.CLIENT:
        if act is not BillingAct.VIEW or invoice.status != Invoice.Status.FINALIZED:
            raise refused
    else:
        check_act_on(principal, matter, act)
    if for_update:
        invoice = Invoice.objects.select_for_update().select_related(
            "matter", "client", "matter__client").get(pk=invoice.pk)
    return invoice


def require_open(invoice: Invoice) -> None:
    if invoice.status not in OPEN:
        raise InvoiceNotDraft(f"invoice {invoice.number} is finalized and cannot change: issue a "
                              "credit note to correct it", param="invoice")


# --------------------------------------------------------------------------------------------
# drafting


def unbilled_filters(matter: Matter, day: dt.date) -> tuple[Q, Q]:
    entries = Q(matter=matter, invoice__isnull=True, work_date__lte=day,
                billing_status__in=ITEM_STATUSES)
    expenses = Q(matter=matter, invoice__isnull=True, incurred_on__lte=day,
                 billing_status__in=ITEM_STATUSES, paid_from=Expense.PaidFrom.OPERATING)
    return entries, expenses


def draft_for_matter(actor: Principal, matter: Matter, day: dt.date, *,
                     settings: BillingSettings | None = None,
                     currency: str | None = None) -> tuple[Invoice, bool]:
    """Put the matter's unbilled work through `day` on its open draft (made if need be).
    Returns (draft, changed). Runs inside the caller's transaction, the matter row locked.
    A billing run passes the billing settings and base currency it read once for every matter."""
    existing = Invoice.objects.select_for_update().filter(
        matter=matter, kind=Invoice.Kind.INVOICE, status__in=OPEN).first()
    entries, expenses = unbilled_filters(matter, day)
    has_new = TimeEntry.objects.filter(entries).exists() or Expense.objects.filter(expenses).exists()
    arrangement = current_arrangement(matter, day)
    if not has_new and not _flat_fees_due(matter, arrangement, existing, has_items=False):
        if existing is not None:
            return existing, False
        raise NothingToBill(f"{matter.number} has no unbilled time or expenses through "
                            f"{day.isoformat()}", param="matter")
    invoice = existing or Invoice(matter=matter, client=matter.client,
                                  currency=currency or base_currency(), period_end=day,
                                  created_at=clock.now(), created_by=actor.label)
    if existing is not None and day > existing.period_end:
        invoice.period_end = day
    invoice.save()
    TimeEntry.objects.filter(entries).update(invoice=invoice)
    Expense.objects.filter(expenses).update(invoice=invoice)
    # No arrangement on `day` is also none on the draft's period end unless the draft runs later.
    known = _UNREAD if arrangement is None and invoice.period_end != day else arrangement
    rebuild(invoice, arrangement=known, settings=settings)
    return invoice, True


def invoice_draft(*, actor: Principal, matter: str, through: str | dt.date | None = None) -> Invoice:
    """A pre-bill of the matter's unbilled work through a date (default today)."""
    day = clean_date(through, param="through", default_today=True)
    with transaction.atomic():
        matter_row = billing_matter(actor, matter, BillingAct.DRAFT, for_update=True)
        invoice, changed = draft_for_matter(actor, matter_row, day)
        record(actor, BillingEvent.INVOICE_DRAFTED, object_type="invoice",
               object_id=invoice.public_id, matter_ref=matter_row.number,
               client_ref=matter_row.client.number,
               details={"through": day.isoformat(), "changed": changed,
                        "total": invoice.total_minor, "currency": invoice.currency})
    return invoice


# --------------------------------------------------------------------------------------------
# the rebuild


class _Unread:
    """rebuild's default arrangement: not read yet (None means the matter has none)."""


_UNREAD = _Unread()


@dataclass
class _Item:
    line: InvoiceLine
    currency: str


def _coverage(arrangement: FeeArrangement | None, task: str) -> str:
    """Why a fee entry is not charged by the hour under the arrangement ("" when it is)."""
    if arrangement is None:
        return ""
    if arrangement.kind == FeeArrangement.Kind.CONTINGENCY:
        return "contingency matter: time is not charged"
    if arrangement.kind == FeeArrangement.Kind.FLAT:
        if arrangement.flat_amount_minor:
            return "included in the flat fee"
        if task and task in (arrangement.task_fees or {}):
            return f"included in the flat fee for {task}"
    return ""


def _reduce(base: int, discounts: list[InvoiceDiscount]) -> tuple[int, str]:
    """A line's write-downs applied in order: (signed adjustment, reasons)."""
    left = base
    reasons = []
    for row in discounts:
        discount = Discount(basis_points=row.basis_points, amount_minor=row.amount_minor)
        left -= discount.of(left)
        reasons.append(row.reason)
    return left - base, "; ".join(reasons)


def _fee_line(invoice: Invoice, entry: TimeEntry, candidates: dict[int, list[RateCandidate]],
              arrangement: FeeArrangement | None,
              discounts: list[InvoiceDiscount]) -> _Item:
    rate = choose_rate(candidates.get(entry.timekeeper_id, []), entry.work_date)
    covered = _coverage(arrangement, entry.task_code)
    no_charge = entry.billing_status == BillingStatus.NO_CHARGE
    if rate is None and not (covered or no_charge):
        email = entry.timekeeper.email
        raise NoRate(f"no rate for {email} on {entry.work_date.isoformat()}: set one with "
                     f"`lawledger rate set {email} AMOUNT`", param="rate")
    rate_minor = rate.rate_minor_per_hour if rate else 0
    standard = fee_minor(entry.minutes_billable, rate_minor)
    if no_charge or covered:
        adjustment, reason = -standard, "no charge" if no_charge else covered
    else:
        adjustment, reason = _reduce(standard, discounts)
    line = InvoiceLine(invoice=invoice, kind=InvoiceLine.Kind.FEE, category=Category.FEES,
                       line_date=entry.work_date, time_entry=entry,
                       timekeeper_id=entry.timekeeper_id, minutes=entry.minutes_billable,
                       rate_minor=rate_minor, rate_source=rate.scope.value if rate else "",
                       standard_minor=standard, adjustment_minor=adjustment,
                       adjustment_reason=reason[:300], amount_minor=standard + adjustment,
                       task_code=entry.task_code, activity_code=entry.activity_code,
                       is_no_charge=no_charge)
    return _Item(line, rate.currency if rate else invoice.currency)


def _expense_line(invoice: Invoice, expense: Expense, discounts: list[InvoiceDiscount]) -> _Item:
    standard = expense_minor(expense.quantity_thousandths, expense.unit_cost_minor)
    no_charge = expense.billing_status == BillingStatus.NO_CHARGE
    if no_charge:
        adjustment, reason = -standard, "no charge"
    else:
        adjustment, reason = _reduce(standard, discounts)
    line = InvoiceLine(invoice=invoice, kind=InvoiceLine.Kind.EXPENSE, category=Category.EXPENSES,
                       line_date=expense.incurred_on, expense=expense,
                       quantity_thousandths=expense.quantity_thousandths,
                       rate_minor=expense.unit_cost_minor, standard_minor=standard,
                       adjustment_minor=adjustment, adjustment_reason=reason[:300],
                       amount_minor=standard + adjustment, expense_code=expense.expense_code,
                       is_no_charge=no_charge)
    return _Item(line, expense.currency)


def _flat_fees_due(matter: Matter, arrangement: FeeArrangement | None, invoice: Invoice | None,
                   *, has_items: bool, tasks: set[str] | None = None) -> list[tuple[str, int, str]]:
    """(key, amount, label) of the flat fees this invoice bills: each once per matter."""
    if arrangement is None or arrangement.kind != FeeArrangement.Kind.FLAT:
        return []
    billed = InvoiceLine.objects.filter(invoice__matter=matter, invoice__kind=Invoice.Kind.INVOICE,
                                        code=AdjustmentCode.FLAT_FEE)
    if invoice is not None and invoice.pk is not None:
        billed = billed.exclude(invoice=invoice)
    done = set(billed.values_list("task_code", flat=True))
    due = []
    if arrangement.flat_amount_minor and "" not in done:
        due.append(("", int(arrangement.flat_amount_minor), "Flat fee"))
    for task, amount in sorted((arrangement.task_fees or {}).items()):
        if has_items and task not in done and tasks and task in tasks:
            due.append((task, int(amount), f"Flat fee {task} {utbms.describe(task)}"))
    return due


def _terms(invoice: Invoice, arrangement: FeeArrangement | None,
           flat: list[tuple[str, int, str]], discounts: list[InvoiceDiscount],
           settings: BillingSettings) -> InvoiceTerms:
    cap_remaining = None
    if arrangement is not None and arrangement.kind == FeeArrangement.Kind.CAPPED:
        billed = sum(Invoice.objects.filter(
            matter=invoice.matter, kind=Invoice.Kind.INVOICE, status=Invoice.Status.FINALIZED)
            .exclude(pk=invoice.pk).values_list("fees_minor", flat=True))
        cap_remaining = int(arrangement.cap_minor or 0) - billed

    def label(row: InvoiceDiscount) -> str:
        size = (f"{format_basis_points(row.basis_points)}%" if row.basis_points is not None
                else "")
        return " ".join(part for part in ("Discount", size) if part) + f": {row.reason}"

    def of(category: Category) -> tuple[tuple[Discount, str], ...]:
        return tuple((Discount(basis_points=row.basis_points, amount_minor=row.amount_minor),
                      label(row)[:300]) for row in discounts if row.category == category)

    return InvoiceTerms(
        fee_discounts=of(Category.FEES), expense_discounts=of(Category.EXPENSES),
        flat_fees=tuple((amount, label) for _, amount, label in flat),
        cap_remaining_minor=cap_remaining, tax_basis_points=settings.tax_rate_basis_points,
        tax_label=settings.tax_label, tax_on_expenses=settings.tax_on_expenses)


def rebuild(invoice: Invoice, *, arrangement: FeeArrangement | _Unread | None = _UNREAD,
            extra_fees: tuple[tuple[str, int, str], ...] = (),
            settings: BillingSettings | None = None) -> None:
    """Recreate every line of an open draft from what it holds; the approval is reset.
    `extra_fees` are (key, amount, label) fee lines of this rebuild only (a contingency fee).
    A caller that already read the arrangement (None: the matter has none) or the billing
    settings passes them, so they are not read again."""
    require_open(invoice)
    matter = invoice.matter
    if isinstance(arrangement, _Unread):
        arrangement = current_arrangement(matter, invoice.period_end)
    InvoiceLine.objects.filter(invoice=invoice).delete()
    entries = list(TimeEntry.objects.filter(invoice=invoice).select_related("timekeeper")
                   .order_by("work_date", "pk"))
    expenses = list(Expense.objects.filter(invoice=invoice).order_by("incurred_on", "pk"))
    discounts = list(InvoiceDiscount.objects.filter(invoice=invoice).order_by("pk"))
    by_entry: dict[int, list[InvoiceDiscount]] = {}
    by_expense: dict[int, list[InvoiceDiscount]] = {}
    for row in discounts:
        if row.time_entry_id is not None:
            by_entry.setdefault(row.time_entry_id, []).append(row)
        elif row.expense_id is not None:
            by_expense.setdefault(row.expense_id, []).append(row)
    candidates = rate_candidates({entry.timekeeper_id for entry in entries}, matter)
    items = [_fee_line(invoice, entry, candidates, arrangement, by_entry.get(entry.pk, []))
             for entry in entries]
    items += [_expense_line(invoice, expense, by_expense.get(expense.pk, []))
              for expense in expenses]
    currencies = {item.currency for item in items} or {invoice.currency}
    if len(currencies) > 1:
        raise CurrencyMismatch(f"{matter.number}'s unbilled work is in "
                               f"{', '.join(sorted(currencies))}: bill each currency apart",
                               param="currency")
    invoice.currency = currencies.pop()
    lines = [item.line for item in items]
    fees = sum(line.amount_minor for line in lines if line.kind == InvoiceLine.Kind.FEE)
    costs = sum(line.amount_minor for line in lines if line.kind == InvoiceLine.Kind.EXPENSE)
    flat = _flat_fees_due(matter, arrangement, invoice, has_items=True,
                          tasks={entry.task_code for entry in entries if entry.task_code})
    flat += list(extra_fees)
    invoice_discounts = [row for row in discounts
                         if row.time_entry_id is None and row.expense_id is None]
    flat_keys = iter(key for key, _, _ in flat)
    terms = _terms(invoice, arrangement, flat, invoice_discounts,
                   settings or billing_settings())
    for adjustment in invoice_adjustments(fees, costs, terms):
        task = next(flat_keys) if adjustment.code is AdjustmentCode.FLAT_FEE else ""
        lines.append(InvoiceLine(invoice=invoice, kind=InvoiceLine.Kind.ADJUSTMENT,
                                 category=adjustment.category, code=adjustment.code,
                                 line_date=invoice.period_end, standard_minor=adjustment.amount_minor,
                                 amount_minor=adjustment.amount_minor, task_code=task,
                                 label=adjustment.label[:300]))
    for number, line in enumerate(lines, start=1):
        line.number = number
    InvoiceLine.objects.bulk_create(lines)
    _set_totals(invoice, lines)
    dates = [line.line_date for line in lines if line.kind != InvoiceLine.Kind.ADJUSTMENT]
    invoice.period_start = min(dates) if dates else None
    invoice.status = Invoice.Status.DRAFT
    invoice.approved_by = None
    invoice.approved_at = None
    invoice.save()


def _set_totals(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    tax = sum(line.amount_minor for line in lines if line.code == AdjustmentCode.TAX)
    invoice.tax_minor = tax
    invoice.fees_minor = sum(line.amount_minor for line in lines
                             if line.category == Category.FEES and line.code != AdjustmentCode.TAX)
    invoice.expenses_minor = sum(line.amount_minor for line in lines
                                 if line.category == Category.EXPENSES
                                 and line.code != AdjustmentCode.TAX)
    invoice.total_minor = sum(line.amount_minor for line in lines)


def rebuild_after_change(actor: Principal, invoice_id: int) -> None:
    """An entry on a draft changed: rebuild the draft (its approval is reset)."""
    invoice = Invoice.objects.select_for_update().select_related("matter", "matter__client").get(
        pk=invoice_id)
    rebuild(invoice)
    record(actor, BillingEvent.INVOICE_ADJUSTED, object_type="invoice",
           object_id=invoice.public_id, matter_ref=invoice.matter.number,
           client_ref=invoice.matter.client.number, details={"change": "entry changed"})


# --------------------------------------------------------------------------------------------
# review: discounts, write-downs, removing lines, approval, deleting a draft


def _audit_change(actor: Principal, invoice: Invoice, change: str, **details: object) -> None:
    record(actor, BillingEvent.INVOICE_ADJUSTED, object_type="invoice",
           object_id=invoice.public_id, matter_ref=invoice.matter.number,
           client_ref=invoice.matter.client.number,
           details={"change": change, **details, "total": invoice.total_minor})


def invoice_discount_add(*, actor: Principal, invoice: str, reason: str,
                         percent: str | None = None, amount: str | None = None,
                         line: int | None = None, expenses: bool = False) -> Invoice:
    """A discount (invoice level) or write-down (one line): a percentage or an amount."""
    if (percent is None) == (amount is None):
        raise InvalidInput("percent: give --percent or --amount", param="percent")
    clean_reason = clean_text(reason, param="reason", max_length=200, required=True)
    with transaction.atomic():
        row = get_invoice(actor, invoice, BillingAct.DRAFT, for_update=True)
        require_open(row)
        basis_points = parse_percent(percent) if percent is not None else None
        minor = clean_amount(amount, row.currency) if amount is not None else None
        discount = InvoiceDiscount(invoice=row, basis_points=basis_points, amount_minor=minor,
                                   reason=clean_reason, created_at=clock.now(),
                                   created_by=actor.label,
                                   category=Category.EXPENSES if expenses else Category.FEES)
        if line is not None:
            target = InvoiceLine.objects.filter(invoice=row, number=line).first()
            if target is None or target.kind == InvoiceLine.Kind.ADJUSTMENT:
                raise InvalidInput(f"line: {row.public_id} has no fee or expense line {line}",
                                   param="line")
            discount.time_entry_id = target.time_entry_id
            discount.expense_id = target.expense_id
            discount.category = target.category
        discount.save()
        rebuild(row)
        _audit_change(actor, row, "write-down" if line is not None else "discount",
                      line=line, percent=percent, amount=amount)
    return row


def invoice_line_remove(*, actor: Principal, invoice: str, line: int,
                        non_billable: bool = False, reason: str | None = None) -> Invoice:
    """Take a fee or expense off the pre-bill: back to work in progress, or (with non_billable)
    written off as never to be billed."""
    with transaction.atomic():
        row = get_invoice(actor, invoice, BillingAct.DRAFT, for_update=True)
        require_open(row)
        target = InvoiceLine.objects.filter(invoice=row, number=line).first()
        if target is None or target.kind == InvoiceLine.Kind.ADJUSTMENT:
            raise InvalidInput(f"line: {row.public_id} has no fee or expense line {line}",
                               param="line")
        clean_reason = clean_text(reason, param="reason", max_length=200, required=non_billable)
        status = BillingStatus.NON_BILLABLE if non_billable else None
        if target.time_entry_id is not None:
            InvoiceDiscount.objects.filter(invoice=row, time_entry_id=target.time_entry_id).delete()
            TimeEntry.objects.filter(pk=target.time_entry_id).update(
                invoice=None, **({"billing_status": status} if status else {}))
        elif target.expense_id is not None:
            InvoiceDiscount.objects.filter(invoice=row, expense_id=target.expense_id).delete()
            Expense.objects.filter(pk=target.expense_id).update(
                invoice=None, **({"billing_status": status} if status else {}))
        rebuild(row)
        _audit_change(actor, row, "line removed", line=line, non_billable=non_billable,
                      reason=clean_reason)
    return row


def invoice_approve(*, actor: Principal, invoice: str) -> Invoice:
    """The responsible attorney (or an admin) approves the pre-bill as it stands."""
    with transaction.atomic():
        row = get_invoice(actor, invoice, BillingAct.APPROVE, for_update=True)
        require_open(row)
        approve(actor, row, implicit=False)
    return row


def approve(actor: Principal, invoice: Invoice, *, implicit: bool) -> None:
    invoice.status = Invoice.Status.APPROVED
    invoice.approved_by_id = actor.user_id
    invoice.approved_at = clock.now()
    invoice.save(update_fields=["status", "approved_by", "approved_at"])
    record(actor, BillingEvent.INVOICE_APPROVED, object_type="invoice",
           object_id=invoice.public_id, matter_ref=invoice.matter.number,
           client_ref=invoice.matter.client.number,
           details={"total": invoice.total_minor, "implicit": implicit})


def invoice_delete(*, actor: Principal, invoice: str) -> None:
    """Throw a draft away: its entries and expenses go back to work in progress."""
    with transaction.atomic():
        row = get_invoice(actor, invoice, BillingAct.DRAFT, for_update=True)
        require_open(row)
        TimeEntry.objects.filter(invoice=row).update(invoice=None)
        Expense.objects.filter(invoice=row).update(invoice=None)
        InvoiceLine.objects.filter(invoice=row).delete()
        InvoiceDiscount.objects.filter(invoice=row).delete()
        record(actor, BillingEvent.DRAFT_DELETED, object_type="invoice",
               object_id=row.public_id, matter_ref=row.matter.number,
               client_ref=row.matter.client.number)
        row.delete()
