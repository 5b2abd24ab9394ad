"""The figures of the staff home page, per role, each aggregated in SQL over what the reader may see.

Firm-level figures (bank balances, reconciliations, unmatched bank lines) are for the roles that
may view firm reports; everything else is summed over `visible_matters`, so an attorney's
dashboard is the firm's figures restricted to the matters they are assigned. One audit record
says the dashboard was read (confidential figures, I9), written inside the read's transaction.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least

from lawledger.access.policy import visible_matters
from lawledger.audit.services import record
from lawledger.backup.queries import backup_status
from lawledger.banking.feeds.queries import feeds_needing_attention
from lawledger.billing.common import BillingAct, may
from lawledger.billing.invoicing import ITEM_STATUSES
from lawledger.billing.models import (
    Allocation,
    Expense,
    FeeArrangement,
    Invoice,
    InvoiceLine,
    TimeEntry,
)
from lawledger.core import clock
from lawledger.core.access import Action, Principal, role_allows
from lawledger.core.billing import AGING_BUCKETS, hours_text
from lawledger.core.ledger import NORMAL_SIDE, AccountKind
from lawledger.core.money import format_minor
from lawledger.dashboard import charts
from lawledger.dashboard.events import WebEvent
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_settings
from lawledger.ledger.models import ApprovalRequest, LedgerAccount, Posting

LIST_LIMIT = 10


def dashboard(principal: Principal, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the home page shows to `principal`, as of `today` (the firm's today)."""
    firm = firm_settings()  # read once: every figure below needs the firm's currency or limits
    day = today or clock.now().astimezone(zoneinfo.ZoneInfo(firm.time_zone)).date()
    firm_wide = role_allows(principal, Action.VIEW_FIRM_REPORTS)
    billing = may(principal, BillingAct.VIEW)
    with transaction.atomic():
        record(principal, WebEvent.DASHBOARD_VIEWED, object_type="report",
               object_id="dashboard", details={"as_of": day.isoformat()})
        matters = visible_matters(principal)
        out: dict[str, Any] = {
            "as_of": day.isoformat(), "firm_wide": firm_wide, "billing": billing,
            "trust": trust_balances(matters, firm_wide),
            "trust_chart": charts.line_chart(trust_history(matters, firm_wide, day,
                                                             firm.base_currency)),
            "banking": banking_status(principal) if firm_wide else [],
            # Operations a partner must not miss: an unverified backup, a silent bank feed.
            "backup": backup_status(principal) if firm_wide else None,
            "feeds": feeds_needing_attention(principal) if firm_wide else [],
            "evergreen": below_evergreen_minimum(matters, day),
            "approvals": (awaiting_approval(principal, matters)
                          if role_allows(principal, Action.RECORD_DISBURSEMENT) else None),
        }
        if billing:
            aging = ar_aging(matters, day)
            out.update({"earned_fees": earned_fees_left(matters, day, firm.earned_fees_left_days),
                        "wip": wip(matters, day), "aging": aging,
                        "aging_chart": charts.bar_chart(aging_bars(aging, firm.base_currency)),
                        "realization": realization(matters, day)})
            out["realization_chart"] = charts.percent_bars(out["realization"])
    return out


def awaiting_approval(principal: Principal, matters: QuerySet[Matter]) -> dict[str, int]:
    """Held payments (SECURITY.md D7) on the visible matters: those `principal` may decide (asked
    by someone else) and their own that wait for another approver. Counts only: no payee."""
    pending = ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING,
                                             matter__in=matters)
    own = Q(requested_by=principal.label)
    counts = pending.aggregate(to_decide=Count("pk", filter=~own), own=Count("pk", filter=own))
    return {"to_decide": counts["to_decide"], "own": counts["own"]}


def _zero_if_none(expression: Any) -> Coalesce:
    return Coalesce(expression, Value(0), output_field=BigIntegerField())


