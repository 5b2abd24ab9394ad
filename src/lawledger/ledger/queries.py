"""Reads of the trust ledger, filtered by the access policy and audited (every one is confidential).

Reports are returned as plain dicts of strings and ints so every interface (CLI JSON, web, CSV,
PDF) shows the same numbers. Amounts are decimal strings; running balances are computed in
(effective_date, recording order), the order of the I3 timeline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max

from lawledger.access.policy import get_matter, require, visible_matters
from lawledger.audit.events import Event
from lawledger.audit.services import record
from lawledger.core.access import SEES_ALL_MATTERS, Action, Principal
from lawledger.core.errors import InvalidInput
from lawledger.core.ledger import TRUST_SUBLEDGER_KINDS, AccountKind
from lawledger.core.money import format_minor
from lawledger.crypto.fields import Sealed
from lawledger.crypto.keyring import KEYRING
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_settings, firm_today
from lawledger.ledger.accounts import client_ledger, get_bank_account, trust_accounts_holding
from lawledger.ledger.models import BankAccount, JournalEntry, LedgerAccount, Posting

_SEALED_COLUMNS = ("payor", "payee", "purpose", "memo")


def _open(public_id: str, column: str, sealed: Sealed | None) -> str | None:
    if sealed is None:
        return None
    return KEYRING.open(sealed.token, f"{JournalEntry._meta.db_table}.{column}:{public_id}".encode())


def _entry_rows(postings: Any, side: int, currency: str) -> tuple[list[dict[str, Any]], int]:
    rows = postings.order_by("effective_date", "entry_id").values_list(
        "entry__public_id", "effective_date", "entry__kind", "amount_minor",
        "entry__payor", "entry__payee", "entry__purpose", "entry__memo", "entry__method",
        "entry__check_number", "entry__reference", "entry__invoice_ref", "entry__recorded_at",
        "entry__recorded_by", "entry__reverses__public_id", "entry__matter__number",
        "entry__counter_matter__number")
    running = 0
    out = []
    for (public_id, day, kind, amount, payor, payee, purpose, memo, method, check, reference,
         invoice, recorded_at, recorded_by, reverses, matter_number, counter_number) in rows:
        delta = side * amount
        running += delta
        out.append({
            "id": public_id, "date": day.isoformat(), "kind": kind,
            "amount": format_minor(delta, currency),
            "running_balance": format_minor(running, currency),
            "payor": _open(public_id, "payor", payor), "payee": _open(public_id, "payee", payee),
            "purpose": _open(public_id, "purpose", purpose),
            "memo": _open(public_id, "memo", memo), "method": method,
            "check_number": check, "reference": reference, "invoice": invoice or None,
            "matter": matter_number, "counter_matter": counter_number,
            "reverses": reverses, "recorded_at": recorded_at.isoformat(),
            "recorded_by": recorded_by, "_running_minor": running,
        })
    return out, running


def _window(entries: list[dict[str, Any]], date_from: dt.date | None,
            date_to: dt.date | None) -> tuple[list[dict[str, Any]], int]:
    """Entries inside the dates, and the running balance just before the first of them."""
    opening = 0
    kept = []
    for entry in entries:
        day = entry["date"]
        if date_from and day < date_from.isoformat():
            opening = entry["_running_minor"]
            continue
        if date_to and day > date_to.isoformat():
            continue
        kept.append(entry)
    for entry in kept:
        entry.pop("_running_minor", None)
    return kept, opening


def client_ledger_report(principal: Principal, matter: str, account: str | None = None,
                         *, date_from: dt.date | None = None,
                         date_to: dt.date | None = None) -> dict[str, Any]:
    """One client ledger with running balance (`lawledger trust ledger`)."""
    with transaction.atomic():
        matter_row = get_matter(principal, matter)
        bank: BankAccount | None
        if account:
            bank = get_bank_account(account, kind=BankAccount.Kind.TRUST)
        else:
            holding = trust_accounts_holding(matter_row)
            if len(holding) > 1:
                raise InvalidInput(f"account: {matter_row.number} has money in "
                                   f"{', '.join(a.name for a in holding)}: name one with --account",
                                   param="account")
            bank = holding[0] if holding else None
        record(principal, Event.CLIENT_LEDGER_VIEWED, object_type="matter",
               object_id=matter_row.number, matter_ref=matter_row.number,
               client_ref=matter_row.client.number,
               details={"account": bank.name if bank else ""})
        currency = bank.currency if bank else firm_settings().base_currency
        ledger = client_ledger(bank, matter_row, create=False) if bank else None
        entries: list[dict[str, Any]] = []
        balance = 0
        if ledger is not None:
            entries, balance = _entry_rows(Posting.objects.filter(ledger_account=ledger), -1,
                                           currency)
        entries, opening = _window(entries, date_from, date_to)
        _restrict_hidden_matters(principal, entries)
        return {
            "matter": matter_row.number, "matter_title": matter_row.title,
            "client": {"number": matter_row.client.number, "name": matter_row.client.name},
            "account": bank.name if bank else None, "currency": currency,
            "opening_balance": format_minor(opening, currency),
            "balance": format_minor(balance, currency), "entries": entries,
        }


_RESTRICTED_FIELDS = ("payor", "payee", "purpose", "memo", "check_number", "reference",
                      "invoice", "matter", "counter_matter")


def _restrict_hidden_matters(principal: Principal, entries: list[dict[str, Any]]) -> None:
    """An ethical wall beats every role (A4): rows touching a matter this principal may not see
    keep date, kind and amounts (a bank journal must still add up) but say nothing of whose money
    it was. A transfer's other matter is hidden the same way on a client ledger."""
    if principal.is_operator:
        return
    numbers = {n for e in entries for n in (e.get("matter"), e.get("counter_matter")) if n}
    if not numbers:
        return
    visible = set(visible_matters(principal).filter(number__in=numbers)
                  .values_list("number", flat=True))
    for entry in entries:
        if any(entry.get(key) and entry[key] not in visible
               for key in ("matter", "counter_matter")):
            for key in _RESTRICTED_FIELDS:
                entry[key] = None
            entry["restricted"] = True


