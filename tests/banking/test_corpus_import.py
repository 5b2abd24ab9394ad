"""Every file of the shared corpus through the banking import service: stored, or refused by name.

The parser-level walk (tests/core/formats/test_corpus.py) says what each file holds; this walk
takes the same expectations through `statement_import` — the path `lawledger bank import` and the
web upload use — into a trust account of the file's currency: every line is stored once (a second
import adds nothing), or the file is refused with its reason and nothing is written.
"""

from __future__ import annotations

import pytest

from lawledger.audit.models import AuditRecord
from lawledger.banking.models import BankLine, BankStatement
from lawledger.banking.services import statement_import
from lawledger.core.errors import InvalidInput
from tests import factories
from tests.core.formats.test_corpus import CORPUS, EXPECTED, FILES, Parsed, Refused

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(CORPUS is None, reason="shared/corpus is not beside the repository")]


def _import(name: str) -> object:
    assert CORPUS is not None
    expected = EXPECTED[name]
    profile = expected.options.get("csv_profile") if isinstance(expected, Parsed) else None
    return statement_import(actor=factories.OPERATOR, account="IOLTA",
                            data=(CORPUS / name).read_bytes(), profile=profile,
                            file_name=name.rsplit("/", 1)[-1])


def _counts() -> tuple[int, int, int]:
    return BankStatement.objects.count(), BankLine.objects.count(), AuditRecord.objects.count()


@pytest.mark.parametrize("name", [n for n in FILES if isinstance(EXPECTED.get(n), Parsed)])
def test_each_readable_corpus_file_imports_once_and_a_second_import_adds_nothing(name: str) -> None:
    expected = EXPECTED[name]
    assert isinstance(expected, Parsed)
    factories.firm()
    factories.trust_account(currency=expected.currency)
    result = _import(name)
    total = sum(expected.lines)
    assert result.new_lines + result.duplicate_lines + result.ignored_lines == total
    assert len(result.statements) == len(expected.lines)
    assert BankLine.objects.count() == result.new_lines
    assert BankStatement.objects.count() == len(expected.lines)
    if expected.first_amount_minor:
        assert BankLine.objects.filter(amount_minor=expected.first_amount_minor).exists()
    if len(expected.lines) == 1 and expected.closing_minor is not None:
        assert result.closing_balance_minor == expected.closing_minor
    before = _counts()[:2]
    again = _import(name)
    assert (again.already_imported, again.new_lines) == (True, 0)
    assert _counts()[:2] == before


@pytest.mark.parametrize("name", [n for n in FILES if isinstance(EXPECTED.get(n), Refused)])
def test_each_unreadable_corpus_file_is_refused_with_its_reason_and_writes_nothing(
        name: str) -> None:
    expected = EXPECTED[name]
    assert isinstance(expected, Refused)
    factories.firm()
    factories.trust_account()
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        _import(name)
    assert isinstance(caught.value, expected.error)
    assert expected.reason in caught.value.message
    assert _counts() == before


def test_a_corpus_statement_in_another_currency_than_the_account_is_refused() -> None:
    from lawledger.banking.errors import StatementCurrencyMismatch

    factories.firm()
    factories.trust_account(currency="USD")
    with pytest.raises(StatementCurrencyMismatch) as caught:
        _import("mt940/wolph-mt940__jejik_ing.sta")
    assert caught.value.message == "file: the statement is in EUR, IOLTA is kept in USD"
    assert _counts()[:2] == (0, 0)


def test_a_corpus_statement_of_another_account_number_is_refused() -> None:
    from lawledger.banking.errors import StatementAccountMismatch

    factories.firm()
    factories.trust_account(currency="EUR", account_number="NL00BANK0123456789")
    with pytest.raises(StatementAccountMismatch):
        _import("mt940/wolph-mt940__jejik_ing.sta")
    assert _counts()[:2] == (0, 0)
