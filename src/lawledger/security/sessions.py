"""Live sessions per user: recorded at login, ended all at once (deactivation, MFA reset).

Also the session timestamps behind the idle and absolute timeouts and step-up
re-authentication: `authenticated_at` (password step), `mfa_verified_at` (last second factor)
and `last_seen_at` (last request), as epoch seconds in the session.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from lawledger.access.models import User
from lawledger.security.models import LoginSession

AUTHENTICATED_AT = "security_authenticated_at"
MFA_VERIFIED_AT = "security_mfa_verified_at"
LAST_SEEN_AT = "security_last_seen_at"


def now_seconds() -> int:
    return int(time.time())


def remember(request: Any, user: User) -> None:
    """Record the (already cycled) session key of a fresh login."""
    session = request.session
    if session.session_key is None:
        session.save()
    now = now_seconds()
    session[AUTHENTICATED_AT] = now
    session[LAST_SEEN_AT] = now
    LoginSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={"user": user, "created_at": timezone.now()})


def rekeyed(old_key: str | None, new_key: str | None, user: User) -> None:
    """Follow a cycle_key(): the old key is dead, the new one belongs to `user`."""
    if old_key:
        LoginSession.objects.filter(session_key=old_key).delete()
    if new_key:
        LoginSession.objects.update_or_create(
            session_key=new_key, defaults={"user": user, "created_at": timezone.now()})


def forget(session_key: str | None) -> None:
    if session_key:
        LoginSession.objects.filter(session_key=session_key).delete()


def end_all_sessions(user: User) -> int:
    """Delete every session `user` holds; returns how many were ended."""
    with transaction.atomic():
        keys = list(LoginSession.objects.filter(user=user).values_list("session_key", flat=True))
        Session.objects.filter(session_key__in=keys).delete()
        LoginSession.objects.filter(user=user).delete()
    return len(keys)