def trust_journal_report(principal: Principal, account: str, *, date_from: dt.date | None = None,
                         date_to: dt.date | None = None) -> dict[str, Any]:
    """The chronological record of one bank account (`lawledger trust journal`)."""
    require(principal, Action.VIEW_FIRM_REPORTS)
    with transaction.atomic():
        bank = get_bank_account(account)
        bank_kind = (AccountKind.TRUST_BANK if bank.kind == BankAccount.Kind.TRUST
                     else AccountKind.OPERATING_BANK)
        bank_ledger = LedgerAccount.objects.get(bank_account=bank, kind=bank_kind.value,
                                                matter__isnull=True)
        record(principal, Event.TRUST_JOURNAL_VIEWED, object_type="account",
               object_id=bank.public_id, details={"account": bank.name})
        entries, balance = _entry_rows(Posting.objects.filter(ledger_account=bank_ledger), 1,
                                       bank.currency)
        entries, opening = _window(entries, date_from, date_to)
        _restrict_hidden_matters(principal, entries)
        return {
            "account": bank.name, "kind": bank.kind, "currency": bank.currency,
            "opening_balance": format_minor(opening, bank.currency),
            "balance": format_minor(balance, bank.currency), "entries": entries,
        }


def trust_listing_report(principal: Principal, account: str | None = None,
                         *, include_zero: bool = False) -> dict[str, Any]:
    """Every client ledger with a balance, and the firm ledgers, per trust account."""
    with transaction.atomic():
        matters = visible_matters(principal)
        ledgers = (LedgerAccount.objects.filter(kind__in=sorted(TRUST_SUBLEDGER_KINDS))
                   .select_related("bank_account", "matter", "matter__client")
                   .order_by("bank_account__name", "kind", "matter__number"))
        if account:
            ledgers = ledgers.filter(bank_account=get_bank_account(account,
                                                                   kind=BankAccount.Kind.TRUST))
        sees_firm = principal.is_operator or principal.role in SEES_ALL_MATTERS
        # Walls apply to the roles that see every matter too: filter client ledgers always.
        visible_ids = set(matters.values_list("pk", flat=True))
        record(principal, Event.TRUST_REPORT_VIEWED, object_type="report",
               object_id="trust_listing", details={"account": account or ""})
        accounts: dict[str, dict[str, Any]] = {}
        for ledger in ledgers:
            if ledger.kind == AccountKind.CLIENT:
                if visible_ids is not None and ledger.matter_id not in visible_ids:
                    continue
            elif not sees_firm:
                continue
            if ledger.balance_minor == 0 and not include_zero:
                continue
            bank = ledger.bank_account
            entry = accounts.setdefault(bank.name, {"account": bank.name, "currency": bank.currency,
                                                    "total_minor": 0, "ledgers": []})
            entry["total_minor"] += ledger.balance_minor
            entry["ledgers"].append({
                "kind": ledger.kind,
                "matter": ledger.matter.number if ledger.matter else None,
                "matter_title": ledger.matter.title if ledger.matter else None,
                "client": ledger.matter.client.name if ledger.matter else None,
                "client_number": ledger.matter.client.number if ledger.matter else None,
                "balance": format_minor(ledger.balance_minor, bank.currency),
                "last_activity": ledger.last_entry_date.isoformat() if ledger.last_entry_date
                else None,
            })
        result = []
        for item in accounts.values():
            item["total"] = format_minor(item.pop("total_minor"), item["currency"])
            result.append(item)
        return {"as_of": firm_today().isoformat(), "accounts": result}


