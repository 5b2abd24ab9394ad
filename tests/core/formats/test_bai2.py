"""BAI2: records, continuations, funds types, type codes and the control totals that guard a file."""

from __future__ import annotations

import datetime as dt

import pytest

from lawledger.core.formats.bai2 import parse_bai2
from lawledger.core.formats.statement import LineKind, StatementMalformed, StatementRejected


def bai2(
    details: list[str],
    *,
    summaries: str = "010,100000,,,015,128950,,",
    currency: str = "USD",
    group_status: str = "1",
) -> bytes:
    """A one-group, one-account file whose trailers hold the right totals and counts."""
    details_total = sum(int(record.split(",")[2]) for record in details if record.startswith("16,"))
    summary_fields = summaries.split(",")
    summary_total = sum(int(summary_fields[i + 1] or 0) for i in range(0, len(summary_fields), 4))
    account_total = summary_total + details_total
    account_records = 2 + len(details)
    lines = [
        "01,BANKID,CUSTID,260331,0800,1,80,,2/",
        f"02,CUSTID,BANKID,{group_status},260331,2400,{currency},2/",
        f"03,123456789,{currency},{summaries}/",
        *details,
        f"49,{account_total},{account_records}/",
        f"98,{account_total},1,{account_records + 2}/",
        f"99,{account_total},1,{account_records + 4}/",
    ]
    return "\n".join(lines).encode()


def test_it_reads_an_account_with_details_and_balances() -> None:
    data = bai2(
        [
            "16,115,125000,Z,BR1,,LOCKBOX DEPOSIT/",
            "16,475,2050,0,BR2,1001,CHECK PAID/",
            "16,354,0,,BR3,,ZERO INTEREST/",
        ]
    )
    [statement] = parse_bai2(data)
    assert (statement.format, statement.currency, statement.account_number) == ("bai2", "USD", "123456789")
    assert (
        statement.opening_balance_minor,
        statement.closing_balance_minor,
        statement.closing_balance_date,
    ) == (100000, 128950, dt.date(2026, 3, 31))
    assert [
        (
            line.line_number,
            line.amount_minor,
            line.kind,
            line.bank_reference,
            line.check_number,
            line.description,
        )
        for line in statement.lines
    ] == [
        (4, 125000, LineKind.DEPOSIT, "BR1", "", "LOCKBOX DEPOSIT"),
        (5, -2050, LineKind.CHECK, "BR2", "1001", "CHECK PAID"),
        (6, 0, LineKind.INTEREST, "BR3", "", "ZERO INTEREST"),
    ]
    assert all(line.posted_on == dt.date(2026, 3, 31) for line in statement.lines)


def test_it_reads_funds_types_that_add_fields_and_text_with_commas() -> None:
    data = bai2(
        [
            "16,195,500000,V,260401,1200,WIRE1,CUST1,From: ACME, Inc., ref 7",
            "16,115,300000,S,100000,100000,100000,BR,,SPLIT/",
            "16,142,700,D,2,0,500,1,200,BR9,,DISTRIBUTED/",
        ]
    )
    [statement] = parse_bai2(data)
    first, second, third = statement.lines
    assert (first.value_date, first.bank_reference, first.end_to_end_id, first.description) == (
        dt.date(2026, 4, 1),
        "WIRE1",
        "CUST1",
        "From: ACME, Inc., ref 7",
    )
    assert (second.amount_minor, second.description) == (300000, "SPLIT")
    assert (third.amount_minor, third.bank_reference) == (700, "BR9")


def test_it_joins_88_text_without_a_space_after_a_full_80_character_record() -> None:
    full = "16,699,100,,,,TFR XBANKGO24007680SJ CAT JPY 2 GBPXBANKGO24007680BGC INTLXXX CLIE"
    assert len(full) == 80
    data = bai2([full, "88,NT SECCY AC TFR/", "16,399,89,,,,SHORT/", "88,MORE TEXT/"])
    first, second = parse_bai2(data)[0].lines
    assert first.description.endswith("INTLXXX CLIENT SECCY AC TFR")
    assert second.description == "SHORT MORE TEXT"


