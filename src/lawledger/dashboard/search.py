"""The header search: clients, matters, invoices and trust entries the reader may see.

Names and numbers of clients and matters are matched anywhere in the text; invoices by number;
entries by their exact id or check number (their parties and purposes are sealed, so they are
not searchable, and an exact indexed key keeps the lookup fast on a firm of a million entries).
Firm entries with no matter (bank charges, firm funds) are found only by the roles that see the
firm's journals. The search is audited with the words searched for.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from lawledger.access.policy import visible_clients, visible_matters
from lawledger.audit.services import record
from lawledger.billing.common import BillingAct, may
from lawledger.billing.models import Invoice
from lawledger.core.access import Action, Principal, role_allows
from lawledger.core.errors import InvalidInput
from lawledger.core.money import format_minor
from lawledger.dashboard.events import WebEvent
from lawledger.ledger.models import BankAccount, JournalEntry

PER_KIND = 8
MAX_QUERY = 100


def clean_query(text: str | None) -> str:
    query = " ".join((text or "").split())
    if len(query) > MAX_QUERY:
        raise InvalidInput(f"q: at most {MAX_QUERY} characters", param="q")
    return query


def search(principal: Principal, text: str | None) -> dict[str, Any]:
    """Up to PER_KIND results of each kind for `text`."""
    query = clean_query(text)
    groups: dict[str, list[dict[str, Any]]] = {"clients": [], "matters": [], "invoices": [],
                                               "entries": []}
    if not query:
        return {"q": query, "groups": groups, "total": 0}
    with transaction.atomic():
        record(principal, WebEvent.SEARCHED, object_type="search", object_id="staff",
               details={"q": query})
        matters = visible_matters(principal)
        groups["clients"] = [
            {"number": c.number, "name": c.name} for c in visible_clients(principal).filter(
                Q(name__icontains=query) | Q(number__icontains=query)).order_by("name")[:PER_KIND]]
        groups["matters"] = [
            {"number": m.number, "title": m.title, "client": m.client.name, "status": m.status}
            for m in matters.filter(Q(number__icontains=query) | Q(title__icontains=query)
                                    | Q(client__name__icontains=query))
            .select_related("client").order_by("number")[:PER_KIND]]
        if may(principal, BillingAct.VIEW):
            groups["invoices"] = [
                {"public_id": i.public_id, "number": i.number or "draft", "matter": i.matter.number,
                 "status": i.status, "total": format_minor(i.total_minor, i.currency),
                 "currency": i.currency}
                for i in Invoice.objects.filter(matter__in=matters).filter(
                    Q(number__in={query, query.upper()}) | Q(public_id=query))
                .select_related("matter")
                .order_by("-pk")[:PER_KIND]]
        groups["entries"] = _entries(principal, query, matters)
    return {"q": query, "groups": groups, "total": sum(len(rows) for rows in groups.values())}


def _entries(principal: Principal, query: str, matters: Any) -> list[dict[str, Any]]:
    scope = Q(matter__in=matters)
    if role_allows(principal, Action.VIEW_FIRM_REPORTS):
        scope |= Q(matter__isnull=True)
    # Both keys are indexed: the public id alone, the check number with its bank account.
    banks = list(BankAccount.objects.values_list("pk", flat=True))
    keys = Q(public_id=query) | Q(bank_account_id__in=banks, check_number=query)
    found = (JournalEntry.objects.filter(keys).filter(scope)
             .select_related("matter", "bank_account").order_by("-effective_date", "-id"))
    return [{"public_id": e.public_id, "kind": e.kind, "date": e.effective_date.isoformat(),
             "amount": format_minor(e.amount_minor, e.currency), "currency": e.currency,
             "matter": e.matter.number if e.matter else None, "account": e.bank_account.name,
             "check_number": e.check_number or ""}
            for e in found[:PER_KIND]]
