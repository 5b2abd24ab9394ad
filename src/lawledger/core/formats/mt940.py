"""SWIFT MT940 customer statements → Statement (one per :20: message).

Read here rather than with the `mt-940` package, which returns Decimal amounts, keeps no line
numbers and guesses at invalid dates; these files need exact text, a line for every error, and
a stated rule for each quirk:
- Framing is tolerated: SWIFT blocks {1:…}{4: … -}, bank pseudo-headers (ABNANL2A / 940,
  0000 01INGBNL2AXXXX00001, :940:), "-" or "-XXX" ends, blank lines, many messages per file.
- :61: is read with a regex that knows the optional entry date (or four spaces), the mark
  C/D/RC/RD, the optional funds-code letter (CR, DR, DD are mark + funds code), the decimal-comma
  amount ("5,", "000000000473,17"), the N/S/F type, the reference, //bank reference and an
  optional supplementary line.
- The booking date is the entry date (year taken from the value date, across a year end); an
  invalid value date (30 February) is dropped when the entry date is valid.
- :86: keeps its text; structured ?NN (or Triodos >NN) subfields give purpose, counterparty
  and EREF as a best effort. Lines cut at 65 characters are joined without a space.
- Unknown tags (:NS:, :64:, :65:, :13D:…) are ignored; a statement-level :86: after :62F: too.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from lawledger.core.formats.statement import (
    LineKind,
    Statement,
    StatementLine,
    StatementMalformed,
)
from lawledger.core.formats.text import check_currency, clean, decimal_to_minor, decode_text

_TAG = re.compile(r"^:(?P<tag>[0-9]{2}[A-Z]?|NS):(?P<rest>.*)$")
_FRAME = re.compile(r"^(-(XXX)?\s*$|-\}|\{[0-9]:)")
_LINE61 = re.compile(
    r"^(?P<value>[0-9]{6})(?P<entry>[0-9]{4}| {4})?(?P<mark>RC|RD|C|D)(?P<funds>[A-Z])?"
    r"(?P<amount>[0-9][0-9,]{0,17})(?P<type>[NSF][A-Z0-9 ]{3})(?P<reference>.*?)(?://(?P<bank>.*))?$")
_BALANCE = re.compile(r"^(?P<mark>[CD])(?P<date>[0-9]{6})(?P<currency>[A-Z]{3})(?P<amount>[0-9][0-9,]*)$")
_SUBFIELD = re.compile(r"[?>](?P<key>[0-9]{2})")
_SEPA_KEYWORD = re.compile(r"(?<=\S)(?=(EREF|KREF|MREF|CRED|SVWZ|ABWA|ABWE|IBAN|BIC|DEBT|COAM|OAMT)\+)")
_FULL_LINE = 65
_FULL_SUBFIELD = 27
_KIND_CODES = {"CHK": LineKind.CHECK, "CHG": LineKind.FEE, "COM": LineKind.FEE, "INT": LineKind.INTEREST,
               "RTI": LineKind.RETURNED}


@dataclass
class _Field:
    tag: str
    line: int
    lines: list[str]

    def text(self) -> str:
        return "\n".join(self.lines).strip()


@dataclass
class _Message:
    fields: list[_Field] = field(default_factory=list)


def _messages(text: str) -> list[_Message]:
    """Group the tag lines of each :20: message; frames and unknown text outside tags are dropped."""
    messages: list[_Message] = []
    current: _Field | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if _FRAME.match(line.strip()):
            current = None  # a message frame: "-", "-XXX", "-}{5:}" or "{1:…}{2:…}{4:"
            line = line.split("{4:", 1)[1] if "{4:" in line else ""
            if not line.strip():
                continue
        match = _TAG.match(line.strip())
        if match is None:
            if current is not None:
                current.lines.append(line)
            continue
        tag = match.group("tag")
        if tag == "20":
            messages.append(_Message())
        if not messages:
            current = None  # a tag before any :20: (e.g. :940:) belongs to no message
            continue
        current = _Field(tag, number, [match.group("rest")])
        messages[-1].fields.append(current)
    return messages


def parse_mt940(data: bytes, *, default_currency: str | None = None) -> list[Statement]:
    messages = _messages(decode_text(data, "auto", what="MT940"))
    if not messages:
        raise StatementMalformed("no MT940 statement found (no :20: tag)", param="file")
    return [_statement(message, default_currency) for message in messages]


def _statement(message: _Message, default_currency: str | None) -> Statement:
    first = message.fields[0]
    tags = {f.tag: f for f in reversed(message.fields)}  # the first of each tag wins
    opening = tags.get("60F") or tags.get("60M")
    closing = next((f for f in reversed(message.fields) if f.tag in ("62F", "62M")), None)
    if opening is None or closing is None:
        raise StatementMalformed(f"MT940 line {first.line}: the statement has no "
                                 f"{'opening (:60F:)' if opening is None else 'closing (:62F:)'} balance "
                                 "(the file may be cut short)", param="file")
    currency = _balance_currency(opening, default_currency)
    opening_minor, _ = _balance(opening, currency)
    closing_minor, closing_date = _balance(closing, currency)
    lines: list[StatementLine] = []
    pending: _Field | None = None
    details: list[_Field] = []
    for item in message.fields:
        if item.tag == "61":
            if pending is not None:
                lines.append(_line(pending, details, currency))
            pending, details = item, []
        elif item.tag == "86" and pending is not None:
            details.append(item)
        elif item.tag in ("62F", "62M"):
            if pending is not None:
                lines.append(_line(pending, details, currency))
            pending, details = None, []
    account = tags["25"].text() if "25" in tags else ""
    bank_code, _, number = account.rpartition("/") if "/" in account else ("", "", account)
    sequence = tags.get("28C") or tags.get("28") or first  # the statement number, else :20:
    dates = [line.posted_on for line in lines]
    return Statement(
        format="mt940", currency=currency, account_number=number.strip(), bank_code=bank_code.strip(),
        statement_id=sequence.text(),
        period_start=min(dates) if dates else None, period_end=max([*dates, closing_date]),
        opening_balance_minor=opening_minor, closing_balance_minor=closing_minor,
        closing_balance_date=closing_date, lines=tuple(lines))


def _balance_currency(item: _Field, default_currency: str | None) -> str:
    match = _BALANCE.match(item.text().replace(" ", ""))
    if match is None:
        raise StatementMalformed(f"MT940 line {item.line}: :{item.tag}: {item.text()!r} is not a balance "
                                 "(C|D, YYMMDD, currency, amount)", param="balance")
    return check_currency(match.group("currency") or default_currency or "", where=f"MT940 line {item.line}")


def _balance(item: _Field, currency: str) -> tuple[int, dt.date]:
    where = f"MT940 line {item.line}, :{item.tag}:"
    match = _BALANCE.match(item.text().replace(" ", ""))
    if match is None:
        raise StatementMalformed(f"{where} {item.text()!r} is not a balance", param="balance")
    if match.group("currency") != currency:
        raise StatementMalformed(f"{where} the balance is in {match.group('currency')}, the statement in "
                                 f"{currency}", param="currency")
    minor = decimal_to_minor(match.group("amount"), currency, where=where, decimal_separator=",")
    return (minor if match.group("mark") == "C" else -minor), _yymmdd(match.group("date"), where=where)


def _yymmdd(text: str, *, where: str) -> dt.date:
    try:
        return dt.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise StatementMalformed(f"{where} {text!r} is not a real date", param="date") from None


def _valid_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _line(item: _Field, details: list[_Field], currency: str) -> StatementLine:
    where = f"MT940 line {item.line}, :61:"
    first, *supplementary = item.lines
    match = _LINE61.match(first.strip())
    if match is None:
        raise StatementMalformed(f"{where} {first.strip()!r} is not a statement line", param="line")
    value_text = match.group("value")
    value_date = _valid_date(2000 + int(value_text[:2]), int(value_text[2:4]), int(value_text[4:6]))
    posted_on = value_date
    entry = (match.group("entry") or "").strip()
    if entry:
        year = 2000 + int(value_text[:2])
        month = int(entry[:2])
        if month == 1 and int(value_text[2:4]) == 12:
            year += 1  # booked in January for a December value date
        elif month == 12 and int(value_text[2:4]) == 1:
            year -= 1
        posted_on = _valid_date(year, month, int(entry[2:]))
    if posted_on is None:
        raise StatementMalformed(f"{where} {value_text!r}/{entry!r} is not a real date", param="date")
    minor = decimal_to_minor(match.group("amount"), currency, where=f"{where} amount", decimal_separator=",")
    mark = match.group("mark")
    amount_minor = minor if mark in ("C", "RD") else -minor
    # Rabobank pads the 16-character reference with spaces and writes the counterparty after it.
    reference, _, overflow = (match.group("reference") or "").strip().partition("  ")
    purpose, counterparty, end_to_end = _details(details)
    extra = clean(" ".join(supplementary))
    kind = _kind(match.group("type"), mark, amount_minor)
    return StatementLine(
        line_number=item.line, posted_on=posted_on, amount_minor=amount_minor, kind=kind,
        # Only the bank's own reference (after "//") identifies a line: the account owner's
        # reference is free text that banks fill with a counterparty IBAN or "X" on many lines.
        bank_reference=clean(match.group("bank") or ""),
        check_number=_reference(reference) if kind is LineKind.CHECK else "",
        counterparty=counterparty or clean(overflow) or (extra if not extra.startswith("/") else ""),
        description=purpose or extra, end_to_end_id=end_to_end or _reference(reference),
        value_date=value_date)


def _reference(text: str) -> str:
    reference = text.strip()
    return "" if reference.upper() == "NONREF" else reference


def _kind(type_code: str, mark: str, amount_minor: int) -> LineKind:
    if mark in ("RC", "RD"):
        return LineKind.RETURNED
    kind = _KIND_CODES.get(type_code[1:].upper())
    if kind is LineKind.CHECK and amount_minor > 0:
        kind = LineKind.DEPOSIT
    if kind is LineKind.INTEREST and amount_minor < 0:
        kind = LineKind.FEE
    if kind is not None:
        return kind
    return LineKind.DEPOSIT if amount_minor > 0 else LineKind.PAYMENT if amount_minor < 0 else LineKind.OTHER


def _joined(details: list[_Field]) -> str:
    """The :86: text. A physical line cut at 65 characters, or followed by a ?NN/>NN subfield,
    joins the next without a space; other lines join with one."""
    pieces: list[str] = []
    for detail in details:
        previous_length: int | None = None  # None: the first line of this :86:
        for raw in detail.lines:
            line = raw.replace("\u00ad", "").replace("\t", " ").rstrip()
            if not line.strip():
                previous_length = 0  # a blank line inside :86: (ASN Bank) separates words
                continue
            glued = (previous_length is not None and previous_length >= _FULL_LINE) or bool(
                _SUBFIELD.match(line.strip()))
            if pieces:
                pieces.append("" if glued and previous_length is not None else " ")
            pieces.append(line if glued else line.strip())
            previous_length = len(line)
    return "".join(pieces).strip()


def _details(details: list[_Field]) -> tuple[str, str, str]:
    """(purpose, counterparty, end-to-end id) from :86:, structured subfields when there are some."""
    text = _joined(details)
    if not text:
        return "", "", ""
    keys = list(_SUBFIELD.finditer(text))
    if len(keys) < 2:
        return clean(text), "", ""
    subfields: dict[str, str] = {}
    previous = ""
    for index, marker in enumerate(keys):
        end = keys[index + 1].start() if index + 1 < len(keys) else len(text)
        name = marker.group("key")
        subfields[name] = subfields.get(name, "") + text[marker.end():end]
    purpose = ""
    for key in [*(str(n) for n in range(20, 30)), *(str(n) for n in range(60, 64))]:
        if key in subfields:
            # Purpose subfields are 27-character slots: a full one was cut mid-word.
            joiner = "" if not purpose or len(previous) == _FULL_SUBFIELD else " "
            purpose, previous = purpose + joiner + subfields[key], subfields[key]
    purpose = clean(_SEPA_KEYWORD.sub(" ", purpose)) or clean(subfields.get("00", ""))
    counterparty = clean(subfields.get("32", "") + " " + subfields.get("33", ""))
    end_to_end = ""
    found = re.search(r"EREF\+(?P<id>.*?)(?=\s(?:KREF|MREF|CRED|SVWZ|ABWA|ABWE|IBAN|BIC)\+|$)", purpose)
    if found and found.group("id").strip().upper() != "NOTPROVIDED":
        end_to_end = found.group("id").strip()
    return purpose, counterparty, end_to_end
