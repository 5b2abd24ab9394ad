"""Shared reading helpers for the statement parsers: text decoding, amounts, currencies.

Bank files lie about their encoding and write numbers in every local style, so each parser goes
through these few functions: bytes become text by an explicit, stated rule, and decimal text
becomes integer minor units without ever passing through float or Decimal.
"""

from __future__ import annotations

import codecs
import re

from lawledger.core.formats.statement import StatementMalformed
from lawledger.core.money import CURRENCY_EXPONENTS, MAX_AMOUNT_MINOR

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

ENCODINGS = ("auto", "utf-8", "cp1252", "latin-1", "utf-16", "ascii", "iso-8859-15", "mac-roman")


def strip_bom(data: bytes) -> tuple[bytes, str | None]:
    """The bytes without a byte-order mark, and the encoding the mark names (None without one)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):], encoding
    return data, None


def decode_text(data: bytes, encoding: str = "auto", *, what: str = "file") -> str:
    """Decode with a stated rule: a BOM wins; "auto" is strict UTF-8, then cp1252, then latin-1.

    cp1252 leaves five bytes undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D); a file holding them is no
    cp1252 text, and latin-1 (which maps every byte) is the honest last reading.
    """
    body, bom_encoding = strip_bom(data)
    if bom_encoding is not None:
        encoding = bom_encoding
    if encoding == "auto":
        for candidate in ("utf-8", "cp1252", "latin-1"):
            try:
                return body.decode(candidate)
            except UnicodeDecodeError:
                continue
    try:
        return body.decode(encoding)
    except LookupError:
        raise StatementMalformed(f"unknown text encoding {encoding!r}", param="encoding") from None
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        raise StatementMalformed(
            f"{what} line {line}: byte 0x{body[error.start]:02X} is not valid {encoding}; "
            "choose the file's real encoding", param="encoding") from None


def check_currency(code: str, *, where: str) -> str:
    """An ISO 4217 code lawledger knows, upper-cased; the message says where the code came from."""
    upper = code.strip().upper()
    if upper not in CURRENCY_EXPONENTS:
        shown = repr(code) if code.strip() else "missing"
        raise StatementMalformed(f"{where}: currency {shown} is not an ISO 4217 code lawledger knows",
                                 param="currency")
    return upper


_SIGNED_BODY = re.compile(r"^(?P<sign>[-+]?)(?P<body>[0-9][0-9.,' ]*)$")


def decimal_to_minor(text: str, currency: str, *, where: str, decimal_separator: str = ".",
                     thousands_separator: str = "") -> int:
    """Signed decimal text → integer minor units of `currency`, exactly.

    Accepts an optional sign, digit groups of three split by `thousands_separator` (or no groups),
    and one `decimal_separator`. Decimals beyond the currency's are accepted only when they are
    zeros ("5442.09000" RON); anything else ("1e309", "NaN", "1,234.5.6", "$120") is refused with a
    message naming `where`.
    """
    raw = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    match = _SIGNED_BODY.match(raw)
    if match is None or not _well_grouped(match.group("body"), decimal_separator, thousands_separator):
        raise StatementMalformed(f"{where}: {text.strip()!r} is not an amount", param="amount")
    body = match.group("body")
    whole, _, frac = body.partition(decimal_separator) if decimal_separator in body else (body, "", "")
    if thousands_separator:
        whole = whole.replace(thousands_separator, "")
    exponent = CURRENCY_EXPONENTS[currency]
    extra = frac[exponent:]
    if extra.strip("0"):
        raise StatementMalformed(
            f"{where}: {text.strip()!r} has more decimals than {currency} allows ({exponent})",
            param="amount")
    frac = frac[:exponent].ljust(exponent, "0")
    if len(whole) > 16:
        raise StatementMalformed(f"{where}: {text.strip()!r} is larger than any amount lawledger accepts",
                                 param="amount")
    scale: int = 10**exponent
    minor = int(whole) * scale + (int(frac) if frac else 0)
    if minor > MAX_AMOUNT_MINOR:
        raise StatementMalformed(f"{where}: {text.strip()!r} is larger than any amount lawledger accepts",
                                 param="amount")
    return -minor if match.group("sign") == "-" else minor


def _well_grouped(body: str, decimal_separator: str, thousands_separator: str) -> bool:
    """True when `body` is digits in valid groups with at most one decimal separator."""
    if not body.isascii() or body.count(decimal_separator) > 1:
        return False
    whole, _, frac = body.partition(decimal_separator)
    if frac and not frac.isdigit():
        return False
    if not whole.isdigit():
        if not thousands_separator or not whole or not whole[0].isdigit():
            return False
        groups = whole.split(thousands_separator)
        if not (1 <= len(groups[0]) <= 3 and groups[0].isdigit()):
            return False
        if not all(len(group) == 3 and group.isdigit() for group in groups[1:]):
            return False
    return True


def clean(text: str | None) -> str:
    """Collapse runs of whitespace (tabs, newlines, padding) into single spaces and trim."""
    if not text:
        return ""
    return " ".join(text.split())
