"""Matching on a real database: proposals, confirmation (and clearance), undo, matches by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from lawledger.banking.errors import AlreadyMatched, MatchNotLive, MatchUnbalanced
from lawledger.banking.models import BankLine, Match, MatchItem
from lawledger.banking.services import (
    auto_match,
    match_by_hand,
    match_confirm,
    match_undo,
    matches_confirm_all,
)
from lawledger.core.access import Role
from lawledger.core.errors import PeriodLocked, PermissionDenied
from lawledger.core.formats.statement import LineKind
from lawledger.ledger.accounts import get_bank_account
from lawledger.ledger.models import DepositClearance
from lawledger.ledger.services import period_lock_record
from tests import factories
from tests.banking.builders import line, load, statement
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def books() -> dict[str, object]:
    factories.firm(uncleared_funds="off")
    factories.trust_account()
    matter = factories.matter()
    entries = {
        "deposit": factories.deposit(matter, "1000.00", date="2026-03-02").entry,
        "check": factories.disburse(matter, "75.00", date="2026-03-03", check_number="101").entry,
        "slip_a": factories.deposit(matter, "100.00", date="2026-03-10", reference="slip 9").entry,
        "slip_b": factories.deposit(matter, "250.00", date="2026-03-10", reference="slip 9").entry,
    }
    load(statement(
        line(1, "2026-03-03", 100_000, LineKind.DEPOSIT, bank_reference="F1"),
        line(2, "2026-03-20", -7_500, LineKind.CHECK, bank_reference="F2", check_number="0101"),
        line(3, "2026-03-11", 35_000, LineKind.DEPOSIT, bank_reference="F3"),
        line(4, "2026-03-31", -1_500, LineKind.FEE, bank_reference="F4")))
    return {"matter": matter, **entries}


def _methods() -> dict[str, tuple[str, int]]:
    rows = {}
    for match in Match.objects.filter(status="proposed"):
        lines = sorted(MatchItem.objects.filter(match=match, bank_line__isnull=False)
                       .values_list("bank_line__bank_reference", flat=True))
        rows[",".join(lines)] = (match.method, match.confidence)
    return rows


def test_auto_matching_proposes_each_kind_of_match(books: dict[str, object]) -> None:
    result = auto_match(actor=OPERATOR, account="IOLTA")
    assert result.proposed == 3
    assert result.by_method == {"amount_date": 1, "check_number": 1, "deposit_slip": 1}
    assert _methods() == {"F1": ("amount_date", 86), "F2": ("check_number", 100),
                          "F3": ("deposit_slip", 90)}
    assert auto_match(actor=OPERATOR, account="IOLTA").proposed == 0  # nothing left to propose


def test_confirming_a_deposit_match_records_when_the_bank_showed_it(
        books: dict[str, object]) -> None:
    auto_match(actor=OPERATOR, account="IOLTA")
    deposit_match = MatchItem.objects.get(bank_line__bank_reference="F1").match
    confirmed = match_confirm(actor=OPERATOR, match=deposit_match.public_id)
    assert confirmed.status == "confirmed" and confirmed.confirmed_by == OPERATOR.label
    clearance = DepositClearance.objects.get(entry=books["deposit"])
    assert (clearance.cleared_on, clearance.source) == (dt.date(2026, 3, 3), "bank_statement")
    with pytest.raises(MatchNotLive):
        match_confirm(actor=OPERATOR, match=deposit_match.public_id)


def test_confirm_all_takes_the_proposals_at_or_above_a_confidence(books: dict[str, object]) -> None:
    auto_match(actor=OPERATOR, account="IOLTA")
    assert matches_confirm_all(actor=OPERATOR, account="IOLTA", min_confidence=90) == 2
    assert Match.objects.filter(status="proposed").count() == 1
    assert DepositClearance.objects.filter(entry__in=[books["slip_a"], books["slip_b"]]).count() == 2


def test_undoing_a_match_reopens_its_lines_and_keeps_its_history(books: dict[str, object]) -> None:
    auto_match(actor=OPERATOR, account="IOLTA")
    match = MatchItem.objects.get(bank_line__bank_reference="F2").match
    match_confirm(actor=OPERATOR, match=match.public_id)
    undone = match_undo(actor=OPERATOR, match=match.public_id, reason="wrong check")
    assert (undone.status, undone.undo_reason, undone.undone_by) == ("undone", "wrong check",
                                                                     OPERATOR.label)
    assert set(MatchItem.objects.filter(match=match).values_list("status", flat=True)) == {"undone"}
    with pytest.raises(MatchNotLive):
        match_undo(actor=OPERATOR, match=match.public_id, reason="again")
    assert auto_match(actor=OPERATOR, account="IOLTA").by_method == {"check_number": 1}
    assert Match.objects.count() == 4  # the undone one is still there


def test_a_match_by_hand_must_balance(books: dict[str, object]) -> None:
    fee = BankLine.objects.get(bank_reference="F4")
    with pytest.raises(MatchUnbalanced) as caught:
        match_by_hand(actor=OPERATOR, account="IOLTA", bank_lines=[fee.public_id],
                      entries=[books["check"].public_id])
    assert caught.value.code == "match_unbalanced"
    assert "-15.00" in caught.value.message and "-75.00" in caught.value.message
    assert Match.objects.count() == 0


def test_a_match_by_hand_replaces_proposals_but_not_confirmed_matches(
        books: dict[str, object]) -> None:
    auto_match(actor=OPERATOR, account="IOLTA")
    line_f1 = BankLine.objects.get(bank_reference="F1")
    made = match_by_hand(actor=OPERATOR, account="IOLTA", bank_lines=[line_f1.public_id],
                         entries=[books["deposit"].public_id], note="seen on the slip")
    assert (made.method, made.status, made.confidence, made.note) == ("manual", "confirmed", 100,
                                                                      "seen on the slip")
    assert MatchItem.objects.get(bank_line=line_f1, status="confirmed").match == made
    assert Match.objects.filter(status="undone").count() == 1
    with pytest.raises(AlreadyMatched):
        match_by_hand(actor=OPERATOR, account="IOLTA", bank_lines=[line_f1.public_id],
                      entries=[books["deposit"].public_id])


def test_a_match_settled_inside_a_signed_period_cannot_be_undone(books: dict[str, object]) -> None:
    auto_match(actor=OPERATOR, account="IOLTA")
    match = MatchItem.objects.get(bank_line__bank_reference="F1").match
    with transaction.atomic():
        period_lock_record(actor=OPERATOR, account=get_bank_account("IOLTA"),
                           through_date=dt.date(2026, 3, 31))
    with pytest.raises(PeriodLocked):
        match_undo(actor=OPERATOR, match=match.public_id, reason="too late")
    assert Match.objects.get(pk=match.pk).status == "proposed"


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ATTORNEY])
def test_readers_may_not_match(books: dict[str, object], role: Role) -> None:
    with pytest.raises(PermissionDenied):
        auto_match(actor=factories.user(role), account="IOLTA")
    assert Match.objects.count() == 0


def test_a_returned_deposit_matches_its_reversal(books: dict[str, object]) -> None:
    from lawledger.ledger.services import trust_reversal_record

    bounced = factories.deposit(books["matter"], "40.00", date="2026-03-12").entry
    reversal = trust_reversal_record(actor=OPERATOR, entry=bounced.public_id,
                                     reason="returned unpaid", date="2026-03-16").entry
    load(statement(line(1, "2026-03-13", 4_000, LineKind.DEPOSIT, bank_reference="F5"),
                   line(2, "2026-03-16", -4_000, LineKind.RETURNED, bank_reference="F6")),
         name="returned.csv")
    auto_match(actor=OPERATOR, account="IOLTA")
    returned = MatchItem.objects.get(bank_line__bank_reference="F6").match
    assert returned.method == "returned_item"
    assert MatchItem.objects.get(match=returned, entry__isnull=False).entry_id == reversal.pk
