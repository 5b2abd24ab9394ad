"""The bulk path: many entries of one trust account, one transaction and one audit record per batch.

For migrations and opening balances. A batch gives exactly what posting its entries one by one
through `ledger.services` would give — the same rules, checked in the same order against the same
state — only without a commit, an audit record and a dozen ORM queries per entry:

- access: the actor's role must allow each entry's act, and each matter must be visible to it
  (`access.policy.visible_matters`, the policy's own list filter); a missing or hidden matter is
  not found. A deposit or a transfer into a closed matter is refused.
- I1: every entry's legs go through `core.ledger.check_balanced`.
- I3: each ledger that goes down is checked on its effective-date timeline, against the database
  and the entries before it in the batch (a backdated entry loads the later postings, as `post`
  does). Firm ledgers in trust (firm funds, interest, unidentified) never go below zero either.
- I6: no entry dated inside a signed-off period of either book it touches.
- the firm's uncleared-funds policy (warn collects warnings, hold refuses), duplicate check
  numbers, the account's currency.

A refusal names the entry (its 1-based position in the input) and rolls back its batch; the
batches before it stay posted (the error says how many entries). The database backstops (entry
and posting triggers, CHECK balance ≥ 0, unique check numbers) hold here exactly as for `post`:
rows are inserted with plain SQL, postings before their entry.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import connection, transaction

from lawledger.access.policy import AccessRefused, require, visible_matters
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal, role_allows
from lawledger.core.calendar import add_business_days
from lawledger.core.errors import (
    ClientLedgerOverdraft,
    CurrencyMismatch,
    DuplicateCheckNumber,
    FirmLedgerOverdraft,
    InvalidInput,
    LawLedgerError,
    PeriodLocked,
    PermissionDenied,
    UnclearedFunds,
)
from lawledger.core.ledger import NON_NEGATIVE_KINDS, NORMAL_SIDE, AccountKind, EntryKind, PostingLine
from lawledger.core.ledger import check_balanced as core_check_balanced
from lawledger.core.money import format_minor
from lawledger.core.trust_rules import DepositFacts, lowest_balance_from, uncleared_total
from lawledger.crypto.keyring import KEYRING
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_settings
from lawledger.ledger.accounts import default_operating_account, get_bank_account
from lawledger.ledger.locks import lock_ledger_accounts
from lawledger.ledger.models import BankAccount, LedgerAccount
from lawledger.ledger.services import (
    _FIRM_ENTRY_LEGS,
    DEPOSIT_METHODS,
    PAYMENT_METHODS,
    MatterClosed,
    _check_number,
    _method,
    _reference,
    _text,
)

DEFAULT_BATCH_SIZE = 5000
_MATTER_KINDS = {EntryKind.DEPOSIT, EntryKind.OPENING_BALANCE, EntryKind.DISBURSEMENT,
                 EntryKind.REFUND, EntryKind.TRANSFER, EntryKind.EARNED_FEE}
SUPPORTED_KINDS = frozenset(_MATTER_KINDS | set(_FIRM_ENTRY_LEGS))
_INFLOW = {EntryKind.DEPOSIT, EntryKind.OPENING_BALANCE}
_OUTFLOW_CHECKED = {EntryKind.DISBURSEMENT, EntryKind.REFUND, EntryKind.TRANSFER,
                    EntryKind.EARNED_FEE}
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # core.ids' alphabet: the same public ids, faster


class BulkEvent(StrEnum):
    POSTED = "trust.bulk_posted"


@dataclass(frozen=True, slots=True)
class BulkEntry:
    """One entry to post. `matter` is a matter number (or public id); amounts are minor units."""

    kind: EntryKind
    date: dt.date
    amount_minor: int
    matter: str | None = None
    to_matter: str | None = None        # the receiving matter of a transfer
    payor: str | None = None
    payee: str | None = None
    purpose: str | None = None
    memo: str | None = None
    method: str | None = None
    check_number: str | None = None
    reference: str | None = None
    invoice_ref: str | None = None


@dataclass
class BulkResult:
    posted: int = 0
    batches: int = 0
    first_entry: str | None = None
    last_entry: str | None = None
    warnings: list[str] = field(default_factory=list)


_FROM_RFC4648 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET)


def _public_id(prefix: str) -> str:
    # 80 random bits in 16 base32 digits of core.ids' alphabet, as core.ids.new_public_id.
    return prefix + "_" + base64.b32encode(os.urandom(10)).decode("ascii").translate(_FROM_RFC4648)


def bulk_post(*, actor: Principal, account: str, entries: Iterable[BulkEntry],
              operating_account: str | None = None,
              batch_size: int = DEFAULT_BATCH_SIZE) -> BulkResult:
    """Post `entries` on the trust account `account`, `batch_size` entries per transaction."""
    if batch_size < 1:
        raise InvalidInput("batch_size: must be at least 1", param="batch_size")
    result = BulkResult()
    numbered = enumerate(entries, start=1)
    while True:
        chunk = list(itertools.islice(numbered, batch_size))
        if not chunk:
            return result
        try:
            with transaction.atomic():
                _Batch(actor, account, operating_account, chunk, result).run()
        except LawLedgerError as error:
            if result.posted:
                error.message += (f" ({result.posted} entries in {result.batches} earlier "
                                  "batches were posted)")
                error.args = (error.message,)
            raise
        result.batches += 1


class _Ledger:
    """One ledger account's state while a batch runs (natural balances, as `post` keeps them)."""

    __slots__ = ("balance", "batch_deposits", "batch_events", "deposits", "deposits_from",
                 "label", "last", "row", "side", "start_balance")

    def __init__(self, row: LedgerAccount, label: str) -> None:
        self.row = row
        self.label = label
        self.balance = row.balance_minor
        self.start_balance = row.balance_minor
        self.last = row.last_entry_date
        self.side = NORMAL_SIDE[AccountKind(row.kind)]
        self.batch_events: list[tuple[dt.date, int, int]] = []  # (date, entry id, natural delta)
        self.deposits: list[DepositFacts] | None = None
        self.batch_deposits: list[DepositFacts] = []
        self.deposits_from: dt.date | None = None


