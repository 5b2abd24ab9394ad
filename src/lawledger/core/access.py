"""Roles, the acting principal and the pure access decision (I9).

`decide` is the single rule; `lawledger.access.policy` applies it to database objects and builds the
query filters from the same facts, and a property test checks the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    BOOKKEEPER = "bookkeeper"
    ATTORNEY = "attorney"
    PARALEGAL = "paralegal"
    AUDITOR = "auditor"
    CLIENT = "client"


STAFF_ROLES = frozenset({Role.ADMIN, Role.BOOKKEEPER, Role.ATTORNEY, Role.PARALEGAL, Role.AUDITOR})
SEES_ALL_MATTERS = frozenset({Role.ADMIN, Role.BOOKKEEPER, Role.AUDITOR})
SEES_ASSIGNED_MATTERS = frozenset({Role.ATTORNEY, Role.PARALEGAL})


class Action(StrEnum):
    VIEW = "view"                          # see a matter, its client, ledger, invoices
    RECORD_DEPOSIT = "record_deposit"
    RECORD_DISBURSEMENT = "record_disbursement"   # also transfers, refunds, fees, reversals
    OVERRIDE_UNCLEARED = "override_uncleared"
    RECORD_TIME = "record_time"
    OPEN_MATTER = "open_matter"
    CLOSE_MATTER = "close_matter"
    MANAGE_FIRM = "manage_firm"            # users, roles, walls, accounts, settings
    VIEW_FIRM_REPORTS = "view_firm_reports"  # trust listing, journals, reconciliation
    SIGN_OFF = "sign_off"
    EXCHANGE_MESSAGES = "exchange_messages"  # portal secure messages about a matter's billing


_ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.BOOKKEEPER: frozenset({Action.VIEW, Action.RECORD_DEPOSIT, Action.RECORD_DISBURSEMENT,
                                Action.RECORD_TIME, Action.OPEN_MATTER, Action.CLOSE_MATTER,
                                Action.VIEW_FIRM_REPORTS, Action.EXCHANGE_MESSAGES}),
    Role.ATTORNEY: frozenset({Action.VIEW, Action.RECORD_TIME, Action.OPEN_MATTER,
                              Action.EXCHANGE_MESSAGES}),
    Role.PARALEGAL: frozenset({Action.VIEW, Action.RECORD_TIME, Action.EXCHANGE_MESSAGES}),
    Role.AUDITOR: frozenset({Action.VIEW, Action.VIEW_FIRM_REPORTS}),
    Role.CLIENT: frozenset({Action.VIEW, Action.EXCHANGE_MESSAGES}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: a user of a role, or the local operator at the server's command line."""

    label: str
    role: Role
    user_id: int | None = None
    client_id: int | None = None
    is_operator: bool = False

    @classmethod
    def operator(cls, name: str) -> Principal:
        return cls(label=f"operator:{name}", role=Role.ADMIN, is_operator=True)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


@dataclass(frozen=True, slots=True)
class MatterFacts:
    """What the policy needs to know about one matter."""

    matter_id: int
    client_id: int
    team_user_ids: frozenset[int]
    walled_user_ids: frozenset[int]


def role_allows(principal: Principal, action: Action) -> bool:
    return action in _ROLE_ACTIONS.get(principal.role, frozenset())


def can_see_matter(principal: Principal, matter: MatterFacts) -> bool:
    if principal.is_operator:
        return True
    if principal.user_id is not None and principal.user_id in matter.walled_user_ids:
        return False  # an ethical wall beats every role
    if principal.role is Role.CLIENT:
        return principal.client_id is not None and principal.client_id == matter.client_id
    if principal.role in SEES_ALL_MATTERS:
        return True
    if principal.role in SEES_ASSIGNED_MATTERS:
        return principal.user_id is not None and principal.user_id in matter.team_user_ids
    return False


def decide(principal: Principal, action: Action, matter: MatterFacts | None) -> bool:
    """May `principal` do `action` (to `matter`, when the action concerns one)?"""
    if not role_allows(principal, action):
        return False
    if matter is None:
        return principal.is_staff  # firm-level acts (reports, firm ledgers) are for staff only
    return can_see_matter(principal, matter)