def _client_ledgers(matters: QuerySet[Matter]) -> QuerySet[LedgerAccount]:
    return LedgerAccount.objects.filter(kind=AccountKind.CLIENT, matter__in=matters)


def trust_balances(matters: QuerySet[Matter], firm_wide: bool) -> list[dict[str, Any]]:
    """Per trust account: the client ledgers the reader sees, and for firm roles the bank side."""
    sums = (_client_ledgers(matters).values("bank_account__name", "currency")
            .annotate(total=Sum("balance_minor"),
                      matters=Count("matter", distinct=True, filter=~Q(balance_minor=0)),
                      negative=Count("pk", filter=Q(balance_minor__lt=0)))
            .order_by())
    held: dict[tuple[str, str], dict[str, Any]] = {
        (row["bank_account__name"], row["currency"]): dict(row) for row in sums}
    bank: dict[tuple[str, str], int] = {}
    if firm_wide:
        bank = {(row["bank_account__name"], row["currency"]): int(row["total"] or 0)
                for row in LedgerAccount.objects.filter(kind=AccountKind.TRUST_BANK)
                .values("bank_account__name", "currency").annotate(total=Sum("balance_minor"))
                .order_by()}
    rows = []
    for account, currency in sorted(set(held) | set(bank)):
        ledgers = held.get((account, currency), {})
        client_total = int(ledgers.get("total") or 0)
        rows.append({"account": account, "currency": currency,
                     "client_ledgers": format_minor(client_total, currency),
                     "matters_with_money": int(ledgers.get("matters") or 0),
                     "negative_ledgers": int(ledgers.get("negative") or 0),
                     "bank_balance": format_minor(bank[(account, currency)], currency)
                     if (account, currency) in bank else None})
    return rows


def _month_ends(day: dt.date, count: int) -> list[dt.date]:
    ends = []
    first = day.replace(day=1)
    for _ in range(count):
        ends.append(first - dt.timedelta(days=1))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return [*reversed(ends), day]


def trust_history(matters: QuerySet[Matter], firm_wide: bool, day: dt.date,
                  currency: str) -> dict[str, Any]:
    """Money held in trust at the last 12 month-ends and today, in the firm's base currency:
    the bank side for firm roles, the reader's client ledgers otherwise. The current balance
    less what was posted after each date (one grouped sum over the last year's postings)."""
    kind = AccountKind.TRUST_BANK if firm_wide else AccountKind.CLIENT
    ledgers = (LedgerAccount.objects.filter(kind=kind) if firm_wide
               else _client_ledgers(matters)).filter(currency=currency)
    now_minor = int(ledgers.aggregate(total=Sum("balance_minor"))["total"] or 0)
    ends = _month_ends(day, 12)
    later = dict(Posting.objects.filter(ledger_account__in=ledgers.values("pk"),
                                        effective_date__gt=ends[0])
                 .values_list("effective_date").annotate(total=Sum("amount_minor")).order_by()
                 .values_list("effective_date", "total"))
    points = []
    for end in ends:
        # Postings are signed debit-positive; a ledger's balance moves by its normal side.
        after = NORMAL_SIDE[kind] * sum(int(total) for when, total in later.items() if when > end)
        points.append((end.isoformat(), now_minor - after))
    return {"title": f"Held in trust ({currency})", "currency": currency, "points": points}


def banking_status(principal: Principal) -> list[dict[str, Any]]:
    """Per bank account: unmatched lines, the last reconciliation and the next one due."""
    from lawledger.banking.queries import banking_overview

    return banking_overview(actor=principal)


def _current_arrangement(field: str, day: dt.date) -> Subquery:
    return Subquery(FeeArrangement.objects.filter(
        matter=OuterRef("pk"), effective_from__lte=day)
        .order_by("-effective_from", "-pk").values(field)[:1])


