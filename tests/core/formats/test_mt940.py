"""SWIFT MT940: framing, the :61: line in all its forms, :86: text and its structured subfields."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from lawledger.core.formats.mt940 import parse_mt940
from lawledger.core.formats.statement import LineKind, StatementMalformed

SEPA = """:20:T089414086000001
:25:50880050/0194787400888
:28C:00004/00001
:60F:C070903EUR766656,49
:61:0709070904CR50990,05NTRFNONREF//0724710333343453
:86:166?00GUTSCHRIFT?100399?20EREF+EndToEndId TFNR 22 004?21 00001?22
SVWZ+Verw CTSc-01 BC-PPP TF?23Nr 22 004?30DRESDEFF508?31DE1450880
0500194785000?32KARL?33        KAUFMANN?70Empfaenger Marta Metzge
r
:61:0709040904DR1500,00NCHK4711//536D80EFEC56ACF8
:86:191?00SEPA-UEBERW?20Scheck 4711
:62F:C070904EUR815146,54
:64:C070904EUR559614,51
-
"""


def test_it_reads_a_statement_with_structured_details() -> None:
    [statement] = parse_mt940(SEPA.encode())
    assert (statement.format, statement.currency, statement.account_number, statement.bank_code) == (
        "mt940",
        "EUR",
        "0194787400888",
        "50880050",
    )
    assert (statement.statement_id, statement.opening_balance_minor, statement.closing_balance_minor) == (
        "00004/00001",
        76665649,
        81514654,
    )
    assert statement.closing_balance_date == dt.date(2007, 9, 4)
    credit, check = statement.lines
    assert (credit.line_number, credit.posted_on, credit.value_date, credit.amount_minor, credit.kind) == (
        5,
        dt.date(2007, 9, 4),
        dt.date(2007, 9, 7),
        5099005,
        LineKind.DEPOSIT,
    )
    assert (credit.bank_reference, credit.counterparty, credit.end_to_end_id) == (
        "0724710333343453",
        "KARL KAUFMANN",
        "EndToEndId TFNR 22 004 00001",
    )
    assert credit.description == "EREF+EndToEndId TFNR 22 004 00001 SVWZ+Verw CTSc-01 BC-PPP TFNr 22 004"
    assert (check.amount_minor, check.kind, check.check_number, check.description) == (
        -150000,
        LineKind.CHECK,
        "4711",
        "Scheck 4711",
    )


@pytest.mark.parametrize(
    ("line", "amount_minor", "kind"),
    [
        ("1105240524D9,N192NONREF", -900, LineKind.PAYMENT),
        ("240312    DD212,39NMSCNONREF//", -21239, LineKind.PAYMENT),
        ("110527D000000001213,28N0440121470966      W.P. Jansen", -121328, LineKind.PAYMENT),
        ("1710111011DF2402,00S   X", -240200, LineKind.PAYMENT),
        ("1105210523RC11,59N426NONREF", -1159, LineKind.RETURNED),
        ("1105210523RD11,59N426NONREF", 1159, LineKind.RETURNED),
        ("240312    CD0,00NDEFNONREF//", 0, LineKind.OTHER),
        ("1105210523C7,00NINTNONREF", 700, LineKind.INTEREST),
        ("1105210523D7,00NCHGNONREF", -700, LineKind.FEE),
    ],
)
def test_it_reads_every_form_of_statement_line(line: str, amount_minor: int, kind: LineKind) -> None:
    data = f":20:X\n:25:1\n:60F:C110101EUR0,00\n:61:{line}\n:62F:C110101EUR0,00\n".encode()
    [statement] = parse_mt940(data)
    assert [(entry.amount_minor, entry.kind) for entry in statement.lines] == [(amount_minor, kind)]


def test_it_reads_the_counterparty_after_a_padded_reference() -> None:
    data = (
        b":20:X\n:25:1\n:60F:C110101EUR0,00\n:61:110527D1,00N0440121470966      W.P. Jansen\n"
        b":62F:C110101EUR0,00\n"
    )
    [line] = parse_mt940(data)[0].lines
    assert (line.bank_reference, line.end_to_end_id, line.counterparty) == ("", "0121470966", "W.P. Jansen")


def test_it_books_on_the_entry_date_across_a_year_end_and_drops_an_invalid_value_date() -> None:
    data = (
        b":20:X\n:25:1\n:60F:C160101EUR0,00\n:61:1512310104D1,00NTRFNONREF\n"
        b":61:1602300301D2,00NTRFNONREF\n:62F:C160301EUR0,00\n"
    )
    first, second = parse_mt940(data)[0].lines
    assert (first.posted_on, first.value_date) == (dt.date(2016, 1, 4), dt.date(2015, 12, 31))
    assert (second.posted_on, second.value_date) == (dt.date(2016, 3, 1), None)


def test_it_reads_swift_blocks_bank_headers_and_many_messages() -> None:
    data = (
        b"{1:F01ASNBNL21XXXX0000000000}{2:O940ASNBNL21XXXXN}{3:}{4:\n:20:1\n:25:NL81ASNB9999999999\n"
        b":28C:1/1\n:60F:C200101EUR444,29\n:61:2001010101D65,00NOVBNL47INGB9999999999\nhr gjlm paulissen\n"
        b":86:NL47INGB9999999999 hr gjlm paulissen\n\nBetaling sieraden\n\n:62F:C200101EUR379,29\n-}{5:}\n"
        b"ABNANL2A\n940\nABNANL2A\n:940:\n:20:2\n:25:NL81ASNB9999999999\n:60M:C200102EUR379,29\n"
        b":62M:C200102EUR379,29\n-XXX\n"
    )
    first, second = parse_mt940(data)
    [line] = first.lines
    assert (line.amount_minor, line.counterparty, line.bank_reference, line.end_to_end_id) == (
        -6500,
        "hr gjlm paulissen",
        "",  # the account owner's reference is not the bank's id for the line
        "NL47INGB9999999999",
    )
    assert line.description == "NL47INGB9999999999 hr gjlm paulissen Betaling sieraden"
    assert (second.opening_balance_minor, second.closing_balance_minor, second.lines) == (37929, 37929, ())


def test_it_joins_several_details_lines_and_ignores_unknown_tags_and_statement_level_details() -> None:
    data = (
        ":20:X\r\n:25:1\r\n:60F:C110101EUR0,00\r\n:61:110101D1,00NTRFNONREF\r\n:86:Terugboeking\r\n"
        ":86:NIET AKKOORD\u00ad MET\tAFSCHRIJVING\r\n:NS:01526715\r\n02A12596785\r\n:62F:D110101EUR1,00\r\n"
        ":86:D000004C000002D25,24C28,71\r\n-XXX\r\n"
    )
    [statement] = parse_mt940(data.encode())
    assert [line.description for line in statement.lines] == ["Terugboeking NIET AKKOORD MET AFSCHRIJVING"]
    assert statement.closing_balance_minor == -100


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b":20:X\n:25:1\n:60F:C110101EUR0,00\n:61:110101D1,00NTRFNONREF\n", "no closing (:62F:) balance"),
        (b":20:X\n:25:1\n:61:110101D1,00NTRFNONREF\n:62F:C110101EUR0,00\n", "no opening (:60F:) balance"),
        (
            b":20:X\n:60F:C110101EUR0,00\n:61:110101D1e309NTRFNONREF\n:62F:C110101EUR0,00\n",
            "is not a statement line",
        ),
        (
            b":20:X\n:60F:C110101EUR0,00\n:61:110101DNaNNTRFNONREF\n:62F:C110101EUR0,00\n",
            "is not a statement line",
        ),
        (
            b":20:X\n:60F:C110101EUR0,00\n:61:110101D1,234,5NTRFNONREF\n:62F:C110101EUR0,00\n",
            "'1,234,5' is not",
        ),
        (b":20:X\n:60F:C110101EUR0,001\n:62F:C110101EUR0,00\n", "'0,001' has more decimals than EUR"),
        (b":20:X\n:60F:C110101EUR0,00\n:62F:C110101USD0,00\n", "the balance is in USD, the statement in EUR"),
        (b":20:X\n:60F:C110101XXX0,00\n:62F:C110101XXX0,00\n", "currency 'XXX' is not an ISO 4217 code"),
        (
            b":20:X\n:60F:C110101EUR0,00\n:61:111301D1,00NTRFNONREF\n:62F:C110101EUR0,00\n",
            "is not a real date",
        ),
        (b"no tags at all\n", "no MT940 statement found"),
    ],
)
def test_it_refuses_a_broken_statement_naming_the_line(data: bytes, message: str) -> None:
    with pytest.raises(StatementMalformed, match=re.escape(message)):
        parse_mt940(data)
