"""Billing reports: work in progress, receivables ageing, realization and collection, and the
client statement of account. Each is filtered by the access policy (totals are sums of what the
reader may see, never more) and audited. The maths is in lawledger.core.billing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Sum

from lawledger.access.policy import get_client, visible_matters
from lawledger.audit.services import record
from lawledger.billing.arrangements import trust_balance_minor
from lawledger.billing.common import BillingAct, billing_matter, require_act
from lawledger.billing.events import BillingEvent
from lawledger.billing.invoicing import ITEM_STATUSES
from lawledger.billing.models import (
    Allocation,
    BillingStatus,
    Expense,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
    TimeEntry,
)
from lawledger.billing.rates import rate_candidates
from lawledger.core.access import Principal
from lawledger.core.billing import (
    AGING_BUCKETS,
    AdjustmentCode,
    Category,
    aging_bucket,
    choose_rate,
    fee_minor,
    format_permille,
    hours_text,
    permille,
    split_by_weights,
)
from lawledger.core.money import format_minor
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_today


def _audit(principal: Principal, name: str, **details: Any) -> None:
    record(principal, BillingEvent.REPORT_VIEWED, object_type="report", object_id=name,
           details={key: str(value) for key, value in details.items() if value is not None})


# --------------------------------------------------------------------------------------------
# work in progress


def _wip_row(matter: Matter) -> dict[str, Any]:
    return {"matter": matter.number, "title": matter.title, "client": matter.client.number,
            "client_name": matter.client.name,
            "responsible": matter.responsible.email if matter.responsible else None,
            "minutes": 0, "fees_minor": 0, "expenses_minor": 0, "unrated_minutes": 0,
            "oldest": None, "on_draft": False, "currency": None}


def wip_report(principal: Principal, *, as_of: dt.date | None = None,
               matter: str | None = None) -> dict[str, Any]:
    """Unbilled time and expenses (not yet on a finalized invoice) per matter, valued at the
    rates in effect on each entry's date."""
    require_act(principal, BillingAct.VIEW)
    day = as_of or firm_today()
    with transaction.atomic():
        matters = visible_matters(principal)
        if matter:
            matters = matters.filter(pk=billing_matter(principal, matter, BillingAct.VIEW).pk)
        _audit(principal, "wip", as_of=day.isoformat(), matter=matter)
        entries = (TimeEntry.objects.filter(matter__in=matters, work_date__lte=day,
                                            billing_status__in=ITEM_STATUSES)
                   .exclude(invoice__status=Invoice.Status.FINALIZED)
                   .values_list("matter_id", "timekeeper_id", "work_date", "minutes_billable",
                                "billing_status", "invoice_id"))
        expenses = (Expense.objects.filter(matter__in=matters, incurred_on__lte=day,
                                           billing_status__in=ITEM_STATUSES,
                                           paid_from=Expense.PaidFrom.OPERATING)
                    .exclude(invoice__status=Invoice.Status.FINALIZED)
                    .values_list("matter_id", "amount_minor", "currency", "incurred_on",
                                 "billing_status", "invoice_id"))
        by_matter: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for entry in entries:
            by_matter[entry[0]].append(entry)
        expense_rows: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for cost in expenses:
            expense_rows[cost[0]].append(cost)
        ids = set(by_matter) | set(expense_rows)
        rows: list[dict[str, Any]] = []
        for matter_row in Matter.objects.filter(pk__in=ids).select_related(
                "client", "responsible").order_by("number"):
            rows.append(_wip_value(matter_row, by_matter[matter_row.pk],
                                   expense_rows[matter_row.pk]))
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row["currency"]] += row.pop("total_minor")
    return {"as_of": day.isoformat(), "matters": rows,
            "totals": {currency: format_minor(total, currency)
                       for currency, total in sorted(totals.items())}}


