"""Public identifiers: prefixed, random, and safe to show (no integer keys leave the server)."""

from __future__ import annotations

import base64
import re
import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case: no i, l, o, u
_PATTERN = re.compile(r"^[a-z]{2,4}_[0-9a-hjkmnp-tv-z]{16}$")
_FROM_RFC4648 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET)


def new_public_id(prefix: str) -> str:
    """A prefixed id with 80 bits of randomness, e.g. `je_3k9fz0q1m8w2c7hx`."""
    # 10 random bytes are exactly 16 base32 digits: one read of the OS random source per id, not
    # one per digit (every inserted row with a public id pays this).
    return prefix + "_" + base64.b32encode(secrets.token_bytes(10)).decode("ascii").translate(
        _FROM_RFC4648)


def looks_like_public_id(text: str, prefix: str) -> bool:
    return bool(_PATTERN.match(text)) and text.startswith(prefix + "_")


def format_number(prefix: str, value: int, width: int = 4) -> str:
    """Human numbers for clients and matters: C-0001, M-0042."""
    return f"{prefix}-{value:0{width}d}"
