"""Fee arrangements per matter, contingency settlements and evergreen retainers.

- hourly: time at the rates in effect (the default when a matter has no arrangement);
- flat: a fixed fee for the whole matter and/or per UTBMS task, billed once; the time is shown
  at no charge ("included in the flat fee");
- capped: hourly, but fees billed on the matter never exceed the cap (a "Fee cap" line);
- contingency: percentage tiers of the recovery; `settlement_record` turns a settlement into its
  statement (gross, fee, costs, liens, net to client) and the trust disbursements that carry it out;
- evergreen: hourly, with a minimum trust balance; when the client ledger falls below it a
  replenishment request is recorded (`replenishment_check`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from lawledger.access.policy import visible_matters
from lawledger.audit.services import record
from lawledger.billing.common import (
    BillingAct,
    base_currency,
    billing_matter,
    clean_amount,
    clean_date,
    require_act,
)
from lawledger.billing.events import BillingEvent
from lawledger.billing.models import FeeArrangement, ReplenishmentRequest
from lawledger.core import clock, utbms
from lawledger.core.access import Principal
from lawledger.core.billing import Tier, check_tiers, format_basis_points, parse_percent
from lawledger.core.errors import InvalidInput
from lawledger.core.money import format_minor, parse_minor
from lawledger.firm.models import Matter

ALWAYS = dt.date(1900, 1, 1)


def current_arrangement(matter: Matter, day: dt.date) -> FeeArrangement | None:
    return (FeeArrangement.objects.filter(matter=matter, effective_from__lte=day)
            .order_by("-effective_from", "-pk").first())


def parse_tiers(texts: list[str], currency: str) -> list[Tier]:
    """"100000.00:33.33" = 33.33 % of the first 100,000.00; ":25" = 25 % of the rest."""
    tiers = []
    for text in texts:
        limit, sep, percent = (text or "").partition(":")
        if not sep:
            raise InvalidInput(f"tier: {text!r} is not LIMIT:PERCENT (e.g. 100000.00:33.33)",
                               param="tier")
        up_to = None if limit.strip() in ("", "*") else parse_minor(limit, currency, param="tier")
        tiers.append(Tier(up_to, parse_percent(percent, param="tier", allow_zero=True)))
    check_tiers(tiers)
    return tiers


def parse_task_fees(texts: list[str], currency: str) -> dict[str, int]:
    fees: dict[str, int] = {}
    for text in texts:
        task, sep, amount = (text or "").partition("=")
        if not sep:
            raise InvalidInput(f"task_fee: {text!r} is not TASK=AMOUNT (e.g. L120=500.00)",
                               param="task_fee")
        code = utbms.task_code(task, param="task_fee")
        assert code is not None
        fees[code] = parse_minor(amount, currency, param="task_fee")
    return fees


def arrangement_set(*, actor: Principal, matter: str, kind: str, amount: str | None = None,
                    task_fees: list[str] | None = None, cap: str | None = None,
                    tiers: list[str] | None = None, minimum: str | None = None,
                    effective_from: str | dt.date | None = None) -> FeeArrangement:
    """How a matter is billed from a date (default: all its work)."""
    require_act(actor, BillingAct.MANAGE)
    value = (kind or "").strip().lower()
    if value not in FeeArrangement.Kind.values:
        raise InvalidInput(f"kind: one of {', '.join(FeeArrangement.Kind.values)}", param="kind")
    currency = base_currency()
    row = FeeArrangement(kind=value, currency=currency, recorded_at=clock.now(),
                         recorded_by=actor.label,
                         effective_from=clean_date(effective_from, param="from")
                         if effective_from else ALWAYS)
    if value == FeeArrangement.Kind.FLAT:
        row.flat_amount_minor = clean_amount(amount, currency) if amount else None
        row.task_fees = parse_task_fees(task_fees or [], currency)
        if not row.flat_amount_minor and not row.task_fees:
            raise InvalidInput("amount: a flat fee needs --amount or --task-fee", param="amount")
    elif value == FeeArrangement.Kind.CAPPED:
        if not cap:
            raise InvalidInput("cap: a capped fee needs --cap", param="cap")
        row.cap_minor = clean_amount(cap, currency, param="cap")
    elif value == FeeArrangement.Kind.CONTINGENCY:
        row.tiers = [[tier.up_to_minor, tier.basis_points]
                     for tier in parse_tiers(tiers or [], currency)]
    elif value == FeeArrangement.Kind.EVERGREEN:
        if not minimum:
            raise InvalidInput("minimum: an evergreen retainer needs --minimum", param="minimum")
        row.minimum_balance_minor = clean_amount(minimum, currency, param="minimum")
    with transaction.atomic():
        row.matter = billing_matter(actor, matter, BillingAct.DRAFT)
        row.save(force_insert=True)
        record(actor, BillingEvent.ARRANGEMENT_SET, object_type="matter",
               object_id=row.matter.number, matter_ref=row.matter.number,
               client_ref=row.matter.client.number, details=arrangement_document(row))
    return row


def arrangement_document(row: FeeArrangement | None) -> dict[str, Any]:
    if row is None:
        return {"kind": "hourly", "from": None}
    currency = row.currency

    def money(minor: int | None) -> str | None:
        return None if minor is None else format_minor(int(minor), currency)

    return {
        "kind": row.kind, "currency": currency,
        "from": None if row.effective_from == ALWAYS else row.effective_from.isoformat(),
        "flat_amount": money(row.flat_amount_minor),
        "task_fees": {task: money(amount) for task, amount in (row.task_fees or {}).items()},
        "cap": money(row.cap_minor),
        "tiers": [{"up_to": money(up_to), "percent": format_basis_points(int(bp))}
                  for up_to, bp in (row.tiers or [])],
        "minimum_balance": money(row.minimum_balance_minor),
    }


def tiers_of(row: FeeArrangement) -> list[Tier]:
    return [Tier(None if up_to is None else int(up_to), int(bp)) for up_to, bp in row.tiers]


# --------------------------------------------------------------------------------------------
# trust balances and evergreen retainers


def trust_balance_minor(matter: Matter, currency: str) -> int:
    """The matter's client-ledger balance in `currency`, over every trust account."""
    from lawledger.ledger.queries import matter_trust_balances

    return sum(parse_minor(row["balance"], currency, allow_zero=True)
               for row in matter_trust_balances(matter) if row["currency"] == currency)