def inactive_balances_report(principal: Principal, months: int | None = None) -> dict[str, Any]:
    """Client ledgers with a balance and no activity for N months: unclaimed-funds candidates."""
    require(principal, Action.VIEW_FIRM_REPORTS)
    months = months if months is not None else firm_settings().inactive_balance_months
    if months < 1:
        raise InvalidInput("months: must be at least 1", param="months")
    today = firm_today()
    cutoff_year, cutoff_month = divmod(today.year * 12 + today.month - 1 - months, 12)
    cutoff = dt.date(cutoff_year, cutoff_month + 1, min(today.day, 28))
    with transaction.atomic():
        record(principal, Event.TRUST_REPORT_VIEWED, object_type="report",
               object_id="inactive_balances", details={"months": months})
        ledgers = (LedgerAccount.objects.filter(kind=AccountKind.CLIENT.value,
                                                matter__in=visible_matters(principal),
                                                last_entry_date__lt=cutoff)
                   .exclude(balance_minor=0)
                   .select_related("bank_account", "matter", "matter__client")
                   .order_by("last_entry_date"))
        rows = [{
            "matter": ledger.matter.number, "client": ledger.matter.client.name,
            "account": ledger.bank_account.name, "currency": ledger.currency,
            "balance": format_minor(ledger.balance_minor, ledger.currency),
            "last_activity": ledger.last_entry_date.isoformat() if ledger.last_entry_date else None,
            "months_inactive": _months_between(ledger.last_entry_date, today),
        } for ledger in ledgers if ledger.matter is not None]
    return {"as_of": today.isoformat(), "months": months, "ledgers": rows}


def _months_between(start: dt.date | None, end: dt.date) -> int | None:
    if start is None:
        return None
    return (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)


def matter_trust_balances(matter: Matter) -> list[dict[str, str]]:
    """Balances of one matter's client ledgers (for pages that already passed the policy)."""
    return [{"account": ledger.bank_account.name, "currency": ledger.currency,
             "balance": format_minor(ledger.balance_minor, ledger.currency)}
            for ledger in LedgerAccount.objects.filter(matter=matter, kind=AccountKind.CLIENT.value)
            .select_related("bank_account").order_by("bank_account__name")]


def bank_accounts() -> list[BankAccount]:
    return list(BankAccount.objects.order_by("kind", "name"))


def account_balances(principal: Principal) -> list[dict[str, Any]]:
    """Per bank account: the bank ledger balance and, for trust, the sum of its sub-ledgers."""
    require(principal, Action.VIEW_FIRM_REPORTS)
    out = []
    for bank in BankAccount.objects.order_by("kind", "name"):
        ledgers = list(LedgerAccount.objects.filter(bank_account=bank))
        bank_kind = (AccountKind.TRUST_BANK if bank.kind == BankAccount.Kind.TRUST
                     else AccountKind.OPERATING_BANK)
        bank_balance = sum(ledger.balance_minor for ledger in ledgers if ledger.kind == bank_kind)
        sub_total = sum(ledger.balance_minor for ledger in ledgers
                        if ledger.kind in TRUST_SUBLEDGER_KINDS)
        last = JournalEntry.objects.filter(bank_account=bank).aggregate(last=Max("effective_date"))
        out.append({"account": bank.name, "kind": bank.kind, "currency": bank.currency,
                    "balance": format_minor(bank_balance, bank.currency),
                    "client_ledgers_total": format_minor(sub_total, bank.currency)
                    if bank.kind == BankAccount.Kind.TRUST else None,
                    "last_entry": last["last"].isoformat() if last["last"] else None})
    return out


