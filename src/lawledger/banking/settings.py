"""The firm's banking settings: when an outstanding check is stale, when a deposit in transit is old."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lawledger.access.policy import require
from lawledger.audit.services import record
from lawledger.banking.events import BankingEvent
from lawledger.banking.models import BankingSettings
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput
from lawledger.core.reconciliation import AgingRules

# key: (lowest, highest, what it means)
SETTINGS: dict[str, tuple[int, int, str]] = {
    "stale_check_days": (30, 3650, "days after which an outstanding check is reported as stale"),
    "transit_alert_days": (1, 365, "days after which a deposit in transit is flagged as old"),
}


def banking_settings() -> BankingSettings:
    row = BankingSettings.objects.filter(id=1).first()
    return row if row is not None else BankingSettings(id=1)


def aging_rules() -> AgingRules:
    row = banking_settings()
    return AgingRules(stale_check_days=row.stale_check_days,
                      transit_alert_days=row.transit_alert_days)


def banking_settings_show() -> dict[str, Any]:
    row = banking_settings()
    return {key: getattr(row, key) for key in SETTINGS}


def banking_settings_set(*, actor: Principal, key: str, value: str) -> dict[str, Any]:
    require(actor, Action.MANAGE_FIRM)
    clean_key = (key or "").strip().lower()
    if clean_key not in SETTINGS:
        raise InvalidInput(f"key: {key!r} is not one of {', '.join(SETTINGS)}", param="key")
    low, high, _ = SETTINGS[clean_key]
    try:
        number = int((value or "").strip())
    except ValueError:
        raise InvalidInput(f"{clean_key}: {value!r} is not a whole number", param=clean_key) from None
    if not low <= number <= high:
        raise InvalidInput(f"{clean_key}: must be between {low} and {high}", param=clean_key)
    with transaction.atomic():
        row = BankingSettings.objects.select_for_update().filter(id=1).first() or BankingSettings(id=1)
        before = getattr(row, clean_key)
        setattr(row, clean_key, number)
        row.updated_at = clock.now()
        row.save()
        record(actor, BankingEvent.SETTINGS_CHANGED, object_type="settings", object_id=clean_key,
               details={"key": clean_key, "from": before, "to": number})
    return banking_settings_show()
