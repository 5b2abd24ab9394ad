"""CSV that a spreadsheet opens as data, never as formulas (SECURITY C2, ASVS 5.0 1.2.10).

- Text cells that begin with a character a spreadsheet may read as the start of a formula
  (= + - @, TAB, CR, LF, NUL, and their full-width forms, which some locales' spreadsheets also
  treat as formulas) are prefixed with a single quote.
- Amount and count cells are written as plain numbers ("-125.00"), never prefixed, so a negative
  amount stays a number; a value in a numeric column that is not a plain decimal is a programmer
  error and raises rather than slipping text past the escaping.
- Quoting follows RFC 4180: fields holding a comma, a double quote, CR or LF are enclosed in
  double quotes with inner quotes doubled; records end with CRLF.
- The file starts with a UTF-8 byte-order mark, so spreadsheet programs read non-ASCII names
  as UTF-8 rather than as the local code page.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence

from lawledger.reports.tables import CellKind, Column

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\0＝＋－＠")
_NUMBER = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")
BOM = "\ufeff"


def text_cell(value: object) -> str:
    """A text value made inert: a leading formula trigger gets a leading single quote."""
    if value is None:
        return ""
    text = str(value)
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def number_cell(value: object, *, column: str) -> str:
    """A numeric value exactly as given ("1250.00", "-0.05", "24"); anything else is refused."""
    if value is None or value == "":
        return ""
    text = str(value)
    if not _NUMBER.match(text):
        raise ValueError(f"column {column}: {text!r} is not a plain number")
    return text


def write_csv(columns: Sequence[Column], rows: Iterable[Mapping[str, object]]) -> bytes:
    """One header row of column headings, then one record per row, as UTF-8 bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([text_cell(column.heading) for column in columns])
    for row in rows:
        writer.writerow([
            number_cell(row.get(column.key), column=column.key)
            if column.kind is CellKind.NUMBER else text_cell(row.get(column.key))
            for column in columns])
    return (BOM + buffer.getvalue()).encode("utf-8")
