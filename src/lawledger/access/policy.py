"""The one access policy (I9): every read of a client, matter, ledger or invoice comes through here.

Lookups answer NotFound both for what does not exist and for what the principal may not see, so
existence never leaks; the refusal is audited by the interface after the transaction rolls back
(see `lawledger.interfaces.errors`). List queries are filtered by `visible_matters`, built from the
same facts as `lawledger.core.access.decide`.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from lawledger.access.models import EthicalWall, MatterAssignment, User
from lawledger.core.access import (
    SEES_ALL_MATTERS,
    SEES_ASSIGNED_MATTERS,
    Action,
    MatterFacts,
    Principal,
    Role,
    decide,
    role_allows,
)
from lawledger.core.errors import InvalidInput, NotFound, PermissionDenied
from lawledger.firm.models import Client, Matter


class AccessRefused(NotFound):
    """NotFound that remembers what was asked, so the interface can audit the denial."""

    def __init__(self, message: str, *, param: str, principal: Principal, object_type: str,
                 object_id: str, action: str) -> None:
        super().__init__(message, param=param)
        self.audit_denial = (principal, object_type, object_id, action)


def principal_for(user: User) -> Principal:
    return Principal(label=user.email, role=Role(user.role), user_id=user.pk,
                     client_id=user.client_id)


def principal_by_email(email: str) -> Principal:
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise InvalidInput(f"--as: no active user {email!r}", param="as")
    return principal_for(user)


def matter_facts(matter: Matter) -> MatterFacts:
    team: set[int] = set()
    walled: set[int] = set()
    # One plain query for both lists: this runs on every access to a matter (every posting).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT user_id, 0 FROM {MatterAssignment._meta.db_table} WHERE matter_id = %s "  # noqa: S608
            f"UNION ALL SELECT user_id, 1 FROM {EthicalWall._meta.db_table} WHERE matter_id = %s",
            [matter.pk, matter.pk])
        for user_id, is_wall in cursor.fetchall():
            (walled if is_wall else team).add(user_id)
    if matter.responsible_id is not None:
        team.add(matter.responsible_id)
    return MatterFacts(matter.pk, matter.client_id, frozenset(team), frozenset(walled))


def visible_matters(principal: Principal) -> QuerySet[Matter]:
    matters = Matter.objects.all()
    if principal.is_operator:
        return matters
    if principal.user_id is not None:
        matters = matters.exclude(
            Exists(EthicalWall.objects.filter(matter=OuterRef("pk"), user_id=principal.user_id)))
    if principal.role is Role.CLIENT:
        return matters.filter(client_id=principal.client_id) if principal.client_id else matters.none()
    if principal.role in SEES_ALL_MATTERS:
        return matters
    if principal.role in SEES_ASSIGNED_MATTERS and principal.user_id is not None:
        return matters.filter(
            Q(responsible_id=principal.user_id)
            | Exists(MatterAssignment.objects.filter(matter=OuterRef("pk"),
                                                     user_id=principal.user_id)))
    return matters.none()


def visible_clients(principal: Principal) -> QuerySet[Client]:
    if principal.is_operator or (principal.role in SEES_ALL_MATTERS and principal.user_id is None):
        return Client.objects.all()
    if principal.role in SEES_ALL_MATTERS:
        # A client whose every matter walls this user off is hidden; a client with no matter yet
        # is visible to the roles that see everything.
        walled_everywhere = Client.objects.filter(
            Exists(Matter.objects.filter(client=OuterRef("pk")))).exclude(
            Exists(visible_matters(principal).filter(client=OuterRef("pk"))))
        return Client.objects.exclude(pk__in=walled_everywhere.values("pk"))
    return Client.objects.filter(Exists(visible_matters(principal).filter(client=OuterRef("pk"))))


def _find_matter(ref: str) -> Matter | None:
    ref = (ref or "").strip()
    if not ref:
        return None
    # Raw model queries (the ORM's compilation of this lookup cost more than the read; it runs
    # on every access to a matter). Same answer as select_related("client") + first().
    matter = next(iter(Matter.objects.raw(
        f"SELECT * FROM {Matter._meta.db_table} WHERE number = %s OR public_id = %s "  # noqa: S608
        "ORDER BY number LIMIT 1", [ref, ref])), None)
    if matter is not None:
        matter._state.fields_cache["client"] = next(iter(Client.objects.raw(
            f"SELECT * FROM {Client._meta.db_table} WHERE id = %s", [matter.client_id])))  # noqa: S608
    return matter


def get_matter(principal: Principal, ref: str, action: Action = Action.VIEW, *,
               param: str = "matter", for_update: bool = False) -> Matter:
    """The matter `ref` (number or public id) if `principal` may see it, else NotFound.

    When the principal sees the matter but its role does not allow `action`, PermissionDenied.
    """
    matter = _find_matter(ref)
    if matter is None or not decide(principal, Action.VIEW, matter_facts(matter)):
        raise AccessRefused(f"{param}: no matter {ref!r}", param=param, principal=principal,
                            object_type="matter", object_id=str(ref)[:64], action=str(action))
    if action is not Action.VIEW and not role_allows(principal, action):
        raise PermissionDenied(f"{principal.role} may not {action.value.replace('_', ' ')} "
                               f"on {matter.number}", param=param)
    if for_update:
        matter = Matter.objects.select_for_update().select_related("client").get(pk=matter.pk)
    return matter


def get_client(principal: Principal, ref: str, *, param: str = "client") -> Client:
    ref = (ref or "").strip()
    client = Client.objects.filter(Q(number=ref) | Q(public_id=ref)).first() if ref else None
    if client is None or not visible_clients(principal).filter(pk=client.pk).exists():
        raise AccessRefused(f"{param}: no client {ref!r}", param=param, principal=principal,
                            object_type="client", object_id=str(ref)[:64], action="view")
    return client


def require(principal: Principal, action: Action) -> None:
    """A firm-level action (manage users, see firm-wide reports) allowed to this role?"""
    if not decide(principal, action, None):
        raise PermissionDenied(f"{principal.role} may not {action.value.replace('_', ' ')}")
