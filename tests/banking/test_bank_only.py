"""Bank-only lines become proposed firm-ledger entries that a person posts; never a client's."""

from __future__ import annotations

import pytest

from lawledger.banking.errors import ProposalNotOpen
from lawledger.banking.models import BankOnlyProposal, MatchItem
from lawledger.banking.services import bank_only_dismiss, bank_only_post, bank_only_propose
from lawledger.core.errors import FirmLedgerOverdraft, InvalidInput, PermissionDenied
from lawledger.core.formats.statement import LineKind
from lawledger.ledger.models import JournalEntry, LedgerAccount
from tests import factories
from tests.banking.builders import line, load, statement
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines() -> str:
    factories.firm(uncleared_funds="off")
    factories.trust_account()
    matter = factories.matter()
    factories.deposit(matter, "500.00", date="2026-03-02")
    load(statement(line(1, "2026-03-31", -1_500, LineKind.FEE, bank_reference="F1",
                        description="Service charge"),
                   line(2, "2026-03-31", 312, LineKind.INTEREST, bank_reference="F2"),
                   line(3, "2026-03-20", 25_000, LineKind.DEPOSIT, bank_reference="F3",
                        counterparty="J. Doe"),
                   line(4, "2026-03-21", -9_900, LineKind.PAYMENT, bank_reference="F4")))
    return matter


def _by_kind() -> dict[str, BankOnlyProposal]:
    return {p.entry_kind: p for p in BankOnlyProposal.objects.all()}


def test_each_bank_only_line_is_proposed_for_its_firm_ledger(lines: str) -> None:
    made = bank_only_propose(actor=OPERATOR, account="IOLTA")
    assert sorted((p.entry_kind, p.amount_minor) for p in made) == [
        ("bank_charge", 1_500), ("interest", 312), ("unidentified_deposit", 25_000)]
    assert _by_kind()["unidentified_deposit"].counterparty == "J. Doe"
    assert bank_only_propose(actor=OPERATOR, account="IOLTA") == []  # not twice
    assert JournalEntry.objects.count() == 1  # nothing is posted without a person


def test_posting_interest_and_an_unidentified_deposit_reaches_the_firm_ledgers_only(
        lines: str) -> None:
    bank_only_propose(actor=OPERATOR, account="IOLTA")
    client_before = LedgerAccount.objects.get(kind="client").balance_minor
    interest = bank_only_post(actor=OPERATOR, proposal=_by_kind()["interest"].public_id)
    unknown = bank_only_post(actor=OPERATOR, proposal=_by_kind()["unidentified_deposit"].public_id)
    assert (interest.entry.kind, unknown.entry.kind) == ("interest", "unidentified_deposit")
    assert LedgerAccount.objects.get(kind="interest").balance_minor == 312
    assert LedgerAccount.objects.get(kind="unidentified").balance_minor == 25_000
    assert LedgerAccount.objects.get(kind="client").balance_minor == client_before
    matched = MatchItem.objects.get(bank_line__bank_reference="F2", status="confirmed").match
    assert matched.method == "bank_only_posted"
    assert MatchItem.objects.get(match=matched, entry__isnull=False).entry_id == interest.entry.pk
    with pytest.raises(ProposalNotOpen):
        bank_only_post(actor=OPERATOR, proposal=_by_kind()["interest"].public_id)


def test_a_bank_charge_needs_firm_funds_in_trust(lines: str) -> None:
    from lawledger.core.ledger import EntryKind
    from lawledger.ledger.services import trust_firm_entry_record

    bank_only_propose(actor=OPERATOR, account="IOLTA")
    charge = _by_kind()["bank_charge"]
    with pytest.raises(FirmLedgerOverdraft):
        bank_only_post(actor=OPERATOR, proposal=charge.public_id)
    assert BankOnlyProposal.objects.get(pk=charge.pk).status == "proposed"
    trust_firm_entry_record(actor=OPERATOR, kind=EntryKind.FIRM_DEPOSIT, account="IOLTA",
                            amount="50.00", date="2026-03-01")
    bank_only_post(actor=OPERATOR, proposal=charge.public_id)
    assert LedgerAccount.objects.get(kind="firm_funds").balance_minor == 3_500


def test_a_proposal_can_be_dismissed_with_a_reason(lines: str) -> None:
    bank_only_propose(actor=OPERATOR, account="IOLTA")
    with pytest.raises(InvalidInput):
        bank_only_dismiss(actor=OPERATOR, proposal=_by_kind()["interest"].public_id, reason=" ")
    dismissed = bank_only_dismiss(actor=OPERATOR, proposal=_by_kind()["interest"].public_id,
                                  reason="recorded by the bank in error")
    assert (dismissed.status, dismissed.dismiss_reason) == ("dismissed",
                                                            "recorded by the bank in error")
    assert [p.entry_kind for p in bank_only_propose(actor=OPERATOR, account="IOLTA")] == [
        "interest"]  # the line is open again for a new proposal


def test_an_auditor_may_not_propose_or_post(lines: str) -> None:
    from lawledger.core.access import Role

    auditor = factories.user(Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        bank_only_propose(actor=auditor, account="IOLTA")
    bank_only_propose(actor=OPERATOR, account="IOLTA")
    with pytest.raises(PermissionDenied):
        bank_only_post(actor=auditor, proposal=_by_kind()["interest"].public_id)