def below_evergreen_minimum(matters: QuerySet[Matter], day: dt.date) -> dict[str, Any]:
    """Evergreen matters whose client-ledger balance is under the arrangement's minimum."""
    held = Subquery(LedgerAccount.objects.filter(
        kind=AccountKind.CLIENT, matter=OuterRef("pk"), currency=OuterRef("arr_currency"))
        .values("matter").annotate(total=Sum("balance_minor")).values("total")[:1])
    rows = (matters.filter(Exists(FeeArrangement.objects.filter(
                matter=OuterRef("pk"), kind=FeeArrangement.Kind.EVERGREEN)))
            .annotate(arr_kind=_current_arrangement("kind", day),
                      arr_minimum=_current_arrangement("minimum_balance_minor", day),
                      arr_currency=_current_arrangement("currency", day))
            .annotate(held=_zero_if_none(held))
            .filter(arr_kind=FeeArrangement.Kind.EVERGREEN, held__lt=F("arr_minimum"))
            .order_by("number"))
    listed = [{"matter": m.number, "title": m.title, "client": m.client.name,
               "balance": format_minor(m.held, m.arr_currency),
               "minimum": format_minor(m.arr_minimum, m.arr_currency),
               "short": format_minor(m.arr_minimum - m.held, m.arr_currency),
               "currency": m.arr_currency}
              for m in rows.select_related("client")[:LIST_LIMIT]]
    return {"count": rows.count() if len(listed) == LIST_LIMIT else len(listed), "rows": listed}


def _open_invoices(matters: QuerySet[Matter], day: dt.date) -> QuerySet[Invoice]:
    applied = Subquery(Allocation.objects.filter(invoice=OuterRef("pk"), applied_on__lte=day)
                       .values("invoice").annotate(total=Sum("amount_minor")).values("total")[:1])
    return (Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.FINALIZED,
                                   issue_date__lte=day, matter__in=matters)
            .annotate(due=F("total_minor") - _zero_if_none(applied))
            .filter(due__gt=0))


def earned_fees_left(matters: QuerySet[Matter], day: dt.date, days: int) -> dict[str, Any]:
    """Invoices unpaid past the firm's limit (`days`) while their matter holds trust money (I4)."""
    held = Subquery(LedgerAccount.objects.filter(
        kind=AccountKind.CLIENT, matter=OuterRef("matter"), currency=OuterRef("currency"))
        .values("matter").annotate(total=Sum("balance_minor")).values("total")[:1])
    rows = (_open_invoices(matters, day).filter(issue_date__lte=day - dt.timedelta(days=days))
            .annotate(held=_zero_if_none(held)).filter(held__gt=0)
            .annotate(transferable=Least("due", "held", output_field=BigIntegerField())))
    totals = {row["currency"]: (row["n"], int(row["total"] or 0)) for row in rows.values(
        "currency").annotate(n=Count("pk"), total=Sum("transferable")).order_by()}
    return {"days": days, "totals": [
        {"currency": currency, "invoices": n, "transferable": format_minor(total, currency)}
        for currency, (n, total) in sorted(totals.items())]}


def wip(matters: QuerySet[Matter], day: dt.date) -> dict[str, Any]:
    """Unbilled work: hours and operating-paid expenses not yet on a finalized invoice (the
    valuation at each entry's rate is on the work-in-progress report)."""
    time = (TimeEntry.objects.filter(matter__in=matters, work_date__lte=day,
                                     billing_status__in=ITEM_STATUSES)
            .exclude(invoice__status=Invoice.Status.FINALIZED)
            .aggregate(minutes=Sum("minutes_billable"), oldest=Min("work_date"),
                       matters=Count("matter", distinct=True)))
    costs = (Expense.objects.filter(matter__in=matters, incurred_on__lte=day,
                                    billing_status__in=ITEM_STATUSES,
                                    paid_from=Expense.PaidFrom.OPERATING)
             .exclude(invoice__status=Invoice.Status.FINALIZED)
             .values("currency").annotate(total=Sum("amount_minor")).order_by("currency"))
    return {"hours": hours_text(int(time["minutes"] or 0)), "matters": time["matters"],
            "oldest": time["oldest"].isoformat() if time["oldest"] else None,
            "expenses": [{"currency": row["currency"],
                          "amount": format_minor(int(row["total"] or 0), row["currency"])}
                         for row in costs]}


