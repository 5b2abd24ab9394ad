"""Timekeepers and their hourly rates: a default per timekeeper, client and matter overrides,
each effective from a date. Precedence matter > client > timekeeper (core.billing.choose_rate);
every invoice line says which one applied.

A rate set without a date applies to all work, past and future (stored as ALWAYS), so work recorded
before anyone thought of rates can still be billed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from lawledger.access.models import User
from lawledger.access.policy import get_client, get_matter
from lawledger.audit.services import record
from lawledger.billing.common import (
    BillingAct,
    base_currency,
    clean_amount,
    clean_date,
    clean_text,
    require_act,
)
from lawledger.billing.events import BillingEvent
from lawledger.billing.models import Rate, Timekeeper
from lawledger.core import clock
from lawledger.core.access import Principal, Role
from lawledger.core.billing import RateCandidate, RateScope, choose_rate
from lawledger.core.errors import InvalidInput
from lawledger.core.money import format_minor
from lawledger.firm.models import Matter

ALWAYS = dt.date(1900, 1, 1)
CLASSIFICATIONS = ("PARTNR", "ASSOC", "OFCNSL", "PARLEG", "LEGAST", "OTHER")
TIMEKEEPER_ROLES = (Role.ADMIN, Role.ATTORNEY, Role.PARALEGAL)
_DEFAULT_CLASSIFICATION = {Role.ADMIN: "PARTNR", Role.ATTORNEY: "ASSOC", Role.PARALEGAL: "PARLEG"}


def timekeeper_user(email: str, *, param: str = "by") -> User:
    address = (email or "").strip().lower()
    user = User.objects.filter(email__iexact=address, is_active=True).first() if address else None
    if user is None:
        raise InvalidInput(f"{param}: no active user {email!r}", param=param)
    if Role(user.role) not in TIMEKEEPER_ROLES:
        raise InvalidInput(f"{param}: a {user.role} does not record time (attorneys, paralegals "
                           "and admins do)", param=param)
    return user


def ensure_timekeeper(user: User) -> Timekeeper:
    found = Timekeeper.objects.filter(user=user).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Timekeeper.objects.create(
                user=user, number=f"TK-{user.pk:04d}",
                classification=_DEFAULT_CLASSIFICATION.get(Role(user.role), "OTHER"),
                created_at=clock.now())
    except IntegrityError:  # a concurrent first entry created it
        return Timekeeper.objects.get(user=user)


def timekeeper_set(*, actor: Principal, email: str, classification: str | None = None,
                   number: str | None = None) -> Timekeeper:
    """Set the LEDES id and classification shown for a timekeeper."""
    require_act(actor, BillingAct.MANAGE)
    with transaction.atomic():
        keeper = ensure_timekeeper(timekeeper_user(email, param="email"))
        if classification:
            value = classification.strip().upper()
            if value not in CLASSIFICATIONS:
                raise InvalidInput(f"classification: one of {', '.join(CLASSIFICATIONS)}",
                                   param="classification")
            keeper.classification = value
        if number:
            keeper.number = clean_text(number, param="ledes_id", max_length=20, required=True)
            if "|" in keeper.number or Timekeeper.objects.filter(number=keeper.number).exclude(
                    pk=keeper.pk).exists():
                raise InvalidInput("ledes_id: already used by another timekeeper (or holds '|')",
                                   param="ledes_id")
        keeper.save()
        record(actor, BillingEvent.TIMEKEEPER_UPDATED, object_type="timekeeper",
               object_id=keeper.number, details={"classification": keeper.classification})
    return keeper


def rate_set(*, actor: Principal, email: str, amount: str | int, matter: str | None = None,
             client: str | None = None, effective_from: str | dt.date | None = None) -> Rate:
    """A new hourly rate for a timekeeper: by default, or for one client or one matter."""
    require_act(actor, BillingAct.MANAGE)
    if matter and client:
        raise InvalidInput("matter: give --matter or --client, not both", param="matter")
    currency = base_currency()
    minor = clean_amount(amount, currency, allow_zero=True)
    day = clean_date(effective_from, param="from") if effective_from else ALWAYS
    with transaction.atomic():
        user = timekeeper_user(email, param="email")
        matter_row = get_matter(actor, matter) if matter else None
        client_row = get_client(actor, client) if client else None
        ensure_timekeeper(user)
        rate = Rate.objects.create(timekeeper=user, matter=matter_row, client=client_row,
                                   rate_minor_per_hour=minor, currency=currency,
                                   effective_from=day, recorded_at=clock.now(),
                                   recorded_by=actor.label)
        record(actor, BillingEvent.RATE_SET, object_type="rate", object_id=str(rate.pk),
               matter_ref=matter_row.number if matter_row else "",
               client_ref=client_row.number if client_row else "",
               details={"timekeeper": user.email, "rate": format_minor(minor, currency),
                        "currency": currency, "scope": scope_of(rate).value,
                        "from": None if day == ALWAYS else day.isoformat()})
    return rate


def scope_of(rate: Rate) -> RateScope:
    if rate.matter_id is not None:
        return RateScope.MATTER
    if rate.client_id is not None:
        return RateScope.CLIENT
    return RateScope.TIMEKEEPER


def rate_document(rate: Rate) -> dict[str, Any]:
    return {"timekeeper": rate.timekeeper.email,
            "rate": format_minor(rate.rate_minor_per_hour, rate.currency),
            "currency": rate.currency, "scope": scope_of(rate).value,
            "matter": rate.matter.number if rate.matter else None,
            "client": rate.client.number if rate.client else None,
            "from": None if rate.effective_from == ALWAYS else rate.effective_from.isoformat()}


def rate_candidates(timekeeper_ids: Iterable[int], matter: Matter) -> dict[int, list[RateCandidate]]:
    """Every rate that could apply to these timekeepers' work on `matter`, in one query."""
    rows = Rate.objects.filter(timekeeper_id__in=set(timekeeper_ids)).filter(
        Q(matter=matter) | Q(client_id=matter.client_id)
        | Q(matter__isnull=True, client__isnull=True)).values_list(
        "timekeeper_id", "matter_id", "client_id", "effective_from", "pk", "rate_minor_per_hour",
        "currency")
    found: dict[int, list[RateCandidate]] = defaultdict(list)
    for keeper, matter_id, client_id, day, pk, minor, currency in rows:
        scope = (RateScope.MATTER if matter_id else RateScope.CLIENT if client_id
                 else RateScope.TIMEKEEPER)
        found[keeper].append(RateCandidate(scope, day, pk, minor, currency))
    return found


def rate_for(user_id: int, matter: Matter, day: dt.date) -> RateCandidate | None:
    return choose_rate(rate_candidates([user_id], matter).get(user_id, []), day)


def rates_for(principal: Principal, email: str | None = None) -> list[dict[str, Any]]:
    """The rate table (not confidential client data: rates are the firm's own)."""
    require_act(principal, BillingAct.VIEW)
    rows = Rate.objects.select_related("timekeeper", "matter", "client").order_by(
        "timekeeper__email", "effective_from", "pk")
    if email:
        rows = rows.filter(timekeeper__email__iexact=email.strip())
    from lawledger.access.policy import visible_clients, visible_matters

    matters = set(visible_matters(principal).values_list("pk", flat=True))
    clients = set(visible_clients(principal).values_list("pk", flat=True))
    return [rate_document(rate) for rate in rows
            if (rate.matter_id is None or rate.matter_id in matters)
            and (rate.client_id is None or rate.client_id in clients)]
