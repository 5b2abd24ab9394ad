"""BAI2 cash-management files (01 file, 02 group, 03 account, 16 detail, 88, 49/98/99) → Statement.

The `bai2` package's parser refuses three of the eight real files in the corpus (records sharing
a physical line, a detail broken across lines, unterminated records), so records are read here;
the package's type-code table (`bai2.constants.TypeCodes`) decides credit or debit and names the
code. One Statement per 03 account record.

Decisions:
- A record ends at "/" or at the end of its physical line; a physical line that does not start
  with a record code continues the previous record; several "…/ 16,…" records may share a line.
- 88 continues the record before it: a 03's summary list (fields carry on) or a 16's text (an
  80-character physical record was cut mid-word, so it is joined without a space).
- 16 amounts are unsigned minor units; the type code gives the direction (100-399 credit,
  400-699 debit); 890 and above carry no money and are left out.
- Control totals (49, 98, 99: sum of amounts and record counts) are checked when present; a
  mismatch or a missing trailer means a damaged or cut file and is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from bai2.constants import TypeCodes, TypeCodeTransaction

from lawledger.core.formats.statement import (
    LineKind,
    Statement,
    StatementLine,
    StatementMalformed,
    StatementRejected,
)
from lawledger.core.formats.text import check_currency, clean, decode_text
from lawledger.core.money import MAX_AMOUNT_MINOR

_RECORD_START = re.compile(r"^\s*(01|02|03|16|49|88|98|99),")
_SHARED_LINE = re.compile(r"(?<=/)\s+(?=(?:01|02|03|16|49|88|98|99),)")
_AMOUNT = re.compile(r"^[-+]?[0-9]{1,18}$")
_FUNDS_EXTRA = {"V": 2, "S": 3}
_FULL_PHYSICAL_RECORD = 80


@dataclass
class _Record:
    code: str
    line: int
    body: str                 # everything after "NN," without the terminating "/"
    physical_length: int
    continuations: list[str] = field(default_factory=list)
    joiners: list[str] = field(default_factory=list)  # "" after a full 80-character physical record

    def fields(self) -> list[str]:
        """The comma fields, with 88 continuations carried on as further fields."""
        parts = self.body.split(",")
        for continuation in self.continuations:
            parts.extend(continuation.split(","))
        return [part.strip() for part in parts]


def _records(text: str) -> list[_Record]:
    records: list[_Record] = []
    for number, physical in enumerate(text.splitlines(), 1):
        if not physical.strip():
            continue
        for piece in _SHARED_LINE.split(physical):
            match = _RECORD_START.match(piece)
            stripped = piece.rstrip()
            body = stripped[match.end():] if match else stripped.strip()
            body = body[:-1] if body.endswith("/") else body
            if match is None:
                if not records:
                    raise StatementMalformed(f"BAI2 line {number}: the file does not start with a 01 "
                                             "record", param="file")
                records[-1].body += " " + body  # a record broken across a physical newline
            elif match.group(1) == "88":
                if not records:
                    raise StatementMalformed(f"BAI2 line {number}: a 88 continues nothing", param="file")
                record = records[-1]
                record.joiners.append("" if record.physical_length >= _FULL_PHYSICAL_RECORD else " ")
                record.continuations.append(body)
                record.physical_length = len(stripped)
            else:
                records.append(_Record(match.group(1), number, body, len(stripped)))
    return records


def _amount(text: str, *, where: str, blank_ok: bool = False) -> int | None:
    text = text.strip()
    if not text and blank_ok:
        return None
    if not _AMOUNT.match(text):
        raise StatementMalformed(f"{where}: {text!r} is not a BAI2 amount (minor units)", param="amount")
    value = int(text)
    if abs(value) > MAX_AMOUNT_MINOR * 1000:
        raise StatementMalformed(f"{where}: {text!r} is larger than any amount lawledger accepts",
                                 param="amount")
    return value


def _date(text: str, *, where: str) -> dt.date:
    text = text.strip()
    if not re.fullmatch(r"[0-9]{6}", text):
        raise StatementMalformed(f"{where}: {text!r} is not a YYMMDD date", param="date")
    try:
        return dt.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise StatementMalformed(f"{where}: {text!r} is not a real date", param="date") from None


@dataclass
class _Group:
    as_of: dt.date
    currency: str
    line: int


def parse_bai2(data: bytes, *, default_currency: str | None = None) -> list[Statement]:
    records = _records(decode_text(data, "auto", what="BAI2"))
    if not records or records[0].code != "01":
        raise StatementMalformed("BAI2 line 1: the file does not start with a 01 file header", param="file")
    statements: list[Statement] = []
    group: _Group | None = None
    account: list[_Record] = []
    group_totals: list[int] = []
    file_totals: list[int] = []
    group_start = account_start = 0
    for index, record in enumerate(records):
        where = f"BAI2 line {record.line}"
        if record.code == "02":
            group, group_start, group_totals = _group(record, default_currency), index, []
        elif record.code == "03":
            if group is None:
                raise StatementMalformed(f"{where}: an account (03) outside a group (02)", param="file")
            account, account_start = [record], index
        elif record.code == "16":
            if not account:
                raise StatementMalformed(f"{where}: a detail (16) outside an account (03)", param="file")
            account.append(record)
        elif record.code == "49":
            if not account or group is None:
                raise StatementMalformed(f"{where}: an account trailer (49) with no account", param="file")
            statement, total = _account(account, group)
            _check_trailer(record, total, _count(records[account_start:index + 1]), "account")
            statements.append(statement)
            group_totals.append(total)
            account = []
        elif record.code == "98":
            _check_trailer(record, sum(group_totals), _count(records[group_start:index + 1]), "group",
                           items=len(group_totals))
            file_totals.append(sum(group_totals))
            group = None
        elif record.code == "99":
            _check_trailer(record, sum(file_totals), _count(records[: index + 1]), "file",
                           items=len(file_totals))
            if index != len(records) - 1:
                raise StatementMalformed(f"{where}: records follow the file trailer (99)", param="file")
            return statements
    raise StatementMalformed("the BAI2 file is cut short: it has no file trailer (99)", param="file")


def _count(records: list[_Record]) -> int:
    return sum(1 + len(record.continuations) for record in records)


def _group(record: _Record, default_currency: str | None) -> _Group:
    where = f"BAI2 line {record.line}"
    fields = record.fields()
    if len(fields) < 4:
        raise StatementMalformed(f"{where}: the group header (02) is too short", param="file")
    status = fields[2]
    if status == "2":
        raise StatementRejected(f"{where}: the group deletes an earlier report; nothing to import",
                                param="file")
    if status == "4":
        raise StatementRejected(f"{where}: a test-only group, not a real statement", param="file")
    currency = fields[5] if len(fields) > 5 else ""
    return _Group(as_of=_date(fields[3], where=f"{where}, as-of date"),
                  currency=check_currency(currency, where=where) if currency else (default_currency or ""),
                  line=record.line)


def _check_trailer(record: _Record, total: int, count: int, what: str, items: int | None = None) -> None:
    where = f"BAI2 line {record.line}"
    fields = record.fields()
    declared_total = _amount(fields[0], where=f"{where}, {what} control total", blank_ok=True)
    if declared_total is not None and declared_total != total:
        raise StatementMalformed(f"{where}: the {what} control total {declared_total} does not match "
                                 f"the amounts, which sum to {total}", param="file")
    rest = [field for field in fields[1:] if field]
    numbers = [int(field) for field in rest if field.lstrip("-").isdigit()]
    if items is not None and numbers and numbers[0] != items:
        raise StatementMalformed(f"{where}: the {what} trailer counts {numbers[0]} but there are {items}",
                                 param="file")
    declared_count = numbers[-1] if numbers and (items is None or len(numbers) > 1) else None
    if declared_count is not None and declared_count != count:
        raise StatementMalformed(f"{where}: the {what} trailer counts {declared_count} records but there "
                                 f"are {count}", param="file")


def _account(records: list[_Record], group: _Group) -> tuple[Statement, int]:
    header = records[0]
    where = f"BAI2 line {header.line}"
    fields = header.fields()
    currency = check_currency(fields[1], where=where) if len(fields) > 1 and fields[1] else group.currency
    if not currency:
        raise StatementMalformed(f"{where}: the account does not say its currency: give the account's "
                                 "currency", param="currency")
    summaries, total = _summaries(fields[2:], where=where)
    lines: list[StatementLine] = []
    for record in records[1:]:
        line, amount = _detail(record, group)
        total += amount
        if line is not None:
            lines.append(line)
    return Statement(
        format="bai2", currency=currency, account_number=fields[0], period_start=group.as_of,
        period_end=group.as_of, opening_balance_minor=summaries.get("010"),
        closing_balance_minor=summaries.get("015"),
        closing_balance_date=group.as_of if "015" in summaries else None, lines=tuple(lines)), total


def _summaries(fields: list[str], *, where: str) -> tuple[dict[str, int], int]:
    """Type code → amount for a 03's summary list, and the sum of its amounts (for the trailer).

    Each summary is (type code, amount, item count, funds type + its extra fields). An empty field
    where a type code belongs is the trace of a record ended early by "/" and is skipped; a funds
    field that holds a 3-digit type code means the funds type was left off.
    """
    found: dict[str, int] = {}
    total = 0
    position = 0
    while position < len(fields):
        code = fields[position]
        if not code:
            position += 1
            continue
        if not re.fullmatch(r"[0-9]{3}", code):
            raise StatementMalformed(f"{where}: {code!r} is not a BAI2 summary type code", param="type_code")
        amount = _amount(fields[position + 1] if position + 1 < len(fields) else "",
                         where=f"{where}, summary {code}", blank_ok=True)
        funds = fields[position + 3] if position + 3 < len(fields) else ""
        if re.fullmatch(r"[0-9]{3}", funds):
            position += 3
        else:
            position += 4 + _funds_extra(funds, fields, position + 4)
        if amount is not None:
            found.setdefault(code, amount)
            total += amount
    return found, total


def _funds_extra(funds: str, fields: list[str], start: int) -> int:
    """How many fields follow a funds type: V date+time, S three amounts, D a count and pairs."""
    funds = funds.upper()
    if funds == "D":
        count = fields[start] if start < len(fields) else "0"
        return 1 + 2 * (int(count) if count.isdigit() else 0)
    return _FUNDS_EXTRA.get(funds, 0)


def _detail(record: _Record, group: _Group) -> tuple[StatementLine | None, int]:
    where = f"BAI2 line {record.line}"
    parts = record.body.split(",")
    if len(parts) < 3:
        raise StatementMalformed(f"{where}: the detail (16) is too short", param="file")
    code = parts[0].strip()
    amount = _amount(parts[1], where=f"{where}, amount", blank_ok=True) or 0
    funds = parts[2].strip().upper()
    position = 3 + _funds_extra(funds, [p.strip() for p in parts], 3)
    value_date = None
    if funds == "V" and len(parts) > 3 and parts[3].strip():
        value_date = _date(parts[3], where=f"{where}, value date")
    bank_reference = parts[position].strip() if position < len(parts) else ""
    customer_reference = parts[position + 1].strip() if position + 1 < len(parts) else ""
    text = ",".join(parts[position + 2:]).strip()
    for joiner, continuation in zip(record.joiners, record.continuations, strict=True):
        text = text + joiner + continuation if text else continuation
    direction = _direction(code, where=where)
    if direction == 0:
        return None, amount
    kind = _kind(code, direction)
    return StatementLine(
        line_number=record.line, posted_on=group.as_of, amount_minor=direction * abs(amount), kind=kind,
        bank_reference=bank_reference, check_number=customer_reference if kind is LineKind.CHECK else "",
        description=clean(text), end_to_end_id=customer_reference, value_date=value_date), amount


def _direction(code: str, *, where: str) -> int:
    """+1 credit, -1 debit, 0 non-monetary."""
    if not re.fullmatch(r"[0-9]{3}", code):
        raise StatementMalformed(f"{where}: {code!r} is not a BAI2 type code", param="type_code")
    known = TypeCodes.get(code)
    if known is not None and known.transaction == TypeCodeTransaction.credit:
        return 1
    if known is not None and known.transaction == TypeCodeTransaction.debit:
        return -1
    number = int(code)
    if 100 <= number <= 399:
        return 1
    if 400 <= number <= 699:
        return -1
    if number >= 890:
        return 0
    raise StatementMalformed(f"{where}: type code {code} is neither a credit nor a debit", param="type_code")


def _kind(code: str, direction: int) -> LineKind:
    known = TypeCodes.get(code)
    description = str(known.description).casefold() if known is not None else ""
    if any(word in description for word in ("return", "reject", "reversal", "chargeback")):
        return LineKind.RETURNED
    if direction < 0 and ("check" in description or "cheque" in description):
        return LineKind.CHECK
    if "fee" in description or "service charge" in description:
        return LineKind.FEE
    if direction > 0 and "interest" in description:
        return LineKind.INTEREST
    return LineKind.DEPOSIT if direction > 0 else LineKind.PAYMENT
