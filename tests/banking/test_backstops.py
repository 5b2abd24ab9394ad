"""The database refuses what the banking rules forbid, even to raw SQL (both engines)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from lawledger.banking.models import BankLine, Match, MatchItem
from lawledger.banking.services import auto_match, match_confirm
from lawledger.core.formats.statement import LineKind
from lawledger.db import maintenance
from tests import factories
from tests.banking.builders import line, load, statement
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


def _refused(sql: str, params: list[object] | None = None) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])


def _one(sql: str, params: list[object] | None = None) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


@pytest.fixture
def matched() -> Match:
    factories.firm(uncleared_funds="off")
    factories.trust_account()
    matter = factories.matter()
    factories.deposit(matter, "100.00", date="2026-03-02")
    factories.deposit(matter, "100.00", date="2026-03-02")
    load(statement(line(1, "2026-03-03", 10_000, LineKind.DEPOSIT, bank_reference="F1"),
                   line(2, "2026-03-03", 10_000, LineKind.DEPOSIT, bank_reference="F2")))
    auto_match(actor=OPERATOR, account="IOLTA")
    return Match.objects.order_by("pk").first()


def test_it_refuses_to_edit_or_delete_imported_statements_and_lines(matched: Match) -> None:
    _refused("UPDATE banking_line SET amount_minor = 1")
    _refused("DELETE FROM banking_line")
    _refused("UPDATE banking_statement SET closing_balance_minor = 1")
    _refused("DELETE FROM banking_statement")
    assert _one("SELECT COUNT(*) FROM banking_line") == 2


def test_a_match_never_moves_backwards_or_changes_what_it_matched(matched: Match) -> None:
    match_confirm(actor=OPERATOR, match=matched.public_id)
    _refused("UPDATE banking_match SET status = 'proposed', confirmed_at = NULL WHERE id = %s",
             [matched.pk])
    _refused("UPDATE banking_match SET confidence = 1 WHERE id = %s", [matched.pk])
    _refused("UPDATE banking_match SET confirmed_by = 'someone else' WHERE id = %s", [matched.pk])
    _refused("UPDATE banking_match_item SET amount_minor = 5 WHERE match_id = %s", [matched.pk])
    _refused("UPDATE banking_match_item SET status = 'proposed' WHERE match_id = %s", [matched.pk])
    _refused("DELETE FROM banking_match_item")
    _refused("DELETE FROM banking_match")
    assert _one("SELECT status FROM banking_match WHERE id = %s", [matched.pk]) == "confirmed"


def test_a_confirmed_match_is_stamped_with_who_and_when(matched: Match) -> None:
    _refused("UPDATE banking_match SET status = 'confirmed' WHERE id = %s", [matched.pk])


def test_a_bank_line_is_in_at_most_one_live_match(matched: Match) -> None:
    item = MatchItem.objects.filter(match=matched, bank_line__isnull=False).first()
    other = Match.objects.exclude(pk=matched.pk).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO banking_match_item (match_id, bank_line_id, amount_minor, "
                           "status) VALUES (%s, %s, %s, 'proposed')",
                           [other.pk, item.bank_line_id, item.amount_minor])


def test_a_line_seen_twice_by_its_bank_id_is_refused_by_the_database(matched: Match) -> None:
    existing = BankLine.objects.get(bank_reference="F1")
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO banking_line (public_id, statement_id, bank_account_id, line_number, "
                "posted_on, amount_minor, currency, kind, bank_reference, end_to_end_id, "
                "check_number, fingerprint) VALUES ('bl_x', %s, %s, 9, '2026-03-03', 5, 'USD', "
                "'deposit', 'F1', '', '', 'different')",
                [existing.statement_id, existing.bank_account_id])


def test_the_purge_window_is_the_only_way_to_delete(matched: Match) -> None:
    with transaction.atomic(), maintenance.window("purge"):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM banking_match_item")
            cursor.execute("DELETE FROM banking_match")
    assert _one("SELECT COUNT(*) FROM banking_match") == 0
