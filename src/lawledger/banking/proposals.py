"""Bank-only lines → proposed entries in the firm ledgers of a trust account, posted by a person.

A bank charge is proposed against the firm-funds ledger, interest against the interest ledger, an
unidentified deposit against the unidentified-funds ledger — never against a client ledger: money
only reaches a client ledger when a person assigns it (`trust assign-unidentified`). Posting goes
through `ledger.services.trust_firm_entry_record`, so every ledger rule (I3, I4, I6) applies, and
the bank line is then matched to the new entry.
"""

from __future__ import annotations

from django.db import transaction

from lawledger.access.policy import require
from lawledger.audit.services import record
from lawledger.banking.errors import AlreadyMatched, ProposalNotOpen
from lawledger.banking.events import BankingEvent
from lawledger.banking.matching import live_line_ids, locked_through
from lawledger.banking.models import LIVE_STATUSES, BankLine, BankOnlyProposal, Match, MatchItem
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput, NotFound
from lawledger.core.formats.statement import LineKind
from lawledger.core.ledger import EntryKind
from lawledger.core.matching import MatchMethod
from lawledger.ledger.accounts import get_bank_account
from lawledger.ledger.models import BankAccount
from lawledger.ledger.posting import PostResult
from lawledger.ledger.services import trust_firm_entry_record

_CHARGE_WORDS = ("service charge", "bank charge", "account fee", "monthly fee", "maintenance fee",
                 "wire fee", "fee")
_INTEREST_WORDS = ("interest",)


def entry_kind_for(kind: str, amount_minor: int, text: str = "") -> EntryKind | None:
    """Which firm-ledger entry a bank-only line is, or None when a person must look at it.

    Formats without transaction codes (CSV) say "service charge" or "interest" in the text; the
    proposal is only a suggestion, posted by a person.
    """
    words = text.casefold()
    if amount_minor < 0 and (kind == LineKind.FEE or (
            kind in (LineKind.OTHER, LineKind.PAYMENT) and any(w in words for w in _CHARGE_WORDS))):
        return EntryKind.BANK_CHARGE
    if amount_minor > 0 and (kind == LineKind.INTEREST or (
            kind in (LineKind.OTHER, LineKind.DEPOSIT) and any(w in words
                                                              for w in _INTEREST_WORDS))):
        return EntryKind.INTEREST
    if kind in (LineKind.DEPOSIT, LineKind.OTHER) and amount_minor > 0:
        return EntryKind.UNIDENTIFIED_DEPOSIT
    return None


def bank_only_propose(*, actor: Principal, account: str) -> list[BankOnlyProposal]:
    """`lawledger bank propose`: one proposal per unmatched bank-only line that has a firm ledger."""
    require(actor, Action.RECORD_DEPOSIT)
    with transaction.atomic():
        bank = get_bank_account(account)
        if bank.kind != BankAccount.Kind.TRUST:
            raise InvalidInput(f"account: {bank.name} is not a trust account: its bank-only lines "
                               "are booked in the firm's own books", param="account")
        through = locked_through(bank)
        taken = BankOnlyProposal.objects.filter(status__in=("proposed", "posted")).values(
            "bank_line_id")
        lines = (BankLine.objects.filter(bank_account=bank).exclude(pk__in=live_line_ids())
                 .exclude(pk__in=taken).order_by("posted_on", "pk"))
        if through is not None:
            lines = lines.filter(posted_on__gt=through)
        now = clock.now()
        made = []
        for line in lines:
            kind = entry_kind_for(line.kind, line.amount_minor,
                                  f"{line.counterparty or ''} {line.description or ''}")
            if kind is None:
                continue
            party = None
            if kind == EntryKind.UNIDENTIFIED_DEPOSIT:
                party = (line.counterparty or line.description or "unknown payor")[:200]
            proposal = BankOnlyProposal(
                bank_account=bank, bank_line=line, entry_kind=kind.value,
                amount_minor=abs(line.amount_minor), effective_date=line.posted_on,
                counterparty=party, status=BankOnlyProposal.Status.PROPOSED,
                proposed_by=actor.label, proposed_at=now)
            proposal.save(force_insert=True)
            made.append(proposal)
        record(actor, BankingEvent.BANK_ONLY_PROPOSED, object_type="account",
               object_id=bank.public_id,
               details={"account": bank.name, "proposals": [p.public_id for p in made]})
    return made


