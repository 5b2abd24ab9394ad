"""OFX/QFX: SGML and XML bodies through one tolerant reader, and every way a real file goes wrong."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from lawledger.core.formats.ofx import parse_ofx
from lawledger.core.formats.ofx_tree import parse_tree, unescape
from lawledger.core.formats.statement import LineKind, StatementMalformed, StatementRejected

HEADER = b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nENCODING:USASCII\nCHARSET:1252\n\n"


def bank(
    transactions: bytes,
    *,
    curdef: bytes = b"USD",
    balance: bytes = b"<BALAMT>100.00<DTASOF>20260331",
    status: bytes = b"<CODE>0<SEVERITY>INFO",
) -> bytes:
    return (
        HEADER + b"<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS></SONRS>"
        b"</SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS>" + status + b"</STATUS>"
        b"<STMTRS><CURDEF>" + curdef + b"<BANKACCTFROM><BANKID>121000248<ACCTID>998877 "
        b"<ACCTTYPE>CHECKING</BANKACCTFROM>\n<BANKTRANLIST><DTSTART>20260301<DTEND>20260331\n"
        + transactions
        + b"</BANKTRANLIST><LEDGERBAL>"
        + balance
        + b"</LEDGERBAL></STMTRS>"
        b"</STMTTRNRS></BANKMSGSRSV1></OFX>"
    )


def tx(
    amount: bytes,
    *,
    kind: bytes = b"DEBIT",
    posted: bytes = b"20260305120000.000[-5:EST]",
    extra: bytes = b"",
) -> bytes:
    return (
        b"<STMTTRN><TRNTYPE>"
        + kind
        + b"<DTPOSTED>"
        + posted
        + b"<TRNAMT>"
        + amount
        + b"<FITID>F"
        + amount
        + b"<NAME>Payee<MEMO>memo"
        + extra
        + b"</STMTTRN>\n"
    )


def test_it_reads_an_sgml_statement_with_unclosed_leaves() -> None:
    [statement] = parse_ofx(
        bank(tx(b"-25.00", kind=b"CHECK", extra=b"<CHECKNUM>1001") + tx(b"1250.00", kind=b"DEP"))
    )
    assert (statement.format, statement.currency, statement.account_number, statement.bank_code) == (
        "ofx",
        "USD",
        "998877",
        "121000248",
    )
    assert (statement.period_start, statement.period_end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert (statement.closing_balance_minor, statement.closing_balance_date) == (10000, dt.date(2026, 3, 31))
    assert statement.opening_balance_minor is None
    check, deposit = statement.lines
    assert (check.line_number, check.posted_on, check.amount_minor, check.kind, check.check_number) == (
        9,
        dt.date(2026, 3, 5),
        -2500,
        LineKind.CHECK,
        "1001",
    )
    assert (check.counterparty, check.description, check.bank_reference) == ("Payee", "memo", "F-25.00")
    assert (deposit.amount_minor, deposit.kind) == (125000, LineKind.DEPOSIT)


def test_it_reads_an_xml_statement_and_a_credit_card_statement() -> None:
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE"?>
<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
<CCSTMTRS><CURDEF>GBP</CURDEF><CCACCTFROM><ACCTID>4111</ACCTID></CCACCTFROM>
<BANKTRANLIST><DTSTART>20160823</DTSTART><DTEND>20160823</DTEND>
<STMTTRN><TRNTYPE>POS</TRNTYPE><DTPOSTED>20160823</DTPOSTED><TRNAMT>-100.00</TRNAMT><FITID>X</FITID>
<NAME>VENDOR</NAME></STMTTRN></BANKTRANLIST>
<LEDGERBAL><BALAMT>-500.00</BALAMT><DTASOF>20160823</DTASOF></LEDGERBAL>
<AVAILBAL><BALAMT>500.00</BALAMT><DTASOF>20160823</DTASOF></AVAILBAL></CCSTMTRS></CCSTMTTRNRS>
</CREDITCARDMSGSRSV1></OFX>"""
    [statement] = parse_ofx(data)
    assert (statement.currency, statement.account_number, statement.closing_balance_minor) == (
        "GBP",
        "4111",
        -50000,
    )
    assert [(line.amount_minor, line.kind, line.counterparty) for line in statement.lines] == [
        (-10000, LineKind.PAYMENT, "VENDOR")
    ]