class _Batch:
    def __init__(self, actor: Principal, account: str, operating: str | None,
                 chunk: list[tuple[int, BulkEntry]], result: BulkResult) -> None:
        self.actor = actor
        self.chunk = chunk
        self.result = result
        self.bank = get_bank_account(account, kind=BankAccount.Kind.TRUST)
        self.operating_ref = operating
        self.operating: BankAccount | None = None
        self.settings = firm_settings()
        self.ledgers: dict[int, _Ledger] = {}
        self.matters: dict[str, Matter] = {}
        self.cleared_by: dict[dt.date, dt.date] = {}

    # -- set-up: matters, ledger accounts, locks ---------------------------------------------

    def run(self) -> None:
        self._check_acts()
        self._load_matters()
        accounts = self._ledger_accounts()
        locked = lock_ledger_accounts(row.pk for row in accounts.values())
        for key, row in accounts.items():
            self.ledgers[row.pk] = _Ledger(locked[row.pk], self._label(key))
        self.by_key = {key: self.ledgers[row.pk] for key, row in accounts.items()}
        self.locked_through = self._period_locks()
        self.used_checks = self._used_check_numbers()
        self._post_all()

    def _check_acts(self) -> None:
        for number, entry in self.chunk:
            if entry.kind not in SUPPORTED_KINDS:
                raise InvalidInput(f"entry {number}: kind {entry.kind!r} cannot be bulk posted",
                                   param="kind")
            action = Action.RECORD_DEPOSIT if entry.kind in _INFLOW else Action.RECORD_DISBURSEMENT
            if entry.kind in _FIRM_ENTRY_LEGS:
                require(self.actor, action)
            elif not role_allows(self.actor, action):
                raise PermissionDenied(f"entry {number}: {self.actor.role} may not "
                                       f"{action.value.replace('_', ' ')}", param="matter")

    def _load_matters(self) -> None:
        wanted = {ref for _, entry in self.chunk for ref in (entry.matter, entry.to_matter) if ref}
        rows = list(visible_matters(self.actor).filter(number__in=sorted(wanted))
                    .select_related("client"))
        found = {row.number: row for row in rows}
        by_public_id = sorted(wanted - set(found))
        if by_public_id:
            for row in visible_matters(self.actor).filter(public_id__in=by_public_id).select_related(
                    "client"):
                found[row.public_id] = row
        for number, entry in self.chunk:
            for ref, param in ((entry.matter, "matter"), (entry.to_matter, "to_matter")):
                if ref and ref not in found:
                    raise AccessRefused(f"entry {number}: {param}: no matter {ref!r}", param=param,
                                        principal=self.actor, object_type="matter",
                                        object_id=ref[:64], action="bulk_post")
        self.matters = found

    def _ledger_accounts(self) -> dict[Any, LedgerAccount]:
        """Every ledger account the batch touches, keyed by kind (and matter id for clients)."""
        kinds = {AccountKind.TRUST_BANK}
        matter_ids: set[int] = set()
        for _, entry in self.chunk:
            if entry.kind in _FIRM_ENTRY_LEGS:
                kinds.add(_FIRM_ENTRY_LEGS[entry.kind][0])
            for ref in (entry.matter, entry.to_matter):
                if ref:
                    matter_ids.add(self.matters[ref].pk)
            if entry.kind == EntryKind.EARNED_FEE and self.operating is None:
                self.operating = self._operating_account()
        self._create_missing_client_ledgers(matter_ids)
        rows = LedgerAccount.objects.filter(bank_account=self.bank)
        found: dict[Any, LedgerAccount] = {}
        for row in rows.filter(matter_id__in=sorted(matter_ids)):
            found[(AccountKind.CLIENT, row.matter_id)] = row
        for row in rows.filter(matter__isnull=True, kind__in=sorted(kinds)):
            found[AccountKind(row.kind)] = row
        if self.operating is not None:
            for row in LedgerAccount.objects.filter(bank_account=self.operating,
                                                    matter__isnull=True):
                found[AccountKind(row.kind)] = row
        return found

    def _operating_account(self) -> BankAccount:
        operating = default_operating_account(self.bank.currency, self.operating_ref,
                                              param="operating_account")
        if operating.currency != self.bank.currency:
            raise CurrencyMismatch(f"operating_account: {operating.name} is in {operating.currency},"
                                   f" {self.bank.name} in {self.bank.currency}",
                                   param="operating_account")
        return operating

    def _create_missing_client_ledgers(self, matter_ids: set[int]) -> None:
        have = set(LedgerAccount.objects.filter(bank_account=self.bank, kind=AccountKind.CLIENT.value,
                                                matter_id__in=sorted(matter_ids))
                   .values_list("matter_id", flat=True))
        missing = sorted(matter_ids - have)
        if missing:
            # ignore_conflicts: a concurrent first deposit may create one first (as client_ledger).
            LedgerAccount.objects.bulk_create(
                [LedgerAccount(kind=AccountKind.CLIENT.value, bank_account=self.bank,
                               matter_id=pk, currency=self.bank.currency) for pk in missing],
                ignore_conflicts=True)

    def _label(self, key: Any) -> str:
        if isinstance(key, tuple):
            matter = next(m for m in self.matters.values() if m.pk == key[1])
            return f"client ledger {matter.number}"
        book = self.operating if key in (AccountKind.OPERATING_BANK,
                                         AccountKind.FEE_INCOME) else self.bank
        assert book is not None
        return f"{key.value.replace('_', ' ')} ledger of {book.name}"

    def _period_locks(self) -> dict[int, tuple[dt.date, str]]:
        books = {self.bank.pk: self.bank.name}
        if self.operating is not None:
            books[self.operating.pk] = self.operating.name
        through: dict[int, tuple[dt.date, str]] = {}
        with connection.cursor() as cursor:
            for pk, name in books.items():
                cursor.execute("SELECT MAX(through_date) FROM ledger_period_lock "
                               "WHERE bank_account_id = %s", [pk])
                value = cursor.fetchone()[0]
                if value is not None:
                    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
                    through[pk] = (day, name)
        return through

    def _used_check_numbers(self) -> set[str]:
        numbers = sorted({e.check_number.strip() for _, e in self.chunk if e.check_number})
        used: set[str] = set()
        with connection.cursor() as cursor:
            for start in range(0, len(numbers), 500):
                part = numbers[start:start + 500]
                marks = ", ".join(["%s"] * len(part))  # placeholders only: values are parameters
                cursor.execute("SELECT check_number FROM ledger_journal_entry WHERE "  # noqa: S608
                               f"bank_account_id = %s AND check_number IN ({marks})",
                               [self.bank.pk, *part])
                used.update(row[0] for row in cursor.fetchall())
        return used

    # -- the entries, in input order ---------------------------------------------------------

    def _post_all(self) -> None:
        ids = _allocate_entry_ids(len(self.chunk))
        recorded_at = connection.ops.adapt_datetimefield_value(clock.now())
        postings: list[tuple[Any, ...]] = []
        entry_rows: list[tuple[Any, ...]] = []
        kinds: Counter[str] = Counter()
        digest = hashlib.sha256()
        for (number, entry), entry_id in zip(self.chunk, ids, strict=True):
            try:
                row, legs = self._entry(number, entry, entry_id)
            except LawLedgerError as error:
                if not error.message.startswith("entry "):
                    error.message = f"entry {number}: {error.message}"
                    error.args = (error.message,)
                raise
            postings.extend(legs)
            entry_rows.append((*row[:4], recorded_at, *row[4:]))
            kinds[entry.kind.value] += 1
            digest.update(row[1].encode() + b"\n")
        _insert(postings, entry_rows)
        self._update_balances()
        first, last = entry_rows[0][1], entry_rows[-1][1]
        record(self.actor, BulkEvent.POSTED, object_type="account", object_id=self.bank.public_id,
               details={"account": self.bank.name, "entries": len(entry_rows), "first": first,
                        "last": last, "kinds": dict(sorted(kinds.items())),
                        "entries_sha256": digest.hexdigest()})
        self.result.posted += len(entry_rows)
        self.result.first_entry = self.result.first_entry or first
        self.result.last_entry = last

    def _legs(self, entry: BulkEntry) -> list[tuple[_Ledger, int]]:
        """(ledger, debit-positive amount) per leg, as the matching service builds them."""
        amount = entry.amount_minor
        bank = self.by_key[AccountKind.TRUST_BANK]
        if entry.kind in _FIRM_ENTRY_LEGS:
            kind, direction = _FIRM_ENTRY_LEGS[entry.kind]
            return [(bank, direction * amount), (self.by_key[kind], -direction * amount)]
        assert entry.matter is not None
        client = self.by_key[(AccountKind.CLIENT, self.matters[entry.matter].pk)]
        if entry.kind in _INFLOW:
            return [(bank, amount), (client, -amount)]
        if entry.kind == EntryKind.TRANSFER:
            if not entry.to_matter:
                raise InvalidInput("to_matter: a transfer needs the receiving matter",
                                   param="to_matter")
            target = self.by_key[(AccountKind.CLIENT, self.matters[entry.to_matter].pk)]
            if target is client:
                raise InvalidInput("to_matter: a transfer needs two different matters",
                                   param="to_matter")
            return [(client, amount), (target, -amount)]
        if entry.kind == EntryKind.EARNED_FEE:
            return [(client, amount), (bank, -amount),
                    (self.by_key[AccountKind.OPERATING_BANK], amount),
                    (self.by_key[AccountKind.FEE_INCOME], -amount)]
        return [(client, amount), (bank, -amount)]

    def _entry(self, number: int, entry: BulkEntry,
               entry_id: int) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        if type(entry.amount_minor) is not int or entry.amount_minor <= 0:
            raise InvalidInput("amount: must be a whole number of minor units above zero",
                               param="amount")
        if not isinstance(entry.date, dt.date) or isinstance(entry.date, dt.datetime):
            raise InvalidInput("date: must be a date", param="date")
        text = self._clean_text(entry)
        matter = self.matters[entry.matter] if entry.matter else None
        target = self.matters[entry.to_matter] if entry.to_matter else None
        if matter is None and entry.kind not in _FIRM_ENTRY_LEGS:
            raise InvalidInput("matter: this kind of entry needs a matter", param="matter")
        for row in (matter, target):
            if row is not None and self.bank.matter_id is not None and self.bank.matter_id != row.pk:
                raise InvalidInput(f"account: {self.bank.name} is kept for another matter only",
                                   param="account")
        opened = target if entry.kind == EntryKind.TRANSFER else matter
        if entry.kind in (*_INFLOW, EntryKind.TRANSFER) and opened is not None \
                and opened.status != Matter.Status.OPEN:
            raise MatterClosed(f"{opened.number} is closed: reopen it before recording trust "
                               "money", param="matter")
        legs = self._legs(entry)
        self._check_rules(entry, legs)
        warnings = self._uncleared(entry, legs[0][0])
        self.result.warnings.extend(f"entry {number}: {w}" for w in warnings)
        return self._rows(entry, entry_id, legs, text)

    def _clean_text(self, entry: BulkEntry) -> dict[str, Any]:
        kind = entry.kind
        check = _check_number(entry.check_number)
        if check and check in self.used_checks:
            raise DuplicateCheckNumber(f"check number {check} was already used on {self.bank.name}",
                                       param="check_number")
        if kind in _INFLOW:
            method = _method(entry.method, DEPOSIT_METHODS, "check")
        elif kind in (EntryKind.DISBURSEMENT, EntryKind.REFUND):
            method = _method(entry.method, PAYMENT_METHODS, "check" if check else "eft")
            if check and method != "check":
                raise InvalidInput("check_number: only a check has a check number",
                                   param="check_number")
        else:
            method = "internal"
        if check and kind not in (EntryKind.DISBURSEMENT, EntryKind.REFUND):
            raise InvalidInput("check_number: only a payment has a check number",
                               param="check_number")
        if check:
            self.used_checks.add(check)
        payee = _text(entry.payee, param="to", max_length=200,
                      required=kind in (EntryKind.DISBURSEMENT, EntryKind.REFUND,
                                        EntryKind.INTEREST_REMITTANCE))
        payor = _text(entry.payor, param="from", max_length=200,
                      required=kind in (*_INFLOW, EntryKind.UNIDENTIFIED_DEPOSIT))
        purpose = _text(entry.purpose, param="purpose", max_length=500)
        if kind == EntryKind.REFUND:
            purpose = "refund to client"
        if kind == EntryKind.EARNED_FEE:
            payee, purpose = self.settings.name, "earned fees"
        return {"method": method, "check_number": check, "payor": payor, "payee": payee,
                "purpose": purpose, "memo": _text(entry.memo, param="memo", max_length=2000,
                                                  multiline=True),
                "reference": _reference(entry.reference),
                "invoice_ref": _text(entry.invoice_ref, param="invoice", max_length=64) or ""}

    def _check_rules(self, entry: BulkEntry, legs: list[tuple[_Ledger, int]]) -> None:
        lines = [PostingLine(ledger.row.pk, ledger.row.bank_account_id, AccountKind(ledger.row.kind),
                             amount, ledger.row.currency) for ledger, amount in legs]
        core_check_balanced(lines)
        for ledger, _ in legs:
            locked = self.locked_through.get(ledger.row.bank_account_id)
            if locked is not None and entry.date <= locked[0]:
                raise PeriodLocked(f"{locked[1]} is reconciled and locked through "
                                   f"{locked[0].isoformat()}: no entry may be dated "
                                   f"{entry.date.isoformat()}", param="date")
        deltas: dict[_Ledger, int] = {}
        for (ledger, _), line in zip(legs, lines, strict=True):
            deltas[ledger] = deltas.get(ledger, 0) + line.natural_delta
        order = {AccountKind.CLIENT: 0, AccountKind.TRUST_BANK: 2}
        for ledger in sorted(deltas, key=lambda x: order.get(AccountKind(x.row.kind), 1)):
            self._check_timeline(ledger, deltas[ledger], entry.date)
        self.pending = deltas

    def _check_timeline(self, ledger: _Ledger, delta: int, day: dt.date) -> None:
        """I3, as `posting._check_timeline`, over the database and the batch so far."""
        if delta >= 0 or ledger.row.kind not in NON_NEGATIVE_KINDS:
            return
        lowest, lowest_day = ledger.balance, day
        if ledger.last is not None and ledger.last > day:
            through, later = self._timeline_after(ledger, day)
            lowest = lowest_balance_from(through, (d for _, d in later))
            running = through
            for when, change in later:
                running += change
                if running == lowest:
                    lowest_day = when
                    break
        if lowest + delta >= 0:
            return
        currency = ledger.row.currency
        where = "" if lowest_day == day else f" on {lowest_day.isoformat()}"
        message = (f"{ledger.label} would go below zero{where}: it holds "
                   f"{format_minor(lowest, currency)} {currency} then, and this takes "
                   f"{format_minor(-delta, currency)}")
        error_type = (ClientLedgerOverdraft if ledger.row.kind == AccountKind.CLIENT
                      else FirmLedgerOverdraft)
        raise error_type(message, param="amount")

    def _timeline_after(self, ledger: _Ledger,
                        day: dt.date) -> tuple[int, list[tuple[dt.date, int]]]:
        """The natural balance at the end of `day` and the changes after it, in timeline order."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT effective_date, entry_id, amount_minor FROM ledger_posting "
                           "WHERE ledger_account_id = %s AND effective_date > %s",
                           [ledger.row.pk, connection.ops.adapt_datefield_value(day)])
            stored = [(_as_date(when), entry_id, ledger.side * amount)
                      for when, entry_id, amount in cursor.fetchall()]
        events = sorted(stored + [e for e in ledger.batch_events if e[0] > day])
        through = ledger.balance - sum(change for _, _, change in events)
        return through, [(when, change) for when, _, change in events]

    def _uncleared(self, entry: BulkEntry, source: _Ledger) -> list[str]:
        """The firm's uncleared-funds policy, as `services._uncleared_check` applies it."""
        policy = self.settings.uncleared_funds
        if policy == "off" or entry.kind not in _OUTFLOW_CHECKED:
            return []
        day, days = entry.date, self.settings.clearing_business_days
        window_start = day - dt.timedelta(days=3 * days + 14)
        if source.last is None or source.last <= day:
            balance = source.balance
        else:
            balance = self._timeline_after(source, day)[0]
        uncleared = uncleared_total(self._maybe_uncleared(source, window_start, day), day, days)
        available = balance - uncleared
        if entry.amount_minor <= available:
            return []
        currency = source.row.currency
        assert entry.matter is not None
        message = (f"{self.matters[entry.matter].number}: {format_minor(uncleared, currency)} "
                   f"{currency} of the balance rests on deposits not yet cleared; cleared funds "
                   f"available on {day.isoformat()} are {format_minor(max(available, 0), currency)}")
        if policy == "warn":
            return ["uncleared_funds: " + message]
        raise UnclearedFunds(message, param="amount")

    def _maybe_uncleared(self, ledger: _Ledger, since: dt.date, day: dt.date) -> list[DepositFacts]:
        """The deposits of the window that may still be uncleared on `day`; the core decides.

        A deposit whose business-day clearing date is on or before `day` is cleared whatever else
        is true, so it is left out before the (slower) core rule looks at the rest.
        """
        days = self.settings.clearing_business_days
        kept = []
        for facts in self._deposits(ledger, since):
            cleared_by = self.cleared_by.get(facts.effective_date)
            if cleared_by is None:
                cleared_by = self.cleared_by[facts.effective_date] = add_business_days(
                    facts.effective_date, days)
            if day < cleared_by:
                kept.append(facts)
        return kept

    def _deposits(self, ledger: _Ledger, since: dt.date) -> list[DepositFacts]:
        if ledger.deposits is None or ledger.deposits_from is None or since < ledger.deposits_from:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT e.effective_date, e.amount_minor, c.cleared_on, r.effective_date "
                    "FROM ledger_journal_entry e "
                    "LEFT JOIN ledger_deposit_clearance c ON c.entry_id = e.id "
                    "LEFT JOIN ledger_journal_entry r ON r.reverses_id = e.id "
                    "WHERE e.kind = %s AND e.matter_id = %s AND e.bank_account_id = %s "
                    "AND e.effective_date >= %s",
                    [EntryKind.DEPOSIT.value, ledger.row.matter_id, ledger.row.bank_account_id,
                     connection.ops.adapt_datefield_value(since)])
                ledger.deposits = [DepositFacts(_as_date(a), b, _as_date(c), _as_date(d))
                                   for a, b, c, d in cursor.fetchall()]
            # This batch's deposits are not in the database yet: they count as not cleared.
            ledger.deposits += [facts for facts in ledger.batch_deposits
                                if facts.effective_date >= since]
            ledger.deposits_from = since
        # Windows move forward with the entries: drop what fell out (a reload brings it back).
        if ledger.deposits and ledger.deposits[0].effective_date < since:
            ledger.deposits = [facts for facts in ledger.deposits if facts.effective_date >= since]
            ledger.batch_deposits = [f for f in ledger.batch_deposits if f.effective_date >= since]
            ledger.deposits_from = since
        return ledger.deposits

    # -- rows ------------------------------------------------------------------------------

    def _rows(self, entry: BulkEntry, entry_id: int, legs: list[tuple[_Ledger, int]],
              text: dict[str, Any]) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        matter = self.matters[entry.matter] if entry.matter else None
        target = self.matters[entry.to_matter] if entry.to_matter else None
        day = connection.ops.adapt_datefield_value(entry.date)
        for ledger, delta in self.pending.items():
            ledger.balance += delta
            ledger.last = entry.date if ledger.last is None or ledger.last < entry.date else ledger.last
            ledger.batch_events.append((entry.date, entry_id, delta))
        postings = []
        running: dict[_Ledger, int] = {}
        for ledger, amount in legs:
            running[ledger] = running.get(ledger, ledger.balance - self.pending[ledger]) + \
                ledger.side * amount
            postings.append((entry_id, ledger.row.pk, ledger.row.bank_account_id, day, amount,
                             ledger.row.currency, running[ledger]))
        if entry.kind == EntryKind.DEPOSIT:
            facts = DepositFacts(entry.date, entry.amount_minor, None, None)
            client = legs[1][0]
            client.batch_deposits.append(facts)
            if client.deposits is not None:
                client.deposits.append(facts)
        public_id = _public_id("je")
        sealed = [None if text[column] is None else KEYRING.seal(
            text[column], f"ledger_journal_entry.{column}:{public_id}".encode())
            for column in ("payor", "payee", "purpose", "memo")]
        row = (entry_id, public_id, entry.kind.value, day, self.actor.label, self.actor.user_id,
               self.bank.pk, matter.pk if matter else None, target.pk if target else None,
               entry.amount_minor, self.bank.currency, text["method"], text["check_number"],
               text["reference"], text["invoice_ref"], *sealed)
        return row, postings

    def _update_balances(self) -> None:
        changed = [(ledger.balance - ledger.start_balance, len(ledger.batch_events),
                    connection.ops.adapt_datefield_value(ledger.last), ledger.row.pk)
                   for ledger in self.ledgers.values() if ledger.batch_events]
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE ledger_account SET balance_minor = balance_minor + %s, "
                               "version = version + %s, last_entry_date = %s WHERE id = %s",
                               changed)


def _as_date(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _allocate_entry_ids(count: int) -> list[int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval('ledger_journal_entry_id_seq') FROM generate_series(1, %s)",
                           [count])
            return [int(row[0]) for row in cursor.fetchall()]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_journal_entry")
        start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + count))


_POSTING_SQL = ("INSERT INTO ledger_posting (entry_id, ledger_account_id, bank_account_id, "
                "effective_date, amount_minor, currency, balance_after_minor) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)")
_ENTRY_SQL = ("INSERT INTO ledger_journal_entry (id, public_id, kind, effective_date, recorded_at, "
              "recorded_by, recorded_by_user_id, bank_account_id, matter_id, counter_matter_id, "
              "amount_minor, currency, method, check_number, reference, invoice_ref, payor, payee, "
              "purpose, memo, reverses_id, is_uncleared_override) VALUES "
              "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
              "NULL, %s)")


def _insert(postings: list[tuple[Any, ...]], entries: list[tuple[Any, ...]]) -> None:
    """Postings first, then their entries: the entry trigger checks each entry's postings (I1)."""
    with connection.cursor() as cursor:
        cursor.executemany(_POSTING_SQL, postings)
        cursor.executemany(_ENTRY_SQL, [(*row, False) for row in entries])
