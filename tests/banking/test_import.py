"""Importing statements: all or nothing, deduplicated, refused for another account or currency."""

from __future__ import annotations

import pytest
from django.db import connection

from lawledger.audit.models import AuditRecord
from lawledger.banking.errors import (
    StatementAccountMismatch,
    StatementCurrencyMismatch,
    StatementTooLarge,
)
from lawledger.banking.imports import MAX_STATEMENT_BYTES, account_numbers_agree
from lawledger.banking.models import BankLine, BankStatement
from lawledger.banking.services import statement_import
from lawledger.core.access import Role
from lawledger.core.errors import InvalidInput, PermissionDenied
from lawledger.core.formats.statement import LineKind, StatementLine, StatementMalformed
from tests import factories
from tests.banking.builders import line, load, statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> dict[str, str]:
    factories.firm(uncleared_funds="off")
    factories.trust_account(account_number="123456789")
    return {"account": "IOLTA", "matter": factories.matter()}


def _march() -> object:
    return statement(
        line(1, "2026-03-02", 100_000, LineKind.DEPOSIT, bank_reference="FIT-1",
             counterparty="Acme Corp", description="Canary deposit 4411"),
        line(2, "2026-03-09", -7_500, LineKind.CHECK, bank_reference="FIT-2", check_number="101"),
        line(3, "2026-03-31", -1_500, LineKind.FEE, bank_reference="FIT-3"),
        account_number="123456789", closing_minor=91_000, closing_day="2026-03-31",
        start="2026-03-01", end="2026-03-31")


def _counts() -> tuple[int, int]:
    return BankStatement.objects.count(), BankLine.objects.count()


def test_it_imports_a_statement_and_keeps_the_counterparty_encrypted(firm: dict[str, str]) -> None:
    result = load(_march())
    assert (result.new_lines, result.duplicate_lines, result.already_imported) == (3, 0, False)
    assert result.as_dict()["period"] == {"start": "2026-03-01", "end": "2026-03-31"}
    assert result.as_dict()["closing_balance"] == "910.00"
    assert _counts() == (1, 3)
    stored = BankLine.objects.get(bank_reference="FIT-1")
    assert (stored.counterparty, stored.description) == ("Acme Corp", "Canary deposit 4411")
    with connection.cursor() as cursor:
        cursor.execute("SELECT counterparty, description FROM banking_line WHERE bank_reference = %s",
                       ["FIT-1"])
        raw = cursor.fetchone()
    assert all(value.startswith("enc1:") and "Canary" not in value for value in raw)
    assert AuditRecord.objects.filter(event="bank.statement_imported").count() == 1


def test_importing_the_same_file_again_adds_nothing(firm: dict[str, str]) -> None:
    load(_march(), name="march.csv")
    again = load(_march(), name="march.csv")
    assert (again.new_lines, again.duplicate_lines, again.already_imported) == (0, 3, True)
    assert _counts() == (1, 3)


def test_an_overlapping_file_adds_only_the_lines_not_seen_before(firm: dict[str, str]) -> None:
    load(_march(), name="march.csv")
    overlap = statement(
        line(1, "2026-03-31", -1_500, LineKind.FEE, bank_reference="FIT-3"),
        line(2, "2026-04-01", 20_000, LineKind.DEPOSIT, bank_reference="FIT-4"),
        account_number="123456789")
    result = load(overlap, name="march-april.csv")
    assert (result.new_lines, result.duplicate_lines) == (1, 1)
    assert _counts() == (2, 4)


def test_lines_without_bank_ids_are_deduplicated_by_content_and_twins_are_kept(
        firm: dict[str, str]) -> None:
    twins = [line(1, "2026-03-05", -2_000, LineKind.PAYMENT), line(2, "2026-03-05", -2_000,
                                                                   LineKind.PAYMENT)]
    first = load(statement(*twins), name="a.csv")
    assert first.new_lines == 2
    more = load(statement(*twins, line(3, "2026-03-06", -2_000, LineKind.PAYMENT)), name="b.csv")
    assert (more.new_lines, more.duplicate_lines) == (1, 2)
    assert BankLine.objects.filter(amount_minor=-2_000).count() == 3


def test_it_refuses_a_statement_of_another_account_and_writes_nothing(firm: dict[str, str]) -> None:
    before, audit = _counts(), AuditRecord.objects.count()
    other = statement(line(1, "2026-03-02", 100, LineKind.DEPOSIT), account_number="987654321")
    with pytest.raises(StatementAccountMismatch) as caught:
        load(other)
    assert caught.value.code == "statement_account_mismatch"
    assert "4321" in caught.value.message and "987654321" not in caught.value.message
    assert (_counts(), AuditRecord.objects.count()) == (before, audit)


