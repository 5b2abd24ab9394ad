"""The one entry point for bank statements: recognise the format, bound the size, parse.

`parse_statement(data)` is what the banking app calls. It refuses an oversized file before
reading it, names the format it recognised, and guarantees that whatever the bytes, the only
exceptions that leave are StatementRejected (a real file we will not take) and StatementMalformed
(a broken or unrecognised file): a parser's ValueError, IndexError or the like becomes a
StatementMalformed naming the format, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lawledger.core.formats.csv_builtin import match_builtin_profile
from lawledger.core.formats.csv_profiles import CsvProfile, parse_csv
from lawledger.core.formats.statement import Statement, StatementMalformed, StatementRejected
from lawledger.core.formats.text import check_currency, strip_bom

FORMATS = ("ofx", "camt053", "bai2", "mt940", "csv")
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_SNIFF_BYTES = 65536


class StatementTooLarge(StatementMalformed):
    """A file over the size limit, refused before any parsing."""

    code = "statement_too_large"


_OFX_MARKERS = re.compile(rb"OFXHEADER\s*[:=]|<\?OFX\b|<OFX>", re.IGNORECASE)
_OFX_START = re.compile(rb"(OFXHEADER|<\?xml|<OFX>|<\?OFX)", re.IGNORECASE)
_XML_START = re.compile(rb"^\s*(<\?xml|<!DOCTYPE|<!--|<[A-Za-z_][\w.:-]*[\s>/])", re.IGNORECASE)
_BAI2_START = re.compile(rb"^\s*01,")
_BAI2_GROUP = re.compile(rb"(?:^|/)\s*02,", re.MULTILINE)
_MT940_START = re.compile(rb"^\s*(\{1:|:20:|:940:|[A-Z0-9]{6,}\s*\r?\n\s*940\b|0000 \d)")
_MT940_TAGS = re.compile(rb"^:(20|25|28C?|60[FM]|61|62[FM]):", re.MULTILINE)


def _sniff_head(data: bytes) -> bytes:
    body, bom = strip_bom(data[:_SNIFF_BYTES])
    if bom is not None and bom != "utf-8":  # UTF-16/32: sniff the same markers as for 8-bit text
        return body.decode(bom, errors="replace").encode("utf-8", errors="replace")
    return body


def detect_format(data: bytes) -> str:
    """ "ofx", "camt053", "bai2", "mt940" or "csv"; anything else is refused with the reason."""
    head = _sniff_head(data)
    stripped = head.lstrip()
    if not stripped:
        raise StatementMalformed("the file is empty", param="file")
    if b"\x00" in head:
        raise StatementMalformed("this is a binary file, not a bank statement", param="file")
    if stripped.startswith(b"%PDF"):
        raise StatementRejected("a PDF statement cannot be imported: download the OFX, CAMT.053, "
                                "BAI2, MT940 or CSV export instead", param="file")
    if stripped.startswith((b"LEDES1998B", b"LEDES98BI")):
        raise StatementRejected("this is a LEDES invoice file, not a bank statement", param="file")
    if stripped[:1] in (b"{", b"[") and not stripped.startswith(b"{1:"):
        raise StatementRejected("a JSON file is not a bank statement (a CSV column profile belongs "
                                "in the account's settings)", param="file")
    if _OFX_MARKERS.search(head) and _OFX_START.match(stripped):
        return "ofx"
    if _XML_START.match(head):
        if re.search(rb"camt\.05\d|BkToCstmr", head):
            return "camt053"
        raise StatementMalformed("an XML file that is neither OFX nor an ISO 20022 camt statement",
                                 param="file")
    if _BAI2_START.match(head) and _BAI2_GROUP.search(head):
        return "bai2"
    if _MT940_START.match(stripped) or len(_MT940_TAGS.findall(head)) >= 2:
        return "mt940"
    if _looks_delimited(head):
        return "csv"
    raise StatementMalformed("unrecognised file: not OFX, CAMT.053, BAI2, MT940 or CSV", param="file")


def _looks_delimited(head: bytes) -> bool:
    """Text whose first lines each hold the same delimiter (or a single column of values)."""
    if any(byte < 9 or 13 < byte < 32 for byte in head):
        return False
    lines = [line for line in re.split(rb"\r\n|\r|\n", head)[:5] if line.strip()]
    return bool(lines) and any(all(sep in line for line in lines) for sep in (b",", b";", b"\t", b"|"))


def _parser(format: str) -> Callable[..., list[Statement]]:
    # Imported on use: each parser module loads only when a file of its format arrives.
    if format == "ofx":
        from lawledger.core.formats.ofx import parse_ofx
        return parse_ofx
    if format == "camt053":
        from lawledger.core.formats.camt053 import parse_camt053
        return parse_camt053
    if format == "bai2":
        from lawledger.core.formats.bai2 import parse_bai2
        return parse_bai2
    from lawledger.core.formats.mt940 import parse_mt940
    return parse_mt940


_PARSER_FAILURES = (ValueError, IndexError, KeyError, LookupError, ArithmeticError, RecursionError,
                    UnicodeError)


def parse_statement(data: bytes, *, format: str = "auto", profile: CsvProfile | None = None,
                    max_bytes: int = DEFAULT_MAX_BYTES,
                    default_currency: str | None = None) -> list[Statement]:
    """Parse a bank statement file into one Statement per account it holds.

    `format` is "auto" or one of FORMATS; `profile` reads a CSV (without it, the built-in profile
    whose columns the header matches is used). `default_currency` is the account's currency, used
    only for a statement whose file does not say it (BAI2 may omit it; some OFX leave CURDEF empty).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise StatementMalformed("a statement must be given as bytes", param="file")
    if len(data) > max_bytes:
        raise StatementTooLarge(f"the file is {len(data)} bytes; statements are limited to {max_bytes} "
                                "bytes", param="file")
    data = bytes(data)
    if format == "auto":
        format = detect_format(data)
    elif format not in FORMATS:
        raise StatementMalformed(f"unknown statement format {format!r}: use auto, {', '.join(FORMATS)}",
                                 param="format")
    elif not data.strip():
        raise StatementMalformed("the file is empty", param="file")
    fallback = check_currency(default_currency, where="default currency") if default_currency else None
    try:
        if format == "csv":
            return [parse_csv(data, profile or match_builtin_profile(data))]
        return _parser(format)(data, default_currency=fallback)
    except _PARSER_FAILURES as error:  # a parser's slip on bytes it did not foresee: still no traceback
        raise StatementMalformed(f"the file cannot be read as {format}: {error}", param="file") from None
