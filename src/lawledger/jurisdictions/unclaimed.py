"""Unclaimed and residual client balances under the firm's pack: the report, the payment with
the records each rule requires, and the register of payments made.

The report is the ledger's inactive-balance report (`ledger.queries.inactive_balances_report`,
which checks the policy and audits the read) at the pack's age, each balance marked with what the
pack allows. The payment pays a client ledger's whole balance away through
`ledger.services.trust_disbursement_record` — payee, purpose, reference and the steps taken (in
the memo, encrypted) recorded on the entry — and writes the register row (`ResidualPayment`) and
an audit record in the same transaction. The pack's rule is checked first here (a typed error),
and again by the register's CHECK constraint in the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from lawledger.access.policy import get_matter, require, visible_matters
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.calendar import parse_iso_date
from lawledger.core.errors import InvalidInput, RuleViolation
from lawledger.core.jurisdictions import Pack, get_pack
from lawledger.core.jurisdictions.model import UnclaimedKind
from lawledger.core.jurisdictions.residual import (
    ResidualRequest,
    Status,
    months_between,
    problems,
    status,
)
from lawledger.core.money import Money, format_minor
from lawledger.firm.queries import firm_settings, firm_today
from lawledger.jurisdictions.errors import (
    NothingToPay,
    ResidualNeedsAuthorisation,
    UnclaimedTooRecent,
)
from lawledger.jurisdictions.events import JurisdictionEvent
from lawledger.jurisdictions.models import ResidualPayment
from lawledger.ledger.accounts import client_ledger, default_trust_account
from lawledger.ledger.models import LedgerAccount
from lawledger.ledger.posting import PostResult
from lawledger.ledger.queries import inactive_balances_report
from lawledger.ledger.services import trust_disbursement_record

_RULE_ERRORS: dict[str, type[RuleViolation]] = {
    "unclaimed_too_recent": UnclaimedTooRecent,
    "residual_balance_needs_authorisation": ResidualNeedsAuthorisation,
    "nothing_to_pay": NothingToPay,
}
_ACTIONS = {
    Status.ELIGIBLE: "may be paid now, with the records the rule requires",
    Status.NEEDS_AUTHORISATION: "needs authorisation before it is paid",
    Status.TOO_RECENT: "not held long enough without activity yet",
    Status.NOTHING_HELD: "nothing held",
}


def _pack() -> Pack:
    return get_pack(firm_settings().jurisdiction)


def _rule_document(pack: Pack) -> dict[str, Any]:
    rule = pack.unclaimed
    limit = rule.without_authorisation_max_minor
    return {"kind": rule.kind.value, "destination": rule.destination or None,
            "source": rule.source, "after_months": rule.after_months,
            "without_authorisation_max": (format_minor(limit, rule.threshold_currency)
                                          if limit is not None else None),
            "threshold_currency": rule.threshold_currency or None,
            "authority": rule.authority or None, "records": list(rule.records)}


def unclaimed_report(principal: Principal) -> dict[str, Any]:
    """Inactive balances at the pack's age, each with what the pack allows (an audited read)."""
    pack = _pack()
    rule = pack.unclaimed
    months = rule.after_months or firm_settings().inactive_balance_months
    with transaction.atomic():
        base = inactive_balances_report(principal, months)
        record(principal, JurisdictionEvent.UNCLAIMED_VIEWED, object_type="report",
               object_id="unclaimed", details={"jurisdiction": pack.code, "months": months})
    rows = []
    for row in base["ledgers"]:
        minor = Money.parse(row["balance"], row["currency"], allow_zero=True).minor
        found = status(rule, minor, row["currency"], row["months_inactive"])
        rows.append({**row, "status": found.value, "action": _ACTIONS[found],
                     "destination": rule.destination or None})
    return {"as_of": base["as_of"], "jurisdiction": pack.code, "months": months,
            "rule": _rule_document(pack), "ledgers": rows}


def _raise_first(found: list[Any]) -> None:
    for problem in found:
        if problem.is_input:
            raise InvalidInput(problem.message, param=problem.param)
    for problem in found:
        raise _RULE_ERRORS[problem.code](problem.message, param=problem.param)


def _clean(value: str | None, param: str, max_length: int) -> str:
    cleaned = (value or "").strip()
    if len(cleaned) > max_length or any(ord(ch) < 32 and ch not in "\n\t" for ch in cleaned):
        raise InvalidInput(f"{param}: at most {max_length} characters, no control characters",
                           param=param)
    return cleaned