def test_it_takes_only_this_accounts_statement_from_a_file_of_several(firm: dict[str, str]) -> None:
    result = load(statement(line(1, "2026-03-02", 100), account_number="555"),
                  statement(line(1, "2026-03-02", 200), account_number="123456789"))
    assert (result.new_lines, result.skipped_statements) == (1, 1)
    assert list(BankLine.objects.values_list("amount_minor", flat=True)) == [200]


@pytest.mark.parametrize(("ours", "theirs", "agree"), [
    ("123456789", "123456789", True), ("123-456-789", "0123456789 ", True),
    ("123456789", "XXXXX6789", True), ("123456789", "*****1789", False),
    ("DE81254326973657190105", "254326973657190105", True), ("123456789", "123456780", False),
    ("123456789", "", True)])
def test_account_numbers_are_compared_by_digits_masks_and_ibans(ours: str, theirs: str,
                                                                agree: bool) -> None:
    assert account_numbers_agree(ours, theirs) is agree


def test_it_refuses_a_statement_in_another_currency(firm: dict[str, str]) -> None:
    with pytest.raises(StatementCurrencyMismatch):
        load(statement(line(1, "2026-03-02", 100), currency="EUR"))
    assert _counts() == (0, 0)


def test_one_bad_line_refuses_the_whole_file_naming_the_line(firm: dict[str, str]) -> None:
    bad = StatementLine(line_number=3, posted_on=__import__("datetime").date(2026, 3, 3),
                        amount_minor=10**16)
    with pytest.raises(StatementMalformed, match="line 3"):
        load(statement(line(1, "2026-03-01", 100), line(2, "2026-03-02", 200), bad))
    assert _counts() == (0, 0)


def test_one_bank_id_on_two_different_lines_is_refused(firm: dict[str, str]) -> None:
    with pytest.raises(StatementMalformed, match="line 2: bank reference 'X1'"):
        load(statement(line(1, "2026-03-01", 100, bank_reference="X1"),
                       line(2, "2026-03-02", 900, bank_reference="X1")))
    assert _counts() == (0, 0)


def test_zero_lines_are_left_out(firm: dict[str, str]) -> None:
    result = load(statement(line(1, "2026-03-01", 0), line(2, "2026-03-02", 5)))
    assert (result.new_lines, result.ignored_lines) == (1, 1)


@pytest.mark.parametrize(("name", "data"), [
    ("xxe", b'<?xml version="1.0"?><!DOCTYPE OFX [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD</CURDEF>&xxe;</STMTRS>"
            b"</STMTTRNRS></BANKMSGSRSV1></OFX>"),
    ("billion laughs", b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                       b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                       b"<Document>&lol2;</Document>"),
    ("binary junk", bytes(range(256)) * 64),
    ("truncated", b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS>"
                  b"<STMTRS><CURDEF>USD<BANKTRANLIST><STMTTRN><TRNAMT>12"),
    ("empty", b""),
])
def test_a_hostile_file_gets_a_clear_error_and_imports_nothing(firm: dict[str, str], name: str,
                                                               data: bytes) -> None:
    before, audit = _counts(), AuditRecord.objects.count()
    with pytest.raises(InvalidInput) as caught:
        statement_import(actor=factories.OPERATOR, account="IOLTA", data=data)
    assert caught.value.param in ("file", "format")
    assert caught.value.message
    assert "root:" not in caught.value.message  # nothing of /etc/passwd
    assert (_counts(), AuditRecord.objects.count()) == (before, audit)


def test_an_oversized_file_is_refused_before_it_is_read(firm: dict[str, str]) -> None:
    with pytest.raises(StatementTooLarge) as caught:
        statement_import(actor=factories.OPERATOR, account="IOLTA",
                         data=b"0" * (MAX_STATEMENT_BYTES + 1))
    assert caught.value.code == "statement_too_large" and caught.value.param == "file"
    assert _counts() == (0, 0)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ATTORNEY, Role.PARALEGAL])
def test_only_bookkeepers_and_admins_import(firm: dict[str, str], role: Role) -> None:
    with pytest.raises(PermissionDenied):
        load(_march(), actor=factories.user(role))
    assert _counts() == (0, 0)
    load(_march(), actor=factories.user(Role.BOOKKEEPER))
    assert _counts() == (1, 3)