def _open_proposal(ref: str) -> BankOnlyProposal:
    cleaned = (ref or "").strip()
    proposal = (BankOnlyProposal.objects.select_for_update().select_related("bank_line",
                                                                            "bank_account")
                .filter(public_id=cleaned).first()) if cleaned else None
    if proposal is None:
        raise NotFound(f"proposal: no proposal {ref!r}", param="proposal")
    if proposal.status != BankOnlyProposal.Status.PROPOSED:
        raise ProposalNotOpen(f"proposal: {proposal.public_id} was already {proposal.status}",
                              param="proposal")
    return proposal


def bank_only_post(*, actor: Principal, proposal: str) -> PostResult:
    """A person posts the proposed entry; the bank line is matched to it."""
    require(actor, Action.RECORD_DEPOSIT)
    with transaction.atomic():
        row = _open_proposal(proposal)
        line = row.bank_line
        if MatchItem.objects.filter(bank_line=line, status__in=LIVE_STATUSES).exists():
            raise AlreadyMatched(f"bank line {line.public_id} is already matched", param="proposal")
        result = trust_firm_entry_record(
            actor=actor, kind=EntryKind(row.entry_kind), account=row.bank_account.name,
            amount=row.amount_minor, date=row.effective_date, counterparty=row.counterparty,
            reference=line.bank_reference[:64], memo=f"bank line {line.public_id}")
        now = clock.now()
        row.status = BankOnlyProposal.Status.POSTED
        row.entry = result.entry
        row.decided_by = actor.label
        row.decided_at = now
        row.save(update_fields=["status", "entry", "decided_by", "decided_at"])
        match = Match(bank_account=row.bank_account, method=str(MatchMethod.BANK_ONLY_POSTED),
                      confidence=100, status=Match.Status.CONFIRMED, settled_on=row.effective_date,
                      created_by=actor.label, created_at=now, confirmed_by=actor.label,
                      confirmed_at=now)
        match.save(force_insert=True)
        signed = line.amount_minor
        MatchItem.objects.bulk_create([
            MatchItem(match=match, bank_line=line, amount_minor=signed,
                      status=Match.Status.CONFIRMED),
            MatchItem(match=match, entry=result.entry, amount_minor=signed,
                      status=Match.Status.CONFIRMED)])
        record(actor, BankingEvent.BANK_ONLY_POSTED, object_type="proposal",
               object_id=row.public_id,
               details={"entry": result.entry.public_id, "kind": row.entry_kind,
                        "match": match.public_id})
    return result


def bank_only_dismiss(*, actor: Principal, proposal: str, reason: str) -> BankOnlyProposal:
    require(actor, Action.RECORD_DEPOSIT)
    cleaned = (reason or "").strip()
    if not cleaned or len(cleaned) > 500 or any(ord(ch) < 32 for ch in cleaned):
        raise InvalidInput("reason: say why, in at most 500 characters", param="reason")
    with transaction.atomic():
        row = _open_proposal(proposal)
        row.status = BankOnlyProposal.Status.DISMISSED
        row.decided_by = actor.label
        row.decided_at = clock.now()
        row.dismiss_reason = cleaned
        row.save(update_fields=["status", "decided_by", "decided_at", "dismiss_reason"])
        record(actor, BankingEvent.BANK_ONLY_DISMISSED, object_type="proposal",
               object_id=row.public_id, details={})
    return row
