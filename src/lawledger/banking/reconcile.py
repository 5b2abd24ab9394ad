"""The three-way reconciliation of one bank account on a date: compute, save as draft, sign off.

Figures on date D come from the ledger's postings with effective_date ≤ D (journal balance, each
sub-ledger's balance and last activity) and from the matches: an entry or a bank line is settled
on D when it is in a live match whose `settled_on` ≤ D; whatever is not settled is a reconciling
item (`lawledger.core.reconciliation` does the arithmetic).

Sign-off (admins only) is refused unless the reconciliation balances. It runs in one transaction
that first locks every ledger account of the bank account in id order — the same order postings
lock them — so a concurrent posting either committed before (and is in the report) or waits and
is then refused by the period lock it finds (I6, SECURITY.md D5). The report JSON and PDF are
stored encrypted with their sha256, which goes into the audit chain.
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum

from lawledger.access.policy import require, visible_matters
from lawledger.audit.services import record
from lawledger.banking.errors import ReconciliationUnbalanced
from lawledger.banking.events import BankingEvent
from lawledger.banking.matching import bank_ledger, matches_confirm_all
from lawledger.banking.models import (
    LIVE_STATUSES,
    BankLine,
    BankStatement,
    Match,
    MatchItem,
    Reconciliation,
)
from lawledger.banking.report_pdf import problem_words, render_pdf
from lawledger.banking.settings import aging_rules
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.calendar import parse_iso_date
from lawledger.core.errors import InvalidInput, NotFound
from lawledger.core.ledger import TRUST_SUBLEDGER_KINDS
from lawledger.core.money import Money, format_minor
from lawledger.core.reconciliation import (
    Figures,
    LedgerBalance,
    OpenBankLine,
    OpenEntry,
    reconcile,
)
from lawledger.crypto.fields import Sealed
from lawledger.crypto.keyring import KEYRING
from lawledger.firm.queries import firm_today
from lawledger.ledger.accounts import get_bank_account
from lawledger.ledger.models import BankAccount, JournalEntry, LedgerAccount, Posting
from lawledger.ledger.services import period_lock_record

WALLED = "(behind an ethical wall)"


@dataclass
class Prepared:
    bank: BankAccount
    figures: Figures
    document: dict[str, Any]


def _open_sealed(public_id: str, column: str, sealed: Any) -> str:
    if not isinstance(sealed, Sealed):
        return ""
    return KEYRING.open(sealed.token,
                        f"{JournalEntry._meta.db_table}.{column}:{public_id}".encode())


def _settled_entries(day: dt.date) -> Any:
    return MatchItem.objects.filter(status__in=LIVE_STATUSES, entry__isnull=False,
                                    match__settled_on__lte=day).values("entry_id")


def _settled_lines(day: dt.date) -> Any:
    return MatchItem.objects.filter(status__in=LIVE_STATUSES, bank_line__isnull=False,
                                    match__settled_on__lte=day).values("bank_line_id")


def _open_entries(bank: BankAccount, day: dt.date, visible: set[int] | None) -> list[OpenEntry]:
    rows = (Posting.objects.filter(ledger_account=bank_ledger(bank), effective_date__lte=day)
            .exclude(entry_id__in=_settled_entries(day))
            .order_by("effective_date", "entry_id")
            .values_list("entry__public_id", "effective_date", "amount_minor", "entry__kind",
                         "entry__check_number", "entry__method", "entry__matter_id",
                         "entry__matter__number", "entry__payor", "entry__payee"))
    found = []
    for public_id, day_, amount, kind, check, method, matter_id, number, payor, payee in rows:
        hidden = matter_id is not None and visible is not None and matter_id not in visible
        party = "" if hidden else _open_sealed(public_id, "payor" if amount > 0 else "payee",
                                               payor if amount > 0 else payee)
        found.append(OpenEntry(public_id, day_, amount, kind, check or "", method or "",
                               party, WALLED if hidden else (number or "")))
    return found


def _open_lines(bank: BankAccount, day: dt.date) -> list[OpenBankLine]:
    lines = (BankLine.objects.filter(bank_account=bank, posted_on__lte=day)
             .exclude(pk__in=_settled_lines(day)).order_by("posted_on", "pk")
             .only("public_id", "posted_on", "amount_minor", "kind", "counterparty",
                   "description", "check_number"))
    found = []
    for line in lines:
        text = " · ".join(t for t in (line.counterparty, line.description) if t)
        if line.check_number:
            text = f"check {line.check_number} {text}".strip()
        found.append(OpenBankLine(line.public_id, line.posted_on, line.amount_minor, line.kind,
                                  text[:300]))
    return found


def _ledgers(bank: BankAccount, day: dt.date, visible: set[int] | None
             ) -> tuple[list[LedgerBalance], list[dict[str, Any]], list[dict[str, Any]]]:
    sums = (Posting.objects.filter(bank_account=bank, effective_date__lte=day,
                                   ledger_account__kind__in=sorted(TRUST_SUBLEDGER_KINDS))
            .values("ledger_account_id").annotate(total=Sum("amount_minor"),
                                                  last=Max("effective_date")))
    totals = {row["ledger_account_id"]: (-row["total"], row["last"]) for row in sums}
    accounts = (LedgerAccount.objects.filter(pk__in=list(totals))
                .select_related("matter", "matter__client"))
    balances, clients, firm = [], [], []
    for ledger in sorted(accounts, key=lambda a: (a.kind, a.matter.number if a.matter else "")):
        balance, last = totals[ledger.pk]
        label = ledger.matter.number if ledger.matter else ledger.kind
        balances.append(LedgerBalance(ledger.kind, label, balance, last))
        row = {"balance": format_minor(balance, bank.currency),
               "last_activity": last.isoformat() if last else None}
        if ledger.matter is None:
            firm.append({"ledger": ledger.kind, **row})
        elif balance != 0 or last == day:
            hidden = visible is not None and ledger.matter_id not in visible
            clients.append({"matter": WALLED if hidden else ledger.matter.number,
                            "title": "" if hidden else ledger.matter.title,
                            "client": "" if hidden else ledger.matter.client.name, **row})
    return balances, clients, firm


def due_dates(bank: BankAccount, today: dt.date | None = None, *,
              signing: dt.date | None = None) -> dict[str, Any]:
    """When the next reconciliation of `bank` is due: a trust account by the firm's jurisdiction
    pack (monthly, five-weekly, the 25th of the next month…); an operating account, which no bar
    rule covers, at each month end."""
    if bank.kind == BankAccount.Kind.TRUST:
        from lawledger.jurisdictions.due import account_reconciliation_due

        due = account_reconciliation_due(bank, today, signing=signing)
        duty = next((d for d in due["duties"] if d["kind"] == due["kind"]
                     and d["due"] == due["next_due"]), None)
        return {"last_signed": due["last_signed"], "next_due": due["next_due"],
                "overdue": due["overdue"],
                "next_period_end": duty["period_end"] if duty else None,
                "reconciliation_duty": duty["label"] if duty else due["kind"],
                "jurisdiction": due["jurisdiction"]}
    today = today or firm_today()
    last = Reconciliation.objects.filter(bank_account=bank, status="signed").aggregate(
        last=Max("statement_date"))["last"]
    last = max((d for d in (last, signing) if d), default=None)
    if last is not None:
        year, month = (last.year, last.month + 1) if last.month < 12 else (last.year + 1, 1)
    else:
        first = (JournalEntry.objects.filter(bank_account=bank).order_by("effective_date")
                 .values_list("effective_date", flat=True).first())
        start = first or bank.opened_on
        year, month = start.year, start.month
    next_due = dt.date(year, month, calendar.monthrange(year, month)[1])
    return {"last_signed": last.isoformat() if last else None, "next_due": next_due.isoformat(),
            "overdue": (today - next_due).days > 30, "next_period_end": next_due.isoformat(),
            "reconciliation_duty": "Monthly bank reconciliation", "jurisdiction": None}


def _parse(bank: BankAccount, date: str | dt.date, statement_balance: str | int) -> tuple[dt.date, int]:
    day = date if isinstance(date, dt.date) else parse_iso_date(date, param="date")
    if isinstance(statement_balance, int) and not isinstance(statement_balance, bool):
        return day, statement_balance
    return day, Money.parse(str(statement_balance), bank.currency, param="statement_balance",
                            allow_negative=True, allow_zero=True).minor


def prepare(actor: Principal, bank: BankAccount, day: dt.date, statement_minor: int) -> Prepared:
    """Compute the reconciliation (inside the caller's transaction)."""
    visible = None if actor.is_operator else set(visible_matters(actor).values_list("pk",
                                                                                   flat=True))
    balances, clients, firm = _ledgers(bank, day, visible)
    journal = Posting.objects.filter(ledger_account=bank_ledger(bank),
                                     effective_date__lte=day).aggregate(
        total=Sum("amount_minor"))["total"] or 0
    rules = aging_rules()
    figures = reconcile(as_of=day, statement_balance_minor=statement_minor,
                        journal_balance_minor=journal,
                        open_entries=_open_entries(bank, day, visible),
                        open_bank_lines=_open_lines(bank, day), ledgers=balances,
                        is_trust=bank.kind == BankAccount.Kind.TRUST, rules=rules)

    def money(minor: int) -> str:
        return format_minor(minor, bank.currency)

    statement = (BankStatement.objects.filter(bank_account=bank, closing_balance_date=day,
                                              closing_balance_minor__isnull=False)
                 .order_by("-imported_at").first())
    document: dict[str, Any] = {
        "account": bank.name, "kind": bank.kind, "currency": bank.currency,
        "date": day.isoformat(), "status": "computed",
        "statement_balance": money(statement_minor),
        "deposits_in_transit": money(figures.deposits_in_transit_minor),
        "outstanding_checks": money(figures.outstanding_checks_minor),
        "other_items": money(-figures.bank_only_minor),
        "adjusted_bank_balance": money(figures.adjusted_bank_balance_minor),
        "journal_balance": money(figures.journal_balance_minor),
        "client_ledgers_total": money(figures.client_ledgers_total_minor),
        "firm_ledgers_total": money(figures.firm_ledgers_total_minor),
        "difference": money(figures.bank_to_books_difference_minor),
        "balanced": figures.balanced, "problems": figures.problems(),
        "problem_text": problem_words(figures.problems()),
        "items": [_item(item, money) for item in figures.items],
        "client_ledgers": clients, "firm_ledgers": firm,
        "negative_ledgers": [{"ledger": n.label, "balance": money(n.balance_minor)}
                             for n in figures.negative_ledgers],
        "outstanding_check_aging": {k: money(v) for k, v in figures.check_aging_minor.items()},
        "stale_after_days": rules.stale_check_days,
        "stale_checks": money(figures.stale_checks_minor),
        "deposit_in_transit_alert_days": rules.transit_alert_days,
        "old_deposits_in_transit": money(figures.old_deposits_in_transit_minor),
        "unconfirmed_matches": Match.objects.filter(bank_account=bank, status="proposed",
                                                    settled_on__lte=day).count(),
        "bank_statement_closing_balance": money(statement.closing_balance_minor)
        if statement and statement.closing_balance_minor is not None else None,
        **due_dates(bank),
    }
    if bank.kind == BankAccount.Kind.TRUST:
        document["jurisdiction_report"] = _jurisdiction_report(document)
    return Prepared(bank, figures, document)


def _jurisdiction_report(document: dict[str, Any]) -> dict[str, Any]:
    """The same figures laid out as the firm's regulator asks (the NC form's lines, the SRA's
    five-weekly statement…), printed with the report and stored with it at sign-off."""
    from lawledger.core.jurisdictions import get_pack
    from lawledger.core.jurisdictions.shape import shape
    from lawledger.firm.queries import firm_settings
    from lawledger.jurisdictions.reports import figures_from_document

    pack = get_pack(firm_settings().jurisdiction)
    shaped = shape(pack, figures_from_document(document), prepared_on=firm_today())
    return {"jurisdiction": pack.code, "pack": pack.name, **shaped.as_dict()}


def _item(item: Any, money: Any) -> dict[str, Any]:
    return {"type": str(item.type), "id": item.ref, "date": item.date.isoformat(),
            "amount": money(item.amount_minor), "age_days": item.age_days, "kind": item.kind,
            "check_number": item.check_number or None, "method": item.method or None,
            "description": item.description, "matter": item.matter or None,
            "aging_bucket": item.aging_bucket or None, "stale": item.is_stale, "old": item.is_old}


def reconciliation_report(*, actor: Principal, account: str, date: str | dt.date,
                          statement_balance: str | int) -> dict[str, Any]:
    """`lawledger reconcile` without saving: the figures and items (an audited read)."""
    require(actor, Action.VIEW_FIRM_REPORTS)
    with transaction.atomic():
        bank = get_bank_account(account)
        day, minor = _parse(bank, date, statement_balance)
        record(actor, BankingEvent.RECONCILIATION_VIEWED, object_type="account",
               object_id=bank.public_id, details={"account": bank.name, "date": day.isoformat()})
        return prepare(actor, bank, day, minor).document


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def _lock_books(bank: BankAccount) -> None:
    # Ascending ids, as ledger.locks takes them: no deadlock with a concurrent posting.
    list(LedgerAccount.objects.select_for_update().filter(bank_account=bank).order_by("pk")
         .values_list("pk", flat=True))


def reconciliation_save(*, actor: Principal, account: str, date: str | dt.date,
                        statement_balance: str | int, sign_off: bool = False,
                        explanation: str | None = None) -> tuple[Reconciliation, dict[str, Any]]:
    """Save a draft (bookkeeper or admin) or sign off (admin, balanced only, locks the period)."""
    require(actor, Action.SIGN_OFF if sign_off else Action.RECORD_DEPOSIT)
    note = (explanation or "").strip() or None
    if note is not None and (len(note) > 4000 or any(ord(c) < 32 and c not in "\n\t" for c in note)):
        raise InvalidInput("explanation: at most 4000 characters, no control characters",
                           param="explanation")
    with transaction.atomic():
        bank = get_bank_account(account)
        day, minor = _parse(bank, date, statement_balance)
        confirmed = 0
        if sign_off:
            _lock_books(bank)
            # The signer attests to the matches the report rests on: pending ones are confirmed.
            confirmed = matches_confirm_all(actor=actor, account=bank.name, through=day,
                                            audit=False)
        prepared = prepare(actor, bank, day, minor)
        prepared.document["matches_confirmed_at_sign_off"] = confirmed
        if sign_off and not prepared.figures.balanced:
            raise ReconciliationUnbalanced(
                f"{bank.name} on {day.isoformat()} does not balance "
                f"({', '.join(prepared.figures.problems())}; difference "
                f"{prepared.document['difference']} {bank.currency}): save it as a draft with "
                "an explanation instead", param="statement_balance")
        if not sign_off and not prepared.figures.balanced and note is None:
            raise InvalidInput("explanation: a reconciliation that does not balance is saved "
                               "with an explanation of the difference", param="explanation")
        return _store(actor, prepared, minor, sign_off, note)


def _store(actor: Principal, prepared: Prepared, statement_minor: int, sign_off: bool,
           note: str | None) -> tuple[Reconciliation, dict[str, Any]]:
    bank, figures, document = prepared.bank, prepared.figures, prepared.document
    now = clock.now()
    row = Reconciliation(
        bank_account=bank, statement_date=figures.as_of, currency=bank.currency,
        statement_balance_minor=statement_minor,
        deposits_in_transit_minor=figures.deposits_in_transit_minor,
        outstanding_checks_minor=figures.outstanding_checks_minor,
        bank_only_minor=figures.bank_only_minor,
        adjusted_bank_balance_minor=figures.adjusted_bank_balance_minor,
        journal_balance_minor=figures.journal_balance_minor,
        client_ledgers_total_minor=figures.client_ledgers_total_minor,
        firm_ledgers_total_minor=figures.firm_ledgers_total_minor,
        is_balanced=figures.balanced, status="signed" if sign_off else "draft",
        explanation=note, prepared_by=actor.label, prepared_at=now)
    from lawledger.crypto.fields import ensure_public_id

    document.update({"id": ensure_public_id(row), "status": row.status, "explanation": note,
                     "prepared_by": actor.label, "prepared_at": now.isoformat(),
                     "signed_by": actor.label if sign_off else None,
                     "signed_at": now.isoformat() if sign_off else None})
    if sign_off:
        row.period_lock = period_lock_record(actor=actor, account=bank, through_date=figures.as_of,
                                             reference=row.public_id)
        row.signed_by, row.signed_at = actor.label, now
        document.update(due_dates(bank, signing=figures.as_of))
    body = canonical(document)
    pdf = render_pdf(document)
    row.report_json = body.decode()
    row.report_sha256 = hashlib.sha256(body).hexdigest()
    row.report_pdf = base64.b64encode(pdf).decode("ascii")
    row.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    row.save(force_insert=True)
    record(actor, BankingEvent.RECONCILIATION_SIGNED if sign_off
           else BankingEvent.RECONCILIATION_DRAFTED, object_type="reconciliation",
           object_id=row.public_id,
           details={"account": bank.name, "date": figures.as_of.isoformat(),
                    "balanced": figures.balanced, "report_sha256": row.report_sha256,
                    "pdf_sha256": row.pdf_sha256,
                    "statement_balance": document["statement_balance"]})
    return row, {**document, "report_sha256": row.report_sha256, "pdf_sha256": row.pdf_sha256}


def reconciliation_document(*, actor: Principal, ref: str) -> tuple[Reconciliation, dict[str, Any]]:
    """A saved reconciliation's report (an audited read)."""
    require(actor, Action.VIEW_FIRM_REPORTS)
    with transaction.atomic():
        row = Reconciliation.objects.select_related("bank_account").filter(
            public_id=(ref or "").strip()).first()
        if row is None:
            raise NotFound(f"reconciliation: no reconciliation {ref!r}", param="reconciliation")
        record(actor, BankingEvent.RECONCILIATION_VIEWED, object_type="reconciliation",
               object_id=row.public_id, details={"account": row.bank_account.name})
        document = json.loads(row.report_json)
    return row, {**document, "report_sha256": row.report_sha256, "pdf_sha256": row.pdf_sha256}


def reconciliation_pdf(*, actor: Principal, ref: str) -> tuple[str, bytes]:
    """The stored PDF of a saved reconciliation, checked against its hash (an audited read)."""
    require(actor, Action.VIEW_FIRM_REPORTS)
    with transaction.atomic():
        row = Reconciliation.objects.select_related("bank_account").filter(
            public_id=(ref or "").strip()).first()
        if row is None or row.report_pdf is None:
            raise NotFound(f"reconciliation: no reconciliation {ref!r}", param="reconciliation")
        record(actor, BankingEvent.RECONCILIATION_DOWNLOADED, object_type="reconciliation",
               object_id=row.public_id, details={"account": row.bank_account.name})
        pdf = base64.b64decode(row.report_pdf)
    if hashlib.sha256(pdf).hexdigest() != row.pdf_sha256:
        raise NotFound("reconciliation: the stored report does not match its hash",
                       param="reconciliation")
    name = f"reconciliation-{row.bank_account.name}-{row.statement_date.isoformat()}-{row.status}.pdf"
    return "".join(ch if ch.isalnum() or ch in "-._" else "-" for ch in name), pdf


def reconciliations_list(*, actor: Principal, account: str) -> list[dict[str, Any]]:
    """The saved reconciliations of an account, newest first (an audited read)."""
    require(actor, Action.VIEW_FIRM_REPORTS)
    with transaction.atomic():
        bank = get_bank_account(account)
        record(actor, BankingEvent.RECONCILIATION_VIEWED, object_type="account",
               object_id=bank.public_id, details={"account": bank.name, "list": True})
        return reconciliations_for(bank)


def reconciliations_for(bank: BankAccount) -> list[dict[str, Any]]:
    rows = Reconciliation.objects.filter(bank_account=bank).order_by("-statement_date",
                                                                     "-prepared_at")
    return [{"id": row.public_id, "date": row.statement_date.isoformat(), "status": row.status,
             "balanced": row.is_balanced,
             "statement_balance": format_minor(row.statement_balance_minor, row.currency),
             "adjusted_bank_balance": format_minor(row.adjusted_bank_balance_minor,
                                                   row.currency),
             "journal_balance": format_minor(row.journal_balance_minor, row.currency),
             "prepared_by": row.prepared_by, "signed_by": row.signed_by or None,
             "signed_at": row.signed_at.isoformat() if row.signed_at else None,
             "report_sha256": row.report_sha256} for row in rows[:100]]


def last_reconciliation(bank: BankAccount) -> Reconciliation | None:
    return Reconciliation.objects.filter(bank_account=bank).order_by("-statement_date",
                                                                     "-prepared_at").first()

