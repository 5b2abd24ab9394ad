"""Trust ledger commands: one transaction each, through `posting.post`, with its audit record.

Every command refuses with a typed error (and writes nothing) when a rule does not hold:
client_ledger_overdraft (I3, also on the effective-date timeline), uncleared_funds, period_locked
(I6), duplicate_check_number, idempotency_key_reused (I7), currency_mismatch, matter_closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef

from lawledger.access.policy import get_matter, require
from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal, Role
from lawledger.core.calendar import parse_iso_date
from lawledger.core.errors import (
    AlreadyReversed,
    CurrencyMismatch,
    InvalidInput,
    MatterNotClosable,
    NotFound,
    PermissionDenied,
    RuleViolation,
    UnclearedFunds,
)
from lawledger.core.ledger import AccountKind, EntryKind
from lawledger.core.money import Money, format_minor
from lawledger.core.trust_rules import DepositFacts, uncleared_total
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_settings
from lawledger.ledger.accounts import (
    client_ledger,
    default_operating_account,
    default_trust_account,
    firm_ledger,
    get_bank_account,
)
from lawledger.ledger.models import (
    BankAccount,
    DepositClearance,
    JournalEntry,
    LedgerAccount,
    PeriodLock,
    Posting,
)
from lawledger.ledger.posting import (
    ConcurrentDuplicate,
    EntrySpec,
    PostResult,
    check_period_open,
    find_idempotent,
    fingerprint,
    post,
    validate_idempotency_key,
)

DEPOSIT_METHODS = ("check", "wire", "ach", "card", "cash")
PAYMENT_METHODS = ("check", "wire", "ach", "eft")


class MatterClosed(RuleViolation):
    code = "matter_closed"


# ---------------------------------------------------------------------------------------------
# input cleaning


def _text(value: str | None, *, param: str, max_length: int, required: bool = False,
          multiline: bool = False) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput(f"{param}: must not be empty", param=param)
        return None
    if len(cleaned) > max_length:
        raise InvalidInput(f"{param}: at most {max_length} characters", param=param)
    allowed = "\n\t" if multiline else ""
    if any(ord(ch) < 32 and ch not in allowed for ch in cleaned) or "\x7f" in cleaned:
        raise InvalidInput(f"{param}: control characters are not allowed", param=param)
    return cleaned


def _method(value: str | None, allowed: tuple[str, ...], default: str) -> str:
    cleaned = (value or default).strip().lower()
    if cleaned not in allowed:
        raise InvalidInput(f"method: {value!r} is not one of {', '.join(allowed)}", param="method")
    return cleaned


def _check_number(value: str | None) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    if len(cleaned) > 32 or not all(ch.isalnum() or ch in "-/" for ch in cleaned):
        raise InvalidInput("check_number: up to 32 letters, digits, '-' or '/'", param="check_number")
    return cleaned


def _reference(value: str | None) -> str:
    return _text(value, param="reference", max_length=64) or ""


def _date(value: str | dt.date, param: str = "date") -> dt.date:
    return value if isinstance(value, dt.date) else parse_iso_date(value, param=param)


def _amount(value: str | int, account: BankAccount, param: str = "amount") -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise InvalidInput(f"{param}: must be more than zero", param=param)
        return value
    return Money.parse(str(value), account.currency, param=param).minor


def _open_matter(matter: Matter) -> None:
    if matter.status != Matter.Status.OPEN:
        raise MatterClosed(f"{matter.number} is closed: reopen it before recording trust money",
                           param="matter")


def _matter_account(matter: Matter, account: BankAccount) -> None:
    if account.matter_id is not None and account.matter_id != matter.pk:
        raise InvalidInput(f"account: {account.name} is kept for another matter only",
                           param="account")


def _keyed(actor: Principal, key: str | None, request: dict[str, Any],
           run: Callable[[str | None, str | None], PostResult]) -> PostResult:
    """Run a command at most once per idempotency key (I7), also against a concurrent duplicate."""
    clean_key = validate_idempotency_key(key)
    request_fingerprint = fingerprint(request) if clean_key else None
    try:
        with transaction.atomic():
            return run(clean_key, request_fingerprint)
    except ConcurrentDuplicate:
        with transaction.atomic():
            earlier = find_idempotent(actor, clean_key or "", request_fingerprint or "")
        if earlier is None:
            raise
        return PostResult(earlier, replayed=True)


# ---------------------------------------------------------------------------------------------
# uncleared funds


def client_ledger_position(row: LedgerAccount, day: dt.date,
                           clearing_business_days: int) -> tuple[int, int]:
    """(balance at the end of `day`, the part of it resting on deposits not yet cleared then).

    The uncleared-funds rule below and the disbursement page (`queries.disbursement_position`)
    both use this, so what a bookkeeper is shown before disbursing is what the rule checks.
    """
    assert row.matter_id is not None, "a client ledger always belongs to a matter"
    if row.last_entry_date is None or row.last_entry_date <= day:
        balance = row.balance_minor
    else:
        balance = -sum(Posting.objects.filter(ledger_account=row, effective_date__lte=day)
                       .values_list("amount_minor", flat=True))
    window_start = day - dt.timedelta(days=3 * clearing_business_days + 14)
    deposits = (JournalEntry.objects.filter(
        kind=EntryKind.DEPOSIT.value, matter_id=row.matter_id,
        bank_account_id=row.bank_account_id, effective_date__gte=window_start,
        effective_date__lte=day)
        .annotate(has_reversal=Exists(JournalEntry.objects.filter(reverses=OuterRef("pk"))))
        .select_related("clearance"))
    facts = []
    for deposit in deposits:
        clearance = getattr(deposit, "clearance", None)
        reversal = deposit.reversed_by if deposit.has_reversal else None
        facts.append(DepositFacts(deposit.effective_date, deposit.amount_minor,
                                  clearance.cleared_on if clearance else None,
                                  reversal.effective_date if reversal else None))
    return balance, uncleared_total(facts, day, clearing_business_days)


def _uncleared_check(actor: Principal, ledger: LedgerAccount, amount_minor: int, day: dt.date,
                     override: bool) -> Callable[[dict[int, LedgerAccount]], list[str]]:
    def check(locked: dict[int, LedgerAccount]) -> list[str]:
        settings_row = firm_settings()
        policy = settings_row.uncleared_funds
        if policy == "off" or ledger.matter_id is None:
            return []
        balance, uncleared = client_ledger_position(locked[ledger.pk], day,
                                                    settings_row.clearing_business_days)
        available = balance - uncleared
        if amount_minor <= available:
            return []
        currency = ledger.currency
        message = (f"{ledger.matter.number if ledger.matter else 'ledger'}: "
                   f"{format_minor(uncleared, currency)} {currency} of the balance rests on deposits "
                   f"not yet cleared; cleared funds available on {day.isoformat()} are "
                   f"{format_minor(max(available, 0), currency)}")
        if policy == "warn":
            return ["uncleared_funds: " + message]
        if override:
            if actor.role is not Role.ADMIN:
                raise PermissionDenied("only an admin may override the uncleared-funds hold",
                                       param="override_uncleared")
            return ["uncleared_funds overridden: " + message]
        raise UnclearedFunds(message, param="amount")
    return check


# ---------------------------------------------------------------------------------------------
# commands on a client ledger


def trust_deposit_record(*, actor: Principal, matter: str, amount: str | int, account: str | None,
                         date: str | dt.date, payor: str, method: str | None = None,
                         reference: str | None = None, memo: str | None = None,
                         idempotency_key: str | None = None) -> PostResult:
    day = _date(date)
    clean_payor = _text(payor, param="from", max_length=200, required=True)
    clean_method = _method(method, DEPOSIT_METHODS, "check")
    clean_reference = _reference(reference)
    clean_memo = _text(memo, param="memo", max_length=2000, multiline=True)
    request = {"op": "deposit", "matter": matter, "amount": str(amount), "account": account,
               "date": day, "payor": clean_payor, "method": clean_method,
               "reference": clean_reference, "memo": clean_memo}

    def run(key: str | None, request_fingerprint: str | None) -> PostResult:
        matter_row = get_matter(actor, matter, Action.RECORD_DEPOSIT)
        bank = default_trust_account(matter_row, account)
        _matter_account(matter_row, bank)
        minor = _amount(amount, bank)
        _open_matter(matter_row)
        ledger = client_ledger(bank, matter_row, create=True)
        assert ledger is not None
        spec = EntrySpec(EntryKind.DEPOSIT, day, bank, minor, bank.currency,
                         [(firm_ledger(bank, AccountKind.TRUST_BANK), minor), (ledger, -minor)],
                         matter=matter_row, method=clean_method, reference=clean_reference,
                         payor=clean_payor, memo=clean_memo)
        return post(actor, spec, idempotency_key=key, request_fingerprint=request_fingerprint)

    return _keyed(actor, idempotency_key, request, run)


class ApprovalRequired(RuleViolation):
    """A composite command (settlement, expense, residual payment) would pay out at least the
    approval threshold: it is refused rather than held, since it cannot wait half-done; the
    payment goes through `trust disburse`, which holds it for a second approver (D7)."""

    code = "approval_required"


def needs_approval(bank: BankAccount, amount_minor: int) -> bool:
    """Must a second user approve paying `amount_minor` out of `bank` (SECURITY.md D7)?"""
    settings_row = firm_settings()
    threshold = settings_row.approval_threshold_minor
    if threshold <= 0:
        return False
    # No exchange rates are kept, so an amount in another currency cannot be compared: held.
    return bank.currency != settings_row.base_currency or amount_minor >= threshold


@dataclass(frozen=True)
class Outflow:
    """A cleaned disbursement or refund as asked: posted now, or held for a second approver."""

    kind: EntryKind
    matter: str
    amount: str | int
    account: str | None
    day: dt.date
    payee: str
    method: str
    check_number: str | None
    reference: str
    purpose: str | None
    memo: str | None
    override_uncleared: bool

    def request(self) -> dict[str, Any]:
        """What the idempotency fingerprint covers (as before approvals existed)."""
        return {"op": self.kind.value, "matter": self.matter, "amount": str(self.amount),
                "account": self.account, "date": self.day, "payee": self.payee,
                "method": self.method, "check": self.check_number, "reference": self.reference,
                "purpose": self.purpose, "memo": self.memo}


def clean_outflow(kind: EntryKind, *, matter: str, amount: str | int, account: str | None,
                  date: str | dt.date, payee: str | None, method: str | None,
                  check_number: str | None, reference: str | None, purpose: str | None,
                  memo: str | None, override_uncleared: bool) -> Outflow:
    day = _date(date)
    clean_payee = _text(payee, param="to", max_length=200, required=True)
    assert clean_payee is not None
    clean_check = _check_number(check_number)
    clean_method = _method(method, PAYMENT_METHODS, "check" if clean_check else "eft")
    if clean_check and clean_method != "check":
        raise InvalidInput("check_number: only a check has a check number", param="check_number")
    return Outflow(kind, matter, amount, account, day, clean_payee, clean_method, clean_check,
                   _reference(reference), _text(purpose, param="purpose", max_length=500),
                   _text(memo, param="memo", max_length=2000, multiline=True), override_uncleared)


def resolve_outflow(actor: Principal, flow: Outflow) -> tuple[Matter, BankAccount, int]:
    """The matter (access checked), the trust account and the amount in minor units."""
    matter_row = get_matter(actor, flow.matter, Action.RECORD_DISBURSEMENT)
    bank = default_trust_account(matter_row, flow.account)
    _matter_account(matter_row, bank)
    return matter_row, bank, _amount(flow.amount, bank)


def post_outflow(actor: Principal, flow: Outflow, *, idempotency_key: str | None = None,
                 request_fingerprint: str | None = None,
                 audit_details: dict[str, Any] | None = None,
                 resolved: tuple[Matter, BankAccount, int] | None = None) -> PostResult:
    """Check every rule and post `flow` (in the caller's transaction): no approval asked here."""
    matter_row, bank, minor = resolved or resolve_outflow(actor, flow)
    ledger = client_ledger(bank, matter_row, create=True)
    assert ledger is not None
    override = flow.override_uncleared
    spec = EntrySpec(flow.kind, flow.day, bank, minor, bank.currency,
                     [(ledger, minor), (firm_ledger(bank, AccountKind.TRUST_BANK), -minor)],
                     matter=matter_row, method=flow.method, check_number=flow.check_number,
                     reference=flow.reference, payee=flow.payee, purpose=flow.purpose,
                     memo=flow.memo, is_uncleared_override=override,
                     audit_details=audit_details or {},
                     extra_check=_uncleared_check(actor, ledger, minor, flow.day, override))
    result = post(actor, spec, idempotency_key=idempotency_key,
                  request_fingerprint=request_fingerprint)
    if override and any("overridden" in w for w in result.warnings):
        record(actor, Event.UNCLEARED_FUNDS_OVERRIDDEN, object_type="entry",
               object_id=result.entry.public_id, matter_ref=matter_row.number,
               client_ref=matter_row.client.number)
    return result


def keyed_outflow(actor: Principal, flow: Outflow, idempotency_key: str | None) -> PostResult:
    """Post `flow` at most once per key, refusing an amount that needs a second approver."""
    def run(key: str | None, request_fingerprint: str | None) -> PostResult:
        resolved = resolve_outflow(actor, flow)
        _, bank, minor = resolved
        if needs_approval(bank, minor):
            raise ApprovalRequired(
                f"{format_minor(minor, bank.currency)} {bank.currency} reaches the firm's "
                "approval threshold: record it with `trust disburse` (or the disbursement page) "
                "to hold it for a second approver", param="amount")
        return post_outflow(actor, flow, idempotency_key=key,
                            request_fingerprint=request_fingerprint, resolved=resolved)

    return _keyed(actor, idempotency_key, flow.request(), run)


def trust_disbursement_record(*, actor: Principal, matter: str, amount: str | int,
                              account: str | None, date: str | dt.date, payee: str,
                              method: str | None = None, check_number: str | None = None,
                              reference: str | None = None, purpose: str | None = None,
                              memo: str | None = None, idempotency_key: str | None = None,
                              override_uncleared: bool = False) -> PostResult:
    flow = clean_outflow(EntryKind.DISBURSEMENT, matter=matter, amount=amount, account=account,
                         date=date, payee=payee, method=method, check_number=check_number,
                         reference=reference, purpose=purpose, memo=memo,
                         override_uncleared=override_uncleared)
    return keyed_outflow(actor, flow, idempotency_key)


def trust_refund_record(*, actor: Principal, matter: str, amount: str | int, account: str | None,
                        date: str | dt.date, payee: str, method: str | None = None,
                        check_number: str | None = None, reference: str | None = None,
                        memo: str | None = None, idempotency_key: str | None = None) -> PostResult:
    flow = clean_outflow(EntryKind.REFUND, matter=matter, amount=amount, account=account,
                         date=date, payee=payee, method=method, check_number=check_number,
                         reference=reference, purpose="refund to client", memo=memo,
                         override_uncleared=False)
    return keyed_outflow(actor, flow, idempotency_key)


def trust_transfer_record(*, actor: Principal, from_matter: str, to_matter: str,
                          amount: str | int, date: str | dt.date, account: str | None = None,
                          memo: str | None = None, idempotency_key: str | None = None) -> PostResult:
    day = _date(date)
    clean_memo = _text(memo, param="memo", max_length=2000, multiline=True)
    request = {"op": "transfer", "from": from_matter, "to": to_matter, "amount": str(amount),
               "account": account, "date": day, "memo": clean_memo}

    def run(key: str | None, request_fingerprint: str | None) -> PostResult:
        source = get_matter(actor, from_matter, Action.RECORD_DISBURSEMENT, param="from_matter")
        target = get_matter(actor, to_matter, Action.RECORD_DISBURSEMENT, param="to_matter")
        if source.pk == target.pk:
            raise InvalidInput("to_matter: a transfer needs two different matters",
                               param="to_matter")
        bank = default_trust_account(source, account)
        _matter_account(source, bank)
        _matter_account(target, bank)
        minor = _amount(amount, bank)
        _open_matter(target)
        from_ledger = client_ledger(bank, source, create=True)
        to_ledger = client_ledger(bank, target, create=True)
        assert from_ledger is not None and to_ledger is not None
        spec = EntrySpec(EntryKind.TRANSFER, day, bank, minor, bank.currency,
                         [(from_ledger, minor), (to_ledger, -minor)], matter=source,
                         counter_matter=target, method="internal", memo=clean_memo,
                         audit_details={"to_matter": target.number},
                         extra_check=_uncleared_check(actor, from_ledger, minor, day, False))
        return post(actor, spec, idempotency_key=key, request_fingerprint=request_fingerprint)

    return _keyed(actor, idempotency_key, request, run)


def earned_fee_transfer_record(*, actor: Principal, matter: str, amount: str | int,
                               account: str | None, date: str | dt.date,
                               operating_account: str | None = None, invoice_ref: str | None = None,
                               memo: str | None = None,
                               idempotency_key: str | None = None) -> PostResult:
    """Earned fees from a client ledger to the firm's operating account (trust → operating)."""
    day = _date(date)
    clean_invoice = _text(invoice_ref, param="invoice", max_length=64) or ""
    clean_memo = _text(memo, param="memo", max_length=2000, multiline=True)
    request = {"op": "earned_fee", "matter": matter, "amount": str(amount), "account": account,
               "operating": operating_account, "date": day, "invoice": clean_invoice,
               "memo": clean_memo}

    def run(key: str | None, request_fingerprint: str | None) -> PostResult:
        matter_row = get_matter(actor, matter, Action.RECORD_DISBURSEMENT)
        bank = default_trust_account(matter_row, account)
        operating = default_operating_account(bank.currency, operating_account,
                                              param="operating_account")
        if operating.currency != bank.currency:
            raise CurrencyMismatch(f"operating_account: {operating.name} is in {operating.currency},"
                                   f" {bank.name} in {bank.currency}", param="operating_account")
        minor = _amount(amount, bank)
        ledger = client_ledger(bank, matter_row, create=True)
        assert ledger is not None
        spec = EntrySpec(EntryKind.EARNED_FEE, day, bank, minor, bank.currency,
                         [(ledger, minor), (firm_ledger(bank, AccountKind.TRUST_BANK), -minor),
                          (firm_ledger(operating, AccountKind.OPERATING_BANK), minor),
                          (firm_ledger(operating, AccountKind.FEE_INCOME), -minor)],
                         matter=matter_row, method="internal", invoice_ref=clean_invoice,
                         payee=firm_settings().name, purpose="earned fees", memo=clean_memo,
                         audit_details={"operating_account": operating.name,
                                        "invoice": clean_invoice},
                         extra_check=_uncleared_check(actor, ledger, minor, day, False))
        return post(actor, spec, idempotency_key=key, request_fingerprint=request_fingerprint)

    return _keyed(actor, idempotency_key, request, run)


# ---------------------------------------------------------------------------------------------
# firm ledgers inside a trust account


_FIRM_ENTRY_LEGS: dict[EntryKind, tuple[AccountKind, int]] = {
    # kind: (the firm ledger, +1 when money comes into the bank, -1 when it leaves)
    EntryKind.BANK_CHARGE: (AccountKind.FIRM_FUNDS, -1),
    EntryKind.FIRM_DEPOSIT: (AccountKind.FIRM_FUNDS, 1),
    EntryKind.FIRM_WITHDRAWAL: (AccountKind.FIRM_FUNDS, -1),
    EntryKind.INTEREST: (AccountKind.INTEREST, 1),
    EntryKind.INTEREST_REMITTANCE: (AccountKind.INTEREST, -1),
    EntryKind.UNIDENTIFIED_DEPOSIT: (AccountKind.UNIDENTIFIED, 1),
}


def trust_firm_entry_record(*, actor: Principal, kind: EntryKind, account: str, amount: str | int,
                            date: str | dt.date, counterparty: str | None = None,
                            reference: str | None = None, memo: str | None = None,
                            idempotency_key: str | None = None) -> PostResult:
    """Bank charges, interest, firm funds and unidentified receipts: never on a client ledger (I4)."""
    if kind not in _FIRM_ENTRY_LEGS:
        raise InvalidInput(f"kind: {kind} is not a firm-ledger entry", param="kind")
    require(actor, Action.RECORD_DISBURSEMENT)
    day = _date(date)
    clean_party = _text(counterparty, param="counterparty", max_length=200,
                        required=kind in (EntryKind.UNIDENTIFIED_DEPOSIT,
                                          EntryKind.INTEREST_REMITTANCE))
    clean_reference = _reference(reference)
    clean_memo = _text(memo, param="memo", max_length=2000, multiline=True)
    request = {"op": kind.value, "account": account, "amount": str(amount), "date": day,
               "party": clean_party, "reference": clean_reference, "memo": clean_memo}

    def run(key: str | None, request_fingerprint: str | None) -> PostResult:
        bank = get_bank_account(account, kind=BankAccount.Kind.TRUST)
        minor = _amount(amount, bank)
        ledger_kind, direction = _FIRM_ENTRY_LEGS[kind]
        sub = firm_ledger(bank, ledger_kind)
        trust_bank = firm_ledger(bank, AccountKind.TRUST_BANK)
        lines = [(trust_bank, direction * minor), (sub, -direction * minor)]
        incoming = direction > 0
        spec = EntrySpec(kind, day, bank, minor, bank.currency, lines, method="internal",
                         reference=clean_reference, payor=clean_party if incoming else None,
                         payee=None if incoming else clean_party, memo=clean_memo)
        return post(actor, spec, idempotency_key=key, request_fingerprint=request_fingerprint)

    return _keyed(actor, idempotency_key, request, run)


def unidentified_assign_record(*, actor: Principal, account: str, matter: str, amount: str | int,
                               date: str | dt.date, memo: str | None = None,
                               idempotency_key: str | None = None) -> PostResult:
    """Move money from the unidentified-funds ledger to the matter it turned out to belong to."""
    day = _date(date)
    clean_memo = _text(memo, param="memo", max_length=2000, multiline=True)
    request = {"op": "unidentified_assigned", "account": account, "matter": matter,
               "amount": str(amount), "date": day, "memo": clean_memo}

    def run(key: str | None, request_fingerprint: str | None) -> PostResult:
        matter_row = get_matter(actor, matter, Action.RECORD_DISBURSEMENT)
        bank = get_bank_account(account, kind=BankAccount.Kind.TRUST)
        _matter_account(matter_row, bank)
        _open_matter(matter_row)
        minor = _amount(amount, bank)
        ledger = client_ledger(bank, matter_row, create=True)
        assert ledger is not None
        spec = EntrySpec(EntryKind.UNIDENTIFIED_ASSIGNED, day, bank, minor, bank.currency,
                         [(firm_ledger(bank, AccountKind.UNIDENTIFIED), minor), (ledger, -minor)],
                         matter=matter_row, method="internal", memo=clean_memo)
        return post(actor, spec, idempotency_key=key, request_fingerprint=request_fingerprint)

    return _keyed(actor, idempotency_key, request, run)


# ---------------------------------------------------------------------------------------------
# reversal, clearance, period lock


def get_entry(ref: str, *, param: str = "entry") -> JournalEntry:
    cleaned = (ref or "").strip()
    entry = (JournalEntry.objects.select_related("bank_account", "matter", "matter__client")
             .filter(public_id=cleaned).first()) if cleaned else None
    if entry is None:
        raise NotFound(f"{param}: no entry {ref!r}", param=param)
    return entry


def trust_reversal_record(*, actor: Principal, entry: str, reason: str,
                          date: str | dt.date | None = None) -> PostResult:
    from lawledger.firm.queries import firm_today

    clean_reason = _text(reason, param="reason", max_length=500, required=True)
    day = _date(date) if date else firm_today()
    with transaction.atomic():
        original = get_entry(entry)
        if original.matter is not None:
            get_matter(actor, original.matter.number, Action.RECORD_DISBURSEMENT, param="entry")
        else:
            require(actor, Action.RECORD_DISBURSEMENT)
        if original.kind == EntryKind.REVERSAL:
            raise AlreadyReversed("a reversal cannot itself be reversed; record the entry again",
                                  param="entry")
        if JournalEntry.objects.filter(reverses=original).exists():
            raise AlreadyReversed(f"entry {original.public_id} was already reversed", param="entry")
        if day < original.effective_date:
            raise InvalidInput("date: a reversal cannot be dated before the entry it reverses",
                               param="date")
        legs = list(Posting.objects.filter(entry=original).select_related("ledger_account"))
        spec = EntrySpec(EntryKind.REVERSAL, day, original.bank_account, original.amount_minor,
                         original.currency,
                         [(leg.ledger_account, -leg.amount_minor) for leg in legs],
                         matter=original.matter, counter_matter=original.counter_matter,
                         method="internal", reference=original.reference,
                         purpose=clean_reason, reverses=original,
                         audit_details={"reverses": original.public_id,
                                        "reversed_kind": original.kind})
        return post(actor, spec)


def deposit_clearance_record(*, actor: Principal, entry: JournalEntry, cleared_on: dt.date,
                             source: str) -> DepositClearance:
    """Record that the bank showed a deposit (called by statement matching or by hand)."""
    require(actor, Action.RECORD_DEPOSIT)
    if entry.kind != EntryKind.DEPOSIT:
        raise InvalidInput("entry: only a deposit clears", param="entry")
    existing = DepositClearance.objects.filter(entry=entry).first()
    if existing is not None:
        return existing
    return DepositClearance.objects.create(entry=entry, cleared_on=cleared_on, source=source,
                                           recorded_at=clock.now())


def period_lock_record(*, actor: Principal, account: BankAccount, through_date: dt.date,
                       reference: str = "") -> PeriodLock:
    """Lock a bank account's books through a date (I6). Serialised with postings by the bank row."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("only an admin signs off a period", param="sign_off")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("period_lock_record runs inside the sign-off transaction")
    kind = AccountKind.TRUST_BANK if account.kind == BankAccount.Kind.TRUST else AccountKind.OPERATING_BANK
    LedgerAccount.objects.select_for_update().get(bank_account=account, kind=kind.value,
                                                  matter__isnull=True)
    check_period_open({account.pk}, through_date)
    lock = PeriodLock.objects.create(bank_account=account, through_date=through_date,
                                     locked_at=clock.now(), locked_by=actor.label,
                                     reference=reference)
    record(actor, Event.PERIOD_LOCKED, object_type="account", object_id=account.public_id,
           details={"through": through_date.isoformat(), "reference": reference})
    return lock


def refuse_close_with_trust_balance(matter: Matter) -> None:
    held = LedgerAccount.objects.filter(matter=matter, kind=AccountKind.CLIENT.value).exclude(
        balance_minor=0).select_related("bank_account")
    for ledger in held:
        raise MatterNotClosable(
            f"{matter.number} still holds {format_minor(ledger.balance_minor, ledger.currency)} "
            f"{ledger.currency} in {ledger.bank_account.name}: refund or transfer it first",
            param="matter")
