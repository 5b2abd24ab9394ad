"""OFX and QFX bank and credit-card statements (OFX 1.x SGML and 2.x XML) → Statement.

Decisions, each forced by real files (see the corpus notes):
- The declared CHARSET/ENCODING is ignored: strict UTF-8 first, then cp1252 (then latin-1).
- The body goes through ofx_tree's tolerant tokenizer, never a strict XML parser, whatever the
  header claims. ofxtools is not used: it rejects most of the quirks real banks ship.
- The sign of TRNAMT decides direction; TRNTYPE only picks the LineKind.
- A server error (SONRS or STMTTRNRS STATUS with SEVERITY ERROR) is refused with the server's
  message, never read as an empty statement; investment statements and account-list responses
  are refused by name.
- CORRECTACTION REPLACE/DELETE apply to the transaction they name within the same statement.
"""

from __future__ import annotations

import datetime as dt
import re

from lawledger.core.formats.ofx_tree import OfxNode, parse_tree
from lawledger.core.formats.statement import (
    LineKind,
    Statement,
    StatementLine,
    StatementMalformed,
    StatementRejected,
)
from lawledger.core.formats.text import check_currency, clean, decimal_to_minor, decode_text

_DATE = re.compile(r"^(?P<date>[0-9]{8})(?:[0-9]{4}(?:[0-9]{2})?)?(?:[.:][0-9]{1,6})?\s*(?:\[[^\]]*\])?$")
_STATEMENT_TAGS = ("STMTRS", "CCSTMTRS")
_KINDS: dict[str, LineKind] = {
    "CREDIT": LineKind.DEPOSIT, "DEP": LineKind.DEPOSIT, "DIRECTDEP": LineKind.DEPOSIT,
    "INT": LineKind.INTEREST, "DIV": LineKind.INTEREST,
    "FEE": LineKind.FEE, "SRVCHG": LineKind.FEE,
    "CHECK": LineKind.CHECK,
    "DEBIT": LineKind.PAYMENT, "PAYMENT": LineKind.PAYMENT, "ATM": LineKind.PAYMENT,
    "POS": LineKind.PAYMENT, "XFER": LineKind.PAYMENT, "DIRECTDEBIT": LineKind.PAYMENT,
    "REPEATPMT": LineKind.PAYMENT, "CASH": LineKind.PAYMENT,
}
_MONEY_IN_KINDS = (LineKind.DEPOSIT, LineKind.INTEREST)
_MONEY_OUT_KINDS = (LineKind.PAYMENT, LineKind.CHECK, LineKind.FEE)


def parse_ofx(data: bytes, *, default_currency: str | None = None) -> list[Statement]:
    """Every bank and credit-card statement in an OFX/QFX file, in file order."""
    text = decode_text(data, "auto", what="OFX")
    if not re.search(r"<OFX\s*>", text, re.IGNORECASE):
        raise StatementMalformed("this is not an OFX file: it has no <OFX> element", param="file")
    root, closed = parse_tree(text)
    if not closed:
        raise StatementMalformed("the OFX file is cut short: it ends before </OFX>", param="file")
    _refuse_server_errors(root)
    statements = root.find_all(*_STATEMENT_TAGS)
    if not statements:
        _refuse_non_statement(root)
    return [_statement(node, default_currency) for node in statements]


def _refuse_server_errors(root: OfxNode) -> None:
    for response in root.find_all("SONRS", "STMTTRNRS", "CCSTMTTRNRS"):
        status = response.child("STATUS")
        if status is None or status.value("SEVERITY").upper() != "ERROR":
            continue
        code = status.value("CODE") or "?"
        message = clean(status.value("MESSAGE")) or "no message"
        what = "sign-on" if response.tag == "SONRS" else "statement request"
        raise StatementRejected(f"the bank's server refused the {what}: error {code}: {message}",
                                param="file")


def _refuse_non_statement(root: OfxNode) -> None:
    tags = {node.tag for node in root.walk()}
    if tags & {"INVSTMTMSGSRSV1", "INVSTMTRS", "INVSTMTTRNRS"}:
        raise StatementRejected("investment statement not supported: import a bank or credit-card "
                                "statement", param="file")
    if tags & {"ACCTINFORS", "SIGNUPMSGSRSV1"}:
        raise StatementRejected("an OFX account-information response (a list of accounts), not a "
                                "statement", param="file")
    raise StatementRejected("the OFX file holds no bank or credit-card statement", param="file")


