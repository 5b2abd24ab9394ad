"""Matches between bank lines and journal entries: propose (automatic), confirm, undo, by hand.

The pure rules are `lawledger.core.matching`; this module loads what is still unmatched, stores
proposals, and moves matches along proposed → confirmed → undone. A confirmed match of a deposit
records its clearance (`ledger.services.deposit_clearance_record`), which the uncleared-funds rule
uses. A match whose money settled inside a signed-off period can no longer be undone or made: the
signed report rests on it (I6).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max

from lawledger.access.policy import require
from lawledger.audit.services import record
from lawledger.banking.errors import AlreadyMatched, MatchNotLive, MatchUnbalanced
from lawledger.banking.events import BankingEvent
from lawledger.banking.models import LIVE_STATUSES, BankLine, Match, MatchItem
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput, NotFound, PeriodLocked
from lawledger.core.ledger import AccountKind, EntryKind
from lawledger.core.matching import (
    DEFAULT_RULES,
    BankItem,
    BookItem,
    MatchMethod,
    MatchRules,
    Proposal,
    check_balanced_match,
    propose_matches,
)
from lawledger.core.money import format_minor
from lawledger.ledger.accounts import get_bank_account
from lawledger.ledger.models import BankAccount, JournalEntry, LedgerAccount, PeriodLock, Posting
from lawledger.ledger.services import deposit_clearance_record

_BATCH = 2000


@dataclass
class AutoMatchResult:
    account: str
    proposed: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"account": self.account, "proposed": self.proposed, "by_method": self.by_method}


def bank_ledger(bank: BankAccount) -> LedgerAccount:
    kind = AccountKind.TRUST_BANK if bank.kind == BankAccount.Kind.TRUST else AccountKind.OPERATING_BANK
    return LedgerAccount.objects.get(bank_account=bank, kind=kind.value, matter__isnull=True)


def locked_through(bank: BankAccount) -> dt.date | None:
    through: dt.date | None = PeriodLock.objects.filter(bank_account=bank).aggregate(
        through=Max("through_date"))["through"]
    return through


def live_line_ids() -> Any:
    return MatchItem.objects.filter(status__in=LIVE_STATUSES, bank_line__isnull=False).values(
        "bank_line_id")


def live_entry_ids() -> Any:
    return MatchItem.objects.filter(status__in=LIVE_STATUSES, entry__isnull=False).values(
        "entry_id")


def open_bank_items(bank: BankAccount) -> list[BankItem]:
    rows = (BankLine.objects.filter(bank_account=bank).exclude(pk__in=live_line_ids())
            .values_list("pk", "posted_on", "amount_minor", "kind", "bank_reference",
                         "end_to_end_id", "check_number"))
    return [BankItem(pk, day, amount, kind, (reference, end_to_end), check)
            for pk, day, amount, kind, reference, end_to_end, check in rows.iterator(4000)]


def open_book_items(bank: BankAccount) -> list[BookItem]:
    rows = (Posting.objects.filter(ledger_account=bank_ledger(bank))
            .exclude(entry_id__in=live_entry_ids())
            .values_list("entry_id", "effective_date", "amount_minor", "entry__kind",
                         "entry__check_number", "entry__reference", "entry__reverses_id"))
    return [BookItem(entry_id, day, amount, kind, check or "", reference or "", reverses)
            for entry_id, day, amount, kind, check, reference, reverses in rows.iterator(4000)]


def auto_match(*, actor: Principal, account: str, rules: MatchRules = DEFAULT_RULES
               ) -> AutoMatchResult:
    """Propose matches for everything of the account still unmatched (`lawledger bank match`)."""
    require(actor, Action.RECORD_DEPOSIT)
    with transaction.atomic():
        bank = get_bank_account(account)
        lines = open_bank_items(bank)
        books = open_book_items(bank)
        line_by_key = {line.key: line for line in lines}
        book_by_key = {book.key: book for book in books}
        lock_date = locked_through(bank)
        proposals = []
        for proposal in propose_matches(lines, books, rules):
            settled = _settled_on([line_by_key[k].posted_on for k in proposal.bank_keys]
                                  + [book_by_key[k].effective_date for k in proposal.book_keys])
            if lock_date is None or settled > lock_date:
                proposals.append((proposal, settled))
        _store(actor, bank, proposals, line_by_key, book_by_key)
        counts = Counter(str(proposal.method) for proposal, _ in proposals)
        result = AutoMatchResult(bank.name, len(proposals), dict(sorted(counts.items())))
        record(actor, BankingEvent.MATCHES_PROPOSED, object_type="account",
               object_id=bank.public_id, details={"account": bank.name, **result.as_dict()})
    return result


def _settled_on(days: Iterable[dt.date]) -> dt.date:
    return max(days)


def _store(actor: Principal, bank: BankAccount, proposals: list[tuple[Proposal, dt.date]],
           lines: dict[int, BankItem], books: dict[int, BookItem]) -> None:
    now = clock.now()
    for start in range(0, len(proposals), _BATCH):
        batch = proposals[start:start + _BATCH]
        matches = Match.objects.bulk_create([
            Match(bank_account=bank, method=str(proposal.method), confidence=proposal.confidence,
                  status=Match.Status.PROPOSED, settled_on=settled, created_by=actor.label,
                  created_at=now) for proposal, settled in batch])
        items = []
        for match, (proposal, _) in zip(matches, batch, strict=True):
            items += [MatchItem(match=match, bank_line_id=key, amount_minor=lines[key].amount_minor,
                                status=Match.Status.PROPOSED) for key in proposal.bank_keys]
            items += [MatchItem(match=match, entry_id=key, amount_minor=books[key].amount_minor,
                                status=Match.Status.PROPOSED) for key in proposal.book_keys]
        MatchItem.objects.bulk_create(items)


def _get_match(bank_scope: BankAccount | None, ref: str) -> Match:
    cleaned = (ref or "").strip()
    match = Match.objects.select_for_update().filter(public_id=cleaned).first() if cleaned else None
    if match is None or (bank_scope is not None and match.bank_account_id != bank_scope.pk):
        raise NotFound(f"match: no match {ref!r}", param="match")
    return match


def _record_clearances(actor: Principal, match_ids: list[int]) -> None:
    """The deposits of these matches cleared on the last day the bank showed (one read)."""
    by_match: dict[int, list[MatchItem]] = defaultdict(list)
    for item in (MatchItem.objects.filter(match_id__in=match_ids)
                 .select_related("bank_line", "entry").order_by("match_id", "pk")):
        by_match[item.match_id].append(item)
    for items in by_match.values():
        line_days = [item.bank_line.posted_on for item in items if item.bank_line is not None]
        if not line_days:
            continue  # a pair of book entries that cancel: nothing was shown by the bank
        for item in items:
            if item.entry is not None and item.entry.kind == EntryKind.DEPOSIT:
                deposit_clearance_record(actor=actor, entry=item.entry,
                                         cleared_on=max(line_days), source="bank_statement")


def _confirm(actor: Principal, match_ids: list[int]) -> None:
    """Confirm proposals set-wise (a batch at a time), not one UPDATE pair per match."""
    now = clock.now()
    for start in range(0, len(match_ids), _BATCH):
        batch = match_ids[start:start + _BATCH]
        Match.objects.filter(pk__in=batch, status=Match.Status.PROPOSED).update(
            status=Match.Status.CONFIRMED, confirmed_by=actor.label, confirmed_at=now)
        MatchItem.objects.filter(match_id__in=batch).update(status=Match.Status.CONFIRMED)
        _record_clearances(actor, batch)


def match_confirm(*, actor: Principal, match: str) -> Match:
    """The bookkeeper agrees with a proposed match."""
    require(actor, Action.RECORD_DEPOSIT)
    with transaction.atomic():
        row = _get_match(None, match)
        if row.status != Match.Status.PROPOSED:
            raise MatchNotLive(f"match: {row.public_id} is {row.status}, not proposed",
                               param="match")
        _confirm(actor, [row.pk])
        record(actor, BankingEvent.MATCH_CONFIRMED, object_type="match", object_id=row.public_id,
               details={"method": row.method, "confidence": row.confidence})
        row.refresh_from_db()
    return row


def matches_confirm_all(*, actor: Principal, account: str, min_confidence: int = 0,
                        through: dt.date | None = None, audit: bool = True) -> int:
    """Confirm every proposal of an account at or above a confidence (and settled by a date)."""
    require(actor, Action.RECORD_DEPOSIT)
    if not 0 <= min_confidence <= 100:
        raise InvalidInput("min_confidence: between 0 and 100", param="min_confidence")
    with transaction.atomic():
        bank = get_bank_account(account)
        pending = Match.objects.select_for_update().filter(
            bank_account=bank, status=Match.Status.PROPOSED, confidence__gte=min_confidence)
        if through is not None:
            pending = pending.filter(settled_on__lte=through)
        rows = list(pending.order_by("pk").values_list("pk", flat=True))
        _confirm(actor, rows)
        if audit:
            record(actor, BankingEvent.MATCH_CONFIRMED, object_type="account",
                   object_id=bank.public_id,
                   details={"account": bank.name, "confirmed": len(rows),
                            "min_confidence": min_confidence,
                            "through": through.isoformat() if through else None})
    return len(rows)


def _refuse_in_locked_period(bank: BankAccount, settled_on: dt.date) -> None:
    through = locked_through(bank)
    if through is not None and settled_on <= through:
        raise PeriodLocked(f"{bank.name} is reconciled and locked through {through.isoformat()}: "
                           f"a match settled on {settled_on.isoformat()} belongs to a signed "
                           "period", param="match")


def _clean_note(text: str | None, *, param: str, required: bool) -> str | None:
    cleaned = (text or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput(f"{param}: say why", param=param)
        return None
    if len(cleaned) > 500 or any(ord(ch) < 32 for ch in cleaned):
        raise InvalidInput(f"{param}: at most 500 characters, no control characters", param=param)
    return cleaned


def _undo(actor: Principal, match: Match, reason: str) -> None:
    match.status = Match.Status.UNDONE
    match.undone_by = actor.label
    match.undone_at = clock.now()
    match.undo_reason = reason
    match.save(update_fields=["status", "undone_by", "undone_at", "undo_reason"])
    MatchItem.objects.filter(match=match).update(status=Match.Status.UNDONE)


def match_undo(*, actor: Principal, match: str, reason: str) -> Match:
    """Unmatch: the lines and entries are open again; the match row keeps its history."""
    require(actor, Action.RECORD_DEPOSIT)
    clean_reason = _clean_note(reason, param="reason", required=True)
    assert clean_reason is not None
    with transaction.atomic():
        row = _get_match(None, match)
        if row.status not in LIVE_STATUSES:
            raise MatchNotLive(f"match: {row.public_id} is already undone", param="match")
        _refuse_in_locked_period(row.bank_account, row.settled_on)
        _undo(actor, row, clean_reason)
        record(actor, BankingEvent.MATCH_UNDONE, object_type="match", object_id=row.public_id,
               details={"method": row.method, "was": "live"})
    return row


def _lines_and_entries(bank: BankAccount, line_refs: list[str], entry_refs: list[str]
                       ) -> tuple[list[BankLine], list[tuple[JournalEntry, int]]]:
    lines = []
    for ref in dict.fromkeys(r.strip() for r in line_refs if r.strip()):
        line = BankLine.objects.filter(bank_account=bank, public_id=ref).first()
        if line is None:
            raise NotFound(f"bank_line: no line {ref!r} on {bank.name}", param="bank_line")
        lines.append(line)
    ledger = bank_ledger(bank)
    entries = []
    for ref in dict.fromkeys(r.strip() for r in entry_refs if r.strip()):
        entry = JournalEntry.objects.filter(bank_account=bank, public_id=ref).first()
        if entry is None:
            raise NotFound(f"entry: no entry {ref!r} on {bank.name}", param="entry")
        amount = Posting.objects.filter(entry=entry, ledger_account=ledger).values_list(
            "amount_minor", flat=True).first()
        if amount is None:
            raise InvalidInput(f"entry: {ref} moves no money at the bank (a transfer between "
                               "ledgers)", param="entry")
        entries.append((entry, amount))
    return lines, entries


def match_by_hand(*, actor: Principal, account: str, bank_lines: list[str], entries: list[str],
                  note: str | None = None) -> Match:
    """A person matches lines to entries; the two sides must move the same money."""
    require(actor, Action.RECORD_DEPOSIT)
    clean_note = _clean_note(note, param="note", required=False)
    with transaction.atomic():
        bank = get_bank_account(account)
        lines, booked = _lines_and_entries(bank, bank_lines, entries)
        if not check_balanced_match([ln.amount_minor for ln in lines], [a for _, a in booked]):
            bank_total = sum(ln.amount_minor for ln in lines)
            book_total = sum(a for _, a in booked)
            raise MatchUnbalanced(
                f"match: the bank lines total {format_minor(bank_total, bank.currency)} and the "
                f"entries {format_minor(book_total, bank.currency)}", param="match")
        settled = _settled_on([ln.posted_on for ln in lines]
                              + [entry.effective_date for entry, _ in booked])
        _refuse_in_locked_period(bank, settled)
        _release_proposals(actor, lines, [entry for entry, _ in booked])
        now = clock.now()
        row = Match(bank_account=bank, method=str(MatchMethod.MANUAL), confidence=100,
                    status=Match.Status.CONFIRMED, settled_on=settled, note=clean_note,
                    created_by=actor.label, created_at=now, confirmed_by=actor.label,
                    confirmed_at=now)
        row.save(force_insert=True)
        MatchItem.objects.bulk_create(
            [MatchItem(match=row, bank_line=ln, amount_minor=ln.amount_minor,
                       status=Match.Status.CONFIRMED) for ln in lines]
            + [MatchItem(match=row, entry=entry, amount_minor=amount,
                         status=Match.Status.CONFIRMED) for entry, amount in booked])
        _record_clearances(actor, [row.pk])
        record(actor, BankingEvent.MATCH_MADE_BY_HAND, object_type="match",
               object_id=row.public_id,
               details={"account": bank.name, "bank_lines": [ln.public_id for ln in lines],
                        "entries": [entry.public_id for entry, _ in booked]})
    return row


def _release_proposals(actor: Principal, lines: list[BankLine], entries: list[JournalEntry]
                       ) -> None:
    """Proposals on these lines or entries give way to the person's match; confirmed ones don't."""
    live = MatchItem.objects.filter(status__in=LIVE_STATUSES).filter(
        bank_line__in=lines) | MatchItem.objects.filter(status__in=LIVE_STATUSES,
                                                        entry__in=entries)
    for item in live.select_related("match", "bank_line", "entry"):
        match = Match.objects.select_for_update().get(pk=item.match_id)
        if match.status == Match.Status.CONFIRMED:
            what = item.bank_line.public_id if item.bank_line else (
                item.entry.public_id if item.entry else "")
            raise AlreadyMatched(f"{what} is already in confirmed match {match.public_id}: "
                                 "unmatch it first", param="match")
        if match.status == Match.Status.PROPOSED:
            _undo(actor, match, "replaced by a match made by hand")