def residual_payment_record(*, actor: Principal, matter: str, date: str | dt.date,
                            steps_taken: str, account: str | None = None,
                            payee: str | None = None, charity_number: str | None = None,
                            authorisation_reference: str | None = None,
                            check_number: str | None = None) -> tuple[ResidualPayment, PostResult]:
    """Pay a client ledger's whole (unclaimed or residual) balance away as the pack allows."""
    pack = _pack()
    rule = pack.unclaimed
    day = date if isinstance(date, dt.date) else parse_iso_date(date, param="date")
    steps = _clean(steps_taken, "steps", 1900)
    reference = _clean(authorisation_reference, "authorisation", 64)
    number = _clean(charity_number, "charity_number", 32)
    paid_to = _clean(payee, "to", 200) or rule.destination
    with transaction.atomic():
        matter_row = get_matter(actor, matter, Action.RECORD_DISBURSEMENT)
        bank = default_trust_account(matter_row, account)
        ledger = client_ledger(bank, matter_row, create=False)
        balance = ledger.balance_minor if ledger is not None else 0
        last = ledger.last_entry_date if ledger is not None else None
        months = months_between(last, day)
        _raise_first(problems(rule, ResidualRequest(balance, bank.currency, months, reference,
                                                    paid_to, number, steps)))
        assert ledger is not None  # nothing held is refused above
        result = trust_disbursement_record(
            actor=actor, matter=matter_row.number, amount=balance, account=bank.name, date=day,
            payee=paid_to, check_number=check_number,
            purpose=f"{rule.purpose} ({rule.source})"[:500],
            reference=reference or number or None, memo=f"Steps taken: {steps}")
        if LedgerAccount.objects.get(pk=ledger.pk).balance_minor != 0:
            raise RuleViolation("the client ledger changed while it was being paid away: "
                                "try again", param="matter", code="residual_balance_changed")
        payment = ResidualPayment(
            entry=result.entry, matter=matter_row, jurisdiction=pack.code, kind=rule.kind.value,
            amount_minor=balance, currency=bank.currency, paid_on=day, last_activity_on=last,
            months_inactive=months, owner_name=matter_row.client.name, payee=paid_to,
            steps_taken=steps, charity_number=number, authorisation_reference=reference,
            recorded_by=actor.label[:254], recorded_at=clock.now())
        payment.save(force_insert=True)
        record(actor, JurisdictionEvent.RESIDUAL_PAID, object_type="residual_payment",
               object_id=payment.public_id, matter_ref=matter_row.number,
               client_ref=matter_row.client.number,
               details={"jurisdiction": pack.code, "kind": rule.kind.value,
                        "entry": result.entry.public_id,
                        "amount": format_minor(balance, bank.currency),
                        "currency": bank.currency, "authorisation": reference,
                        "charity_number": number})
    return payment, result


def residual_register(principal: Principal) -> dict[str, Any]:
    """Every unclaimed or residual balance paid away, with its records (an audited read)."""
    require(principal, Action.VIEW_FIRM_REPORTS)
    with transaction.atomic():
        record(principal, JurisdictionEvent.REGISTER_VIEWED, object_type="report",
               object_id="residual_register")
        visible = set(visible_matters(principal).values_list("pk", flat=True))
        rows = []
        for payment in (ResidualPayment.objects.select_related("matter", "entry")
                        .order_by("paid_on", "id")):
            if not principal.is_operator and payment.matter_id not in visible:
                continue
            rows.append({
                "id": payment.public_id, "date": payment.paid_on.isoformat(),
                "matter": payment.matter.number, "owner": payment.owner_name,
                "amount": format_minor(payment.amount_minor, payment.currency),
                "currency": payment.currency, "kind": payment.kind, "payee": payment.payee,
                "charity_number": payment.charity_number or None,
                "authorisation": payment.authorisation_reference or None,
                "steps_taken": payment.steps_taken, "entry": payment.entry.public_id,
                "jurisdiction": payment.jurisdiction,
                "last_activity": (payment.last_activity_on.isoformat()
                                  if payment.last_activity_on else None),
                "months_inactive": payment.months_inactive,
                "recorded_by": payment.recorded_by,
                "recorded_at": payment.recorded_at.isoformat()})
    return {"as_of": firm_today().isoformat(), "payments": rows,
            "charity_payments": sum(1 for row in rows if row["kind"] == UnclaimedKind.CHARITY)}
