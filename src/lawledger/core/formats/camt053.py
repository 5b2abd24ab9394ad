"""ISO 20022 CAMT.053 bank-to-customer statements (camt.053.001.02 to .13) → Statement.

Safety first: any DOCTYPE or ENTITY declaration is refused before the XML parser sees the bytes,
and lxml then runs with entity resolution, DTD loading and network access off (it gives the line
numbers that defusedxml's ElementTree loses; docs/decisions/0002).

Decisions, each forced by real files:
- Elements are matched by local name, so every namespace version reads the same way. A camt.052
  report or camt.054 notification is refused by name.
- Direction is CdtDbtInd; amounts are unsigned text parsed exactly (474.4, 2700, 5442.09000).
- Only booked entries (Sts BOOK, or no status) become lines; pending and information entries are
  left out. RvslInd=true keeps the booked direction and makes the line RETURNED.
- One line per entry, which always reconciles with the balances. A batch entry is split into its
  TxDtls only when every one carries its own amount and they add up to the entry's amount.
- An entry booked in another currency than the account's takes the amount that AmtDtls gives in
  the account's currency; without one the file is refused. Balances in another currency are left
  out (None) rather than guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from lxml import etree

from lawledger.core.formats.statement import (
    LineKind,
    Statement,
    StatementLine,
    StatementMalformed,
    StatementRejected,
)
from lawledger.core.formats.text import check_currency, clean, decimal_to_minor

_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_NAMESPACE = re.compile(r"camt\.(?P<kind>05\d)\.001\.(?P<version>\d+)")
_OTHER_MESSAGES = {
    "BkToCstmrAcctRpt": "a camt.052 account report (intraday), not a camt.053 statement",
    "BkToCstmrDbtCdtNtfctn": "a camt.054 debit/credit notification, not a camt.053 statement",
}
_OPENING_CODES = ("OPBD", "PRCD")
_FEE_CODES = frozenset({"CHRG", "FEES", "COMM", "COMI", "SVCH", "COMT", "ODFT"})
_RETURN_CODES = frozenset({"RRTN", "UPDD", "ARET", "RPCR", "CAJT", "DAJT"})
_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")

Element = Any  # lxml's _Element: lxml ships no type information


def _xml_root(data: bytes) -> Element:
    if _FORBIDDEN.search(data) or _FORBIDDEN.search(data.replace(b"\x00", b"")):
        raise StatementMalformed("DOCTYPE/entities not allowed in a CAMT file", param="file")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True,
                             remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise StatementMalformed(f"the CAMT file is not well-formed XML: {error}", param="file") from None
    if root is None or root.getroottree().docinfo.doctype:
        raise StatementMalformed("DOCTYPE/entities not allowed in a CAMT file", param="file")
    return root


def _name(element: Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kids(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [child for child in element if _name(child) == name]


def _at(element: Element | None, *path: str) -> Element | None:
    for name in path:
        if element is None:
            return None
        element = next((child for child in element if _name(child) == name), None)
    return element


def _text(element: Element | None, *path: str) -> str:
    found = _at(element, *path)
    return clean(found.text) if found is not None and found.text else ""


def parse_camt053(data: bytes, *, default_currency: str | None = None) -> list[Statement]:
    root = _xml_root(data)
    namespace = root.tag.split("}", 1)[0].lstrip("{") if root.tag.startswith("{") else ""
    found = _NAMESPACE.search(namespace)
    if _name(root) != "Document" or (namespace and found is None):
        raise StatementMalformed(f"not an ISO 20022 camt document (root {_name(root)!r} in {namespace!r})",
                                 param="file")
    message = next(iter(root), None)
    message_name = _name(message) if message is not None else ""
    if message_name in _OTHER_MESSAGES:
        raise StatementRejected(_OTHER_MESSAGES[message_name], param="file")
    if found is not None and found.group("kind") != "053":
        raise StatementRejected(f"a camt.{found.group('kind')} message, not a camt.053 statement",
                                param="file")
    if message_name != "BkToCstmrStmt":
        raise StatementMalformed(f"the CAMT document holds {message_name or 'nothing'}, not BkToCstmrStmt",
                                 param="file")
    statements = _kids(message, "Stmt")
    if not statements:
        raise StatementRejected("the CAMT.053 message holds no statement (no <Stmt>)", param="file")
    return [_statement(stmt, default_currency) for stmt in statements]


def _statement(stmt: Element, default_currency: str | None) -> Statement:
    where = f"CAMT line {stmt.sourceline}"
    account = _at(stmt, "Acct")
    currency = _account_currency(stmt, default_currency, where=where)
    balances = _balances(stmt, currency)
    opening = next((balances[code] for code in _OPENING_CODES if code in balances), None)
    closing = balances.get("CLBD")
    lines: list[StatementLine] = []
    for entry in _kids(stmt, "Ntry"):
        status = _text(entry, "Sts", "Cd") or _text(entry, "Sts") or "BOOK"
        if status.upper() == "BOOK":
            lines.extend(_entry_lines(entry, currency))
    period = _at(stmt, "FrToDt")
    return Statement(
        format="camt053", currency=currency,
        account_number=_text(account, "Id", "IBAN") or _text(account, "Id", "Othr", "Id"),
        bank_code=(_text(account, "Svcr", "FinInstnId", "BIC")
                   or _text(account, "Svcr", "FinInstnId", "BICFI")),
        statement_id=_text(stmt, "Id"),
        period_start=_optional_date(_at(period, "FrDtTm"), where=where),
        period_end=_optional_date(_at(period, "ToDtTm"), where=where),
        opening_balance_minor=opening[0] if opening else None,
        closing_balance_minor=closing[0] if closing else None,
        closing_balance_date=closing[1] if closing else None, lines=tuple(lines))


def _optional_date(holder: Element | None, *, where: str) -> dt.date | None:
    return None if holder is None else _date_of(holder, where=where)


def _account_currency(stmt: Element, default_currency: str | None, *, where: str) -> str:
    declared = _text(stmt, "Acct", "Ccy")
    if declared:
        return check_currency(declared, where=f"{where}, Acct/Ccy")
    for balance in _kids(stmt, "Bal"):  # no Acct/Ccy: the booked balances say it
        amount = _at(balance, "Amt")
        if amount is not None and amount.get("Ccy"):
            return check_currency(amount.get("Ccy"), where=f"CAMT line {amount.sourceline}, Ccy")
    if default_currency:
        return default_currency
    raise StatementMalformed(f"{where}: the statement does not say its currency: give the account's "
                             "currency", param="currency")


def _balances(stmt: Element, currency: str) -> dict[str, tuple[int, dt.date | None]]:
    found: dict[str, tuple[int, dt.date | None]] = {}
    for balance in _kids(stmt, "Bal"):
        code = _text(balance, "Tp", "CdOrPrtry", "Cd").upper()
        amount = _at(balance, "Amt")
        if not code or code in found or amount is None or (amount.get("Ccy") or currency) != currency:
            continue
        minor = _signed(balance, amount, currency)
        when = _at(balance, "Dt")
        date = _date_of(when, where=f"CAMT line {balance.sourceline}") if when is not None else None
        found[code] = (minor, date)
    return found


def _signed(holder: Element, amount: Element, currency: str) -> int:
    where = f"CAMT line {amount.sourceline}, {_name(amount)}"
    minor = decimal_to_minor(amount.text or "", currency, where=where)
    if minor < 0:
        raise StatementMalformed(f"{where}: CAMT amounts are unsigned; CdtDbtInd gives the direction",
                                 param="amount")
    indicator = _text(holder, "CdtDbtInd").upper()
    if indicator not in ("CRDT", "DBIT"):
        raise StatementMalformed(f"CAMT line {holder.sourceline}: CdtDbtInd {indicator!r} is neither "
                                 "CRDT nor DBIT", param="direction")
    return minor if indicator == "CRDT" else -minor


def _date_of(holder: Element, *, where: str) -> dt.date:
    """The date in <Dt>, <DtTm>, <Dt><Dt>, <Dt><DtTm> or a bare date-time element, as written."""
    element = _at(holder, "Dt") if _at(holder, "Dt") is not None else _at(holder, "DtTm")
    if element is not None and len(element):
        return _date_of(element, where=where)
    text = (element.text if element is not None else holder.text) or ""
    match = _DATE.match(text)
    if match is None:
        raise StatementMalformed(f"{where}: {text.strip()!r} is not a date", param="date")
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise StatementMalformed(f"{where}: {text.strip()!r} is not a real date", param="date") from None


def _entry_amount(entry: Element, currency: str) -> int:
    amount = _at(entry, "Amt")
    where = f"CAMT line {entry.sourceline}"
    if amount is None:
        raise StatementMalformed(f"{where}: the entry has no Amt", param="amount")
    if (amount.get("Ccy") or currency) == currency:
        return _signed(entry, amount, currency)
    for path in (("CntrValAmt", "Amt"), ("TxAmt", "Amt"), ("InstdAmt", "Amt")):
        other = _at(entry, "AmtDtls", *path)
        if other is not None and other.get("Ccy") == currency:
            return _signed(entry, other, currency)
    raise StatementMalformed(f"{where}: the entry is in {amount.get('Ccy')} but the account is in "
                             f"{currency}, and no {currency} amount is given", param="currency")


def _entry_lines(entry: Element, currency: str) -> list[StatementLine]:
    amount_minor = _entry_amount(entry, currency)
    details = [tx for group in _kids(entry, "NtryDtls") for tx in _kids(group, "TxDtls")]
    if len(details) > 1:
        amounts = [_detail_amount(tx, entry, currency) for tx in details]
        if all(a is not None for a in amounts) and sum(a or 0 for a in amounts) == amount_minor:
            return [_line(entry, tx, a or 0, index) for index, (tx, a) in enumerate(zip(details, amounts,
                                                                                     strict=True), 1)]
    return [_line(entry, details[0] if len(details) == 1 else None, amount_minor, 0)]


def _detail_amount(tx: Element, entry: Element, currency: str) -> int | None:
    amount = _at(tx, "Amt")
    if amount is None:
        amount = _at(tx, "AmtDtls", "TxAmt", "Amt")
    if amount is None or (amount.get("Ccy") or currency) != currency:
        return None
    holder = tx if _text(tx, "CdtDbtInd") else entry
    return _signed(holder, amount, currency)


def _line(entry: Element, tx: Element | None, amount_minor: int, index: int) -> StatementLine:
    where = f"CAMT line {entry.sourceline}"
    booked = _at(entry, "BookgDt")
    value = _at(entry, "ValDt")
    if booked is None and value is None:
        raise StatementMalformed(f"{where}: the entry has neither BookgDt nor ValDt", param="date")
    posted_on = _date_of(booked if booked is not None else value, where=f"{where}, BookgDt")
    entry_reference = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    reference = entry_reference
    if index:
        reference = (_text(tx, "Refs", "AcctSvcrRef") or _text(tx, "Refs", "TxId")
                     or f"{entry_reference}/{index}")
    end_to_end = _text(tx, "Refs", "EndToEndId")
    if end_to_end.upper() == "NOTPROVIDED":
        end_to_end = ""
    return StatementLine(
        line_number=int(entry.sourceline or 0), posted_on=posted_on, amount_minor=amount_minor,
        kind=_kind(entry, tx, amount_minor), bank_reference=reference,
        check_number=_text(tx, "Refs", "ChqNb"), counterparty=_counterparty(tx, amount_minor),
        description=_description(entry, tx), end_to_end_id=end_to_end or _text(tx, "Refs", "UETR"),
        value_date=_date_of(value, where=f"{where}, ValDt") if value is not None else None)


def _kind(entry: Element, tx: Element | None, amount_minor: int) -> LineKind:
    if _text(entry, "RvslInd").lower() == "true":
        return LineKind.RETURNED
    codes = _at(tx, "BkTxCd") if _at(tx, "BkTxCd", "Domn") is not None else _at(entry, "BkTxCd")
    family = _text(codes, "Domn", "Fmly", "Cd").upper()
    sub_family = _text(codes, "Domn", "Fmly", "SubFmlyCd").upper()
    if sub_family in _RETURN_CODES:
        return LineKind.RETURNED
    if sub_family in _FEE_CODES or family == "CHRG":
        return LineKind.FEE
    if sub_family == "INTR" or family == "INTR":
        return LineKind.INTEREST if amount_minor >= 0 else LineKind.FEE
    if family == "ICHQ" and amount_minor < 0:
        return LineKind.CHECK
    if amount_minor > 0:
        return LineKind.DEPOSIT
    return LineKind.PAYMENT if amount_minor < 0 else LineKind.OTHER


def _counterparty(tx: Element | None, amount_minor: int) -> str:
    parties = _at(tx, "RltdPties")
    roles = ("Dbtr", "UltmtDbtr") if amount_minor >= 0 else ("Cdtr", "UltmtCdtr")
    for role in roles:
        name = _text(parties, role, "Nm") or _text(parties, role, "Pty", "Nm")
        if name:
            return name
    return ""


def _description(entry: Element, tx: Element | None) -> str:
    remittance = _at(tx, "RmtInf")
    parts = [clean(u.text) for u in _kids(remittance, "Ustrd") if u.text]
    for structured in _kids(remittance, "Strd"):
        reference = _text(structured, "CdtrRefInf", "Ref")
        if reference:
            parts.append(reference)
    text = " ".join(part for part in parts if part)
    return text or _text(tx, "AddtlTxInf") or _text(entry, "AddtlNtryInf")
