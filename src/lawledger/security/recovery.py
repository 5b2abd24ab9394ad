"""Recovery codes: ten random codes shown once, kept as sha256, each spent once."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from lawledger.security.models import RecoveryCodeDevice

CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed by hand


def new_code() -> str:
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def code_hash(code: str) -> str:
    normalised = code.strip().lower().replace(" ", "").replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def verify_recovery_device(device: RecoveryCodeDevice, token: str) -> bool:
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False
    # select_for_update: of two requests spending one code, exactly one succeeds.
    code = (device.codes.select_for_update()
            .filter(code_sha256=code_hash(token), used_at__isnull=True).first())
    if code is None:
        device.throttle_increment(commit=True)
        return False
    code.used_at = timezone.now()
    code.save(update_fields=["used_at"])
    device.throttle_reset(commit=True)
    return True
