"""CSV bank exports: the column profile that says how to read one bank's layout, and the reader.

A CSV file carries no meaning of its own: "05/03/2021" is May or March depending on the bank,
"1.234,56" is a thousand in Germany, and a card export writes purchases as positive numbers. So a
`CsvProfile` names every column and convention, and belongs to the bank account (the banking app
stores it as JSON through `to_dict`/`from_dict`). Built-in profiles live in csv_builtin.py.

Amounts become integer minor units through text.decimal_to_minor; every error names the line
and the column.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import functools
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lawledger.core.errors import InvalidInput
from lawledger.core.formats.statement import (
    LineKind,
    Statement,
    StatementLine,
    StatementMalformed,
    StatementRejected,
)
from lawledger.core.formats.text import check_currency, clean, decimal_to_minor, decode_text

ColumnRef = str | int  # a header name (matched without case or padding) or a 0-based index

DECIMAL_SEPARATORS = (".", ",")
THOUSANDS_SEPARATORS = (",", ".", "'", " ", "")
_CURRENCY_SYMBOLS = "$€£¥"
# PHP-style '#' in a date format (Firefly III) means "any one of these separators".
_DATE_SEPARATORS = re.compile(r"[;:/.,\-()]")
_MONEY_OUT_WORDS = frozenset({"debit", "dr", "d", "withdrawal", "out", "-"})
_MONEY_IN_WORDS = frozenset({"credit", "cr", "c", "deposit", "in", "+"})


class CsvProfileInvalid(InvalidInput):
    """A column profile that cannot work (both amount styles, an unknown separator…)."""

    code = "csv_profile_invalid"


class SignConvention(StrEnum):
    MONEY_IN_POSITIVE = "money_in_positive"    # a bank account: deposits positive
    MONEY_OUT_POSITIVE = "money_out_positive"  # many card exports: purchases positive


@dataclass(frozen=True)
class CsvProfile:
    """How to read one bank's CSV export. Amount: `amount_column`, or `debit_column` +
    `credit_column`, or `amount_column` unsigned plus `direction_column` ("debit"/"credit")."""

    name: str
    date_column: ColumnRef
    date_format: str = "%Y-%m-%d"          # strptime codes; '#' matches any one separator
    currency: str = "USD"
    amount_column: ColumnRef | None = None
    debit_column: ColumnRef | None = None
    credit_column: ColumnRef | None = None
    direction_column: ColumnRef | None = None
    delimiter: str = ","
    has_header: bool = True
    encoding: str = "auto"                 # "auto": strict UTF-8, then cp1252
    description_columns: tuple[ColumnRef, ...] = ()
    counterparty_column: ColumnRef | None = None
    reference_column: ColumnRef | None = None
    check_number_column: ColumnRef | None = None
    value_date_column: ColumnRef | None = None
    decimal_separator: str = "."
    thousands_separator: str = ","
    sign_convention: SignConvention = SignConvention.MONEY_IN_POSITIVE
    skip_rows: int = 0                     # rows before the header (or the data) to ignore

    def __post_init__(self) -> None:
        _validate(self)

    def to_dict(self) -> dict[str, Any]:
        """A plain JSON-able dict; `CsvProfile.from_dict(p.to_dict()) == p`."""
        data = dataclasses.asdict(self)
        data["description_columns"] = list(self.description_columns)
        data["sign_convention"] = str(self.sign_convention)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CsvProfile:
        if not isinstance(data, Mapping):
            raise CsvProfileInvalid("a CSV profile must be a JSON object", param="profile")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise CsvProfileInvalid(f"unknown CSV profile field {unknown[0]!r}", param=unknown[0])
        values = dict(data)
        for required in ("name", "date_column"):
            if required not in values:
                raise CsvProfileInvalid(f"a CSV profile needs {required!r}", param=required)
        descriptions = values.get("description_columns", ())
        if not isinstance(descriptions, list | tuple):
            raise CsvProfileInvalid("description_columns must be a list", param="description_columns")
        values["description_columns"] = tuple(descriptions)
        if "sign_convention" in values:
            try:
                values["sign_convention"] = SignConvention(values["sign_convention"])
            except ValueError:
                raise CsvProfileInvalid(
                    f"sign_convention must be one of {[str(s) for s in SignConvention]}",
                    param="sign_convention") from None
        return cls(**values)

    def referenced_columns(self) -> tuple[ColumnRef, ...]:
        refs: list[ColumnRef | None] = [
            self.date_column, self.amount_column, self.debit_column, self.credit_column,
            self.direction_column, *self.description_columns, self.counterparty_column,
            self.reference_column, self.check_number_column, self.value_date_column]
        return tuple(ref for ref in refs if ref is not None)


def _validate(profile: CsvProfile) -> None:
    _check_types(profile)
    if not profile.name.strip():
        raise CsvProfileInvalid("a CSV profile needs a name", param="name")
    has_split = profile.debit_column is not None or profile.credit_column is not None
    if profile.amount_column is not None and has_split:
        raise CsvProfileInvalid("give amount_column or debit_column + credit_column, not both",
                                param="amount_column")
    if profile.amount_column is None and (profile.debit_column is None or profile.credit_column is None):
        raise CsvProfileInvalid("give amount_column, or both debit_column and credit_column",
                                param="amount_column")
    if profile.direction_column is not None and profile.amount_column is None:
        raise CsvProfileInvalid("direction_column goes with amount_column", param="direction_column")
    if len(profile.delimiter) != 1 or profile.delimiter in "\"\r\n" or profile.delimiter.isalnum():
        raise CsvProfileInvalid(f"delimiter {profile.delimiter!r} must be one punctuation character "
                                "or a tab", param="delimiter")
    if profile.decimal_separator not in DECIMAL_SEPARATORS:
        raise CsvProfileInvalid("decimal_separator must be '.' or ','", param="decimal_separator")
    if profile.thousands_separator not in THOUSANDS_SEPARATORS:
        raise CsvProfileInvalid("thousands_separator must be one of , . ' space or empty",
                                param="thousands_separator")
    if profile.thousands_separator == profile.decimal_separator:
        raise CsvProfileInvalid("thousands_separator and decimal_separator must differ",
                                param="thousands_separator")
    if profile.encoding != "auto":
        try:
            codecs.lookup(profile.encoding)
        except LookupError:
            raise CsvProfileInvalid(f"unknown encoding {profile.encoding!r}", param="encoding") from None
    if not 0 <= profile.skip_rows <= 1000:
        raise CsvProfileInvalid("skip_rows must be between 0 and 1000", param="skip_rows")
    try:
        check_currency(profile.currency, where="CSV profile")
    except StatementMalformed as error:
        raise CsvProfileInvalid(error.message, param="currency") from None
    if profile.currency != profile.currency.upper():
        raise CsvProfileInvalid("currency must be an upper-case ISO 4217 code", param="currency")
    _check_date_format(profile.date_format)
    if not profile.has_header:
        named = [ref for ref in profile.referenced_columns() if isinstance(ref, str)]
        if named:
            raise CsvProfileInvalid(f"column {named[0]!r} is named, but the file has no header row: "
                                    "use a 0-based column number", param="has_header")


def _check_types(profile: CsvProfile) -> None:
    for field in dataclasses.fields(profile):
        value = getattr(profile, field.name)
        if field.name == "description_columns":
            refs = value
        elif field.name.endswith("_column"):
            refs = () if value is None and field.name != "date_column" else (value,)
        else:
            expected = {"has_header": bool, "skip_rows": int, "sign_convention": SignConvention}.get(
                field.name, str)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise CsvProfileInvalid(f"{field.name} must be a {expected.__name__}", param=field.name)
            continue
        for ref in refs:
            if isinstance(ref, bool) or not isinstance(ref, str | int) or (isinstance(ref, int) and ref < 0):
                raise CsvProfileInvalid(f"{field.name}: a column is a header name or a 0-based number",
                                        param=field.name)


def _check_date_format(date_format: str) -> None:
    sample = dt.date(2001, 11, 23)
    try:
        shown = sample.strftime(date_format.replace("#", "/"))
        back = _parse_date(shown, date_format, where="date_format")
    except (ValueError, StatementMalformed):
        back = None
    if back != sample:
        raise CsvProfileInvalid(f"date_format {date_format!r} does not read a full date back "
                                "(use strptime codes such as %d.%m.%Y)", param="date_format")


_FAST_DATE_CODES = {"%d": r"(?P<d>[0-9]{1,2})", "%m": r"(?P<m>[0-9]{1,2})", "%Y": r"(?P<Y>[0-9]{4})",
                    "%y": r"(?P<y>[0-9]{2})"}


@functools.lru_cache(maxsize=64)
def _fast_date_pattern(date_format: str) -> re.Pattern[str] | None:
    """A regex for formats made only of %d %m %Y %y and literals (strptime is ten times slower)."""
    pieces: list[str] = []
    for part in re.split(r"(%.)", date_format):
        if part.startswith("%") and len(part) == 2:
            if part not in _FAST_DATE_CODES:
                return None
            pieces.append(_FAST_DATE_CODES[part])
        else:
            pieces.append(re.escape(part))
    try:
        pattern = re.compile("".join(pieces) + r"\Z")
    except re.error:  # a code given twice
        return None
    names = set(pattern.groupindex)
    return pattern if {"d", "m"} <= names and len(names & {"Y", "y"}) == 1 else None


def _read_date(text: str, date_format: str) -> dt.date:
    pattern = _fast_date_pattern(date_format)
    if pattern is None:
        return dt.datetime.strptime(text, date_format).date()  # noqa: DTZ007 — a date, no time
    match = pattern.match(text)
    if match is None:
        raise ValueError(text)
    if match.group("Y") if "Y" in pattern.groupindex else None:
        year = int(match.group("Y"))
    else:
        short = int(match.group("y"))
        year = 2000 + short if short < 69 else 1900 + short  # strptime's %y rule
    return dt.date(year, int(match.group("m")), int(match.group("d")))


def _parse_date(value: str, date_format: str, *, where: str) -> dt.date:
    text = value.strip()
    if "#" in date_format:
        text = _DATE_SEPARATORS.sub("#", text)
    try:
        parsed = _read_date(text, date_format)
    except ValueError:
        raise StatementMalformed(f"{where}: {value.strip()!r} is not a date in the form "
                                 f"{date_format!r}", param="date") from None
    if not 1900 <= parsed.year <= 2200:
        raise StatementMalformed(f"{where}: {value.strip()!r} gives the year {parsed.year}",
                                 param="date")
    return parsed


def parse_csv_amount(text: str, profile: CsvProfile, *, where: str) -> int:
    """One cell → signed minor units as written: "$1,036.47", "(12.00)", "12.00-", "CHF 10.00"."""
    raw = text.strip()
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        negative, raw = True, raw[1:-1].strip()
    if raw.endswith("-") and not raw.startswith(("-", "+")):
        negative, raw = True, raw[:-1].strip()
    for code in (profile.currency, profile.currency.lower()):
        raw = raw.removeprefix(code).removesuffix(code).strip()
    if raw[:1] in "-+" and raw[1:2] in tuple(_CURRENCY_SYMBOLS):
        raw = raw[0] + raw[2:]
    raw = raw.strip(_CURRENCY_SYMBOLS + " ")
    minor = decimal_to_minor(raw, profile.currency, where=where,
                             decimal_separator=profile.decimal_separator,
                             thousands_separator=profile.thousands_separator)
    return -minor if negative else minor


class _Columns:
    """Column references resolved to indices against the header (or taken as numbers)."""

    def __init__(self, profile: CsvProfile, header: list[str] | None) -> None:
        self.labels: dict[int, str] = {}
        self._names: dict[str, int] = {}
        if header is not None:
            for index, name in enumerate(header):
                self._names.setdefault(_header_key(name), index)
        self.header = header

    def index(self, ref: ColumnRef) -> int:
        if isinstance(ref, int):
            self.labels.setdefault(ref, f"#{ref + 1}")
            return ref
        try:
            found = self._names[_header_key(ref)]
        except KeyError:
            present = ", ".join(repr(h.strip()) for h in (self.header or [])[:30])
            raise StatementMalformed(f"the header has no column {ref!r} (it has: {present})",
                                     param="profile") from None
        self.labels[found] = repr(ref)
        return found


def _header_key(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


def read_rows(data: bytes, profile: CsvProfile) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    """The header (when the profile has one) and the non-blank data rows with their line numbers."""
    text = decode_text(data, profile.encoding, what="CSV")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=profile.delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    skipped = 0
    line_number = 1
    try:
        for row in reader:
            start, line_number = line_number, reader.line_num + 1
            if skipped < profile.skip_rows:
                skipped += 1
                continue
            if not any(cell.strip() for cell in row):
                continue
            if profile.has_header and header is None:
                header = row
                continue
            rows.append((start, row))
    except csv.Error as error:
        raise StatementMalformed(f"CSV line {line_number}: {error}", param="file") from None
    return header, rows


def parse_csv(data: bytes, profile: CsvProfile) -> Statement:
    """Read a CSV export with `profile` into one Statement (CSV files have no balances)."""
    header, rows = read_rows(data, profile)
    if profile.has_header and header is None:
        raise StatementMalformed("the CSV file is empty: no header row", param="file")
    columns = _Columns(profile, header)
    for ref in profile.referenced_columns():
        columns.index(ref)
    lines = tuple(_parse_row(line_number, row, profile, columns) for line_number, row in rows)
    if not lines:
        raise StatementRejected("the CSV file has no transaction rows", param="file")
    dates = [line.posted_on for line in lines]
    return Statement(format="csv", currency=profile.currency, period_start=min(dates),
                     period_end=max(dates), lines=lines)


def _parse_row(line_number: int, row: list[str], profile: CsvProfile, columns: _Columns) -> StatementLine:
    def cell(ref: ColumnRef | None) -> str:
        if ref is None:
            return ""
        index = columns.index(ref)
        if index >= len(row):
            raise StatementMalformed(f"CSV line {line_number} has {len(row)} columns; column "
                                     f"{columns.labels[index]} is missing", param="file")
        return row[index]

    def where(ref: ColumnRef) -> str:
        return f"CSV line {line_number}, column {columns.labels[columns.index(ref)]}"

    posted_on = _parse_date(cell(profile.date_column), profile.date_format, where=where(profile.date_column))
    value_date = None
    if profile.value_date_column is not None and cell(profile.value_date_column).strip():
        value_date = _parse_date(cell(profile.value_date_column), profile.date_format,
                                 where=where(profile.value_date_column))
    amount_minor = _row_amount(profile, cell, where)
    check_number = clean(cell(profile.check_number_column))
    if check_number:
        kind = LineKind.CHECK
    elif amount_minor > 0:
        kind = LineKind.DEPOSIT
    elif amount_minor < 0:
        kind = LineKind.PAYMENT
    else:
        kind = LineKind.OTHER
    description = " ".join(part for part in (clean(cell(ref)) for ref in profile.description_columns) if part)
    return StatementLine(
        line_number=line_number, posted_on=posted_on, amount_minor=amount_minor, kind=kind,
        bank_reference=clean(cell(profile.reference_column)), check_number=check_number,
        counterparty=clean(cell(profile.counterparty_column)), description=description,
        value_date=value_date)


def _row_amount(profile: CsvProfile, cell: Callable[[ColumnRef | None], str],
                where: Callable[[ColumnRef], str]) -> int:
    if profile.amount_column is not None:
        text = cell(profile.amount_column)
        if not text.strip():
            raise StatementMalformed(f"{where(profile.amount_column)}: the amount is empty", param="amount")
        minor = parse_csv_amount(text, profile, where=where(profile.amount_column))
        if profile.direction_column is not None:
            word = cell(profile.direction_column).strip().casefold()
            if word in _MONEY_OUT_WORDS:
                return -abs(minor)
            if word in _MONEY_IN_WORDS:
                return abs(minor)
            raise StatementMalformed(f"{where(profile.direction_column)}: {word!r} is neither debit "
                                     "nor credit", param="direction")
        return minor if profile.sign_convention is SignConvention.MONEY_IN_POSITIVE else -minor
    assert profile.debit_column is not None and profile.credit_column is not None
    debit_text, credit_text = cell(profile.debit_column), cell(profile.credit_column)
    debit = (parse_csv_amount(debit_text, profile, where=where(profile.debit_column))
             if debit_text.strip() else 0)
    credit = (parse_csv_amount(credit_text, profile, where=where(profile.credit_column))
              if credit_text.strip() else 0)
    if debit and credit:
        raise StatementMalformed(f"{where(profile.debit_column)}: the row has both a debit and a credit",
                                 param="amount")
    if not debit_text.strip() and not credit_text.strip():
        raise StatementMalformed(f"{where(profile.debit_column)}: the row has neither a debit nor a credit",
                                 param="amount")
    # Banks write debits as positive or negative numbers in the debit column; either way it is money out.
    return abs(credit) - abs(debit)