def entry_detail(principal: Principal, ref: str) -> dict[str, Any]:
    """One journal entry with every field, its postings and what it reverses or was reversed by.

    Visible when its matter is (entries without a matter need the firm-report right); otherwise
    NotFound, the same as an id that does not exist. The read is audited, and the confidential
    fields are opened inside the audited transaction (fail closed).
    """
    from lawledger.access.policy import AccessRefused
    from lawledger.core.access import decide

    cleaned = (ref or "").strip()[:64]
    with transaction.atomic():
        entry = (JournalEntry.objects.select_related(
            "bank_account", "matter", "matter__client", "counter_matter", "reverses",
            "clearance").filter(public_id=cleaned).first()) if cleaned else None
        visible = visible_matters(principal)
        if entry is None or (
                entry.matter_id is not None and not visible.filter(pk=entry.matter_id).exists()) or (
                entry.matter_id is None and not decide(principal, Action.VIEW_FIRM_REPORTS, None)):
            raise AccessRefused(f"entry: no entry {ref!r}", param="entry", principal=principal,
                                object_type="entry", object_id=cleaned, action="view")
        matter = entry.matter
        counter = entry.counter_matter
        counter_visible = counter is not None and visible.filter(pk=counter.pk).exists()
        record(principal, Event.TRUST_ENTRY_VIEWED, object_type="entry", object_id=entry.public_id,
               matter_ref=matter.number if matter else "",
               client_ref=matter.client.number if matter else "")
        reversal = JournalEntry.objects.filter(reverses=entry).first()
        clearance = getattr(entry, "clearance", None)
        opened = _opened_text(entry.public_id)
        currency = entry.currency
        return {
            "id": entry.public_id, "kind": entry.kind, "date": entry.effective_date.isoformat(),
            "amount": format_minor(entry.amount_minor, currency), "currency": currency,
            "account": entry.bank_account.name,
            "matter": ({"number": matter.number, "title": matter.title,
                        "client": matter.client.name, "client_number": matter.client.number}
                       if matter else None),
            "counter_matter": counter.number if counter_visible and counter else None,
            "counter_matter_hidden": counter is not None and not counter_visible,
            **opened, "method": entry.method, "check_number": entry.check_number,
            "reference": entry.reference, "invoice": entry.invoice_ref or None,
            "recorded_at": entry.recorded_at.isoformat(), "recorded_by": entry.recorded_by,
            "is_uncleared_override": entry.is_uncleared_override,
            "cleared_on": clearance.cleared_on.isoformat() if clearance else None,
            "reverses": ({"id": entry.reverses.public_id, "kind": entry.reverses.kind,
                          "date": entry.reverses.effective_date.isoformat()}
                         if entry.reverses else None),
            "reversed_by": ({"id": reversal.public_id, "date": reversal.effective_date.isoformat(),
                             "reason": _opened_text(reversal.public_id)["purpose"]}
                            if reversal else None),
            "postings": _entry_postings(entry, visible_counter=counter_visible),
        }


def _opened_text(public_id: str) -> dict[str, str | None]:
    """An entry's confidential columns, opened (read as stored, so always the sealed form)."""
    sealed = JournalEntry.objects.filter(public_id=public_id).values_list(*_SEALED_COLUMNS).get()
    return {column: _open(public_id, column, value)
            for column, value in zip(_SEALED_COLUMNS, sealed, strict=True)}


def _entry_postings(entry: JournalEntry, *, visible_counter: bool) -> list[dict[str, Any]]:
    from lawledger.core.ledger import NORMAL_SIDE

    rows = []
    for posting in (Posting.objects.filter(entry=entry)
                    .select_related("ledger_account", "ledger_account__matter",
                                    "ledger_account__bank_account").order_by("id")):
        account = posting.ledger_account
        kind = AccountKind(account.kind)
        if kind == AccountKind.CLIENT and account.matter is not None:
            hidden = account.matter_id != entry.matter_id and not visible_counter
            label = "another client ledger" if hidden else f"client ledger {account.matter.number}"
        else:
            label = f"{kind.value.replace('_', ' ')} · {account.bank_account.name}"
        side = NORMAL_SIDE[kind]
        rows.append({"ledger": label, "kind": kind.value,
                     "change": format_minor(side * posting.amount_minor, posting.currency),
                     "balance_after": format_minor(posting.balance_after_minor, posting.currency),
                     "currency": posting.currency})
    return rows


def disbursement_position(principal: Principal, matter: str, *,
                          day: dt.date | None = None) -> dict[str, Any]:
    """Before paying out: per trust account, the client ledger balance and the cleared funds.

    Computed by the same function the uncleared-funds rule uses (`services.client_ledger_position`).
    """
    from lawledger.ledger.services import client_ledger_position

    on = day or firm_today()
    with transaction.atomic():
        matter_row = get_matter(principal, matter)
        record(principal, Event.CLIENT_LEDGER_VIEWED, object_type="matter",
               object_id=matter_row.number, matter_ref=matter_row.number,
               client_ref=matter_row.client.number, details={"view": "disbursement_position"})
        settings_row = firm_settings()
        rows = []
        for ledger in (LedgerAccount.objects.filter(matter=matter_row, kind=AccountKind.CLIENT.value)
                       .select_related("bank_account").order_by("bank_account__name")):
            balance, uncleared = client_ledger_position(ledger, on,
                                                        settings_row.clearing_business_days)
            currency = ledger.currency
            rows.append({"account": ledger.bank_account.name, "currency": currency,
                         "balance": format_minor(ledger.balance_minor, currency),
                         "balance_on_date": format_minor(balance, currency),
                         "uncleared": format_minor(uncleared, currency),
                         "available": format_minor(max(balance - uncleared, 0), currency)})
        return {"matter": matter_row.number, "date": on.isoformat(),
                "policy": settings_row.uncleared_funds,
                "clearing_business_days": settings_row.clearing_business_days, "accounts": rows}
