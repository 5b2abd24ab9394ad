"""Reads of users, for the roles that manage the firm."""

from __future__ import annotations

from typing import Any

from lawledger.access.models import User
from lawledger.access.policy import require
from lawledger.core.access import Action, Principal


def users_for(principal: Principal) -> list[dict[str, Any]]:
    require(principal, Action.MANAGE_FIRM)
    return [{"email": u.email, "name": u.full_name, "role": u.role, "active": u.is_active,
             "client": u.client.number if u.client else None}
            for u in User.objects.select_related("client").order_by("email")]
