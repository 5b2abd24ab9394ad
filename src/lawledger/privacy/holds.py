"""Legal holds: a matter under hold keeps every record; any purge of it is refused.

The service refuses (MatterOnLegalHold) and the database backs it: triggers on firm_matter and
ledger_posting refuse a DELETE while the matter has an active hold, maintenance window or not
(privacy/triggers_sql.py).
"""

from __future__ import annotations

from django.db import transaction

from lawledger.access.policy import get_matter, require
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput
from lawledger.firm.models import Matter
from lawledger.privacy.errors import HoldNotActive, MatterOnLegalHold
from lawledger.privacy.events import PrivacyEvent
from lawledger.privacy.models import LegalHold


def active_hold(matter: Matter) -> LegalHold | None:
    return LegalHold.objects.filter(matter=matter, released_at__isnull=True).first()


def require_no_hold(matter: Matter) -> None:
    if active_hold(matter) is not None:
        raise MatterOnLegalHold(f"matter: {matter.number} is under legal hold: nothing of it may "
                                "be purged", param="matter")


def place_hold(actor: Principal, matter: str, reason: str) -> LegalHold:
    require(actor, Action.MANAGE_FIRM)
    cleaned = (reason or "").strip()
    if not cleaned or len(cleaned) > 2000:
        raise InvalidInput("reason: say why the matter is held (1-2000 characters)",
                           param="reason")
    with transaction.atomic():
        row = get_matter(actor, matter, Action.MANAGE_FIRM)
        if active_hold(row) is not None:
            raise MatterOnLegalHold(f"matter: {row.number} is already under legal hold",
                                    param="matter")
        hold = LegalHold.objects.create(matter=row, reason=cleaned, placed_by=actor.label,
                                        placed_at=clock.now())
        record(actor, PrivacyEvent.HOLD_PLACED, object_type="legal_hold",
               object_id=hold.public_id, matter_ref=row.number, client_ref=row.client.number)
    return hold


def release_hold(actor: Principal, matter: str) -> LegalHold:
    require(actor, Action.MANAGE_FIRM)
    with transaction.atomic():
        row = get_matter(actor, matter, Action.MANAGE_FIRM)
        hold = LegalHold.objects.select_for_update().filter(
            matter=row, released_at__isnull=True).first()
        if hold is None:
            raise HoldNotActive(f"matter: {row.number} is not under legal hold", param="matter")
        hold.released_at = clock.now()
        hold.released_by = actor.label
        hold.save(update_fields=["released_at", "released_by"])
        record(actor, PrivacyEvent.HOLD_RELEASED, object_type="legal_hold",
               object_id=hold.public_id, matter_ref=row.number, client_ref=row.client.number)
    return hold