def _wip_value(matter: Matter, entries: list[tuple[Any, ...]],
               expenses: list[tuple[Any, ...]]) -> dict[str, Any]:
    row = _wip_row(matter)
    candidates = rate_candidates({entry[1] for entry in entries}, matter)
    currencies = set()
    dates = []
    for _, keeper, work_date, minutes, status, invoice_id in entries:
        row["minutes"] += minutes
        row["on_draft"] = row["on_draft"] or invoice_id is not None
        dates.append(work_date)
        rate = choose_rate(candidates.get(keeper, []), work_date)
        if rate is None:
            row["unrated_minutes"] += minutes
        elif status == BillingStatus.BILLABLE:
            row["fees_minor"] += fee_minor(minutes, rate.rate_minor_per_hour)
            currencies.add(rate.currency)
    for _, amount, currency, incurred_on, status, invoice_id in expenses:
        dates.append(incurred_on)
        row["on_draft"] = row["on_draft"] or invoice_id is not None
        if status == BillingStatus.BILLABLE:
            row["expenses_minor"] += amount
            currencies.add(currency)
    from lawledger.billing.common import base_currency

    currency = sorted(currencies)[0] if currencies else base_currency()
    row["currency"] = currency
    row["hours"] = hours_text(row["minutes"])
    row["oldest"] = min(dates).isoformat() if dates else None
    row["total_minor"] = row["fees_minor"] + row["expenses_minor"]
    row["fees"] = format_minor(row.pop("fees_minor"), currency)
    row["expenses"] = format_minor(row.pop("expenses_minor"), currency)
    row["total"] = format_minor(row["total_minor"], currency)
    return row


# --------------------------------------------------------------------------------------------
# receivables ageing


def _applied_by(invoices: list[Invoice], day: dt.date) -> dict[int, int]:
    rows = (Allocation.objects.filter(invoice__in=invoices, applied_on__lte=day)
            .values("invoice_id").annotate(total=Sum("amount_minor")).order_by())
    return {row["invoice_id"]: int(row["total"] or 0) for row in rows}


def ar_aging_report(principal: Principal, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """What clients owe on finalized invoices as of a date, aged from the invoice date:
    current (under 30 days), 30, 60, 90 and 120+."""
    require_act(principal, BillingAct.VIEW)
    day = as_of or firm_today()
    with transaction.atomic():
        _audit(principal, "ar_aging", as_of=day.isoformat())
        invoices = list(Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE, status=Invoice.Status.FINALIZED, issue_date__lte=day,
            matter__in=visible_matters(principal)).select_related("client", "matter")
            .order_by("client__number", "issue_date", "sequence_number"))
        applied = _applied_by(invoices, day)
    clients: dict[tuple[str, str], dict[str, Any]] = {}
    totals: dict[str, dict[str, int]] = {}
    for invoice in invoices:
        balance = invoice.total_minor - applied.get(invoice.pk, 0)
        if balance <= 0:
            continue
        assert invoice.issue_date is not None
        bucket = aging_bucket(invoice.issue_date, day)
        key = (invoice.client.number, invoice.currency)
        entry = clients.setdefault(key, {"client": invoice.client.number,
                                         "name": invoice.client.name,
                                         "currency": invoice.currency,
                                         "minor": dict.fromkeys(AGING_BUCKETS, 0),
                                         "invoices": []})
        entry["minor"][bucket] += balance
        entry["invoices"].append({"number": invoice.number, "matter": invoice.matter.number,
                                  "date": invoice.issue_date.isoformat(),
                                  "days": (day - invoice.issue_date).days, "bucket": bucket,
                                  "balance_due": format_minor(balance, invoice.currency)})
        total = totals.setdefault(invoice.currency, dict.fromkeys(AGING_BUCKETS, 0))
        total[bucket] += balance
    rows = []
    for entry in clients.values():
        minor = entry.pop("minor")
        entry["buckets"] = {bucket: format_minor(minor[bucket], entry["currency"])
                            for bucket in AGING_BUCKETS}
        entry["total"] = format_minor(sum(minor.values()), entry["currency"])
        rows.append(entry)
    return {"as_of": day.isoformat(), "buckets": list(AGING_BUCKETS), "clients": rows,
            "totals": {currency: {**{bucket: format_minor(value[bucket], currency)
                                     for bucket in AGING_BUCKETS},
                                  "total": format_minor(sum(value.values()), currency)}
                       for currency, value in sorted(totals.items())}}


