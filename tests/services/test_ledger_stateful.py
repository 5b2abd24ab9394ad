"""A stateful property test of the real ledger services on the database (I1, I3, I5, I7).

Hypothesis throws random sequences of deposits, disbursements, transfers, earned-fee transfers,
firm-ledger entries, reversals and idempotent replays, many of them backdated, at the services.
A small independent model of the effective-date timelines says which commands must be accepted and
what every balance must be. After every step the raw tables are checked (I1 per entry, I3 on every
running balance, I5 per trust book, balance rows equal to their postings, the audit chain), and a
refused command must have changed nothing at all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from lawledger.audit.verify import verify_chain
from lawledger.core.errors import (
    AlreadyReversed,
    ClientLedgerOverdraft,
    FirmLedgerOverdraft,
    IdempotencyKeyReused,
    InvalidInput,
    LawLedgerError,
)
from lawledger.core.ledger import EntryKind
from lawledger.ledger import services
from lawledger.ledger.models import LedgerAccount
from tests import factories
from tests.factories import OPERATOR
from tests.services.ledger_invariants import (
    NON_NEGATIVE,
    all_problems,
    django_query,
    state_snapshot,
)

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 5)
MATTERS = 3
Key = tuple[str, int]  # (ledger kind, matter index or -1 for a firm ledger)

days = st.integers(min_value=0, max_value=45).map(lambda n: START + dt.timedelta(days=n))
amounts = st.one_of(st.integers(min_value=1, max_value=60_000),
                    st.sampled_from([1, 99, 100, 10_000, 25_000]))
matter_index = st.integers(min_value=0, max_value=MATTERS - 1)
# Money going out: a share (in percent) of what the ledger can spare on that day, so that most
# attempts are near the limit on either side of it, or a plain amount.
outflows = st.one_of(st.tuples(st.just("share"), st.integers(min_value=1, max_value=105)),
                     st.tuples(st.just("minor"), amounts))

FIRM_KINDS = {
    # entry kind: (firm ledger, +1 money in / -1 money out of the bank)
    EntryKind.FIRM_DEPOSIT: ("firm_funds", 1), EntryKind.BANK_CHARGE: ("firm_funds", -1),
    EntryKind.FIRM_WITHDRAWAL: ("firm_funds", -1), EntryKind.INTEREST: ("interest", 1),
    EntryKind.INTEREST_REMITTANCE: ("interest", -1),
    EntryKind.UNIDENTIFIED_DEPOSIT: ("unidentified", 1),
}


def _decimal(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


@dataclass
class Posted:
    public_id: str
    kind: str
    day: dt.date
    legs: dict[Key, int]  # natural change per ledger


@dataclass
class Model:
    """Each ledger's timeline: (date, recording order, natural change)."""

    timelines: dict[Key, list[tuple[dt.date, int, int]]] = field(
        default_factory=lambda: defaultdict(list))
    order: int = 0
    reversed_ids: set[str] = field(default_factory=set)
    keys: dict[str, tuple[object, ...]] = field(default_factory=dict)

    def lowest_from(self, key: Key, day: dt.date) -> int:
        """The lowest running balance at the end of `day` and at every later point."""
        points = sorted(self.timelines[key])
        running = sum(delta for when, _, delta in points if when <= day)
        lowest = running
        for when, _, delta in points:
            if when > day:
                running += delta
                lowest = min(lowest, running)
        return lowest

    def refusal(self, legs: dict[Key, int], day: dt.date) -> type[LawLedgerError] | None:
        failing = [key for key, delta in legs.items()
                   if delta < 0 and key[0] in NON_NEGATIVE and self.lowest_from(key, day) + delta < 0]
        if any(kind == "client" for kind, _ in failing):
            return ClientLedgerOverdraft
        return FirmLedgerOverdraft if failing else None

    def apply(self, legs: dict[Key, int], day: dt.date) -> None:
        self.order += 1
        for key, delta in legs.items():
            self.timelines[key].append((day, self.order, delta))

    def outflow(self, key: Key, day: dt.date, how: tuple[str, int]) -> int:
        mode, number = how
        if mode == "minor":
            return number
        return max(1, self.lowest_from(key, day) * number // 100)

    def balance(self, key: Key) -> int:
        return sum(delta for _, _, delta in self.timelines[key])


class LedgerMachine(RuleBasedStateMachine):
    entries = Bundle("entries")

    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint of the test's transaction and is rolled back after.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        factories.firm(uncleared_funds="off")
        factories.trust_account()
        factories.operating_account()
        self.matters = [factories.matter(title=f"Matter {n}") for n in range(MATTERS)]
        self.model = Model()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # -- helpers ---------------------------------------------------------------------------

    def _attempt(self, command: object, legs: dict[Key, int], day: dt.date,
                 expected_refusal: type[LawLedgerError] | None, kind: str) -> object:
        before = state_snapshot(django_query)
        try:
            result = command()  # type: ignore[operator]
        except LawLedgerError as error:
            assert expected_refusal is not None and isinstance(error, expected_refusal), (
                f"{kind} on {day} refused with {error.code}: {error.message}; the model "
                f"expected {expected_refusal}")
            assert state_snapshot(django_query) == before, "a refused command changed the books"
            return multiple()
        assert expected_refusal is None, f"{kind} on {day} accepted; expected {expected_refusal}"
        self.model.apply(legs, day)
        return Posted(result.entry.public_id, kind, day, legs)  # type: ignore[attr-defined]

    # -- rules -------------------------------------------------------------------------------

    @initialize(target=entries, amounts_minor=st.lists(amounts, min_size=MATTERS + 1,
                                                       max_size=MATTERS + 1))
    def money_in_every_ledger(self, amounts_minor: list[int]) -> object:
        """Start with money on every client ledger and in firm funds, so most outflows can pass."""
        posted = [self.deposit(matter, 100 * amount, START)
                  for matter, amount in enumerate(amounts_minor[:MATTERS])]
        posted.append(self.firm_entry(EntryKind.FIRM_DEPOSIT, ("minor", amounts_minor[-1]),
                                      START))
        return multiple(*posted)

    @rule(target=entries, matter=matter_index, amount=amounts, day=days)
    def deposit(self, matter: int, amount: int, day: dt.date) -> object:
        legs = {("client", matter): amount, ("trust_bank", -1): amount}
        return self._attempt(lambda: factories.deposit(self.matters[matter], _decimal(amount),
                                                       date=day.isoformat()),
                             legs, day, None, "deposit")

    @rule(target=entries, matter=matter_index, how=outflows, day=days)
    def disburse(self, matter: int, how: tuple[str, int], day: dt.date) -> object:
        amount = self.model.outflow(("client", matter), day, how)
        legs = {("client", matter): -amount, ("trust_bank", -1): -amount}
        return self._attempt(lambda: factories.disburse(self.matters[matter], _decimal(amount),
                                                        date=day.isoformat()),
                             legs, day, self.model.refusal(legs, day), "disbursement")

    @rule(target=entries, source=matter_index, shift=st.integers(1, MATTERS - 1), how=outflows,
          day=days)
    def transfer(self, source: int, shift: int, how: tuple[str, int], day: dt.date) -> object:
        target = (source + shift) % MATTERS
        amount = self.model.outflow(("client", source), day, how)
        legs = {("client", source): -amount, ("client", target): amount}
        return self._attempt(lambda: services.trust_transfer_record(
            actor=OPERATOR, from_matter=self.matters[source], to_matter=self.matters[target],
            amount=_decimal(amount), date=day.isoformat()),
            legs, day, self.model.refusal(legs, day), "transfer")

    @rule(target=entries, matter=matter_index, how=outflows, day=days)
    def earned_fee(self, matter: int, how: tuple[str, int], day: dt.date) -> object:
        amount = self.model.outflow(("client", matter), day, how)
        legs = {("client", matter): -amount, ("trust_bank", -1): -amount,
                ("operating_bank", -1): amount, ("fee_income", -1): amount}
        return self._attempt(lambda: services.earned_fee_transfer_record(
            actor=OPERATOR, matter=self.matters[matter], amount=_decimal(amount),
            account="IOLTA", date=day.isoformat(), invoice_ref="INV-1"),
            legs, day, self.model.refusal(legs, day), "earned fee")

    @rule(target=entries, kind=st.sampled_from(sorted(FIRM_KINDS)), how=outflows, day=days)
    def firm_entry(self, kind: EntryKind, how: tuple[str, int], day: dt.date) -> object:
        ledger, direction = FIRM_KINDS[kind]
        amount = (self.model.outflow((ledger, -1), day, how) if direction < 0
                  else how[1] if how[0] == "minor" else how[1] * 100)
        legs = {(ledger, -1): direction * amount, ("trust_bank", -1): direction * amount}
        return self._attempt(lambda: services.trust_firm_entry_record(
            actor=OPERATOR, kind=kind, account="IOLTA", amount=_decimal(amount),
            date=day.isoformat(), counterparty="Bank"),
            legs, day, self.model.refusal(legs, day), kind.value)

    @rule(target=entries, original=entries, offset=st.integers(min_value=-3, max_value=30))
    def reverse(self, original: Posted, offset: int) -> object:
        day = original.day + dt.timedelta(days=offset)
        legs = {key: -delta for key, delta in original.legs.items()}
        expected: type[LawLedgerError] | None
        if original.kind == EntryKind.REVERSAL or original.public_id in self.model.reversed_ids:
            expected = AlreadyReversed
        elif offset < 0:
            expected = InvalidInput
        else:
            expected = self.model.refusal(legs, day)
        result = self._attempt(lambda: services.trust_reversal_record(
            actor=OPERATOR, entry=original.public_id, reason="reversed by the model",
            date=day.isoformat()), legs, day, expected, EntryKind.REVERSAL.value)
        if isinstance(result, Posted):
            self.model.reversed_ids.add(original.public_id)
        return result

    @rule(matter=matter_index, amount=amounts, day=days, key=st.sampled_from(["a", "b"]))
    def keyed_deposit(self, matter: int, amount: int, day: dt.date, key: str) -> None:
        request = (matter, amount, day)
        earlier = self.model.keys.get(key)
        before = state_snapshot(django_query)

        def run() -> object:
            return factories.deposit(self.matters[matter], _decimal(amount),
                                     date=day.isoformat(), idempotency_key=key)

        if earlier is None:
            run()
            self.model.keys[key] = request
            self.model.apply({("client", matter): amount, ("trust_bank", -1): amount}, day)
        elif earlier == request:
            assert run().replayed  # type: ignore[attr-defined]
            assert state_snapshot(django_query) == before
        else:
            with pytest.raises(IdempotencyKeyReused):
                run()
            assert state_snapshot(django_query) == before

    # -- after every step ---------------------------------------------------------------------

    @invariant()
    def the_books_hold(self) -> None:
        assert all_problems(django_query) == []

    @invariant()
    def every_balance_is_what_the_model_says(self) -> None:
        actual: dict[Key, int] = {}
        index = {number: n for n, number in enumerate(self.matters)}
        for row in LedgerAccount.objects.select_related("matter"):
            key = (row.kind, index[row.matter.number] if row.matter else -1)
            actual[key] = row.balance_minor
        for key in set(actual) | set(self.model.timelines):
            assert actual.get(key, 0) == self.model.balance(key), key

    @invariant()
    def the_audit_chain_verifies(self) -> None:
        result = verify_chain()
        assert result.ok, result.problem


def test_random_command_sequences_keep_every_ledger_invariant() -> None:
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=25, stateful_step_count=25, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]))