def _statement(node: OfxNode, default_currency: str | None) -> Statement:
    where = f"OFX line {node.line}"
    currency_text = node.value("CURDEF")
    if not currency_text and default_currency:
        currency = default_currency
    elif not currency_text:
        raise StatementMalformed(f"{where}: the statement has an empty CURDEF: give the account's "
                                 "currency", param="currency")
    else:
        currency = check_currency(currency_text, where=f"{where}, CURDEF")
    account = node.child("BANKACCTFROM") or node.child("CCACCTFROM")
    transactions = node.child("BANKTRANLIST")
    balance = node.child("LEDGERBAL")
    closing_minor: int | None = None
    closing_date: dt.date | None = None
    if balance is not None and balance.value("BALAMT"):
        closing_minor = _amount(balance.value("BALAMT"), currency, where=f"OFX line {balance.line}, BALAMT")
        if balance.value("DTASOF"):
            closing_date = _date(balance.value("DTASOF"), where=f"OFX line {balance.line}, DTASOF")
    lines: list[StatementLine] = []
    if transactions is not None:
        lines = _apply_corrections([(_line(tx, currency), tx) for tx in transactions.children
                                    if tx.tag == "STMTTRN"])
    return Statement(
        format="ofx", currency=currency,
        account_number=account.value("ACCTID") if account is not None else "",
        bank_code=account.value("BANKID") if account is not None else "",
        period_start=_optional_date(transactions, "DTSTART"),
        period_end=_optional_date(transactions, "DTEND"),
        closing_balance_minor=closing_minor, closing_balance_date=closing_date, lines=tuple(lines))


def _optional_date(node: OfxNode | None, tag: str) -> dt.date | None:
    if node is None or not node.value(tag):
        return None
    found = node.child(tag)
    return _date(node.value(tag), where=f"OFX line {found.line if found else node.line}, {tag}")


def _line(node: OfxNode, currency: str) -> StatementLine:
    tx = node.indexed()
    where = f"OFX line {tx.line}"
    for required in ("DTPOSTED", "TRNAMT"):
        if not tx.value(required):
            raise StatementMalformed(f"{where}: the transaction has no {required}", param=required.lower())
    amount_minor = _amount(tx.value("TRNAMT"), currency, where=f"{where}, TRNAMT")
    kind = _KINDS.get(tx.value("TRNTYPE").upper(), LineKind.OTHER)
    if kind in _MONEY_IN_KINDS and amount_minor < 0:
        kind = LineKind.PAYMENT
    elif kind in _MONEY_OUT_KINDS and amount_minor > 0:
        kind = LineKind.DEPOSIT
    counterparty = tx.value("NAME") or tx.value("PAYEE", "NAME")
    value_date = None
    if tx.value("DTAVAIL"):
        value_date = _date(tx.value("DTAVAIL"), where=f"{where}, DTAVAIL")
    return StatementLine(
        line_number=tx.line, posted_on=_date(tx.value("DTPOSTED"), where=f"{where}, DTPOSTED"),
        amount_minor=amount_minor, kind=kind, bank_reference=tx.value("FITID"),
        check_number=_check_number(tx.value("CHECKNUM")), counterparty=clean(counterparty),
        description=clean(tx.value("MEMO")), end_to_end_id=tx.value("REFNUM"), value_date=value_date)


def _check_number(text: str) -> str:
    """Banks write CHECKNUM 0 on lines that are no check at all."""
    return text if text.strip("0") else ""


def _apply_corrections(items: list[tuple[StatementLine, OfxNode]]) -> list[StatementLine]:
    """Apply CORRECTACTION: REPLACE swaps the named earlier line for this one, DELETE removes it."""
    lines: list[StatementLine] = []
    for line, tx in items:
        action, target = tx.value("CORRECTACTION").upper(), tx.value("CORRECTFITID")
        if not action:
            lines.append(line)
            continue
        if action not in ("REPLACE", "DELETE") or not target:
            raise StatementMalformed(f"OFX line {tx.line}: CORRECTACTION {action!r} needs REPLACE or "
                                     "DELETE and a CORRECTFITID", param="correctaction")
        earlier = [kept for kept in lines if kept.bank_reference == target]
        lines = [kept for kept in lines if kept.bank_reference != target]
        if action == "REPLACE":
            lines.append(line)  # with or without the original in this file, this is its new version
        elif not earlier:
            raise StatementRejected(f"OFX line {tx.line}: the bank deletes transaction {target}, which "
                                    "is not in this file: reverse it by hand", param="file")
    return lines


def _amount(text: str, currency: str, *, where: str) -> int:
    """OFX amounts: '.' decimals, or a decimal comma when the text has no '.' ("-200,00")."""
    stripped = text.strip()
    decimal_separator = "," if "," in stripped and "." not in stripped else "."
    return decimal_to_minor(stripped, currency, where=where, decimal_separator=decimal_separator)


def _date(text: str, *, where: str) -> dt.date:
    """The local calendar date of an OFX datetime (YYYYMMDD[HHMM[SS]][.XXX][[offset:TZ]])."""
    match = _DATE.match(text.strip())
    if match is None:
        raise StatementMalformed(f"{where}: {text.strip()!r} is not an OFX date", param="date")
    digits = match.group("date")
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise StatementMalformed(f"{where}: {text.strip()!r} is not a real date", param="date") from None
