"""ISO 20022 CAMT.053: statements, entries and batches, and XML that tries to hurt the reader."""

from __future__ import annotations

import datetime as dt

import pytest

from lawledger.core.formats.camt053 import parse_camt053
from lawledger.core.formats.statement import LineKind, StatementMalformed, StatementRejected


def document(
    entries: str,
    *,
    version: str = "053.001.08",
    balances: str | None = None,
    account_currency: str = "<Ccy>EUR</Ccy>",
) -> bytes:
    if balances is None:
        balances = _balance("OPBD", "100.00", "CRDT", "2026-03-01") + _balance(
            "CLBD", "1,150.50".replace(",", ""), "CRDT", "2026-03-31"
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{version}">
<BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>
<Stmt><Id>S-2026-03</Id>
<FrToDt><FrDtTm>2026-03-01T00:00:00+01:00</FrDtTm><ToDtTm>2026-03-31T23:59:59+01:00</ToDtTm></FrToDt>
<Acct><Id><IBAN>DE14740618130000033626</IBAN></Id>{account_currency}
<Svcr><FinInstnId><BIC>GENODEF1PFK</BIC></FinInstnId></Svcr></Acct>
{balances}
{entries}
</Stmt></BkToCstmrStmt></Document>""".encode()


def _balance(code: str, amount: str, direction: str, date: str, currency: str = "EUR") -> str:
    return (
        f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">{amount}</Amt>'
        f"<CdtDbtInd>{direction}</CdtDbtInd><Dt><Dt>{date}</Dt></Dt></Bal>"
    )


def entry(
    amount: str,
    direction: str,
    *,
    status: str = "<Sts><Cd>BOOK</Cd></Sts>",
    details: str = "",
    extra: str = "",
    currency: str = "EUR",
) -> str:
    return (
        f'<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>{extra}{status}'
        "<BookgDt><Dt>2026-03-05</Dt></BookgDt><ValDt><Dt>2026-03-06</Dt></ValDt>"
        f"<AcctSvcrRef>REF-{amount}</AcctSvcrRef>{details}</Ntry>"
    )


def tx_details(amount: str | None, name: str, text: str, e2e: str = "E2E-1") -> str:
    own = f'<Amt Ccy="EUR">{amount}</Amt>' if amount else ""
    return (
        f"<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>{own}<RltdPties><Dbtr><Pty><Nm>{name}</Nm>"
        f"</Pty></Dbtr></RltdPties><RmtInf><Ustrd>{text}</Ustrd><Ustrd>part 2</Ustrd></RmtInf></TxDtls>"
    )


def test_it_reads_a_statement_with_its_balances_and_entries() -> None:
    details = f"<NtryDtls>{tx_details(None, 'Acme Corp', 'Retainer M-0001')}</NtryDtls>"
    [statement] = parse_camt053(document(entry("1050.50", "CRDT", details=details)))
    assert (statement.format, statement.currency, statement.account_number, statement.bank_code) == (
        "camt053",
        "EUR",
        "DE14740618130000033626",
        "GENODEF1PFK",
    )
    assert (statement.statement_id, statement.period_start, statement.period_end) == (
        "S-2026-03",
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
    )
    assert (
        statement.opening_balance_minor,
        statement.closing_balance_minor,
        statement.closing_balance_date,
    ) == (10000, 115050, dt.date(2026, 3, 31))
    [line] = statement.lines
    assert (line.line_number, line.posted_on, line.value_date, line.amount_minor, line.kind) == (
        9,
        dt.date(2026, 3, 5),
        dt.date(2026, 3, 6),
        105050,
        LineKind.DEPOSIT,
    )
    assert (line.counterparty, line.description, line.end_to_end_id, line.bank_reference) == (
        "Acme Corp",
        "Retainer M-0001 part 2",
        "E2E-1",
        "REF-1050.50",
    )


def test_it_splits_a_batch_whose_transactions_carry_amounts_that_add_up() -> None:
    details = (
        "<NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>"
        + tx_details("600.00", "A", "one", "E1")
        + tx_details("450.50", "B", "two", "E2")
        + "</NtryDtls>"
    )
    [statement] = parse_camt053(document(entry("1050.50", "CRDT", details=details)))
    assert [(line.amount_minor, line.counterparty, line.end_to_end_id) for line in statement.lines] == [
        (60000, "A", "E1"),
        (45050, "B", "E2"),
    ]
    assert [line.bank_reference for line in statement.lines] == ["REF-1050.50/1", "REF-1050.50/2"]


def test_it_keeps_a_batch_whole_when_its_transactions_do_not_add_up() -> None:
    details = "<NtryDtls>" + tx_details("600.00", "A", "one") + tx_details("1.00", "B", "two") + "</NtryDtls>"
    [statement] = parse_camt053(document(entry("1050.50", "CRDT", details=details)))
    assert [line.amount_minor for line in statement.lines] == [105050]


def test_it_imports_only_booked_entries_and_flags_reversals() -> None:
    entries = (
        entry("5.00", "DBIT", status="<Sts>PDNG</Sts>")
        + entry("7.00", "DBIT", extra="<RvslInd>true</RvslInd>")
        + entry("3.00", "DBIT", status="<Sts><Cd>INFO</Cd></Sts>")
    )
    [statement] = parse_camt053(document(entries, version="053.001.02"))
    assert [(line.amount_minor, line.kind) for line in statement.lines] == [(-700, LineKind.RETURNED)]


def test_it_maps_bank_transaction_codes_to_kinds() -> None:
    def coded(family: str, sub_family: str) -> str:
        return (
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub_family}</SubFmlyCd>"
            "</Fmly></Domn></BkTxCd>"
        )

    entries = (
        entry("1.00", "DBIT", extra=coded("ICHQ", "CCHQ"))
        + entry("2.00", "DBIT", extra=coded("CCRD", "CHRG"))
        + entry("3.00", "CRDT", extra=coded("ACCB", "INTR"))
        + entry("4.00", "DBIT", extra=coded("RDDT", "UPDD"))
    )
    [statement] = parse_camt053(document(entries))
    assert [line.kind for line in statement.lines] == [
        LineKind.CHECK,
        LineKind.FEE,
        LineKind.INTEREST,
        LineKind.RETURNED,
    ]


def test_it_takes_the_account_currency_amount_of_a_foreign_currency_entry() -> None:
    fx = (
        '<AmtDtls><InstdAmt><Amt Ccy="CHF">19.69</Amt></InstdAmt>'
        '<TxAmt><Amt Ccy="EUR">20.97</Amt></TxAmt></AmtDtls>'
    )
    data = document(
        entry("20.97", "DBIT", currency="EUR", extra=fx),
        account_currency="<Ccy>CHF</Ccy>",
        balances=_balance("CLBD", "10.00", "DBIT", "2026-03-31", "CHF"),
    )
    [statement] = parse_camt053(data)
    assert (statement.currency, statement.closing_balance_minor) == ("CHF", -1000)
    assert statement.lines[0].amount_minor == -1969


def test_it_refuses_a_foreign_currency_entry_without_an_amount_in_the_account_currency() -> None:
    data = document(entry("20.97", "DBIT", currency="USD"), account_currency="<Ccy>CHF</Ccy>", balances="")
    with pytest.raises(StatementMalformed, match="the entry is in USD but the account is in CHF"):
        parse_camt053(data)


def test_it_leaves_out_a_balance_in_another_currency_and_reads_several_decimals() -> None:
    balances = _balance("OPBD", "18.150", "CRDT", "2026-03-01") + _balance(
        "CLBD", "27.00", "DBIT", "2026-03-31", "SEK"
    )
    [statement] = parse_camt053(document(entry("5442.09000", "CRDT"), balances=balances))
    assert (statement.opening_balance_minor, statement.closing_balance_minor) == (1815, None)
    assert statement.lines[0].amount_minor == 544209


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e309", "'1e309' is not an amount"),
        ("NaN", "'NaN' is not an amount"),
        ("1,234.5.6", "'1,234.5.6' is not an amount"),
        ("-5.00", "CAMT amounts are unsigned"),
        ("1.001", "has more decimals than EUR allows"),
    ],
)
def test_it_refuses_an_amount_that_is_no_amount_naming_the_line(amount: str, message: str) -> None:
    with pytest.raises(StatementMalformed, match=message) as refused:
        parse_camt053(document(entry(amount, "CRDT")))
    assert refused.value.message.startswith("CAMT line 9, Amt")


def test_it_refuses_a_camt052_or_camt054_with_the_reason() -> None:
    report = document("", version="052.001.08").replace(b"BkToCstmrStmt", b"BkToCstmrAcctRpt")
    with pytest.raises(StatementRejected, match=r"camt\.052 account report"):
        parse_camt053(report)
    notification = document("", version="054.001.08").replace(b"BkToCstmrStmt", b"BkToCstmrDbtCdtNtfctn")
    with pytest.raises(StatementRejected, match=r"camt\.054 debit/credit notification"):
        parse_camt053(notification)


def test_it_refuses_a_message_without_a_statement() -> None:
    data = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr/>'
        b"</BkToCstmrStmt></Document>"
    )
    with pytest.raises(StatementRejected, match=r"no statement \(no <Stmt>\)"):
        parse_camt053(data)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&xxe;</Id>
</Stmt></BkToCstmrStmt></Document>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&lol3;</Id>
</Stmt></BkToCstmrStmt></Document>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Document SYSTEM "http://attacker.invalid/evil.dtd">
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>"""


@pytest.mark.parametrize(
    "data",
    [
        XXE,
        BILLION_LAUGHS,
        EXTERNAL_DTD,
        XXE.decode().encode("utf-16"),
        XXE.replace(b"<!DOCTYPE", b"<!doctype"),
    ],
    ids=["xxe", "billion-laughs", "external-dtd", "xxe-in-utf16", "lower-case"],
)
def test_it_refuses_doctype_and_entities_before_parsing(data: bytes) -> None:
    with pytest.raises(StatementMalformed, match="DOCTYPE/entities not allowed"):
        parse_camt053(data)


def test_it_refuses_a_truncated_file_and_binary_junk() -> None:
    data = document(entry("1.00", "CRDT"))
    with pytest.raises(StatementMalformed, match="not well-formed XML"):
        parse_camt053(data[: len(data) // 2])
    with pytest.raises(StatementMalformed, match="not well-formed XML"):
        parse_camt053(bytes(range(256)))


def test_it_refuses_an_xml_document_that_is_not_camt() -> None:
    with pytest.raises(StatementMalformed, match="not an ISO 20022 camt document"):
        parse_camt053(b'<Document xmlns="urn:example:other"><x/></Document>')
