"""Firm settings, clients and matters: each command one transaction with its audit record."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from lawledger.access.models import User
from lawledger.access.policy import get_client, get_matter, require
from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal, Role
from lawledger.core.errors import Conflict, InvalidInput
from lawledger.core.ids import format_number
from lawledger.firm.models import Client, FirmSettings, Matter, NumberSequence
from lawledger.firm.queries import firm_settings, firm_today
from lawledger.firm.settings_spec import SETTINGS

_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$")

# Rules other apps add for closing a matter (e.g. the trust ledger must be zero): each raises.
closing_guards: list[Callable[[Matter], None]] = []
# Called after a setting changes, inside its transaction, as hook(actor, row, key, old, new):
# e.g. a jurisdiction pack applies its defaults when the firm chooses its jurisdiction.
setting_hooks: list[Callable[[Principal, FirmSettings, str, Any, Any], None]] = []


def firm_initialise(*, actor: Principal, name: str | None = None) -> FirmSettings:
    with transaction.atomic():
        settings_row, created = FirmSettings.objects.get_or_create(id=1)
        if name:
            settings_row.name = SETTINGS["name"].parse("name", name)
            settings_row.save(update_fields=["name"])
        if created:
            record(actor, Event.FIRM_INITIALISED, object_type="firm", object_id="1")
    return settings_row


def firm_set(*, actor: Principal, key: str, value: str) -> FirmSettings:
    require(actor, Action.MANAGE_FIRM)
    spec = SETTINGS.get(key)
    if spec is None:
        raise InvalidInput(f"key: unknown setting {key!r} (one of {', '.join(SETTINGS)})",
                           param="key")
    parsed = spec.parse(key, value)
    with transaction.atomic():
        settings_row = FirmSettings.objects.select_for_update().get(id=1)
        old = getattr(settings_row, key)
        setattr(settings_row, key, parsed)
        settings_row.updated_at = clock.now()
        settings_row.save()
        record(actor, Event.FIRM_SETTING_CHANGED, object_type="firm", object_id=key,
               details={"key": key, "old": str(old), "new": str(parsed)})
        for hook in setting_hooks:
            hook(actor, settings_row, key, old, parsed)
    return settings_row


def _clean_number(number: str, *, param: str) -> str:
    cleaned = number.strip()
    if not _NUMBER.match(cleaned):
        raise InvalidInput(f"{param}: {number!r} must be 1-32 letters, digits, '.', '_', '/' or '-'",
                           param=param)
    return cleaned


def _next_number(kind: str, prefix: str, taken: Callable[[str], bool]) -> str:
    sequence, _ = NumberSequence.objects.select_for_update().get_or_create(name=kind)
    value = sequence.next_value
    while taken(format_number(prefix, value)):
        value += 1
    sequence.next_value = value + 1
    sequence.save(update_fields=["next_value"])
    return format_number(prefix, value)


def _clean_text(value: str, *, param: str, max_length: int) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput(f"{param}: must not be empty", param=param)
    if len(cleaned) > max_length:
        raise InvalidInput(f"{param}: at most {max_length} characters", param=param)
    if any(ord(ch) < 32 for ch in cleaned):
        raise InvalidInput(f"{param}: control characters are not allowed", param=param)
    return cleaned


def client_add(*, actor: Principal, name: str, number: str | None = None,
               email: str | None = None, phone: str | None = None, address: str | None = None,
               notes: str | None = None) -> Client:
    require(actor, Action.OPEN_MATTER)
    clean_name = _clean_text(name, param="name", max_length=200)
    given = _clean_number(number, param="number") if number else None
    with transaction.atomic():
        def taken(candidate: str) -> bool:
            return Client.objects.filter(number=candidate).exists()

        if given and taken(given):
            raise Conflict(f"number: client {given} already exists", param="number")
        client = Client(number=given or _next_number("client", "C", taken), name=clean_name,
                        email=email, phone=phone, address=address, notes=notes,
                        created_at=clock.now())
        try:
            with transaction.atomic():
                client.save(force_insert=True)
        except IntegrityError:
            raise Conflict(f"number: client {client.number} already exists", param="number") from None
        record(actor, Event.CLIENT_CREATED, object_type="client", object_id=client.number,
               client_ref=client.number)
    return client


def matter_open(*, actor: Principal, client: str, title: str, number: str | None = None,
                responsible: str | None = None, description: str | None = None) -> Matter:
    require(actor, Action.OPEN_MATTER)
    clean_title = _clean_text(title, param="title", max_length=300)
    given = _clean_number(number, param="number") if number else None
    with transaction.atomic():
        client_row = get_client(actor, client)
        responsible_user = None
        if responsible:
            responsible_user = User.objects.filter(email__iexact=responsible.strip(),
                                                   is_active=True).first()
            if responsible_user is None:
                raise InvalidInput(f"responsible: no active user {responsible!r}",
                                   param="responsible")
            if responsible_user.role not in (Role.ATTORNEY, Role.ADMIN):
                raise InvalidInput("responsible: must be an attorney or admin", param="responsible")
        elif actor.role is Role.ATTORNEY and actor.user_id is not None:
            responsible_user = User.objects.get(pk=actor.user_id)

        def taken(candidate: str) -> bool:
            return Matter.objects.filter(number=candidate).exists()

        if given and taken(given):
            raise Conflict(f"number: matter {given} already exists", param="number")
        matter = Matter(number=given or _next_number("matter", "M", taken), client=client_row,
                        title=clean_title, description=description, responsible=responsible_user,
                        opened_on=firm_today(), created_at=clock.now())
        try:
            with transaction.atomic():
                matter.save(force_insert=True)
        except IntegrityError:
            raise Conflict(f"number: matter {matter.number} already exists", param="number") from None
        record(actor, Event.MATTER_OPENED, object_type="matter", object_id=matter.number,
               matter_ref=matter.number, client_ref=client_row.number)
    return matter


def matter_close(*, actor: Principal, matter: str) -> Matter:
    with transaction.atomic():
        row = get_matter(actor, matter, Action.CLOSE_MATTER, for_update=True)
        if row.status == Matter.Status.CLOSED:
            return row
        for guard in closing_guards:
            guard(row)
        row.status = Matter.Status.CLOSED
        row.closed_on = firm_today()
        row.save(update_fields=["status", "closed_on"])
        record(actor, Event.MATTER_CLOSED, object_type="matter", object_id=row.number,
               matter_ref=row.number, client_ref=row.client.number)
    return row


def settings_as_dict(settings_row: FirmSettings | None = None) -> dict[str, Any]:
    row = settings_row or firm_settings()
    return {key: getattr(row, key) for key in SETTINGS}
