"""The firm settings a user may read and set (`lawledger firm show|set`), each with its parser."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lawledger.core.errors import InvalidInput
from lawledger.core.jurisdictions import codes as jurisdiction_codes
from lawledger.core.money import normalize_currency

JURISDICTIONS = jurisdiction_codes()  # every registered bar-rule pack (lawledger.core.jurisdictions)
UNCLEARED_POLICIES = ("warn", "hold", "off")


def _choice(options: tuple[str, ...]) -> Callable[[str, str], str]:
    def parse(key: str, value: str) -> str:
        cleaned = value.strip().lower()
        if cleaned not in options:
            raise InvalidInput(f"{key}: {value!r} is not one of {', '.join(options)}", param=key)
        return cleaned
    return parse


def _int_between(low: int, high: int) -> Callable[[str, str], int]:
    def parse(key: str, value: str) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            raise InvalidInput(f"{key}: {value!r} is not a whole number", param=key) from None
        if not low <= number <= high:
            raise InvalidInput(f"{key}: must be between {low} and {high}", param=key)
        return number
    return parse


def _text(max_length: int, allow_empty: bool = False) -> Callable[[str, str], str]:
    def parse(key: str, value: str) -> str:
        cleaned = value.strip()
        if not cleaned and not allow_empty:
            raise InvalidInput(f"{key}: must not be empty", param=key)
        if len(cleaned) > max_length or not cleaned.isprintable():
            raise InvalidInput(f"{key}: at most {max_length} printable characters", param=key)
        return cleaned
    return parse


def _currency(key: str, value: str) -> str:
    return normalize_currency(value, param=key)


def _zone(key: str, value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{key}: {value!r} is not a time zone such as America/New_York",
                           param=key) from None
    return value.strip()


def _prefix(key: str, value: str) -> str:
    cleaned = value.strip()
    if len(cleaned) > 16 or not all(ch.isalnum() or ch in "-_/" for ch in cleaned):
        raise InvalidInput(f"{key}: up to 16 letters, digits, '-', '_' or '/'", param=key)
    return cleaned


@dataclass(frozen=True)
class SettingSpec:
    key: str
    parse: Callable[[str, str], Any]
    help: str


SETTINGS: dict[str, SettingSpec] = {spec.key: spec for spec in (
    SettingSpec("name", _text(200), "the firm's name"),
    SettingSpec("jurisdiction", _choice(JURISDICTIONS), "the bar whose trust rules apply"),
    SettingSpec("base_currency", _currency, "the firm's home currency"),
    SettingSpec("uncleared_funds", _choice(UNCLEARED_POLICIES),
                "warn, hold or off: disbursing against deposits not yet cleared"),
    SettingSpec("clearing_business_days", _int_between(0, 30),
                "business days after which a deposit counts as cleared"),
    SettingSpec("billing_increment_minutes", _int_between(1, 60), "time is rounded up to this"),
    SettingSpec("invoice_prefix", _prefix, "put before invoice numbers"),
    SettingSpec("time_zone", _zone, "the firm's time zone (dates of 'today')"),
    SettingSpec("inactive_balance_months", _int_between(1, 240),
                "months without activity before a balance is reported as inactive"),
    SettingSpec("earned_fees_left_days", _int_between(1, 365),
                "days after which earned fees left in trust are reported"),
    SettingSpec("session_idle_minutes", _int_between(5, 480),
                "a web session ends after this many minutes without a request"),
    SettingSpec("session_absolute_hours", _int_between(1, 24),
                "a web session ends this many hours after sign-in, active or not"),
    SettingSpec("alert_window_minutes", _int_between(1, 1440),
                "alerts count events within this many minutes"),
    SettingSpec("alert_exports", _int_between(1, 1000),
                "alert when one user makes this many exports within the window"),
    SettingSpec("alert_clients_read", _int_between(2, 1000),
                "alert when one user reads this many clients' billing within the window"),
    SettingSpec("alert_denials", _int_between(1, 1000),
                "alert when one user is refused this many times within the window"),
    SettingSpec("alert_failed_logins", _int_between(1, 1000),
                "alert when one login name fails this many times within the window"),
    SettingSpec("firm_hours_start", _int_between(0, 23),
                "hour (firm time) from which access is normal on weekdays"),
    SettingSpec("firm_hours_end", _int_between(1, 24),
                "hour (firm time) after which access raises an alert"),
    SettingSpec("approval_threshold_minor", _int_between(0, 10**15),
                "disbursements and refunds of at least this many minor units of the base "
                "currency need a second approver (0 = off)"),
)}