# --------------------------------------------------------------------------------------------
# realization and collection


def _invoice_shares(invoice: Invoice, lines: list[InvoiceLine],
                    paid: int) -> list[tuple[InvoiceLine, int, int]]:
    """(fee line, billed, collected): invoice-level fee adjustments (discounts, caps, flat fees,
    not tax) spread over the fee lines by their standard value; payments over everything billed."""
    fees = [line for line in lines if line.kind == InvoiceLine.Kind.FEE]
    if not fees:
        return []
    adjust = sum(line.amount_minor for line in lines if line.kind == InvoiceLine.Kind.ADJUSTMENT
                 and line.category == Category.FEES and line.code != AdjustmentCode.TAX)
    spread = split_by_weights(adjust, [line.standard_minor for line in fees])
    billed = [line.amount_minor + share for line, share in zip(fees, spread, strict=True)]
    other = invoice.total_minor - sum(billed)
    collected = split_by_weights(paid, [*billed, max(other, 0)])[:-1]
    return list(zip(fees, billed, collected, strict=True))


def _rates(bucket: dict[str, Any], currency: str) -> dict[str, Any]:
    worked, billed, collected = bucket["worked"], bucket["billed"], bucket["collected"]
    return {"minutes": bucket["minutes"], "hours": hours_text(bucket["minutes"]),
            "currency": currency, "worked": format_minor(worked, currency),
            "billed": format_minor(billed, currency),
            "collected": format_minor(collected, currency),
            "billing_realization": format_permille(permille(billed, worked)),
            "collection_realization": format_permille(permille(collected, billed)),
            "realization": format_permille(permille(collected, worked))}


def realization_report(principal: Principal, *, date_from: dt.date | None = None,
                       date_to: dt.date | None = None) -> dict[str, Any]:
    """Per timekeeper and per matter, over invoices issued in the period: time worked at
    standard rates, what was billed, what was collected, and the rates between them (%)."""
    require_act(principal, BillingAct.VIEW)
    end = date_to or firm_today()
    with transaction.atomic():
        _audit(principal, "realization", date_from=date_from, date_to=end.isoformat())
        invoices = Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE, status=Invoice.Status.FINALIZED, issue_date__lte=end,
            matter__in=visible_matters(principal)).select_related("matter")
        if date_from:
            invoices = invoices.filter(issue_date__gte=date_from)
        invoice_list = list(invoices)
        paid = {row["invoice_id"]: int(row["total"] or 0) for row in Allocation.objects.filter(
            invoice__in=invoice_list, kind=Allocation.Kind.PAYMENT).values("invoice_id")
            .annotate(total=Sum("amount_minor")).order_by()}
        lines: dict[int, list[InvoiceLine]] = defaultdict(list)
        for line in InvoiceLine.objects.filter(invoice__in=invoice_list).select_related(
                "timekeeper").order_by("invoice_id", "number"):
            lines[line.invoice_id].append(line)
    keepers: dict[tuple[str, str], dict[str, int]] = {}
    matters: dict[tuple[str, str], dict[str, int]] = {}
    for invoice in invoice_list:
        for line, billed, collected in _invoice_shares(invoice, lines[invoice.pk],
                                                       paid.get(invoice.pk, 0)):
            who = line.timekeeper.email if line.timekeeper else "—"
            for table, key in ((keepers, (who, invoice.currency)),
                               (matters, (invoice.matter.number, invoice.currency))):
                bucket = table.setdefault(key, {"minutes": 0, "worked": 0, "billed": 0,
                                                "collected": 0})
                bucket["minutes"] += line.minutes or 0
                bucket["worked"] += line.standard_minor
                bucket["billed"] += billed
                bucket["collected"] += collected
    return {"from": date_from.isoformat() if date_from else None, "to": end.isoformat(),
            "timekeepers": [{"timekeeper": key[0], **_rates(value, key[1])}
                            for key, value in sorted(keepers.items())],
            "matters": [{"matter": key[0], **_rates(value, key[1])}
                        for key, value in sorted(matters.items())]}


