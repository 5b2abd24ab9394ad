"""Token scopes and which roles may hold each one.

A token acts as its user and never exceeds them: on every request the effective scopes are the
token's scopes intersected with what the user's *current* role may hold, and the access policy
still decides each matter. The role table is written out by hand; a test compares it with the
actions of `lawledger.core.access` so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from lawledger.core.access import Role
from lawledger.core.errors import InvalidInput


class Scope(StrEnum):
    LEDGER_READ = "ledger:read"
    LEDGER_WRITE = "ledger:write"
    MATTERS_READ = "matters:read"
    MATTERS_WRITE = "matters:write"
    TIME_WRITE = "time:write"
    BILLING_READ = "billing:read"
    BILLING_WRITE = "billing:write"
    BANKING_READ = "banking:read"
    BANKING_WRITE = "banking:write"
    AUDIT_READ = "audit:read"
    TOKENS_WRITE = "tokens:write"


_STAFF = frozenset({Role.ADMIN, Role.BOOKKEEPER, Role.ATTORNEY, Role.PARALEGAL, Role.AUDITOR})
_MONEY = frozenset({Role.ADMIN, Role.BOOKKEEPER})

SCOPE_ROLES: dict[Scope, frozenset[Role]] = {
    Scope.LEDGER_READ: _STAFF,
    Scope.LEDGER_WRITE: _MONEY,
    Scope.MATTERS_READ: _STAFF,
    Scope.MATTERS_WRITE: frozenset({Role.ADMIN, Role.BOOKKEEPER, Role.ATTORNEY}),
    Scope.TIME_WRITE: frozenset({Role.ADMIN, Role.BOOKKEEPER, Role.ATTORNEY, Role.PARALEGAL}),
    Scope.BILLING_READ: _STAFF,
    # Attorneys draft, approve and finalize their matters' pre-bills; billing's own acts
    # (billing.common) still keep payments, credits and write-offs to admins and bookkeepers.
    Scope.BILLING_WRITE: frozenset({Role.ADMIN, Role.BOOKKEEPER, Role.ATTORNEY}),
    Scope.BANKING_READ: frozenset({Role.ADMIN, Role.BOOKKEEPER, Role.AUDITOR}),
    Scope.BANKING_WRITE: _MONEY,
    Scope.AUDIT_READ: frozenset({Role.ADMIN, Role.AUDITOR}),
    # Minting tokens is a write: the read-only auditor gets tokens from the operator only.
    Scope.TOKENS_WRITE: frozenset({Role.ADMIN, Role.BOOKKEEPER, Role.ATTORNEY, Role.PARALEGAL}),
}


def role_scopes(role: Role) -> frozenset[Scope]:
    """Every scope a user of `role` may hold (a portal client holds none)."""
    return frozenset(scope for scope, roles in SCOPE_ROLES.items() if role in roles)


def parse_scopes(values: Iterable[str], *, param: str = "scopes") -> frozenset[Scope]:
    found: set[Scope] = set()
    for value in values:
        for part in str(value).replace(",", " ").split():
            try:
                found.add(Scope(part.strip().lower()))
            except ValueError:
                allowed = ", ".join(s.value for s in Scope)
                raise InvalidInput(f"{param}: {part!r} is not a scope (one of {allowed})",
                                   param=param) from None
    if not found:
        raise InvalidInput(f"{param}: name at least one scope", param=param)
    return frozenset(found)


def format_scopes(scopes: Iterable[Scope]) -> str:
    """The stored form: sorted and space-separated, so equal sets are equal strings."""
    return " ".join(sorted(str(scope) for scope in scopes))


def stored_scopes(text: str) -> frozenset[Scope]:
    """Scopes read back from the database; an unknown word (from a newer version) grants nothing."""
    return frozenset(Scope(word) for word in text.split() if word in Scope._value2member_map_)
