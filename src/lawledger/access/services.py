"""Users, roles, matter teams and ethical walls: each command one transaction with its audit record."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from lawledger.access.models import EthicalWall, MatterAssignment, User
from lawledger.access.policy import get_client, get_matter, require
from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal, Role
from lawledger.core.errors import Conflict, InvalidInput, PermissionDenied


def normalize_email(email: str, *, param: str = "email") -> str:
    cleaned = (email or "").strip().lower()
    try:
        validate_email(cleaned)
    except ValidationError:
        raise InvalidInput(f"{param}: {email!r} is not an e-mail address", param=param) from None
    return cleaned


def parse_role(text: str) -> Role:
    try:
        return Role((text or "").strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(f"role: {text!r} is not a role (one of {allowed})", param="role") from None


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput("password: " + " ".join(exc.messages), param="password") from None


def user_add(*, actor: Principal, email: str, role: str, full_name: str = "",
             password: str | None = None, client: str | None = None) -> tuple[User, str | None]:
    """Create a user. Without a password a one-time password is generated and returned."""
    require(actor, Action.MANAGE_FIRM)
    address = normalize_email(email)
    role_value = parse_role(role)
    generated = None
    if password is None:
        generated = secrets.token_urlsafe(12)
        password = generated
    with transaction.atomic():
        client_row = None
        if role_value is Role.CLIENT:
            if not client:
                raise InvalidInput("client: a client user needs --client", param="client")
            client_row = get_client(actor, client)
        elif client:
            raise InvalidInput("client: only a client user belongs to a client", param="client")
        if User.objects.filter(email__iexact=address).exists():
            raise Conflict(f"email: a user {address} already exists", param="email")
        user = User(email=address, full_name=full_name.strip(), role=role_value.value,
                    client=client_row, created_at=clock.now(),
                    must_change_password=generated is not None)
        _check_password(password, user)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise Conflict(f"email: a user {address} already exists", param="email") from None
        record(actor, Event.USER_CREATED, object_type="user", object_id=str(user.pk),
               details={"role": role_value.value})
    return user, generated


def user_set_password(*, actor: Principal, email: str, password: str) -> None:
    address = normalize_email(email)
    if not (actor.is_operator or actor.label.lower() == address):
        require(actor, Action.MANAGE_FIRM)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=address).first()
        if user is None:
            raise InvalidInput(f"email: no user {address}", param="email")
        _check_password(password, user)
        user.set_password(password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        record(actor, Event.USER_PASSWORD_SET, object_type="user", object_id=str(user.pk))


def user_set_role(*, actor: Principal, email: str, role: str) -> User:
    """Change a staff user's role. A client login stays a client login (it is bound to its
    client), and the firm keeps at least one active admin."""
    require(actor, Action.MANAGE_FIRM)
    new_role = parse_role(role)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(
            email__iexact=normalize_email(email), is_active=True).first()
        if user is None:
            raise InvalidInput(f"email: no active user {email}", param="email")
        if Role.CLIENT in (new_role, Role(user.role)):
            raise InvalidInput("role: client logins cannot change role", param="role")
        admins = User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk)
        if user.role == Role.ADMIN and new_role != Role.ADMIN and not admins.exists():
            raise Conflict("role: the firm's last admin cannot lose the admin role")
        old = user.role
        user.role = new_role.value
        user.save(update_fields=["role"])
        record(actor, Event.USER_ROLE_CHANGED, object_type="user", object_id=str(user.pk),
               details={"old": old, "new": new_role.value})
    return user


def _user_by_email(email: str, *, param: str) -> User:
    address = normalize_email(email, param=param)
    user = User.objects.filter(email__iexact=address, is_active=True).first()
    if user is None:
        raise InvalidInput(f"{param}: no active user {address}", param=param)
    return user


def matter_assign(*, actor: Principal, matter: str, email: str) -> None:
    require(actor, Action.MANAGE_FIRM)
    with transaction.atomic():
        matter_row = get_matter(actor, matter)
        user = _user_by_email(email, param="email")
        if user.role_enum not in (Role.ATTORNEY, Role.PARALEGAL, Role.BOOKKEEPER, Role.ADMIN):
            raise InvalidInput(f"email: a {user.role} is not put on a matter team", param="email")
        _, created = MatterAssignment.objects.get_or_create(
            matter=matter_row, user=user, defaults={"assigned_at": clock.now()})
        if created:
            record(actor, Event.MATTER_ASSIGNED, object_type="matter", object_id=matter_row.number,
                   matter_ref=matter_row.number, client_ref=matter_row.client.number,
                   details={"user_id": user.pk})


def wall_raise(*, actor: Principal, matter: str, email: str, reason: str) -> None:
    require(actor, Action.MANAGE_FIRM)
    if not reason.strip():
        raise InvalidInput("reason: an ethical wall needs a reason", param="reason")
    with transaction.atomic():
        matter_row = get_matter(actor, matter)
        user = _user_by_email(email, param="email")
        if actor.user_id == user.pk:
            raise PermissionDenied("an admin cannot wall themselves off a matter they manage")
        _, created = EthicalWall.objects.get_or_create(
            matter=matter_row, user=user,
            defaults={"reason": reason.strip()[:300], "raised_at": clock.now()})
        if created:
            record(actor, Event.ETHICAL_WALL_RAISED, object_type="matter",
                   object_id=matter_row.number, matter_ref=matter_row.number,
                   client_ref=matter_row.client.number, details={"user_id": user.pk})
