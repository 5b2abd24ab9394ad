"""TOTP enrolment and verification on our TotpDevice (sealed seed, replay refused, throttled)."""

from __future__ import annotations

import secrets
from base64 import b32encode
from binascii import unhexlify
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from django_otp.oath import TOTP

if TYPE_CHECKING:
    from lawledger.security.models import TotpDevice

ISSUER = "lawledger"


def new_secret_hex() -> str:
    return secrets.token_hex(20)


def base32_secret(secret_hex: str) -> str:
    return b32encode(unhexlify(secret_hex)).decode("ascii")


def otpauth_uri(device: TotpDevice, account: str) -> str:
    label = quote(f"{ISSUER}:{account}")
    query = urlencode({"secret": base32_secret(device.secret_hex), "issuer": ISSUER,
                       "digits": device.digits, "period": device.step_seconds})
    return f"otpauth://totp/{label}?{query}"


def current_code(secret_hex: str, *, at_seconds: float | None = None, step_seconds: int = 30,
                 digits: int = 6) -> str:
    """The code an authenticator app shows now (or at `at_seconds`): demo and tests."""
    totp = TOTP(unhexlify(secret_hex), step_seconds, 0, digits, 0)
    if at_seconds is not None:
        totp.time = at_seconds
    return f"{totp.token():0{digits}d}"


def verify_totp_device(device: TotpDevice, token: str) -> bool:
    """Check `token` on the server's clock; a time step once accepted is never accepted again.

    Callers hold the device row locked (django_otp.verify_token selects it for update), so of two
    parallel requests with one code exactly one succeeds.
    """
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False
    token = token.strip()
    verified = False
    if token.isdigit() and len(token) == device.digits:
        totp = TOTP(unhexlify(device.secret_hex), device.step_seconds, 0, device.digits,
                    device.tolerance_steps)
        verified = totp.verify(int(token), device.tolerance_steps, device.last_t + 1)
        if verified:
            device.last_t = totp.t()
    if verified:
        device.throttle_reset(commit=False)
        device.save()
    else:
        device.throttle_increment(commit=True)
    return verified