def _aging_case(day: dt.date) -> Case:
    limits = [(day - dt.timedelta(days=days), bucket)
              for days, bucket in ((29, "current"), (59, "30"), (89, "60"), (119, "90"))]
    return Case(*[When(issue_date__gte=limit, then=Value(index))
                  for index, (limit, _) in enumerate(limits)],
                default=Value(len(limits)), output_field=IntegerField())


def ar_aging(matters: QuerySet[Matter], day: dt.date) -> list[dict[str, Any]]:
    """What clients owe on finalized invoices, per currency, by age bucket (as the AR report)."""
    rows = (_open_invoices(matters, day).annotate(bucket=_aging_case(day))
            .values("currency", "bucket").annotate(total=Sum("due")).order_by())
    out: dict[str, list[int]] = {}
    for row in rows:
        out.setdefault(row["currency"], [0] * len(AGING_BUCKETS))[row["bucket"]] += int(
            row["total"])
    return [{"currency": currency, "minor": minor,
             "buckets": [{"bucket": bucket, "amount": format_minor(value, currency)}
                         for bucket, value in zip(AGING_BUCKETS, minor, strict=True)],
             "total": format_minor(sum(minor), currency)}
            for currency, minor in sorted(out.items())]


def aging_bars(aging: list[dict[str, Any]], base: str) -> dict[str, Any]:
    row = next((r for r in aging if r["currency"] == base), aging[0] if aging else None)
    currency = row["currency"] if row else base
    minor = row["minor"] if row else [0] * len(AGING_BUCKETS)
    labels = ["Current" if b == "current" else f"{b} days" for b in AGING_BUCKETS]
    return {"title": f"Receivables by age ({currency})", "currency": currency,
            "bars": list(zip(labels, minor, strict=True))}


def realization(matters: QuerySet[Matter], day: dt.date) -> list[dict[str, Any]]:
    """Per month of issue over the last six: fees billed against time at standard rates
    (billing realization) and payments against what was invoiced (collection)."""
    start = _month_ends(day, 6)[0] + dt.timedelta(days=1)
    from django.db.models.functions import TruncMonth

    invoices = Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.FINALIZED,
                                      issue_date__gte=start, issue_date__lte=day,
                                      matter__in=matters)
    worked = Subquery(InvoiceLine.objects.filter(invoice=OuterRef("pk"),
                                                 kind=InvoiceLine.Kind.FEE)
                      .values("invoice").annotate(w=Sum("standard_minor")).values("w")[:1])
    paid = Subquery(Allocation.objects.filter(invoice=OuterRef("pk"),
                                              kind=Allocation.Kind.PAYMENT)
                    .values("invoice").annotate(t=Sum("amount_minor")).values("t")[:1])
    rows = (invoices.annotate(month=TruncMonth("issue_date"), worked=_zero_if_none(worked),
                              paid=_zero_if_none(paid))
            .values("month").annotate(w=Sum("worked"), b=Sum("fees_minor"), t=Sum("total_minor"),
                                      p=Sum("paid")).order_by("month"))
    out = []
    for row in rows:
        month = row["month"]
        label = (month if isinstance(month, dt.date) else dt.date.fromisoformat(str(month)[:10]))
        out.append({"month": label.strftime("%b %Y"),
                    "billing_percent": _percent(int(row["b"] or 0), int(row["w"] or 0)),
                    "collection_percent": _percent(int(row["p"] or 0), int(row["t"] or 0))})
    return out


def _percent(part: int, whole: int) -> int | None:
    return None if whole <= 0 else (part * 100 + whole // 2) // whole
