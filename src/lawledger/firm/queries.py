"""Reads of firm settings and of clients and matters, filtered by the access policy."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction
from django.db.models import QuerySet

from lawledger.access.policy import get_client, get_matter, visible_clients, visible_matters
from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Principal
from lawledger.firm.models import Client, FirmSettings, Matter


def firm_settings() -> FirmSettings:
    row = FirmSettings.objects.filter(id=1).first()
    return row if row is not None else FirmSettings(id=1)


def firm_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(firm_settings().time_zone)


def firm_today() -> dt.date:
    return clock.now().astimezone(firm_zone()).date()


def matters_for(principal: Principal, *, status: str | None = None,
                search: str | None = None) -> QuerySet[Matter]:
    matters = visible_matters(principal).select_related("client", "responsible")
    if status:
        matters = matters.filter(status=status)
    if search:
        from django.db.models import Q

        matters = matters.filter(Q(number__icontains=search) | Q(title__icontains=search)
                                 | Q(client__name__icontains=search)
                                 | Q(client__number__icontains=search))
    return matters.order_by("number")


def clients_for(principal: Principal) -> QuerySet[Client]:
    return visible_clients(principal).order_by("number")


def matter_detail(principal: Principal, ref: str) -> Matter:
    """One matter for display: its description is confidential, so the read is audited."""
    with transaction.atomic():
        matter = get_matter(principal, ref)
        record(principal, Event.MATTER_VIEWED, object_type="matter", object_id=matter.number,
               matter_ref=matter.number, client_ref=matter.client.number)
        _ = matter.description  # opened inside the audited transaction (fail closed)
    return matter


def client_detail(principal: Principal, ref: str) -> Client:
    with transaction.atomic():
        client = get_client(principal, ref)
        record(principal, Event.CLIENT_VIEWED, object_type="client", object_id=client.number,
               client_ref=client.number)
        for field in ("email", "phone", "address", "notes"):
            getattr(client, field)
    return client
