"""CSV column profiles: reading bank exports, the errors that name line and column, JSON round-trip."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lawledger.core.formats.csv_builtin import (
    BUILTIN_PROFILES,
    builtin_profile,
    match_builtin_profile,
    profile_from_firefly,
)
from lawledger.core.formats.csv_profiles import (
    CsvProfile,
    CsvProfileInvalid,
    SignConvention,
    parse_csv,
)
from lawledger.core.formats.statement import LineKind, StatementMalformed, StatementRejected

US = CsvProfile(
    name="us",
    date_column="Date",
    date_format="%m/%d/%Y",
    amount_column="Amount",
    description_columns=("Description",),
    check_number_column="Check",
)


def test_it_reads_a_signed_amount_column_with_header() -> None:
    data = (
        b'Date,Description,Amount,Check\n03/02/2026,"Smith, Jane retainer","1,250.00",\n'
        b"03/05/2026,Check 101,-75.10,101\n"
    )
    statement = parse_csv(data, US)
    assert statement.format == "csv"
    assert statement.currency == "USD"
    assert statement.period_start == dt.date(2026, 3, 2)
    assert statement.period_end == dt.date(2026, 3, 5)
    first, second = statement.lines
    assert (first.line_number, first.posted_on, first.amount_minor, first.kind, first.description) == (
        2,
        dt.date(2026, 3, 2),
        125000,
        LineKind.DEPOSIT,
        "Smith, Jane retainer",
    )
    assert (second.amount_minor, second.kind, second.check_number) == (-7510, LineKind.CHECK, "101")


def test_it_reads_split_debit_and_credit_columns_in_european_style() -> None:
    profile = CsvProfile(
        name="ch",
        delimiter=";",
        date_column=0,
        date_format="%d.%m.%Y",
        has_header=False,
        debit_column=1,
        credit_column=2,
        currency="CHF",
        thousands_separator="'",
    )
    statement = parse_csv(b"31.03.2019;11'373.94;\n28.02.2019;;240.00\n", profile)
    assert [line.amount_minor for line in statement.lines] == [-1137394, 24000]


def test_it_reads_decimal_commas_with_dot_thousands_from_cp1252_bytes() -> None:
    profile = CsvProfile(
        name="de",
        delimiter=";",
        date_column="Buchungstag",
        date_format="%d.%m.%Y",
        amount_column="Betrag",
        currency="EUR",
        decimal_separator=",",
        thousands_separator=".",
        counterparty_column="Empfänger",
    )
    data = "Buchungstag;Empfänger;Betrag\n10.10.2017;Müller GmbH;-1.234,56\n".encode("cp1252")
    line = parse_csv(data, profile).lines[0]
    assert (line.amount_minor, line.counterparty) == (-123456, "Müller GmbH")


def test_it_inverts_a_card_export_where_purchases_are_positive() -> None:
    profile = CsvProfile(
        name="card",
        date_column="Date",
        amount_column="Amount",
        sign_convention=SignConvention.MONEY_OUT_POSITIVE,
    )
    statement = parse_csv(b"Date,Amount\n2026-01-02,36.33\n2026-01-03,-10.00\n", profile)
    assert [line.amount_minor for line in statement.lines] == [-3633, 1000]


def test_it_reads_unsigned_amounts_with_a_debit_credit_column_and_cr_line_ends() -> None:
    data = b'6/12/15,Transfer,"1,000.00",debit\r6/13/15,Refund,"2,000.00",credit'
    profile = CsvProfile(
        name="mint",
        has_header=False,
        date_column=0,
        date_format="%m/%d/%y",
        amount_column=2,
        direction_column=3,
        description_columns=(1,),
    )
    statement = parse_csv(data, profile)
    assert [(line.line_number, line.amount_minor) for line in statement.lines] == [(1, -100000), (2, 200000)]


def test_it_strips_a_bom_and_currency_signs_and_takes_a_debit_as_money_out_however_signed() -> None:
    profile = CsvProfile(name="p", date_column="Date", debit_column="Withdrawal", credit_column="Deposit")
    data = (
        b'\xef\xbb\xbf"Date","Withdrawal","Deposit"\n"2022-08-04","$1,036.47",""\n'
        b'"2022-08-05","-$2.00",""\n"2022-08-06","","\xe2\x82\xac3.00"\n'
    )
    assert [line.amount_minor for line in parse_csv(data, profile).lines] == [-103647, -200, 300]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("(12.00)", -1200), ("12.00-", -1200), ("USD 12.00", 1200), ("-$1,036.47", -103647), ("$-5.00", -500)],
)
def test_it_reads_the_ways_banks_mark_a_negative_amount(cell: str, expected: int) -> None:
    profile = CsvProfile(name="p", delimiter=";", date_column="Date", amount_column="Amount")
    assert parse_csv(f"Date;Amount\n2026-01-01;{cell}\n".encode(), profile).lines[0].amount_minor == expected


def test_it_skips_preamble_rows_and_blank_lines() -> None:
    profile = CsvProfile(name="p", date_column="Date", amount_column="Amount", skip_rows=2)
    data = b"Account 123\nExported 2026-03-01\nDate,Amount\n\n2026-02-01,5.00\n\n"
    statement = parse_csv(data, profile)
    assert [(line.line_number, line.amount_minor) for line in statement.lines] == [(5, 500)]


def test_it_reads_a_quoted_field_that_spans_lines_and_counts_lines_from_its_start() -> None:
    data = b'Date,Description,Amount,Check\n03/02/2026,"two\nlines",1.00,\n03/03/2026,after,2.00,\n'
    lines = parse_csv(data, US).lines
    assert [(line.line_number, line.description) for line in lines] == [(2, "two lines"), (4, "after")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'Date,Description,Amount,Check\n03/02/2026,x,"1,234.5.6",\n',
            "CSV line 2, column 'Amount': '1,234.5.6' is",
        ),
        (
            b"Date,Description,Amount,Check\n03/02/2026,x,NaN,\n",
            "CSV line 2, column 'Amount': 'NaN' is not an amount",
        ),
        (
            b"Date,Description,Amount,Check\n03/02/2026,x,1e309,\n",
            "CSV line 2, column 'Amount': '1e309' is not an amount",
        ),
        (
            b"Date,Description,Amount,Check\n2026-03-02,x,1.00,\n",
            "CSV line 2, column 'Date': '2026-03-02' is not a date",
        ),
        (
            b"Date,Description,Amount,Check\n02/30/2026,x,1.00,\n",
            "CSV line 2, column 'Date': '02/30/2026' is not a date",
        ),
        (
            b"Date,Description,Amount,Check\n03/02/2026,x,,\n",
            "CSV line 2, column 'Amount': the amount is empty",
        ),
        (
            b"Date,Description,Amount,Check\n03/02/2026,x\n",
            "CSV line 2 has 2 columns; column 'Amount' is missing",
        ),
        (
            b"Date,Memo,Value\n03/02/2026,x,1.00\n",
            "the header has no column 'Amount' (it has: 'Date', 'Memo', 'Value')",
        ),
    ],
)
def test_it_names_the_line_and_column_of_a_bad_cell(data: bytes, message: str) -> None:
    with pytest.raises(StatementMalformed) as refused:
        parse_csv(data, US)
    assert refused.value.message.startswith(message)


def test_it_refuses_a_row_with_both_debit_and_credit() -> None:
    profile = CsvProfile(name="p", date_column="Date", debit_column="Debit", credit_column="Credit")
    with pytest.raises(StatementMalformed, match="CSV line 2, column 'Debit': the row has both"):
        parse_csv(b"Date,Debit,Credit\n2026-01-01,1.00,2.00\n", profile)


def test_it_refuses_a_file_with_only_a_header() -> None:
    with pytest.raises(StatementRejected, match="no transaction rows"):
        parse_csv(b"Date,Description,Amount,Check\n", US)


def test_it_refuses_an_unterminated_quote_that_swallows_the_file() -> None:
    data = b'Date,Description,Amount,Check\n03/02/2026,"' + b"x" * 200_000 + b"\n"
    with pytest.raises(StatementMalformed, match="CSV line 2"):
        parse_csv(data, US)


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"amount_column": "A", "debit_column": "D", "credit_column": "C"}, "amount_column"),
        ({"debit_column": "D"}, "amount_column"),
        ({"amount_column": "A", "delimiter": "ab"}, "delimiter"),
        ({"amount_column": "A", "decimal_separator": ";"}, "decimal_separator"),
        ({"amount_column": "A", "thousands_separator": "_"}, "thousands_separator"),
        ({"amount_column": "A", "decimal_separator": ",", "thousands_separator": ","}, "thousands_separator"),
        ({"amount_column": "A", "currency": "XXX"}, "currency"),
        ({"amount_column": "A", "encoding": "klingon"}, "encoding"),
        ({"amount_column": "A", "date_format": "%d"}, "date_format"),
        ({"amount_column": "A", "has_header": False}, "has_header"),
        ({"amount_column": "A", "skip_rows": -1}, "skip_rows"),
        ({"amount_column": -1}, "amount_column"),
        ({"amount_column": True}, "amount_column"),
    ],
)
def test_it_refuses_a_profile_that_cannot_work(fields: dict[str, Any], param: str) -> None:
    with pytest.raises(CsvProfileInvalid) as refused:
        CsvProfile(name="bad", date_column="Date", **fields)
    assert refused.value.param == param


def test_it_round_trips_every_builtin_profile_through_json() -> None:
    for profile in BUILTIN_PROFILES.values():
        assert CsvProfile.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile


_column = st.one_of(st.integers(min_value=0, max_value=40), st.text(min_size=1, max_size=12))


@given(
    amount=_column,
    description=st.lists(_column, max_size=3),
    decimal=st.sampled_from([".", ","]),
    skip_rows=st.integers(min_value=0, max_value=5),
    inverted=st.booleans(),
    date_format=st.sampled_from(["%Y-%m-%d", "%d.%m.%Y", "%m/%d/%y", "%m#%d#%Y"]),
)
def test_it_round_trips_any_valid_profile_through_json(
    amount: str | int,
    description: list[str | int],
    decimal: str,
    skip_rows: int,
    inverted: bool,
    date_format: str,
) -> None:
    profile = CsvProfile(
        name="p",
        date_column="Date",
        amount_column=amount,
        description_columns=tuple(description),
        decimal_separator=decimal,
        thousands_separator="." if decimal == "," else ",",
        skip_rows=skip_rows,
        date_format=date_format,
        sign_convention=SignConvention.MONEY_OUT_POSITIVE if inverted else SignConvention.MONEY_IN_POSITIVE,
    )
    assert CsvProfile.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile


def test_it_refuses_a_stored_profile_with_an_unknown_field() -> None:
    data = US.to_dict() | {"colour": "blue"}
    with pytest.raises(CsvProfileInvalid, match="unknown CSV profile field 'colour'"):
        CsvProfile.from_dict(data)


@given(
    minor=st.integers(min_value=-(10**12), max_value=10**12),
    style=st.sampled_from([(".", ","), (",", "."), (".", "'"), (",", " "), (".", "")]),
)
def test_it_reads_back_any_amount_a_bank_writes_in_its_number_style(
    minor: int, style: tuple[str, str]
) -> None:
    decimal_separator, thousands_separator = style
    whole, fraction = divmod(abs(minor), 100)
    text = (
        f"{'-' if minor < 0 else ''}{whole:,}".replace(",", thousands_separator)
        + f"{decimal_separator}{fraction:02d}"
    )
    profile = CsvProfile(
        name="p",
        delimiter=";",
        date_column="Date",
        amount_column="Amount",
        decimal_separator=decimal_separator,
        thousands_separator=thousands_separator,
    )
    data = f'Date;Amount\n2026-01-01;"{text}"\n'.encode()
    assert parse_csv(data, profile).lines[0].amount_minor == minor


def test_it_recognises_a_builtin_layout_by_its_header() -> None:
    data = b'"Date","Status","Type","CheckNumber","Description","Withdrawal","Deposit","RunningBalance"\n'
    assert match_builtin_profile(data).name == "schwab-checking"


def test_it_refuses_a_layout_it_does_not_know() -> None:
    with pytest.raises(StatementMalformed, match="not one lawledger knows"):
        match_builtin_profile(b"When,HowMuch\n2026-01-01,5\n")


def test_it_names_the_builtin_profiles_when_asked_for_an_unknown_one() -> None:
    with pytest.raises(CsvProfileInvalid, match="no built-in CSV profile 'nope' \\(known: capitalone"):
        builtin_profile("nope")


def test_it_builds_a_profile_from_a_firefly_config_and_reads_with_it() -> None:
    config = {
        "date": "m#d#Y",
        "delimiter": "comma",
        "headers": False,
        "roles": ["date_transaction", "amount", "_ignore", "_ignore", "description"],
    }
    profile = profile_from_firefly(config, name="wells-fargo", currency="USD")
    assert (profile.date_column, profile.amount_column, profile.description_columns) == (0, 1, (4,))
    statement = parse_csv(b'"03-31-2026","-12.50","*","","COFFEE"\n', profile)
    assert [(line.posted_on, line.amount_minor, line.description) for line in statement.lines] == [
        (dt.date(2026, 3, 31), -1250, "COFFEE")
    ]


def test_it_refuses_a_firefly_config_without_roles() -> None:
    with pytest.raises(CsvProfileInvalid, match="'roles' list"):
        profile_from_firefly({"date": "Y-m-d"}, name="x", currency="USD")
