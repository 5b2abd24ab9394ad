"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>", sent as
`Lawledger-Signature: t=<unix seconds>,v1=<hex>` (the shape Stripe made familiar).

A receiver recomputes the HMAC with the endpoint's secret over the raw body it received, compares
in constant time and refuses a timestamp older than a few minutes (replays). `verify` is that
recipe; docs/api.md shows it in a dozen lines for receivers that do not run lawledger.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Lawledger-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `timestamp.body` under `secret`."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def header_value(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: int,
           tolerance_seconds: int = TOLERANCE_SECONDS) -> bool:
    """True when `header` signs `body` with `secret` and is at most `tolerance_seconds` old."""
    parts: dict[str, str] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, value)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        return False
    if abs(now - int(stamp)) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, int(stamp), body), given)
