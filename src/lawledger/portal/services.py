"""The portal's commands: inviting a client user, accepting the invitation, sending a message.

Each runs in one transaction with its audit record. An invitation creates the client user at
once (with a random password nobody is told) so the e-mail address is reserved and bound to the
client; the person proves they hold the link by choosing their password, and then the shared
login page takes them through MFA enrolment. Only the sha256 of the link's token is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction

from lawledger.access.models import User
from lawledger.access.policy import get_client, get_matter, principal_for, require
from lawledger.access.services import user_add, user_set_password
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal, Role
from lawledger.core.errors import Conflict, InvalidInput, PermissionDenied
from lawledger.portal.errors import InvitationNotUsable
from lawledger.portal.events import PortalEvent
from lawledger.portal.models import PortalInvitation, PortalMessage

INVITATION_VALID_HOURS = 72
MAX_VALID_HOURS = 24 * 14
SUBJECT_MAX_CHARS = 200
BODY_MAX_CHARS = 5000
_UNUSABLE = "this invitation link is not valid: it may have expired or been used already"


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    public_id: str
    email: str
    client: str
    token: str            # shown once to the inviting staff member, never stored
    expires_at: dt.datetime


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invited_user(actor: Principal, email: str, client_number: str, full_name: str) -> User:
    """The client user this invitation is for: created now, or a client user of the same client
    who has never signed in (a fresh link replaces an expired one)."""
    existing = User.objects.filter(email__iexact=email.strip()).first()
    if existing is None:
        user, _ = user_add(actor=actor, email=email, role=Role.CLIENT.value, full_name=full_name,
                           client=client_number)
        return user
    if (existing.role != Role.CLIENT.value or existing.client is None
            or existing.client.number != client_number or existing.last_login is not None):
        raise Conflict(f"email: a user {existing.email} already exists", param="email")
    return existing


def invitation_create(*, actor: Principal, client: str, email: str, full_name: str = "",
                      valid_hours: int = INVITATION_VALID_HOURS) -> IssuedInvitation:
    """Invite a contact of `client` to the portal; returns the one-time link token."""
    require(actor, Action.MANAGE_FIRM)
    if not 1 <= valid_hours <= MAX_VALID_HOURS:
        raise InvalidInput(f"valid_hours: between 1 and {MAX_VALID_HOURS}", param="valid_hours")
    with transaction.atomic():
        client_row = get_client(actor, client)
        user = _invited_user(actor, email, client_row.number, full_name)
        now = clock.now()
        # Earlier links for this person stop working: only the newest one is usable.
        PortalInvitation.objects.filter(user=user, accepted_at__isnull=True,
                                        revoked_at__isnull=True).update(revoked_at=now)
        token = secrets.token_urlsafe(32)
        invitation = PortalInvitation.objects.create(
            client=client_row, user=user, token_sha256=token_digest(token),
            expires_at=now + dt.timedelta(hours=valid_hours), created_at=now,
            created_by=actor.label)
        record(actor, PortalEvent.INVITATION_CREATED, object_type="portal_invitation",
               object_id=invitation.public_id, client_ref=client_row.number,
               details={"user": str(user.pk), "valid_hours": valid_hours})
    return IssuedInvitation(invitation.public_id, user.email, client_row.number, token,
                            invitation.expires_at)


def _usable(token: str, *, for_update: bool) -> PortalInvitation:
    cleaned = (token or "").strip()
    if not cleaned or len(cleaned) > 100:
        raise InvitationNotUsable(_UNUSABLE, param="token")
    rows = PortalInvitation.objects.select_related("user", "client")
    if for_update:
        rows = rows.select_for_update()
    invitation = rows.filter(token_sha256=token_digest(cleaned)).first()
    if (invitation is None or invitation.accepted_at is not None
            or invitation.revoked_at is not None or clock.now() > invitation.expires_at
            or not invitation.user.is_active):
        raise InvitationNotUsable(_UNUSABLE, param="token")
    return invitation


def invitation_lookup(token: str) -> dict[str, str]:
    """What the acceptance page shows before the password is chosen (nothing confidential)."""
    invitation = _usable(token, for_update=False)
    return {"email": invitation.user.email, "client_name": invitation.client.name,
            "expires_at": invitation.expires_at.isoformat()}


def invitation_accept(*, token: str, password: str) -> User:
    """Spend the invitation: set the user's password. The link works once."""
    with transaction.atomic():
        invitation = _usable(token, for_update=True)
        user = invitation.user
        principal = principal_for(user)
        user_set_password(actor=principal, email=user.email, password=password)
        invitation.accepted_at = clock.now()
        invitation.save(update_fields=["accepted_at"])
        record(principal, PortalEvent.INVITATION_ACCEPTED, object_type="portal_invitation",
               object_id=invitation.public_id, client_ref=invitation.client.number)
    return user


def _clean(value: str | None, *, param: str, max_chars: int, multiline: bool) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput(f"{param}: must not be empty", param=param)
    if len(cleaned) > max_chars:
        raise InvalidInput(f"{param}: at most {max_chars} characters", param=param)
    allowed = "\n\r\t" if multiline else ""
    if any((ord(ch) < 32 and ch not in allowed) or ord(ch) == 127 for ch in cleaned):
        raise InvalidInput(f"{param}: control characters are not allowed", param=param)
    return cleaned


def message_send(*, actor: Principal, matter: str, subject: str, body: str) -> PortalMessage:
    """A secure message about `matter`'s billing, from its client or from the firm."""
    if actor.user_id is None:
        raise PermissionDenied("messages are sent by a signed-in person", param="author")
    clean_subject = _clean(subject, param="subject", max_chars=SUBJECT_MAX_CHARS, multiline=False)
    clean_body = _clean(body, param="body", max_chars=BODY_MAX_CHARS, multiline=True)
    with transaction.atomic():
        matter_row = get_matter(actor, matter, Action.EXCHANGE_MESSAGES)
        direction = (PortalMessage.Direction.FROM_CLIENT if actor.role is Role.CLIENT
                     else PortalMessage.Direction.TO_CLIENT)
        message = PortalMessage.objects.create(
            matter=matter_row, direction=direction, author_id=actor.user_id,
            subject=clean_subject, body=clean_body, sent_at=clock.now())
        record(actor, PortalEvent.MESSAGE_SENT, object_type="portal_message",
               object_id=message.public_id, matter_ref=matter_row.number,
               client_ref=matter_row.client.number, details={"direction": str(direction)})
    return message
