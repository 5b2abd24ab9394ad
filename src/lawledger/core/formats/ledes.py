"""LEDES 1998B: the pipe-delimited e-billing format — export and validation, pure.

A file is: line 1 exactly `LEDES1998B[]`; line 2 the 24 field names joined by `|` and ended by
`[]`; then one record per invoice line, 24 fields, ended by `[]`. Dates are YYYYMMDD; amounts plain
decimals. The invoice-level fields are repeated, identical, on every record of an invoice;
LINE_ITEM_TOTAL = units × unit cost + adjustment; INVOICE_TOTAL = the sum of the invoice's
LINE_ITEM_TOTALs. The format has no quoting, so a `|`, a `[]` or a line break inside a text field
would break the file: the exporter replaces them (SECURITY C2) and the validator refuses them.

`validate` reports every problem with its line number (first one first), beancount style: errors
are values. `export` builds the text and validates its own output before returning it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lawledger.core.billing import LedesInvalid
from lawledger.core.errors import CurrencyMismatch, InvalidInput
from lawledger.core.money import format_minor

HEADER = "LEDES1998B"
TERMINATOR = "[]"
FIELDS: tuple[str, ...] = (
    "INVOICE_DATE", "INVOICE_NUMBER", "CLIENT_ID", "LAW_FIRM_MATTER_ID", "INVOICE_TOTAL",
    "BILLING_START_DATE", "BILLING_END_DATE", "INVOICE_DESCRIPTION", "LINE_ITEM_NUMBER",
    "EXP/FEE/INV_ADJ_TYPE", "LINE_ITEM_NUMBER_OF_UNITS", "LINE_ITEM_ADJUSTMENT_AMOUNT",
    "LINE_ITEM_TOTAL", "LINE_ITEM_DATE", "LINE_ITEM_TASK_CODE", "LINE_ITEM_EXPENSE_CODE",
    "LINE_ITEM_ACTIVITY_CODE", "TIMEKEEPER_ID", "LINE_ITEM_DESCRIPTION", "LAW_FIRM_ID",
    "LINE_ITEM_UNIT_COST", "TIMEKEEPER_NAME", "TIMEKEEPER_CLASSIFICATION", "CLIENT_MATTER_ID",
)
INVOICE_FIELDS = ("INVOICE_DATE", "INVOICE_NUMBER", "CLIENT_ID", "LAW_FIRM_MATTER_ID",
                  "INVOICE_TOTAL", "BILLING_START_DATE", "BILLING_END_DATE",
                  "INVOICE_DESCRIPTION", "LAW_FIRM_ID", "CLIENT_MATTER_ID")
REQUIRED = ("INVOICE_DATE", "INVOICE_NUMBER", "CLIENT_ID", "LAW_FIRM_MATTER_ID", "INVOICE_TOTAL",
            "BILLING_START_DATE", "BILLING_END_DATE", "LINE_ITEM_NUMBER", "EXP/FEE/INV_ADJ_TYPE",
            "LINE_ITEM_TOTAL", "LINE_ITEM_DATE", "LAW_FIRM_ID")
DATE_FIELDS = ("INVOICE_DATE", "BILLING_START_DATE", "BILLING_END_DATE", "LINE_ITEM_DATE")
NUMBER_FIELDS = ("INVOICE_TOTAL", "LINE_ITEM_NUMBER_OF_UNITS", "LINE_ITEM_ADJUSTMENT_AMOUNT",
                 "LINE_ITEM_TOTAL", "LINE_ITEM_UNIT_COST")
LINE_TYPES = ("F", "E", "IF", "IE")
MAX_FILE_BYTES = 50 * 1024 * 1024
_INDEX = {name: index for index, name in enumerate(FIELDS)}
_NUMBER = re.compile(r"^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$")
_CODE = re.compile(r"^[A-Z][0-9]{3}$")
_ROUNDING_TOLERANCE = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f" {self.field}" if self.field else ""
        return f"line {self.line}:{where} {self.message}"


@dataclass(frozen=True, slots=True)
class LedesReport:
    problems: tuple[Problem, ...]
    invoices: tuple[str, ...] = ()
    line_items: int = 0

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


# --------------------------------------------------------------------------------------------
# validation


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252, else Latin-1: never fails."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _date(text: str) -> dt.date | None:
    if not re.fullmatch(r"[0-9]{8}", text):
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _number(text: str) -> Decimal | None:
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


@dataclass
class _Invoice:
    first_line: int
    fields: dict[str, str]
    total: Decimal | None
    last_line: int = 0
    line_sum: Decimal = Decimal(0)
    line_numbers: dict[int, int] = field(default_factory=dict)


def _check_header(lines: list[str]) -> list[Problem]:
    first = lines[0].strip() if lines else ""
    if first != HEADER + TERMINATOR:
        if first.startswith("LEDES98BI"):
            return [Problem(1, "", f"{first.removesuffix(TERMINATOR)!r} is LEDES 98BI "
                                   "(international), not LEDES 1998B")]
        return [Problem(1, "", f"the first line must be exactly {HEADER + TERMINATOR!r}")]
    second = lines[1].rstrip() if len(lines) > 1 else ""
    if not second.endswith(TERMINATOR):
        return [Problem(2, "", "the field-name line must end with '[]'")]
    names = second[: -len(TERMINATOR)].split("|")
    if tuple(names) != FIELDS:
        for index, expected in enumerate(FIELDS):
            if index >= len(names) or names[index] != expected:
                found = names[index] if index < len(names) else "nothing"
                return [Problem(2, expected, f"field {index + 1} must be {expected}, "
                                             f"found {found!r}")]
        return [Problem(2, "", f"the field-name line has {len(names)} fields, "
                               f"LEDES 1998B has {len(FIELDS)}")]
    return []


def _check_fields(number: int, values: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    for name in REQUIRED:
        if not values[name]:
            problems.append(Problem(number, name, "is required"))
    for name in DATE_FIELDS:
        if values[name] and _date(values[name]) is None:
            problems.append(Problem(number, name, f"{values[name]!r} is not a date (YYYYMMDD)"))
    for name in NUMBER_FIELDS:
        if values[name] and _number(values[name]) is None:
            problems.append(Problem(number, name, f"{values[name]!r} is not a number"))
    kind = values["EXP/FEE/INV_ADJ_TYPE"]
    if kind and kind not in LINE_TYPES:
        problems.append(Problem(number, "EXP/FEE/INV_ADJ_TYPE",
                                f"{kind!r} is not one of F, E, IF, IE"))
    item = values["LINE_ITEM_NUMBER"]
    if item and not re.fullmatch(r"[0-9]{1,9}", item):
        problems.append(Problem(number, "LINE_ITEM_NUMBER", f"{item!r} is not a whole number"))
    for name in ("LINE_ITEM_TASK_CODE", "LINE_ITEM_EXPENSE_CODE", "LINE_ITEM_ACTIVITY_CODE"):
        if values[name] and not _CODE.match(values[name]):
            problems.append(Problem(number, name, f"{values[name]!r} is not a code like L110"))
    if kind in ("F", "E"):
        for name in ("LINE_ITEM_NUMBER_OF_UNITS", "LINE_ITEM_UNIT_COST"):
            if not values[name]:
                problems.append(Problem(number, name, f"is required on an {kind} line"))
    if kind == "F" and not values["TIMEKEEPER_ID"]:
        problems.append(Problem(number, "TIMEKEEPER_ID", "is required on a fee (F) line"))
    start, end = _date(values["BILLING_START_DATE"]), _date(values["BILLING_END_DATE"])
    if start and end and start > end:
        problems.append(Problem(number, "BILLING_END_DATE", "is before BILLING_START_DATE"))
    return problems


def _check_line_total(number: int, values: dict[str, str]) -> list[Problem]:
    total = _number(values["LINE_ITEM_TOTAL"])
    units = _number(values["LINE_ITEM_NUMBER_OF_UNITS"] or "0")
    cost = _number(values["LINE_ITEM_UNIT_COST"] or "0")
    adjustment = _number(values["LINE_ITEM_ADJUSTMENT_AMOUNT"] or "0")
    if total is None or units is None or cost is None or adjustment is None:
        return []
    computed = units * cost + adjustment
    exponent = total.as_tuple().exponent
    places = Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0)
    rounded = computed.quantize(places, rounding=ROUND_HALF_UP)
    if abs(computed - total) <= _ROUNDING_TOLERANCE or rounded == total:
        return []
    return [Problem(number, "LINE_ITEM_TOTAL",
                    f"{values['LINE_ITEM_TOTAL']} is not units × unit cost + adjustment "
                    f"({values['LINE_ITEM_NUMBER_OF_UNITS'] or '0'} × "
                    f"{values['LINE_ITEM_UNIT_COST'] or '0'} + "
                    f"{values['LINE_ITEM_ADJUSTMENT_AMOUNT'] or '0'} = {computed.normalize()})")]


def _check_invoice(number: int, values: dict[str, str],
                   invoices: dict[str, _Invoice]) -> list[Problem]:
    """Invoice-level fields identical on every record; line numbers unique within an invoice."""
    key = values["INVOICE_NUMBER"]
    invoice = invoices.get(key)
    problems: list[Problem] = []
    if invoice is None:
        invoice = _Invoice(number, {name: values[name] for name in INVOICE_FIELDS},
                           _number(values["INVOICE_TOTAL"]))
        invoices[key] = invoice
    else:
        for name in INVOICE_FIELDS:
            if values[name] != invoice.fields[name]:
                problems.append(Problem(number, name, f"{values[name]!r} differs from "
                                                      f"{invoice.fields[name]!r} on line "
                                                      f"{invoice.first_line} of invoice {key}"))
    item = values["LINE_ITEM_NUMBER"]
    if item.isdigit():
        seen = invoice.line_numbers.get(int(item))
        if seen is not None:
            problems.append(Problem(number, "LINE_ITEM_NUMBER",
                                    f"{item} repeats line {seen} of invoice {key}"))
        else:
            invoice.line_numbers[int(item)] = number
    line_total = _number(values["LINE_ITEM_TOTAL"])
    if line_total is not None:
        invoice.line_sum += line_total
    invoice.last_line = number
    return problems


def validate(data: bytes | str) -> LedesReport:
    """Check a LEDES 1998B file; every problem found, in line order."""
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            return LedesReport((Problem(1, "", "the file is larger than 50 MB"),))
        data = decode(data)
    data = data.removeprefix("\ufeff")
    lines = [line.removesuffix("\r") for line in data.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    problems = _check_header(lines)
    if problems:
        return LedesReport(tuple(problems))
    invoices: dict[str, _Invoice] = {}
    items = 0
    for number, raw in enumerate(lines[2:], start=3):
        line = raw.rstrip(" \t")
        if not line:
            problems.append(Problem(number, "", "is empty"))
            continue
        if not line.endswith(TERMINATOR):
            problems.append(Problem(number, "", "does not end with '[]'"))
            continue
        body = line[: -len(TERMINATOR)]
        if TERMINATOR in body or any(ord(ch) < 32 and ch != "\t" for ch in body):
            problems.append(Problem(number, "", "holds '[]' or a control character inside "
                                                "a field"))
            continue
        parts = body.split("|")
        if len(parts) != len(FIELDS):
            problems.append(Problem(number, "", f"has {len(parts)} fields, LEDES 1998B has "
                                                f"{len(FIELDS)} (a '|' inside a text field?)"))
            continue
        items += 1
        values = dict(zip(FIELDS, parts, strict=True))
        problems += _check_fields(number, values)
        problems += _check_line_total(number, values)
        problems += _check_invoice(number, values, invoices)
    if items == 0 and not problems:
        problems.append(Problem(len(lines) + 1, "", "the file holds no invoice lines"))
    for key, invoice in invoices.items():
        if invoice.total is not None and invoice.total != invoice.line_sum:
            problems.append(Problem(invoice.last_line, "INVOICE_TOTAL",
                                    f"{invoice.fields['INVOICE_TOTAL']} of invoice {key} is not "
                                    f"the sum of its LINE_ITEM_TOTALs ({invoice.line_sum})"))
    problems.sort(key=lambda problem: problem.line)
    return LedesReport(tuple(problems), tuple(invoices), items)


# --------------------------------------------------------------------------------------------
# export


@dataclass(frozen=True, slots=True)
class LedesLine:
    kind: str                       # F, E, IF or IE
    date: dt.date
    units: str                      # a decimal string: hours for fees, quantity for expenses
    unit_cost_minor: int | None     # None on invoice-level adjustments
    adjustment_minor: int
    total_minor: int
    currency: str
    description: str = ""
    task_code: str = ""
    expense_code: str = ""
    activity_code: str = ""
    timekeeper_id: str = ""
    timekeeper_name: str = ""
    timekeeper_classification: str = ""


@dataclass(frozen=True, slots=True)
class LedesInvoice:
    invoice_date: dt.date
    invoice_number: str
    client_id: str
    law_firm_matter_id: str
    billing_start: dt.date
    billing_end: dt.date
    description: str
    law_firm_id: str
    currency: str
    lines: tuple[LedesLine, ...]
    client_matter_id: str = ""


def ledes_text(value: str, *, limit: int = 15000) -> str:
    """A text field made safe: no `|`, no `[]`, no line breaks or control characters (C2)."""
    cleaned = "".join(" " if (ord(ch) < 32 or ord(ch) == 127) else ch for ch in value)
    cleaned = cleaned.replace("|", "/")
    while TERMINATOR in cleaned:
        cleaned = cleaned.replace(TERMINATOR, "[ ]")
    return " ".join(cleaned.split())[:limit]


def _yyyymmdd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _record(invoice: LedesInvoice, total: str, number: int, line: LedesLine) -> str:
    currency = invoice.currency
    values = [
        _yyyymmdd(invoice.invoice_date), ledes_text(invoice.invoice_number, limit=20),
        ledes_text(invoice.client_id, limit=20), ledes_text(invoice.law_firm_matter_id, limit=20),
        total, _yyyymmdd(invoice.billing_start), _yyyymmdd(invoice.billing_end),
        ledes_text(invoice.description), str(number), line.kind, line.units,
        format_minor(line.adjustment_minor, currency), format_minor(line.total_minor, currency),
        _yyyymmdd(line.date), line.task_code, line.expense_code, line.activity_code,
        ledes_text(line.timekeeper_id, limit=20), ledes_text(line.description),
        ledes_text(invoice.law_firm_id, limit=20),
        "" if line.unit_cost_minor is None else format_minor(line.unit_cost_minor, currency),
        ledes_text(line.timekeeper_name, limit=30),
        ledes_text(line.timekeeper_classification, limit=10),
        ledes_text(invoice.client_matter_id, limit=20),
    ]
    return "|".join(values) + TERMINATOR


def export(invoices: Sequence[LedesInvoice]) -> str:
    """One LEDES 1998B file for one invoice or a batch; refused if it would not validate."""
    if not invoices:
        raise InvalidInput("invoice: nothing to export", param="invoice")
    currencies = {invoice.currency for invoice in invoices}
    for invoice in invoices:
        currencies |= {line.currency for line in invoice.lines}
        mixed = sorted({invoice.currency, *(line.currency for line in invoice.lines)})
        if len(mixed) > 1:
            raise CurrencyMismatch(f"invoice {invoice.invoice_number} mixes {', '.join(mixed)}: a "
                                   "LEDES 1998B invoice holds one currency", param="invoice")
        if not invoice.lines:
            raise InvalidInput(f"invoice: {invoice.invoice_number} has no lines", param="invoice")
    if len(currencies) > 1:
        raise CurrencyMismatch(f"the invoices are in {', '.join(sorted(currencies))}: one LEDES "
                               "1998B file holds one currency", param="invoice")
    records = [HEADER + TERMINATOR, "|".join(FIELDS) + TERMINATOR]
    number = 0
    for invoice in invoices:
        total = format_minor(sum(line.total_minor for line in invoice.lines), invoice.currency)
        for line in invoice.lines:
            number += 1
            records.append(_record(invoice, total, number, line))
    text = "\r\n".join(records) + "\r\n"
    report = validate(text)
    if not report.valid:
        raise LedesInvalid(f"the export would not be valid LEDES 1998B: {report.first}",
                           param="invoice")
    return text
