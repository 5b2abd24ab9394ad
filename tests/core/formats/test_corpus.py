"""Every file of the shared corpus of real bank files: parsed with exact values, or refused by name.

The corpus is read in place (never copied into the repository); see shared/corpus/SOURCES.md for
where each file comes from and the quirk it carries. A file added to the corpus without an
expectation here fails, and so does an expectation whose file has gone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lawledger.core.formats.csv_builtin import builtin_profile, match_builtin_profile, profile_from_firefly
from lawledger.core.formats.detect import detect_format, parse_statement
from lawledger.core.formats.statement import LineKind, Statement, StatementMalformed, StatementRejected


def _corpus_root() -> Path | None:
    repository = Path(__file__).resolve().parents[3]
    for candidate in (repository.parent / "shared" / "corpus", Path("/work/shared/corpus")):
        if candidate.is_dir():
            return candidate
    return None


CORPUS = _corpus_root()
FILES = (
    sorted(str(path.relative_to(CORPUS)) for path in CORPUS.rglob("*") if path.is_file()) if CORPUS else []
)

Check = Callable[[list[Statement]], None]


@dataclass(frozen=True)
class Parsed:
    lines: tuple[int, ...]  # line count of each statement, in file order
    first_amount_minor: int | None  # the first line of the first statement that has lines
    currency: str
    closing_minor: int | None  # the first statement's closing balance
    options: dict[str, Any] = field(default_factory=dict)
    check: Check | None = None  # the file's own quirk, asserted exactly


@dataclass(frozen=True)
class Refused:
    error: type[Exception]
    reason: str  # a part of the message that names the reason
    options: dict[str, Any] = field(default_factory=dict)
    firefly: dict[str, Any] | None = None  # the CsvProfile a Firefly III config converts to


def lines_of(statements: list[Statement]) -> list[Any]:
    return [line for statement in statements for line in statement.lines]


def _check(assertion: Callable[[list[Statement]], bool]) -> Check:
    def run(statements: list[Statement]) -> None:
        assert assertion(statements)

    return run


def _csv(profile: str, check: Check | None = None, **options: Any) -> Callable[..., Parsed]:
    def build(lines: tuple[int, ...], first: int, currency: str) -> Parsed:
        return Parsed(lines, first, currency, None, {"csv_profile": profile, **options}, check)

    return build


UNRECOGNISED = Refused(StatementMalformed, "unrecognised file")
LEDES = Refused(StatementRejected, "LEDES invoice file, not a bank statement")
ASNB_LINES = (1, 0, 0, 0, 2, *([0] * 19), 1, 0, 0, 0, 2, 0, 2)

EXPECTED: dict[str, Parsed | Refused] = {
    # ---- OFX / QFX ------------------------------------------------------------------------------
    "ofx/actual__1252.qfx": Parsed(
        (1,),
        -2000,
        "CAD",
        999999,
        check=_check(
            lambda s: (
                (s[0].lines[0].counterparty, s[0].lines[0].description)
                == ("Café Métro €uro", "Paiement 5€ — débit")
            )
        ),
    ),
    "ofx/actual__8859-1.qfx": Parsed(
        (1,),
        -2000,
        "CAD",
        999999,
        check=_check(lambda s: s[0].lines[0].counterparty == "Paiement facture/Carte prépayée"),
    ),
    "ofx/actual__html-vals.qfx": Parsed(
        (2,),
        -100,
        "CAD",
        111111,
        check=_check(
            lambda s: (
                s[0].lines[1].counterparty == "TPAY &lt;DEFTPYMT&gt;"
                and "B.C. HYDRO & POWER AUTHORITY" in s[0].lines[0].description
                and s[0].lines[0].bank_reference == "23129130032333396279270000"
            )
        ),
    ),
    "ofx/asgrim-ofxparser__ofx-multiple-accounts-xml.ofx": Parsed((0, 2, 1), -398, "GBP", 4301),
    "ofx/asgrim-ofxparser__ofxdata-banking-xml200.ofx": Refused(
        StatementMalformed, "OFX line 32: the transaction has no DTPOSTED"
    ),
    "ofx/asgrim-ofxparser__ofxdata-bb-two-stmtrs.ofx": Parsed(
        (0, 36),
        1331836,
        "BRL",
        0,
        check=_check(
            lambda s: (
                [x.account_number for x in s] == ["455000-5", "655000-2"]
                and any("HONORÁRIOS" in line.description for line in s[1].lines)
            )
        ),
    ),
    "ofx/asgrim-ofxparser__ofxdata-bb.ofx": Parsed(
        (1,), 23955, "BRL", 23935, check=_check(lambda s: s[0].lines[0].description == "DOC CRÉDITO EM CONTA")
    ),
    "ofx/asgrim-ofxparser__ofxdata-bpbfc.ofx": Parsed(
        (6,), -1350, "EUR", 1000000, check=_check(lambda s: s[0].lines[0].check_number == "5IIWR0X")
    ),
    "ofx/asgrim-ofxparser__ofxdata-cmfr.ofx": Parsed(
        (42,),
        -197878,
        "EUR",
        1000000,
        check=_check(
            lambda s: (
                s[0].period_start == dt.date(2016, 6, 1) and s[0].lines[0].posted_on == dt.date(2016, 6, 1)
            )
        ),
    ),
    "ofx/asgrim-ofxparser__ofxdata-credit-card.ofx": Parsed((1,), -10000, "GBP", -50000),
    "ofx/asgrim-ofxparser__ofxdata-emptyDateTime.ofx": Parsed(
        (2,),
        33750,
        "AUD",
        None,
        check=_check(lambda s: (s[0].account_number, s[0].period_start, s[0].period_end) == ("", None, None)),
    ),
    "ofx/asgrim-ofxparser__ofxdata-google.ofx": Refused(
        StatementRejected, "investment statement not supported"
    ),
    "ofx/asgrim-ofxparser__ofxdata-investments-xml.ofx": Refused(
        StatementRejected, "investment statement not supported"
    ),
    "ofx/asgrim-ofxparser__ofxdata-memoWithAmpersand.ofx": Parsed(
        (16,),
        -3330,
        "BRL",
        -73405,
        check=_check(
            lambda s: (
                s[0].lines[0].description == "Amazon.Com.Br Amazon & Cloud 3/3"
                and s[0].lines[0].posted_on == dt.date(2018, 9, 13)
            )
        ),
    ),
    "ofx/asgrim-ofxparser__ofxdata-oneline.ofx": Parsed(
        (8,),
        -155,
        "EUR",
        10000,
        check=_check(
            lambda s: (
                {(line.amount_minor, line.kind) for line in s[0].lines}
                >= {(20000, LineKind.DEPOSIT), (-60000, LineKind.PAYMENT)}
            )
        ),
    ),
    "ofx/asgrim-ofxparser__ofxdata-selfclose.ofx": Parsed((5,), -7000, "BRL", None),
    "ofx/asgrim-ofxparser__ofxdata.ofx": Parsed((3,), 20000, "USD", 525000),
    "ofx/ledger-autosync__accented_characters_latin1.ofx": Parsed(
        (1,),
        -5873,
        "USD",
        10099,
        check=_check(lambda s: s[0].lines[0].counterparty == "Virement Interac à: Jean"),
    ),
    "ofx/ofxparse__account_listing_aggregation.ofx": Refused(
        StatementRejected, "account-information response"
    ),
    "ofx/ofxparse__anzcc.ofx": Parsed((1,), -550, "AUD", -12345),
    "ofx/ofxparse__bank_medium.ofx": Parsed(
        (3,),
        -660,
        "CAD",
        38234,
        check=_check(
            lambda s: (
                s[0].account_number == "12300 000012345678"
                and [line.check_number for line in s[0].lines] == ["", "", ""]
            )
        ),
    ),
    "ofx/ofxparse__bank_small.ofx": Refused(StatementRejected, "holds no bank or credit-card statement"),
    "ofx/ofxparse__checking.ofx": Parsed(
        (3,),
        1,
        "USD",
        10099,
        check=_check(lambda s: s[0].lines[2].check_number == "319" and s[0].lines[2].kind == LineKind.CHECK),
    ),
    "ofx/ofxparse__error_message.ofx": Refused(
        StatementRejected, "refused the statement request: error 2000: General Server Error"
    ),
    "ofx/ofxparse__fail_nice_date_missing.ofx": Refused(
        StatementMalformed, "OFX line 33: the transaction has no DTPOSTED"
    ),
    "ofx/ofxparse__fail_nice_decimal_error.ofx": Refused(
        StatementMalformed, "OFX line 34, TRNAMT: '$120' is not an amount"
    ),
    "ofx/ofxparse__fail_nice_empty_balance.ofx": Parsed((1,), 12000, "CAD", None),
    "ofx/ofxparse__fidelity-savings.ofx": Refused(StatementRejected, "investment statement not supported"),
    "ofx/ofxparse__investment_401k.ofx": Refused(StatementRejected, "investment statement not supported"),
    "ofx/ofxparse__multiple_accounts.ofx": Parsed(
        (0, 0),
        None,
        "USD",
        11100,
        check=_check(lambda s: [x.closing_balance_minor for x in s] == [11100, 22200]),
    ),
    "ofx/ofxparse__ofx-v102-empty-tags.ofx": Parsed((1,), 1234, "AUD", None, {"default_currency": "AUD"}),
    "ofx/ofxparse__signon_fail.ofx": Refused(StatementRejected, "refused the sign-on: error 15500"),
    "ofx/ofxparse__suncorp.ofx": Parsed((1,), -1685, "AUD", 123412),
    "ofx/ofxtools__stmtrs_euro.ofx": Parsed(
        (2,), -20000, "USD", 20029, check=_check(lambda s: s[0].closing_balance_date == dt.date(2005, 10, 29))
    ),
    # ---- CAMT.053 -------------------------------------------------------------------------------
    "camt053/actual__camt.latin1.xml": Refused(StatementRejected, "camt.052 account report"),
    "camt053/camt_parser__valid_example.xml": Parsed(
        (5,),
        -200,
        "EUR",
        2306,
        check=_check(lambda s: s[0].opening_balance_minor + sum(x.amount_minor for x in s[0].lines) == 2306),
    ),
    "camt053/camt_parser__valid_example_v4.xml": Parsed(
        (32,),
        -2400,
        "CHF",
        32268977,
        check=_check(
            lambda s: (
                [x.kind for x in s[0].lines].count(LineKind.RETURNED) == 5  # 2 reversed batches
                and s[0].opening_balance_minor + sum(x.amount_minor for x in s[0].lines) == 32268977
            )
        ),
    ),
    "camt053/camt_parser__valid_example_v8.xml": Parsed(
        (3,), 47440, "CHF", 8451525, check=_check(lambda s: s[0].lines[2].amount_minor == -1969)
    ),
    "camt053/camt_parser__valid_example_with_batch.xml": Parsed(
        (3,), -475374, "EUR", 2303820, check=_check(lambda s: s[0].opening_balance_minor == 732980)
    ),
    "camt053/camt_parser__valid_example_with_datetime.xml": Parsed(
        (1,),
        19586,
        "USD",
        60680,
        check=_check(
            lambda s: (
                (s[0].lines[0].posted_on, s[0].lines[0].value_date, s[0].account_number)
                == (dt.date(2023, 6, 21), None, "11111111")
            )
        ),
    ),
    "camt053/camt_parser__valid_example_with_instdamt.xml": Parsed((1,), 450000, "CHF", 450000),
    "camt053/genkgo-camt__camt053.v2.all-balance-types.xml": Parsed(
        (1,),
        885,
        "EUR",
        404,
        check=_check(
            lambda s: s[0].opening_balance_minor == 101 and s[0].account_number == "CH2801234000123456789"
        ),
    ),
    "camt053/genkgo-camt__camt053.v2.five.decimals.xml": Parsed(
        (1,), 885, "EUR", 2705, check=_check(lambda s: s[0].opening_balance_minor == 1815)
    ),
    "camt053/genkgo-camt__camt053.v2.minimal.xml": Parsed(
        (1,), 885, "EUR", None, check=_check(lambda s: s[0].opening_balance_minor == 1815)
    ),
    "camt053/genkgo-camt__camt053.v2.multi.statement.xml": Parsed(
        (1, 1), 885, "EUR", 2700, check=_check(lambda s: [x.closing_balance_minor for x in s] == [2700, 2000])
    ),
    "camt053/genkgo-camt__camt053.v2.wrong.xml": Refused(StatementRejected, "holds no statement (no <Stmt>)"),
    "camt053/genkgo-camt__camt53.only-Dt-with-DtTm.xml": Parsed(
        (0,), None, "RON", None, check=_check(lambda s: s[0].opening_balance_minor == 544209)
    ),
    # ---- BAI2 -----------------------------------------------------------------------------------
    "bai2/moj-bai2__account_trailer_amount_blank_example.bai2": Parsed(
        (0, 0), None, "USD", None, {"default_currency": "USD"}
    ),
    "bai2/moj-bai2__citi_example.bai2": Parsed(
        (1,),
        1,
        "GBP",
        10000,
        check=_check(
            lambda s: (
                s[0].lines[0].description.startswith("FR:FP SIP INCOMING ENDT:20150715")
                and s[0].lines[0].value_date == dt.date(2015, 7, 15)
            )
        ),
    ),
    "bai2/moj-bai2__nwb_example.bai2": Parsed(
        (5,),
        -971,
        "GBP",
        33845,
        check=_check(lambda s: s[0].lines[4].description.endswith("INTERNATIONAL-5373 CLIENT SECCY AC TFR")),
    ),
    "bai2/moj-bai2__svb_us_example.bai2": Parsed((1, 1), 490196, "USD", 35217175),
    "bai2/moov-bai2__sample1.txt": Parsed((11, 6), -2500, "CAD", None),
    "bai2/moov-bai2__sample2.txt": Parsed((1, 1, 2, 0, 0), 450000, "USD", None, {"default_currency": "USD"}),
    "bai2/moov-bai2__sample3.txt": Parsed((6, 0, 0, 2, 0, 0, 0, 6, 4, 8, 0, 0, 0, 0, 0), 2500, "USD", -3600),
    "bai2/moov-bai2__sample4-continuations-newline-delimited.txt": Refused(
        StatementMalformed, "BAI2 line 22: the account control total -1260161341762 does not match"
    ),
    # ---- MT940 ----------------------------------------------------------------------------------
    "mt940/wolph-mt940__ASNB_mt940.txt": Parsed(ASNB_LINES, -6500, "EUR", 37929),
    "mt940/wolph-mt940__betterplace_sepa_snippet.sta": Parsed(
        (4, 7),
        5099005,
        "EUR",
        112525040,
        check=_check(lambda s: s[0].lines[0].counterparty == "KARL KAUFMANN"),
    ),
    "mt940/wolph-mt940__citi_mt940.txt": Parsed((5,), -21239, "USD", 1623392),
    "mt940/wolph-mt940__jejik_abnamro.sta": Parsed((8, 2), -900, "EUR", 87684),
    "mt940/wolph-mt940__jejik_ing.sta": Parsed((7,), -2503, "EUR", 347),
    "mt940/wolph-mt940__jejik_rabobank.sta": Parsed(
        (1, 0, 2, 2),
        -121328,
        "EUR",
        39582,
        check=_check(lambda s: s[0].lines[0].counterparty == "W.P. Jansen"),
    ),
    "mt940/wolph-mt940__jejik_triodos.sta": Parsed((2,), -1570, "EUR", 437079),
    "mt940/wolph-mt940__sberbank_171011_01234945.sta": Parsed((3,), -240200, "HUF", 61787430),
    "mt940/wolph-mt940__self-provided_february_30.sta": Parsed(
        (1,),
        -600,
        "EUR",
        119400,
        check=_check(
            lambda s: (s[0].lines[0].posted_on, s[0].lines[0].value_date) == (dt.date(2016, 3, 1), None)
        ),
    ),
    "mt940/wolph-mt940__self-provided_multiline.sta": Parsed((1,), -500, "EUR", 1140),
    # ---- CSV (each with the built-in profile its header matches) --------------------------------
    "csv/csv2ofx__capitalone.csv": _csv("capitalone")((2,), -100000, "USD"),
    "csv/csv2ofx__creditunion.csv": _csv("creditunion")((8,), -5000000, "USD"),
    "csv/csv2ofx__gls.csv": _csv(
        "gls", _check(lambda s: s[0].lines[0].counterparty == "Drillisch Online AG")
    )((1,), -9876, "EUR"),
    "csv/csv2ofx__ingesp.csv": _csv("ing-es")((10,), 283, "EUR"),
    "csv/csv2ofx__mint_headerless.csv": _csv("mint-headerless", given=True)((4,), -100000, "USD"),
    "csv/csv2ofx__n26-fr.csv": _csv("n26")((2,), 32800, "EUR"),
    "csv/csv2ofx__outbank.csv": _csv("outbank")((4,), 10000, "EUR"),
    "csv/csv2ofx__payoneer.csv": _csv("payoneer")((2,), -10000, "USD"),
    "csv/csv2ofx__pcmastercard.csv": _csv("pc-mastercard")((2,), -3633, "CAD"),
    "csv/csv2ofx__schwab-checking.csv": _csv(
        "schwab-checking",
        _check(lambda s: [(x.amount_minor, x.check_number) for x in s[0].lines][2] == (-7500, "558")),
    )((4,), 2000, "USD"),
    "csv/csv2ofx__ubs-ch-fr_trimmed.csv": _csv("ubs-ch-fr")((3,), -1000, "CHF"),
    "csv/firefly-import-configs__de-dkb_csv-giro.json": Refused(
        StatementRejected,
        "JSON file is not a bank statement",
        firefly={
            "delimiter": ";",
            "date_format": "%d.%m.%y",
            "date_column": 0,
            "value_date_column": 1,
            "amount_column": 8,
            "counterparty_column": 4,
            "description_columns": (5,),
            "reference_column": 11,
        },
    ),
    "csv/firefly-import-configs__gb-barclays_default.json": Refused(
        StatementRejected,
        "JSON file is not a bank statement",
        firefly={
            "delimiter": ",",
            "date_format": "%d/%m/%Y",
            "date_column": 1,
            "amount_column": 3,
            "description_columns": (5,),
        },
    ),
    "csv/firefly-import-configs__nl-rabobank_rabobank-new-csv-format.json": Refused(
        StatementRejected,
        "JSON file is not a bank statement",
        firefly={
            "date_format": "%Y-%m-%d",
            "date_column": 4,
            "value_date_column": 5,
            "amount_column": 6,
            "counterparty_column": 9,
            "description_columns": (19, 20, 21),
            "reference_column": 3,
        },
    ),
    "csv/firefly-import-configs__us-chase_default.json": Refused(
        StatementRejected,
        "JSON file is not a bank statement",
        firefly={
            "date_format": "%m/%d/%Y",
            "date_column": 1,
            "amount_column": 3,
            "description_columns": (2,),
            "reference_column": 5,
        },
    ),
    "csv/firefly-import-configs__us-citi_default.json": Refused(
        StatementRejected,
        "JSON file is not a bank statement",
        firefly={"date_column": 1, "amount_column": None, "debit_column": 3, "credit_column": 4},
    ),
    "csv/firefly-import-configs__us-wellsfargo_default.json": Refused(
        StatementRejected,
        "JSON file is not a bank statement",
        firefly={
            "has_header": False,
            "date_format": "%m#%d#%Y",
            "date_column": 0,
            "amount_column": 1,
            "description_columns": (4,),
        },
    ),
    # ---- not bank statements at all -------------------------------------------------------------
    "SOURCES.md": UNRECOGNISED,
    **{
        f"ledes/{name}": LEDES
        for name in (
            "ledes-parser__ledes_98B.txt",
            "ledes-parser__ledes_98BI.txt",
            "ledes-parser__ledes_98B_spec_rows_only.txt",
            "ledes-parser__notebook_ledes_98B.txt",
        )
    },
    **{
        f"LICENSES/{name}.LICENSE": UNRECOGNISED
        for name in (
            "actual",
            "asgrim-ofxparser",
            "camt_parser",
            "csv2ofx",
            "firefly-import-configs",
            "genkgo-camt",
            "ledes-parser",
            "ledger-autosync",
            "moj-bai2",
            "moov-bai2",
            "ofxparse",
            "ofxtools",
            "wolph-mt940",
            "wolph-mt940_betterplace-subdir",
            "wolph-mt940_jejik-subdir",
        )
    },
}

pytestmark = pytest.mark.skipif(CORPUS is None, reason="shared/corpus is not beside the repository")


@pytest.mark.parametrize("name", FILES)
def test_each_corpus_file_is_parsed_exactly_or_refused_by_name(name: str) -> None:
    assert CORPUS is not None
    assert name in EXPECTED, f"{name} is new in the corpus: add its expectation"
    expected = EXPECTED[name]
    data = (CORPUS / name).read_bytes()
    if isinstance(expected, Refused):
        with pytest.raises(expected.error) as refused:
            parse_statement(data, **expected.options)
        assert expected.reason in refused.value.args[0]
        if expected.firefly is not None:
            profile = profile_from_firefly(json.loads(data), name=Path(name).stem, currency="USD")
            assert {key: getattr(profile, key) for key in expected.firefly} == expected.firefly
        return
    options = dict(expected.options)
    profile_name = options.pop("csv_profile", None)
    if options.pop("given", False):
        options["profile"] = builtin_profile(profile_name)
    elif profile_name is not None:
        assert match_builtin_profile(data).name == profile_name
    statements = parse_statement(data, **options)
    assert tuple(len(statement.lines) for statement in statements) == expected.lines
    first = next((statement.lines[0] for statement in statements if statement.lines), None)
    assert (first.amount_minor if first else None) == expected.first_amount_minor
    assert {statement.currency for statement in statements} == {expected.currency}
    assert statements[0].closing_balance_minor == expected.closing_minor
    assert {statement.format for statement in statements} == {detect_format(data)}
    if expected.check is not None:
        expected.check(statements)
    if "default_currency" in options:  # the file does not say its currency: without it, refused
        with pytest.raises(StatementMalformed, match="currency"):
            parse_statement(data)


def test_every_expectation_has_its_file_in_the_corpus() -> None:
    assert sorted(set(EXPECTED) - set(FILES)) == []
