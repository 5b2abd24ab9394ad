"""What billing's services share: who may do which billing act, input cleaning, settings.

Billing acts sit on top of the one access policy: a matter is always fetched through
`access.policy.get_matter` (not found when the principal may not see it), and then the role must
allow the act. An attorney approves and finalizes only as the matter's responsible attorney.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from lawledger.access.policy import get_matter
from lawledger.billing.models import BillingSettings
from lawledger.core.access import Action, Principal, Role
from lawledger.core.calendar import parse_iso_date
from lawledger.core.errors import InvalidInput, PermissionDenied
from lawledger.core.money import Money
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_settings, firm_today


class BillingAct(StrEnum):
    RECORD = "record time and expenses"
    DRAFT = "draft and adjust pre-bills"
    APPROVE = "approve pre-bills"
    FINALIZE = "finalize invoices"
    COLLECT = "record payments, credits and write-offs"
    MANAGE = "manage rates, arrangements and billing runs"
    VIEW = "view billing"


_ROLE_ACTS: dict[Role, frozenset[BillingAct]] = {
    Role.ADMIN: frozenset(BillingAct),
    Role.BOOKKEEPER: frozenset({BillingAct.RECORD, BillingAct.DRAFT, BillingAct.FINALIZE,
                                BillingAct.COLLECT, BillingAct.MANAGE, BillingAct.VIEW}),
    Role.ATTORNEY: frozenset({BillingAct.RECORD, BillingAct.DRAFT, BillingAct.APPROVE,
                              BillingAct.FINALIZE, BillingAct.VIEW}),
    Role.PARALEGAL: frozenset({BillingAct.RECORD, BillingAct.VIEW}),
    Role.AUDITOR: frozenset({BillingAct.VIEW}),
    Role.CLIENT: frozenset(),
}

# Acts an attorney may do only on the matters they are responsible for.
_RESPONSIBLE_ONLY = frozenset({BillingAct.APPROVE, BillingAct.FINALIZE})


def may(principal: Principal, act: BillingAct) -> bool:
    return principal.is_operator or act in _ROLE_ACTS.get(principal.role, frozenset())


def require_act(principal: Principal, act: BillingAct) -> None:
    """A firm-level billing act (rates, billing runs, reports) allowed to this role?"""
    if not principal.is_staff or not may(principal, act):
        raise PermissionDenied(f"{principal.role} may not {act.value}")


def is_responsible(principal: Principal, matter: Matter) -> bool:
    return principal.user_id is not None and matter.responsible_id == principal.user_id


def billing_matter(principal: Principal, ref: str, act: BillingAct, *, param: str = "matter",
                   for_update: bool = False) -> Matter:
    """The matter through the access policy (not found if unseen), then the act checked."""
    action = Action.RECORD_TIME if act is BillingAct.RECORD else Action.VIEW
    matter = get_matter(principal, ref, action, param=param, for_update=for_update)
    check_act_on(principal, matter, act)
    return matter


def check_act_on(principal: Principal, matter: Matter, act: BillingAct) -> None:
    if not may(principal, act):
        raise PermissionDenied(f"{principal.role} may not {act.value} on {matter.number}",
                               param="matter")
    if (act in _RESPONSIBLE_ONLY and principal.role is Role.ATTORNEY
            and not is_responsible(principal, matter)):
        raise PermissionDenied(f"only {matter.number}'s responsible attorney may {act.value}",
                               param="matter")


def billing_settings() -> BillingSettings:
    row = BillingSettings.objects.filter(id=1).first()
    return row if row is not None else BillingSettings(id=1)


def base_currency() -> str:
    return firm_settings().base_currency


def clean_text(value: str | None, *, param: str, max_length: int, required: bool = False,
               multiline: bool = False) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput(f"{param}: must not be empty", param=param)
        return ""
    if len(cleaned) > max_length:
        raise InvalidInput(f"{param}: at most {max_length} characters", param=param)
    allowed = "\n\t" if multiline else ""
    if any((ord(ch) < 32 and ch not in allowed) or ord(ch) == 127 for ch in cleaned):
        raise InvalidInput(f"{param}: control characters are not allowed", param=param)
    return cleaned


def clean_date(value: str | dt.date | None, *, param: str = "date",
               default_today: bool = False) -> dt.date:
    if value is None or value == "":
        if default_today:
            return firm_today()
        raise InvalidInput(f"{param}: a date is required (YYYY-MM-DD)", param=param)
    return value if isinstance(value, dt.date) else parse_iso_date(value, param=param)


def clean_amount(value: str | int, currency: str, *, param: str = "amount",
                 allow_zero: bool = False) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0 or (value == 0 and not allow_zero):
            raise InvalidInput(f"{param}: must be more than zero", param=param)
        return value
    return Money.parse(str(value), currency, param=param, allow_zero=allow_zero).minor
