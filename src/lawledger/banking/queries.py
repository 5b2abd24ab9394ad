"""Reads of the banking context: bank lines, matches, the workbench, the overview. All audited.

These are firm-level reports (Action.VIEW_FIRM_REPORTS: admin, bookkeeper, auditor). Bank lines
carry counterparties and descriptions (confidential, encrypted): each read is audited in the same
transaction before anything is opened. Entries of a matter the reader is walled off from show
no matter and no payee.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q

from lawledger.access.policy import require, visible_matters
from lawledger.audit.services import record
from lawledger.banking.events import BankingEvent
from lawledger.banking.matching import bank_ledger, live_entry_ids, live_line_ids
from lawledger.banking.models import (
    LIVE_STATUSES,
    BankLine,
    BankOnlyProposal,
    BankStatement,
    Match,
    MatchItem,
)
from lawledger.banking.reconcile import WALLED, due_dates, last_reconciliation
from lawledger.core.access import Action, Principal
from lawledger.core.money import format_minor
from lawledger.ledger.accounts import get_bank_account
from lawledger.ledger.models import BankAccount, JournalEntry, Posting

_TEXT_LIMIT = 300


def _visible(actor: Principal) -> set[int] | None:
    return None if actor.is_operator else set(visible_matters(actor).values_list("pk", flat=True))


def _line_row(line: BankLine, state: str, match: str | None) -> dict[str, Any]:
    return {"id": line.public_id, "date": line.posted_on.isoformat(),
            "amount": format_minor(line.amount_minor, line.currency), "kind": line.kind,
            "check_number": line.check_number or None,
            "reference": line.bank_reference or line.end_to_end_id or None,
            "counterparty": (line.counterparty or "")[:_TEXT_LIMIT] or None,
            "description": (line.description or "")[:_TEXT_LIMIT] or None,
            "status": state, "match": match}


def _entry_row(entry: JournalEntry, amount: int, visible: set[int] | None) -> dict[str, Any]:
    hidden = entry.matter_id is not None and visible is not None and entry.matter_id not in visible
    party = "" if hidden else ((entry.payor if amount > 0 else entry.payee) or "")
    return {"id": entry.public_id, "date": entry.effective_date.isoformat(), "kind": entry.kind,
            "amount": format_minor(amount, entry.currency),
            "check_number": entry.check_number or None, "reference": entry.reference or None,
            "matter": WALLED if hidden else (entry.matter.number if entry.matter else None),
            "party": party[:_TEXT_LIMIT] or None}


def _dates(query: Any, field: str, date_from: dt.date | None, date_to: dt.date | None) -> Any:
    if date_from:
        query = query.filter(**{f"{field}__gte": date_from})
    if date_to:
        query = query.filter(**{f"{field}__lte": date_to})
    return query


def bank_lines_report(*, actor: Principal, account: str, unmatched_only: bool = False,
                      date_from: dt.date | None = None, date_to: dt.date | None = None,
                      limit: int = 10000) -> dict[str, Any]:
    """`lawledger bank lines`: the imported lines with their match state."""
    require(actor, Action.VIEW_FIRM_REPORTS)
    with transaction.atomic():
        bank = get_bank_account(account)
        record(actor, BankingEvent.LINES_VIEWED, object_type="account", object_id=bank.public_id,
               details={"account": bank.name, "unmatched_only": unmatched_only})
        lines = _dates(BankLine.objects.filter(bank_account=bank), "posted_on", date_from, date_to)
        if unmatched_only:
            lines = lines.exclude(pk__in=live_line_ids())
        lines = list(lines.order_by("posted_on", "pk")[:limit])
        states = {item.bank_line_id: (item.status, item.match.public_id)
                  for item in MatchItem.objects.filter(bank_line__in=lines,
                                                       status__in=LIVE_STATUSES)
                  .select_related("match")}
        rows = [_line_row(line, *states.get(line.pk, ("unmatched", None))) for line in lines]
    return {"account": bank.name, "currency": bank.currency, "count": len(rows), "lines": rows}


def _match_rows(actor: Principal, matches: list[Match]) -> list[dict[str, Any]]:
    visible = _visible(actor)
    items = (MatchItem.objects.filter(match__in=matches)
             .select_related("bank_line", "entry", "entry__matter").order_by("pk"))
    by_match: dict[int, dict[str, list[dict[str, Any]]]] = {
        m.pk: {"bank_lines": [], "entries": []} for m in matches}
    for item in items:
        if item.bank_line is not None:
            by_match[item.match_id]["bank_lines"].append(
                _line_row(item.bank_line, item.status, None))
        elif item.entry is not None:
            by_match[item.match_id]["entries"].append(
                _entry_row(item.entry, item.amount_minor, visible))
    return [{"id": m.public_id, "method": m.method, "method_label": m.method.replace("_", " "),
             "confidence": m.confidence,
             "status": m.status, "settled_on": m.settled_on.isoformat(),
             "created_by": m.created_by, "confirmed_by": m.confirmed_by or None,
             **by_match[m.pk]} for m in matches]


def matches_report(*, actor: Principal, account: str, status: str | None = "proposed",
                   limit: int = 500) -> dict[str, Any]:
    require(actor, Action.VIEW_FIRM_REPORTS)
    with transaction.atomic():
        bank = get_bank_account(account)
        record(actor, BankingEvent.LINES_VIEWED, object_type="account", object_id=bank.public_id,
               details={"account": bank.name, "matches": status or "all"})
        query = Match.objects.filter(bank_account=bank)
        if status:
            query = query.filter(status=status)
        matches = list(query.order_by("settled_on", "pk")[:limit])
        return {"account": bank.name, "matches": _match_rows(actor, matches)}


def workbench(*, actor: Principal, account: str, limit: int = 300) -> dict[str, Any]:
    """The matching workbench: proposals, unmatched lines and entries, bank-only proposals."""
    require(actor, Action.VIEW_FIRM_REPORTS)
    with transaction.atomic():
        bank = get_bank_account(account)
        record(actor, BankingEvent.LINES_VIEWED, object_type="account", object_id=bank.public_id,
               details={"account": bank.name, "view": "workbench"})
        proposed = list(Match.objects.filter(bank_account=bank, status="proposed")
                        .order_by("settled_on", "pk")[:limit])
        lines = list(BankLine.objects.filter(bank_account=bank).exclude(pk__in=live_line_ids())
                     .order_by("posted_on", "pk")[:limit])
        postings = list(Posting.objects.filter(ledger_account=bank_ledger(bank))
                        .exclude(entry_id__in=live_entry_ids())
                        .select_related("entry", "entry__matter")
                        .order_by("effective_date", "entry_id")[:limit])
        visible = _visible(actor)
        open_proposals = list(BankOnlyProposal.objects.filter(bank_account=bank, status="proposed")
                              .select_related("bank_line").order_by("effective_date", "pk"))
        return {
            "account": bank.name, "kind": bank.kind, "currency": bank.currency,
            "proposed": _match_rows(actor, proposed),
            "unmatched_lines": [_line_row(line, "unmatched", None) for line in lines],
            "unmatched_entries": [_entry_row(p.entry, p.amount_minor, visible) for p in postings],
            "bank_only_proposals": [_proposal_row(p) for p in open_proposals],
        }


def _proposal_row(proposal: BankOnlyProposal) -> dict[str, Any]:
    return {"id": proposal.public_id, "kind": proposal.entry_kind,
            "date": proposal.effective_date.isoformat(),
            "amount": format_minor(proposal.amount_minor, proposal.bank_line.currency),
            "counterparty": proposal.counterparty, "status": proposal.status,
            "bank_line": proposal.bank_line.public_id,
            "entry": proposal.entry.public_id if proposal.entry_id and proposal.entry else None}


def proposals_report(*, actor: Principal, proposals: list[BankOnlyProposal]) -> list[dict[str, Any]]:
    require(actor, Action.VIEW_FIRM_REPORTS)
    return [_proposal_row(p) for p in proposals]


def banking_overview(*, actor: Principal) -> list[dict[str, Any]]:
    """Per bank account: last import, unmatched lines, last reconciliation, next due."""
    require(actor, Action.VIEW_FIRM_REPORTS)
    with transaction.atomic():
        record(actor, BankingEvent.OVERVIEW_VIEWED, object_type="report",
               object_id="banking_overview", details={})
        imports = {row["bank_account_id"]: row for row in BankStatement.objects.values(
            "bank_account_id").annotate(last=Max("imported_at"), through=Max("period_end"))}
        unmatched = {row["bank_account_id"]: row["n"] for row in BankLine.objects.exclude(
            pk__in=live_line_ids()).values("bank_account_id").annotate(n=Count("pk"))}
        proposed = {row["bank_account_id"]: row["n"] for row in Match.objects.filter(
            status="proposed").values("bank_account_id").annotate(n=Count("pk"))}
        out = []
        for bank in BankAccount.objects.order_by("kind", "name"):
            last = last_reconciliation(bank)
            imported = imports.get(bank.pk)
            out.append({
                "account": bank.name, "public_id": bank.public_id, "kind": bank.kind,
                "currency": bank.currency,
                "last_import": imported["last"].strftime("%Y-%m-%d %H:%M") if imported else None,
                "statements_through": imported["through"].isoformat()
                if imported and imported["through"] else None,
                "unmatched_lines": unmatched.get(bank.pk, 0),
                "proposed_matches": proposed.get(bank.pk, 0),
                "last_reconciliation": {"id": last.public_id,
                                        "date": last.statement_date.isoformat(),
                                        "status": last.status, "balanced": last.is_balanced}
                if last else None,
                **due_dates(bank),
            })
    return out


def saved_profiles() -> list[dict[str, Any]]:
    from lawledger.banking.models import SavedCsvProfile

    return [{"name": p.name, "created_by": p.created_by, "created_at": p.created_at.isoformat()}
            for p in SavedCsvProfile.objects.order_by("name")]


def unmatched_counts(bank: BankAccount) -> dict[str, int]:
    return {"lines": BankLine.objects.filter(bank_account=bank).exclude(
                pk__in=live_line_ids()).count(),
            "proposed": Match.objects.filter(bank_account=bank, status="proposed").count(),
            "confirmed": Match.objects.filter(Q(bank_account=bank) & Q(status="confirmed")).count()}
