"""A pack's firm-setting defaults, applied when the firm chooses its jurisdiction.

`lawledger firm set jurisdiction X` runs `on_firm_setting_changed` (a hook of
`lawledger.firm.services.firm_set`, inside the same transaction). Every other setting the firm
sets is remembered as the firm's own choice (`SettingOrigin`, origin "firm"); choosing a
jurisdiction then sets each of the pack's defaults the firm has not chosen itself, records it with
origin "pack", and writes one audit record listing what changed. A firm that set
`uncleared_funds off` keeps it when it moves to Washington; one that never touched it gets `hold`.
"""

from __future__ import annotations

from typing import Any

from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Principal
from lawledger.core.jurisdictions import get_pack
from lawledger.firm.models import FirmSettings
from lawledger.firm.settings_spec import SETTINGS
from lawledger.jurisdictions.events import JurisdictionEvent
from lawledger.jurisdictions.models import SettingOrigin


def firm_chosen_keys() -> set[str]:
    """The settings whose latest origin is the firm itself."""
    latest: dict[str, str] = {}
    for key, origin in SettingOrigin.objects.order_by("id").values_list("key", "origin"):
        latest[key] = origin
    return {key for key, origin in latest.items() if origin == SettingOrigin.Origin.FIRM}


def _remember(actor: Principal, key: str, value: Any, origin: str, jurisdiction: str) -> None:
    SettingOrigin.objects.create(key=key, origin=origin, jurisdiction=jurisdiction,
                                 value=str(value)[:200], set_by=actor.label[:254],
                                 set_at=clock.now())


def on_firm_setting_changed(actor: Principal, row: FirmSettings, key: str, old: Any,
                            new: Any) -> None:
    _remember(actor, key, new, SettingOrigin.Origin.FIRM, row.jurisdiction)
    if key == "jurisdiction":
        apply_pack_defaults(actor, row)


def apply_pack_defaults(actor: Principal, row: FirmSettings) -> dict[str, tuple[Any, Any]]:
    """Set the pack's defaults the firm has not chosen itself; returns {key: (old, new)}."""
    pack = get_pack(row.jurisdiction)
    chosen = firm_chosen_keys()
    applied: dict[str, tuple[Any, Any]] = {}
    for key, text in pack.defaults:
        if key in chosen or key not in SETTINGS:
            continue
        value = SETTINGS[key].parse(key, text)
        current = getattr(row, key)
        if current == value:
            continue
        setattr(row, key, value)
        applied[key] = (current, value)
        _remember(actor, key, value, SettingOrigin.Origin.PACK, pack.code)
    if applied:
        row.save(update_fields=list(applied))
        record(actor, JurisdictionEvent.DEFAULT_APPLIED, object_type="firm", object_id=pack.code,
               details={"jurisdiction": pack.code,
                        "applied": {key: {"old": str(old), "new": str(new)}
                                    for key, (old, new) in applied.items()}})
    return applied