def replenish_if_low(actor: Principal, matter: Matter, day: dt.date) -> ReplenishmentRequest | None:
    """Record a replenishment request when an evergreen matter's trust balance is below its
    minimum (once per balance: asking again for the same shortfall adds nothing)."""
    arrangement = current_arrangement(matter, day)
    if arrangement is None or arrangement.kind != FeeArrangement.Kind.EVERGREEN:
        return None
    minimum = int(arrangement.minimum_balance_minor or 0)
    balance = trust_balance_minor(matter, arrangement.currency)
    if balance >= minimum:
        return None
    last = ReplenishmentRequest.objects.filter(matter=matter).order_by("-pk").first()
    if last is not None and last.balance_minor == balance and last.minimum_minor == minimum:
        return None
    from lawledger.ledger.queries import matter_trust_balances

    accounts = [row["account"] for row in matter_trust_balances(matter)]
    request = ReplenishmentRequest(matter=matter, account=", ".join(accounts)[:100],
                                   requested_on=day, balance_minor=balance,
                                   minimum_minor=minimum, requested_minor=minimum - balance,
                                   currency=arrangement.currency, recorded_at=clock.now(),
                                   recorded_by=actor.label)
    request.save(force_insert=True)
    record(actor, BillingEvent.REPLENISHMENT_REQUESTED, object_type="replenishment",
           object_id=request.public_id, matter_ref=matter.number, client_ref=matter.client.number,
           details={"balance": format_minor(balance, request.currency),
                    "minimum": format_minor(minimum, request.currency),
                    "requested": format_minor(request.requested_minor, request.currency)})
    return request


def replenishment_check(*, actor: Principal, matter: str | None = None,
                        date: str | dt.date | None = None) -> list[ReplenishmentRequest]:
    """Check evergreen matters (one, or every one the actor sees) and request top-ups."""
    require_act(actor, BillingAct.COLLECT)
    day = clean_date(date, default_today=True)
    made = []
    with transaction.atomic():
        if matter:
            rows = [billing_matter(actor, matter, BillingAct.VIEW)]
        else:
            ids = FeeArrangement.objects.filter(kind=FeeArrangement.Kind.EVERGREEN).values("matter")
            rows = list(visible_matters(actor).filter(pk__in=ids).select_related("client")
                        .order_by("number"))
        for row in rows:
            request = replenish_if_low(actor, row, day)
            if request is not None:
                made.append(request)
    return made


def replenishment_document(request: ReplenishmentRequest) -> dict[str, Any]:
    currency = request.currency
    return {"id": request.public_id, "matter": request.matter.number, "account": request.account,
            "date": request.requested_on.isoformat(),
            "balance": format_minor(request.balance_minor, currency),
            "minimum": format_minor(request.minimum_minor, currency),
            "requested": format_minor(request.requested_minor, currency), "currency": currency}