def test_it_reads_summaries_continued_on_88_records() -> None:
    data = (
        b"01,B,C,260331,0800,1,,,2/\n02,C,B,1,260331,,USD,2/\n03,1,USD,010,500,,,100,200,1/\n"
        b"88,,015,700,,/\n49,1400,3/\n98,1400,1,5/\n99,1400,1,7/"
    )
    [statement] = parse_bai2(data)
    assert (statement.opening_balance_minor, statement.closing_balance_minor) == (500, 700)


def test_it_reads_records_that_share_a_line_or_break_across_lines() -> None:
    data = (
        b"01,B,C,260331,0800,1,,,2/   02,C,B,1,260331,2400,USD,2/\n03,1,,010,00,,/\n"
        b"16,142,2500,Z,,,ACH_SETL 1111\n2222 /  16,451,500,Z,,,VISA/  49,3000,4/\n98,3000,1,6/\n99,3000,1,8"
    )
    [statement] = parse_bai2(data)
    assert [(line.amount_minor, line.description) for line in statement.lines] == [
        (2500, "ACH_SETL 1111 2222"),
        (-500, "VISA"),
    ]


def test_it_leaves_out_non_monetary_details() -> None:
    [statement] = parse_bai2(bai2(["16,890,0,,,,INFO ONLY/", "16,115,10,,,,REAL/"]))
    assert [line.amount_minor for line in statement.lines] == [10]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.replace(b"49,357910,", b"49,357911,"), "account control total 357911 does not match"),
        (
            lambda d: d.replace(b"49,357910,4/", b"49,357910,5/"),
            "account trailer counts 5 records but there are 4",
        ),
        (lambda d: d.replace(b"98,357910,1,6", b"98,357910,2,6"), "group trailer counts 2 but there are 1"),
        (
            lambda d: d.replace(b"99,357910,1,8", b"99,357910,1,9"),
            "file trailer counts 9 records but there are 8",
        ),
        (lambda d: d[: d.index(b"\n99,")], "cut short: it has no file trailer"),
        (lambda d: d.replace(b"16,115,125000", b"16,115,1e309"), "'1e309' is not a BAI2 amount"),
        (lambda d: d.replace(b"16,115,125000", b"16,115,NaN"), "'NaN' is not a BAI2 amount"),
        (lambda d: d.replace(b"16,115,125000", b"16,115,1250.00"), "'1250.00' is not a BAI2 amount"),
        (lambda d: d.replace(b"16,115,", b"16,7x5,"), "'7x5' is not a BAI2 type code"),
        (lambda d: d.replace(b"260331,2400", b"260231,2400"), "'260231' is not a real date"),
        (lambda d: d.replace(b"02,CUSTID", b"xx,CUSTID"), "a 88 continues nothing|outside a group"),
    ],
)
def test_it_refuses_a_damaged_file_naming_the_line(mutate: object, message: str) -> None:
    data = bai2(["16,115,125000,Z,BR1,,LOCKBOX DEPOSIT/", "16,475,3960,0,BR2,1001,CHECK PAID/"])
    with pytest.raises(StatementMalformed, match=message) as refused:
        parse_bai2(mutate(data))  # type: ignore[operator]
    assert refused.value.message.startswith(("BAI2 line", "the BAI2 file"))


def test_it_accepts_blank_control_totals() -> None:
    data = (
        b"01,B,C,260331,0800,1,,,2/\n02,C,B,1,260331,2359,USD,2/\n03,12345,/\n49,,2/\n98,0,1,4/\n99,0,1,6/\n"
    )
    [statement] = parse_bai2(data)
    assert (statement.account_number, statement.lines, statement.closing_balance_minor) == ("12345", (), None)


def test_it_refuses_deletion_and_test_groups() -> None:
    with pytest.raises(StatementRejected, match="deletes an earlier report"):
        parse_bai2(bai2([], group_status="2"))
    with pytest.raises(StatementRejected, match="test-only group"):
        parse_bai2(bai2([], group_status="4"))


def test_it_refuses_an_unknown_currency_and_a_file_without_header() -> None:
    with pytest.raises(StatementMalformed, match="currency 'XYZ' is not an ISO 4217 code"):
        parse_bai2(bai2([], currency="XYZ"))
    with pytest.raises(StatementMalformed, match="does not start with a 01"):
        parse_bai2(b"garbage\n16,115,1,,,,x/")
