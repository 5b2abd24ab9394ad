"""When each trust account's next reconciliation is due under the firm's pack, given the
reconciliations banking has signed off.

Reads the signed reconciliations (`banking.Reconciliation`, status "signed") and the first
activity of each account; the arithmetic is `lawledger.core.jurisdictions.schedule`. Banking's
`reconcile.due_dates` can delegate to `account_reconciliation_due`, which answers with the same
keys (`last_signed`, `next_due`, `overdue`) plus the duty and the pack.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max, Min

from lawledger.access.policy import require
from lawledger.audit.services import record
from lawledger.banking.models import Reconciliation
from lawledger.core.access import Action, Principal
from lawledger.core.jurisdictions import get_pack
from lawledger.core.jurisdictions.schedule import next_reconciliation_due, schedule
from lawledger.firm.queries import firm_settings, firm_today
from lawledger.jurisdictions.events import JurisdictionEvent
from lawledger.ledger.accounts import get_bank_account
from lawledger.ledger.models import BankAccount, JournalEntry


def last_signed_period_end(bank: BankAccount) -> dt.date | None:
    found: dt.date | None = Reconciliation.objects.filter(
        bank_account=bank, status=Reconciliation.Status.SIGNED).aggregate(
        last=Max("statement_date"))["last"]
    return found


def first_activity(bank: BankAccount) -> dt.date:
    first: dt.date | None = JournalEntry.objects.filter(bank_account=bank).aggregate(
        first=Min("effective_date"))["first"]
    return first or bank.opened_on


def account_reconciliation_due(bank: BankAccount, today: dt.date | None = None, *,
                               signing: dt.date | None = None) -> dict[str, Any]:
    """The next reconciliation of one bank account under the firm's jurisdiction (no audit: the
    caller's report audits its own read). `signing` is the date of a reconciliation being signed
    off in the caller's transaction, not stored yet: its report already shows the next one."""
    on = today or firm_today()
    pack = get_pack(firm_settings().jurisdiction)
    last = max((d for d in (last_signed_period_end(bank), signing) if d), default=None)
    since = first_activity(bank)
    due = next_reconciliation_due(pack, last, on, since=since)
    duties = schedule(pack, last, on, since=since)
    return {
        "account": bank.name, "jurisdiction": pack.code,
        "last_signed": last.isoformat() if last else None,
        "next_due": due.due_date.isoformat(), "overdue": due.overdue, "kind": due.kind,
        "duties": [{"kind": duty.kind, "label": duty.label, "source": duty.source,
                    "period_end": duty.period_end.isoformat(),
                    "due": duty.due_date.isoformat(), "overdue": duty.overdue,
                    "periods_overdue": duty.periods_overdue} for duty in duties],
    }


def reconciliation_due_report(principal: Principal, account: str | None = None,
                              today: dt.date | None = None) -> dict[str, Any]:
    """Every trust account's next reconciliation, overdue ones flagged (an audited firm report)."""
    require(principal, Action.VIEW_FIRM_REPORTS)
    on = today or firm_today()
    with transaction.atomic():
        banks = ([get_bank_account(account, kind=BankAccount.Kind.TRUST)] if account
                 else list(BankAccount.objects.filter(kind=BankAccount.Kind.TRUST)
                           .order_by("name")))
        record(principal, JurisdictionEvent.DUE_VIEWED, object_type="report",
               object_id="reconciliation_due", details={"account": account or ""})
        rows = [account_reconciliation_due(bank, on) for bank in banks]
    return {"as_of": on.isoformat(), "jurisdiction": firm_settings().jurisdiction,
            "overdue": sum(1 for row in rows if row["overdue"]), "accounts": rows}