def test_the_sign_of_the_amount_not_the_transaction_type_decides_direction() -> None:
    [statement] = parse_ofx(bank(tx(b"-600.00", kind=b"DIRECTDEP") + tx(b"5.00", kind=b"FEE")))
    assert [(line.amount_minor, line.kind) for line in statement.lines] == [
        (-60000, LineKind.PAYMENT),
        (500, LineKind.DEPOSIT),
    ]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (b"-200,00", -20000),
        (b"-33.3", -3330),
        (b"-140", -14000),
        (b"13318.36 ", 1331836),
        (b"+00000000000115.83", 11583),
    ],
)
def test_it_reads_amounts_as_banks_write_them(amount: bytes, expected: int) -> None:
    [statement] = parse_ofx(bank(tx(amount)))
    assert statement.lines[0].amount_minor == expected


@pytest.mark.parametrize(
    ("posted", "expected"),
    [
        (b"20260305", dt.date(2026, 3, 5)),
        (b"20260305093914:014", dt.date(2026, 3, 5)),
        (b"202603051120", dt.date(2026, 3, 5)),
        (b"20260305100000[-03:EST]", dt.date(2026, 3, 5)),
        (b"20260305235959[0:GMT]", dt.date(2026, 3, 5)),
        (b"20260305000000[+5.30:IST]", dt.date(2026, 3, 5)),
    ],
)
def test_it_takes_the_calendar_date_as_written_whatever_the_time_zone(
    posted: bytes, expected: dt.date
) -> None:
    [statement] = parse_ofx(bank(tx(b"1.00", posted=posted)))
    assert statement.lines[0].posted_on == expected


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (b"$120", "'$120' is not an amount"),
        (b"1e309", "'1e309' is not an amount"),
        (b"NaN", "'NaN' is not an amount"),
        (b"1,234.5.6", "'1,234.5.6' is not an amount"),
        (b"1.234", "'1.234' has more decimals than USD allows"),
    ],
)
def test_it_refuses_an_amount_that_is_no_amount_naming_the_line(amount: bytes, message: str) -> None:
    with pytest.raises(StatementMalformed, match=re.escape(f"OFX line 9, TRNAMT: {message}")):
        parse_ofx(bank(tx(amount)))


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        (b"201120000000", "is not a real date"),
        (b"20120231", "is not a real date"),
        (b"yesterday", "not an OFX date"),
    ],
)
def test_it_refuses_an_impossible_posting_date(posted: bytes, message: str) -> None:
    with pytest.raises(StatementMalformed, match=message):
        parse_ofx(bank(tx(b"1.00", posted=posted)))


def test_it_refuses_a_transaction_with_no_posting_date() -> None:
    with pytest.raises(StatementMalformed, match="OFX line 9: the transaction has no DTPOSTED"):
        parse_ofx(bank(b"<STMTTRN>*snipped*</STMTTRN>\n"))


def test_it_tries_utf8_before_cp1252_whatever_the_header_claims() -> None:
    [utf8] = parse_ofx(bank(tx(b"1.00", extra="<NAME>CRÉDITO".encode())))
    [cp1252] = parse_ofx(bank(tx(b"1.00", extra="<NAME>Café 5€ — débit".encode("cp1252"))))
    assert utf8.lines[0].counterparty == "Payee"  # the first NAME wins
    assert cp1252.lines[0].description == "memo"
    [named] = parse_ofx(
        bank(
            b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260305<TRNAMT>-1.00<NAME>"
            + "Virement à Jean €".encode("cp1252")
            + b"</STMTTRN>"
        )
    )
    assert named.lines[0].counterparty == "Virement à Jean €"


def test_it_unescapes_entities_exactly_once_and_keeps_raw_ampersands() -> None:
    [statement] = parse_ofx(
        bank(
            b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260305<TRNAMT>-1.00"
            b'<NAME>TPAY &amp;lt;DEFTPYMT&amp;gt;<MEMO>Amazon & Cloud "3/3"</STMTTRN>'
        )
    )
    assert statement.lines[0].counterparty == "TPAY &lt;DEFTPYMT&gt;"
    assert statement.lines[0].description == 'Amazon & Cloud "3/3"'
    assert unescape("&#233;&#x20AC;&e;&#0;") == "é€&e;\ufffd"


def test_it_reads_an_empty_unclosed_balance_as_no_balance() -> None:
    [statement] = parse_ofx(bank(b"", balance=b"<BALAMT>\n<DTASOF>20260331"))
    assert (statement.closing_balance_minor, statement.lines) == (None, ())


