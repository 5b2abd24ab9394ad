"""django-axes handler with two limits: per username and address, and a cap per username.

Axes' own handler compares the largest count of every lockout parameter set with one limit.
Ours gives each set its limit: AXES_FAILURE_LIMIT failures for one username from one address,
AXES_USERNAME_FAILURE_LIMIT for one username from any address (an attacker rotating addresses).
Both count a username whether or not such a user exists, so a lockout reveals nothing (B2).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import QuerySet, Sum


def _failures(attempts: QuerySet[Any]) -> int:
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


class LockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]
    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """Failures counted against AXES_FAILURE_LIMIT: this address's, or the limit itself
        once the username's cap over all addresses is reached."""
        per_address, per_username = self.get_user_attempts(request, credentials)
        failures = _failures(per_address)
        if _failures(per_username) >= settings.AXES_USERNAME_FAILURE_LIMIT:
            return max(failures, int(settings.AXES_FAILURE_LIMIT))
        return failures
