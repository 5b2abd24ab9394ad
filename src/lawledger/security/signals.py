"""Receivers that keep LoginSession in step with Django's sessions.

A login records its session key; a logout forgets it; a user saved inactive loses every session
at once (B8), whoever deactivated them and however.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from lawledger.access.models import User
from lawledger.audit.services import record
from lawledger.core.access import Principal, Role
from lawledger.security import sessions
from lawledger.security.events import AuthEvent


@receiver(user_logged_in, dispatch_uid="security.login_session")
def _remember_session(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    sessions.remember(request, user)


@receiver(user_logged_out, dispatch_uid="security.logout_session")
def _forget_session(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None and request is not None:
        sessions.forget(request.session.session_key)


@receiver(post_save, sender=User, dispatch_uid="security.deactivated_user")
def _end_sessions_of_inactive(sender: Any, instance: User, **kwargs: Any) -> None:
    if not instance.is_active:
        sessions.end_all_sessions(instance)


@receiver(user_locked_out, dispatch_uid="security.locked_out")
def _audit_lockout(sender: Any, request: Any = None, username: str | None = None,
                   ip_address: str | None = None, **kwargs: Any) -> None:
    with transaction.atomic():
        # The attempted name is a detail, never an actor: it may not be a user at all.
        record(Principal(label="anonymous", role=Role.CLIENT), AuthEvent.LOGIN_LOCKED_OUT,
               outcome="denied", details={"attempted": str(username or "")[:200],
                                          "address": str(ip_address or "")[:64]})
