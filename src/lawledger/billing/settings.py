"""Billing settings (`lawledger billing set KEY VALUE`): tax, payment terms, pre-bill approval,
the firm's LEDES id. Kept in billing's own table beside the firm settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from lawledger.audit.services import record
from lawledger.billing.common import BillingAct, billing_settings, require_act
from lawledger.billing.events import BillingEvent
from lawledger.billing.models import BillingSettings
from lawledger.core import clock
from lawledger.core.billing import format_basis_points, parse_percent
from lawledger.core.errors import InvalidInput


def _bool(key: str, value: str) -> bool:
    cleaned = value.strip().lower()
    if cleaned in ("yes", "true", "on", "1"):
        return True
    if cleaned in ("no", "false", "off", "0"):
        return False
    raise InvalidInput(f"{key}: yes or no", param=key)


def _days(key: str, value: str) -> int:
    if not value.strip().isdigit() or not 0 <= int(value) <= 365:
        raise InvalidInput(f"{key}: a number of days from 0 to 365", param=key)
    return int(value)


def _label(key: str, value: str) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > 40 or not cleaned.isprintable():
        raise InvalidInput(f"{key}: 1-40 printable characters", param=key)
    return cleaned


def _ledes_id(key: str, value: str) -> str:
    cleaned = value.strip()
    if len(cleaned) > 20 or not all(ch.isalnum() or ch in "-./ " for ch in cleaned):
        raise InvalidInput(f"{key}: up to 20 letters, digits, '-', '.', '/'", param=key)
    return cleaned


SETTINGS: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "tax_rate": ("tax_rate_basis_points",
                 lambda key, value: parse_percent(value, param=key, allow_zero=True)),
    "tax_label": ("tax_label", _label),
    "tax_on_expenses": ("tax_on_expenses", _bool),
    "payment_terms_days": ("payment_terms_days", _days),
    "require_prebill_approval": ("require_prebill_approval", _bool),
    "ledes_law_firm_id": ("ledes_law_firm_id", _ledes_id),
}


def settings_document(row: BillingSettings | None = None) -> dict[str, Any]:
    row = row or billing_settings()
    return {"tax_rate": format_basis_points(row.tax_rate_basis_points),
            "tax_label": row.tax_label, "tax_on_expenses": row.tax_on_expenses,
            "payment_terms_days": row.payment_terms_days,
            "require_prebill_approval": row.require_prebill_approval,
            "ledes_law_firm_id": row.ledes_law_firm_id}


def billing_set(*, actor: Any, key: str, value: str) -> BillingSettings:
    require_act(actor, BillingAct.MANAGE)
    if key not in SETTINGS:
        raise InvalidInput(f"key: unknown billing setting {key!r} (one of {', '.join(SETTINGS)})",
                           param="key")
    column, parse = SETTINGS[key]
    parsed = parse(key, value)
    with transaction.atomic():
        row, _ = BillingSettings.objects.select_for_update().get_or_create(id=1)
        old = getattr(row, column)
        setattr(row, column, parsed)
        row.updated_at = clock.now()
        row.save()
        record(actor, BillingEvent.SETTINGS_CHANGED, object_type="billing", object_id=key,
               details={"key": key, "old": str(old), "new": str(parsed)})
    return row
