"""parse_statement and detect_format: recognising a file, bounding its size, refusing the rest."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawledger.core.formats.csv_builtin import builtin_profile
from lawledger.core.formats.detect import StatementTooLarge, detect_format, parse_statement
from lawledger.core.formats.statement import StatementMalformed, StatementRejected

OFX_SGML = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD
<BANKACCTFROM><BANKID>121000248<ACCTID>1234<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><STMTTRN><TRNTYPE>DEP<DTPOSTED>20260302<TRNAMT>1250.00<FITID>A1</STMTTRN></BANKTRANLIST>
<LEDGERBAL><BALAMT>1250.00<DTASOF>20260331</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""
CAMT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt><GrpHdr/></BkToCstmrStmt></Document>
"""
BAI2 = b"01,SENDER,RECEIVER,260331,0800,1,,,2/\n02,RECEIVER,SENDER,1,260331,,USD,2/\n"
MT940 = b":20:STMT\n:25:12345\n:28C:1/1\n:60F:C260301EUR0,00\n:62F:C260331EUR0,00\n-\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (OFX_SGML, "ofx"),
        (b"\n\n<OFX>\n<SIGNONMSGSRSV1>", "ofx"),
        (b'<?xml version="1.0"?>\n<?OFX OFXHEADER="200" VERSION="211"?>\n<OFX>', "ofx"),
        (CAMT, "camt053"),
        (BAI2, "bai2"),
        (b"01,S,R,260331,0800,1,,,2/   02,R,S,1,260331,,USD,2/", "bai2"),
        (MT940, "mt940"),
        (b"{1:F01ASNBNL21XXXX0000000000}{2:O940ASNBNL21XXXXN}{3:}{4:\n:20:1\n", "mt940"),
        (b"ABNANL2A\n940\nABNANL2A\n:20:ABN AMRO BANK NV\n:25:517852257\n", "mt940"),
        (b"Date,Amount\n2026-01-01,5.00\n", "csv"),
        (b"\xef\xbb\xbfDatum;Betrag\n01.01.2026;5,00\n", "csv"),
        ("Date\tAmount\n2026-01-01\t5.00\n".encode("utf-16"), "csv"),
        (b"01,02,03\n04,05,06\n", "csv"),  # starts like BAI2 but has no group header
    ],
)
def test_it_recognises_each_format(data: bytes, expected: str) -> None:
    assert detect_format(data) == expected


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", StatementMalformed, "the file is empty"),
        (b"   \n\t\n", StatementMalformed, "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", StatementMalformed, "binary file"),
        (b"%PDF-1.7\n", StatementRejected, "PDF statement cannot be imported"),
        (b'{"roles": ["date"]}', StatementRejected, "JSON file is not a bank statement"),
        (b"LEDES1998B[]\nINVOICE_DATE|...[]\n", StatementRejected, "LEDES invoice file"),
        (b'<?xml version="1.0"?><rss><channel/></rss>', StatementMalformed, "neither OFX nor an ISO 20022"),
        (b"Dear customer: your statement is attached.", StatementMalformed, "unrecognised file"),
    ],
)
def test_it_refuses_what_is_no_statement_with_the_reason(
    data: bytes, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        parse_statement(data)


def test_it_refuses_an_oversized_file_before_reading_it() -> None:
    with pytest.raises(StatementTooLarge) as refused:
        parse_statement(b"x" * 1025, max_bytes=1024)
    assert refused.value.code == "statement_too_large"
    assert refused.value.message == "the file is 1025 bytes; statements are limited to 1024 bytes"
    assert isinstance(refused.value, StatementMalformed)


def test_it_refuses_an_unknown_format_name() -> None:
    with pytest.raises(StatementMalformed, match="unknown statement format 'qif'") as refused:
        parse_statement(OFX_SGML, format="qif")
    assert refused.value.param == "format"


def test_it_refuses_text_instead_of_bytes() -> None:
    with pytest.raises(StatementMalformed, match="given as bytes"):
        parse_statement("Date,Amount", format="csv")  # type: ignore[arg-type]


def test_it_parses_through_the_detected_format() -> None:
    [statement] = parse_statement(OFX_SGML)
    assert (statement.format, statement.currency, statement.account_number, statement.bank_code) == (
        "ofx",
        "USD",
        "1234",
        "121000248",
    )
    assert statement.closing_balance_minor == 125000


def test_it_uses_the_csv_profile_given_over_the_header_match() -> None:
    data = b'6/12/15,Transfer,Account Transfer,"1,000.00",debit,Checking,Savings\n'
    [statement] = parse_statement(data, format="csv", profile=builtin_profile("mint-headerless"))
    assert statement.lines[0].amount_minor == -100000


def test_it_fills_in_a_missing_currency_from_the_account() -> None:
    data = (
        b"01,S,R,260331,0800,1,,,2/\n02,R,S,1,260331,,,2/\n03,999,,010,500,,,015,700,,/\n"
        b"16,115,200,Z,,,LOCKBOX/\n49,1400,3/\n98,1400,1,5/\n99,1400,1,7/\n"
    )
    with pytest.raises(StatementMalformed, match="does not say its currency"):
        parse_statement(data)
    [statement] = parse_statement(data, default_currency="cad")
    assert (statement.currency, statement.closing_balance_minor) == ("CAD", 700)


def test_it_refuses_an_unknown_default_currency() -> None:
    with pytest.raises(StatementMalformed, match="currency 'ZZZ' is not an ISO 4217 code"):
        parse_statement(BAI2, default_currency="ZZZ")


@pytest.mark.parametrize("format", ["auto", "ofx", "camt053", "bai2", "mt940", "csv"])
@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400))
def test_it_answers_any_bytes_with_a_statement_or_a_statement_error(format: str, data: bytes) -> None:
    with contextlib.suppress(StatementRejected, StatementMalformed):
        parse_statement(data, format=format)