# --------------------------------------------------------------------------------------------
# client statement of account


def client_statement(principal: Principal, client: str, *, date_from: dt.date | None = None,
                     date_to: dt.date | None = None) -> dict[str, Any]:
    """Invoices, credit notes, payments, write-offs and refunds with a running balance, and the
    trust balance of each matter. A reader walled off some matters sees only the others."""
    require_act(principal, BillingAct.VIEW)
    end = date_to or firm_today()
    with transaction.atomic():
        client_row = get_client(principal, client)
        record(principal, BillingEvent.REPORT_VIEWED, object_type="client",
               object_id=client_row.number, client_ref=client_row.number,
               details={"report": "statement"})
        matters = list(visible_matters(principal).filter(client=client_row).order_by("number"))
        sees_all = len(matters) == Matter.objects.filter(client=client_row).count()
        events = _statement_events(client_row, matters, sees_all)
        trust = [{"matter": matter.number, "title": matter.title,
                  "trust_balance": format_minor(trust_balance_minor(matter, currency), currency),
                  "currency": currency}
                 for matter in matters for currency in sorted({e[4] for e in events} or {"USD"})]
    by_currency: dict[str, dict[str, Any]] = {}
    for day, _, kind, reference, currency, amount in sorted(events, key=lambda e: (e[0], e[1])):
        state = by_currency.setdefault(currency, {"opening": 0, "running": 0, "rows": []})
        if day > end:
            continue
        state["running"] += amount
        if date_from and day < date_from:
            state["opening"] = state["running"]
            continue
        state["rows"].append({"date": day.isoformat(), "kind": kind, "reference": reference,
                              "amount": format_minor(amount, currency),
                              "balance": format_minor(state["running"], currency)})
    return {"client": client_row.number, "name": client_row.name,
            "from": date_from.isoformat() if date_from else None, "to": end.isoformat(),
            "currencies": [{"currency": currency, "opening_balance": format_minor(
                state["opening"], currency), "entries": state["rows"],
                "closing_balance": format_minor(state["running"], currency)}
                for currency, state in sorted(by_currency.items())],
            "trust": trust}


def _statement_events(client: Any, matters: list[Matter],
                      sees_all: bool) -> list[tuple[dt.date, int, str, str, str, int]]:
    """(date, order, kind, reference, currency, signed amount owed) for the statement."""
    events: list[tuple[dt.date, int, str, str, str, int]] = []
    invoices = list(Invoice.objects.filter(matter__in=matters, status=Invoice.Status.FINALIZED))
    for invoice in invoices:
        assert invoice.issue_date is not None and invoice.number is not None
        kind = "invoice" if invoice.kind == Invoice.Kind.INVOICE else "credit_note"
        events.append((invoice.issue_date, 0, kind, invoice.number, invoice.currency,
                       invoice.total_minor))
    allocations = Allocation.objects.filter(invoice__in=invoices).select_related(
        "invoice", "payment")
    for allocation in allocations:
        if allocation.kind == Allocation.Kind.WRITE_OFF:
            events.append((allocation.applied_on, 1, "write_off", allocation.invoice.number or "",
                           allocation.invoice.currency, -allocation.amount_minor))
        elif allocation.kind == Allocation.Kind.PAYMENT and not sees_all:
            events.append((allocation.applied_on, 1, "payment", allocation.invoice.number or "",
                           allocation.invoice.currency, -allocation.amount_minor))
    if sees_all:
        for payment in Payment.objects.filter(client=client):
            events.append((payment.received_on, 1, "payment",
                           payment.reference or payment.method, payment.currency,
                           -payment.amount_minor))
        for refund in Refund.objects.filter(client=client):
            events.append((refund.refunded_on, 2, "refund", refund.method, refund.currency,
                           refund.amount_minor))
    return events
