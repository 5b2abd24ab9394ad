"""The one write path of the ledger: lock, check every rule, post, audit — in the caller's transaction.

Each command in `services.py` builds an `EntrySpec` and calls `post`. Nothing is written unless
every rule holds; the database triggers and CHECK constraints repeat the rules that they can hold.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Principal
from lawledger.core.errors import (
    ClientLedgerOverdraft,
    DuplicateCheckNumber,
    FirmLedgerOverdraft,
    IdempotencyKeyReused,
    InvalidInput,
    PeriodLocked,
)
from lawledger.core.ledger import (
    NON_NEGATIVE_KINDS,
    NORMAL_SIDE,
    AccountKind,
    EntryKind,
    PostingLine,
)
from lawledger.core.ledger import check_balanced as core_check_balanced
from lawledger.core.money import format_minor
from lawledger.core.trust_rules import lowest_balance_from
from lawledger.db.rows import insert_instance
from lawledger.firm.models import Matter
from lawledger.ledger.locks import lock_ledger_accounts
from lawledger.ledger.models import (
    BankAccount,
    IdempotencyKey,
    JournalEntry,
    LedgerAccount,
    Posting,
)


@dataclass
class EntrySpec:
    kind: EntryKind
    effective_date: dt.date
    bank_account: BankAccount
    amount_minor: int
    currency: str
    lines: list[tuple[LedgerAccount, int]]  # (ledger account, debit-positive amount)
    matter: Matter | None = None
    counter_matter: Matter | None = None
    method: str = ""
    check_number: str | None = None
    reference: str = ""
    invoice_ref: str = ""
    payor: str | None = None
    payee: str | None = None
    purpose: str | None = None
    memo: str | None = None
    reverses: JournalEntry | None = None
    is_uncleared_override: bool = False
    audit_details: dict[str, Any] = field(default_factory=dict)
    # Run after the locks are taken and before anything is written; returns warnings or raises.
    extra_check: Callable[[dict[int, LedgerAccount]], list[str]] | None = None


@dataclass
class PostResult:
    entry: JournalEntry
    warnings: list[str] = field(default_factory=list)
    replayed: bool = False


def fingerprint(request: dict[str, Any]) -> str:
    body = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def find_idempotent(actor: Principal, key: str, request_fingerprint: str) -> JournalEntry | None:
    """The entry an earlier request with this key made, or None; a different request is refused."""
    found = IdempotencyKey.objects.select_related("entry").filter(scope=actor.label, key=key).first()
    if found is None:
        return None
    if found.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            f"idempotency key {key!r} was already used for a different request", param="idempotency_key")
    return found.entry


def _allocate_entry_id() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval('ledger_journal_entry_id_seq')")
        else:
            cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM ledger_journal_entry")
        return int(cursor.fetchone()[0])


_POSTING_SQL = ("INSERT INTO ledger_posting (entry_id, ledger_account_id, bank_account_id, "
                "effective_date, amount_minor, currency, balance_after_minor) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)")


def _check_number_used(bank_account_id: int, check_number: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM ledger_journal_entry WHERE bank_account_id = %s "
                       "AND check_number = %s", [bank_account_id, check_number])
        return cursor.fetchone() is not None


def _ledger_label(account: LedgerAccount) -> str:
    if account.kind == AccountKind.CLIENT and account.matter is not None:
        return f"client ledger {account.matter.number}"
    return f"{account.kind.replace('_', ' ')} ledger of {account.bank_account.name}"


def _check_timeline(account: LedgerAccount, delta: int, day: dt.date) -> None:
    """I3: the ledger stays at or above zero at the end of `day` and at every later point."""
    if delta >= 0 or account.kind not in NON_NEGATIVE_KINDS:
        return
    side = NORMAL_SIDE[AccountKind(account.kind)]
    if account.last_entry_date is None or account.last_entry_date <= day:
        lowest, lowest_day = account.balance_minor, day
    else:
        through = Posting.objects.filter(ledger_account=account, effective_date__lte=day).aggregate(
            total=Sum("amount_minor"))["total"] or 0
        later = list(Posting.objects.filter(ledger_account=account, effective_date__gt=day)
                     .order_by("effective_date", "entry_id").values_list("effective_date",
                                                                         "amount_minor"))
        lowest = lowest_balance_from(side * through, (side * amount for _, amount in later))
        lowest_day = day
        running = side * through
        for when, amount in later:
            running += side * amount
            if running == lowest:
                lowest_day = when
                break
    if lowest + delta >= 0:
        return
    currency = account.currency
    label = _ledger_label(account)
    where = "" if lowest_day == day else f" on {lowest_day.isoformat()}"
    message = (f"{label} would go below zero{where}: it holds {format_minor(lowest, currency)} "
               f"{currency} then, and this takes {format_minor(-delta, currency)}")
    error_type = ClientLedgerOverdraft if account.kind == AccountKind.CLIENT else FirmLedgerOverdraft
    raise error_type(message, param="amount")


def check_period_open(bank_account_ids: set[int], day: dt.date) -> None:
    # Plain SQL: this runs on every posting, and the ORM's query compilation would dominate it.
    ids = sorted(bank_account_ids)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.through_date, b.name FROM ledger_period_lock l "  # noqa: S608 - placeholders
            "JOIN ledger_bank_account b ON b.id = l.bank_account_id "
            f"WHERE l.bank_account_id IN ({marks}) AND l.through_date >= %s "
            "ORDER BY l.through_date DESC LIMIT 1",
            [*ids, connection.ops.adapt_datefield_value(day)])
        found = cursor.fetchone()
    if found is not None:
        through = found[0] if isinstance(found[0], dt.date) else dt.date.fromisoformat(found[0])
        raise PeriodLocked(
            f"{found[1]} is reconciled and locked through "
            f"{through.isoformat()}: no entry may be dated {day.isoformat()}", param="date")


def post(actor: Principal, spec: EntrySpec, *, idempotency_key: str | None = None,
         request_fingerprint: str | None = None) -> PostResult:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post() runs inside the service's transaction")
    locked = lock_ledger_accounts(account.pk for account, _ in spec.lines)
    if idempotency_key:
        assert request_fingerprint is not None
        earlier = find_idempotent(actor, idempotency_key, request_fingerprint)
        if earlier is not None:
            return PostResult(earlier, replayed=True)
    legs = [(int(account.pk), int(account.bank_account_id), amount, account.currency)
            for account, amount in spec.lines]
    lines = [PostingLine(account_id, book, AccountKind(locked[account_id].kind), amount, currency)
             for account_id, book, amount, currency in legs]
    core_check_balanced(lines)
    check_period_open({book for _, book, _, _ in legs}, spec.effective_date)
    deltas: dict[int, int] = {}
    for (account_id, _, _, _), line in zip(legs, lines, strict=True):
        deltas[account_id] = deltas.get(account_id, 0) + line.natural_delta
    # Client ledgers first, so a refusal names the client ledger rather than the bank ledger that
    # (being their sum) would follow it below zero.
    order = {AccountKind.CLIENT: 0, AccountKind.TRUST_BANK: 2}
    for account_id in sorted(deltas, key=lambda pk: order.get(AccountKind(locked[pk].kind), 1)):
        _check_timeline(locked[account_id], deltas[account_id], spec.effective_date)
    warnings = spec.extra_check(locked) if spec.extra_check else []
    if spec.check_number and _check_number_used(spec.bank_account.pk, spec.check_number):
        raise DuplicateCheckNumber(f"check number {spec.check_number} was already used on "
                                   f"{spec.bank_account.name}", param="check_number")

    entry_id = _allocate_entry_id()
    running = {pk: row.balance_minor for pk, row in locked.items()}
    day = connection.ops.adapt_datefield_value(spec.effective_date)
    postings = []
    for (account_id, book, amount, currency), line in zip(legs, lines, strict=True):
        running[account_id] += line.natural_delta
        postings.append((entry_id, account_id, book, day, amount, currency, running[account_id]))
    with connection.cursor() as cursor:
        cursor.executemany(_POSTING_SQL, postings)
    entry = JournalEntry(
        id=entry_id, kind=spec.kind.value, effective_date=spec.effective_date,
        recorded_at=clock.now(), recorded_by=actor.label, recorded_by_user_id=actor.user_id,
        bank_account=spec.bank_account, matter=spec.matter, counter_matter=spec.counter_matter,
        amount_minor=spec.amount_minor, currency=spec.currency, method=spec.method,
        check_number=spec.check_number or None, reference=spec.reference,
        invoice_ref=spec.invoice_ref, payor=spec.payor, payee=spec.payee, purpose=spec.purpose,
        memo=spec.memo, reverses=spec.reverses, is_uncleared_override=spec.is_uncleared_override)
    try:
        with transaction.atomic():
            insert_instance(entry)  # = save(force_insert=True), without the ORM's compile cost
    except IntegrityError as exc:
        if "check_number" in str(exc).lower():
            raise DuplicateCheckNumber(f"check number {spec.check_number} was already used",
                                       param="check_number") from None
        raise
    updates = []
    for account_id, delta in deltas.items():
        last = locked[account_id].last_entry_date
        updates.append((delta, connection.ops.adapt_datefield_value(
            spec.effective_date if last is None or last < spec.effective_date else last),
            account_id))
    with connection.cursor() as cursor:
        # balance_minor + delta in SQL, as F() did: the CHECK (balance ≥ 0) sees the real sum.
        cursor.executemany("UPDATE ledger_account SET balance_minor = balance_minor + %s, "
                           "version = version + 1, last_entry_date = %s WHERE id = %s", updates)
    matter = spec.matter
    record(actor, Event.TRUST_ENTRY_POSTED, object_type="entry", object_id=entry.public_id,
           matter_ref=matter.number if matter else "",
           client_ref=matter.client.number if matter else "",
           details={"kind": spec.kind.value, "amount": format_minor(spec.amount_minor, spec.currency),
                    "currency": spec.currency, "date": spec.effective_date.isoformat(),
                    "account": spec.bank_account.name, **spec.audit_details})
    if idempotency_key:
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(scope=actor.label, key=idempotency_key,
                                              fingerprint=request_fingerprint or "", entry=entry,
                                              created_at=clock.now())
        except IntegrityError:
            # A concurrent request with the same key committed first: undo ours, answer with its.
            raise ConcurrentDuplicate(idempotency_key) from None
    return PostResult(entry, warnings)


class ConcurrentDuplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def validate_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    cleaned = key.strip()
    if not 1 <= len(cleaned) <= 128 or not cleaned.isprintable():
        raise InvalidInput("idempotency_key: 1-128 printable characters", param="idempotency_key")
    return cleaned