def test_it_needs_the_account_currency_when_curdef_is_empty() -> None:
    with pytest.raises(StatementMalformed, match="empty CURDEF: give the account's currency"):
        parse_ofx(bank(tx(b"1.00"), curdef=b""))
    [statement] = parse_ofx(bank(tx(b"1.00"), curdef=b""), default_currency="AUD")
    assert statement.currency == "AUD"


def test_it_surfaces_the_servers_error_instead_of_an_empty_statement() -> None:
    data = bank(b"", status=b"<CODE>2000<SEVERITY>ERROR<MESSAGE>General Server Error")
    with pytest.raises(
        StatementRejected, match="refused the statement request: error 2000: General Server Error"
    ):
        parse_ofx(data)


def test_it_refuses_an_investment_statement() -> None:
    data = (
        HEADER + b"<OFX><INVSTMTMSGSRSV1><INVSTMTTRNRS><INVSTMTRS><CURDEF>USD</INVSTMTRS></INVSTMTTRNRS>"
        b"</INVSTMTMSGSRSV1></OFX>"
    )
    with pytest.raises(StatementRejected, match="investment statement not supported"):
        parse_ofx(data)


def test_it_refuses_an_empty_ofx_body() -> None:
    with pytest.raises(StatementRejected, match="holds no bank or credit-card statement"):
        parse_ofx(HEADER + b"<OFX></OFX>")


def test_it_applies_a_replacement_of_an_earlier_transaction_in_the_same_file() -> None:
    replaced = (
        b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260305<TRNAMT>-2.00<FITID>NEW<CORRECTFITID>F-1.00"
        b"<CORRECTACTION>REPLACE</STMTTRN>"
    )
    [statement] = parse_ofx(bank(tx(b"-1.00") + tx(b"-5.00") + replaced))
    assert [(line.bank_reference, line.amount_minor) for line in statement.lines] == [
        ("F-5.00", -500),
        ("NEW", -200),
    ]


def test_it_refuses_a_deletion_of_a_transaction_it_does_not_hold() -> None:
    deleted = (
        b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260305<TRNAMT>-2.00<FITID>N<CORRECTFITID>OLD"
        b"<CORRECTACTION>DELETE</STMTTRN>"
    )
    with pytest.raises(StatementRejected, match="deletes transaction OLD, which is not in this file"):
        parse_ofx(bank(deleted))


def test_it_refuses_a_file_cut_short() -> None:
    data = bank(tx(b"-1.00") + tx(b"-5.00"))
    with pytest.raises(StatementMalformed, match="cut short: it ends before </OFX>"):
        parse_ofx(data[: data.index(b"</BANKTRANLIST>")])


def test_it_refuses_a_doctype_and_never_expands_an_entity() -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE OFX [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b"<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT"
        b"<DTPOSTED>20260305<TRNAMT>-1.00<NAME>&xxe;</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS>"
        b"</BANKMSGSRSV1></OFX>"
    )
    with pytest.raises(StatementMalformed, match="DOCTYPE/entities not allowed"):
        parse_ofx(data)
    [statement] = parse_ofx(data.replace(b'<!DOCTYPE OFX [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', b""))
    assert statement.lines[0].counterparty == "&xxe;"


def test_it_refuses_binary_junk_and_nesting_without_end() -> None:
    with pytest.raises(StatementMalformed, match="not an OFX file"):
        parse_ofx(bytes(range(256)) * 4)
    with pytest.raises(StatementMalformed, match="nested more than 64 deep"):
        parse_ofx(b"<OFX>" + b"<STMTRS>" * 100 + b"</OFX>")


def test_the_reader_closes_open_leaves_and_ignores_stray_closing_tags() -> None:
    root, closed = parse_tree(
        "<OFX><STMTTRN><TRNAMT>1<NAME>2</NAME></X><MEMO></MEMO><SIC><FITID>3</STMTTRN></OFX>"
    )
    assert closed
    [ofx] = root.children
    [transaction] = ofx.children
    assert [(node.tag, node.text) for node in transaction.children] == [
        ("TRNAMT", "1"),
        ("NAME", "2"),
        ("MEMO", ""),
        ("SIC", ""),
        ("FITID", "3"),
    ]
    assert parse_tree("<OFX><STMTRS>")[1] is False


def test_it_refuses_more_elements_than_it_will_hold_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lawledger.core.formats.ofx_tree.MAX_ELEMENTS", 40)
    with pytest.raises(StatementMalformed, match="more than 40 elements; download shorter periods"):
        parse_ofx(bank(tx(b"-1.00") * 5))
