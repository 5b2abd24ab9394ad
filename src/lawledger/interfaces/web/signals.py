"""Logins, failed logins and logouts go to the audit chain."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core.access import Principal, Role


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from lawledger.access.policy import principal_for

    with transaction.atomic():
        record(principal_for(user), Event.LOGIN_SUCCEEDED, object_type="user",
               object_id=str(user.pk))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    from lawledger.access.policy import principal_for

    with transaction.atomic():
        record(principal_for(user), Event.LOGOUT, object_type="user", object_id=str(user.pk))


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    attempted = str(credentials.get("username", ""))[:200]
    with transaction.atomic():
        # The attempted name is recorded as details, never trusted as an actor.
        record(Principal(label="anonymous", role=Role.CLIENT), Event.LOGIN_FAILED,
               outcome="failed", details={"attempted": attempted})
