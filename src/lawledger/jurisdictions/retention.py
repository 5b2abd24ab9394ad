"""Until when each trust record must be kept under the firm's jurisdiction, and what becomes
purgeable when. Nothing is deleted here.

`entry_keep_until` and `matter_keep_until` are what a purge must ask first (the security
engineer's retention purge calls them): a record may be removed only on a day after its
`KeepUntil.date`, and never while its matter holds trust money or its period has not started.
A transfer belongs to both its matters and is kept as long as the longer of the two.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import ExtractYear

from lawledger.access.policy import require, visible_matters
from lawledger.audit.services import record
from lawledger.core.access import Action, Principal
from lawledger.core.errors import NotFound
from lawledger.core.jurisdictions import Pack, get_pack
from lawledger.core.jurisdictions.retention import (
    KeepUntil,
    RecordFacts,
    keep_until,
)
from lawledger.core.jurisdictions.retention import (
    matter_keep_until as keep_matter_until,
)
from lawledger.core.ledger import AccountKind
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_settings, firm_today
from lawledger.jurisdictions.events import JurisdictionEvent
from lawledger.ledger.models import JournalEntry, LedgerAccount

WALLED = "(behind an ethical wall)"


def _pack() -> Pack:
    return get_pack(firm_settings().jurisdiction)


def _matter_facts(matter_ids: set[int] | None
                  ) -> dict[int, tuple[dt.date | None, int, dt.date | None, int]]:
    """Per matter: (closed on, trust money held, last entry date, number of entries), in a few
    aggregate queries (None: every matter with an entry)."""
    entries = JournalEntry.objects.all()
    last: dict[int, dt.date] = {}
    count: dict[int, int] = defaultdict(int)
    for field in ("matter_id", "counter_matter_id"):
        scoped = (entries.filter(**{f"{field}__in": matter_ids}) if matter_ids is not None
                  else entries.filter(**{f"{field}__isnull": False}))
        for matter_id, day, number in (scoped.values(field)
                                       .annotate(last=Max("effective_date"), n=Count("id"))
                                       .values_list(field, "last", "n")):
            last[matter_id] = max(day, last.get(matter_id, day))
            count[matter_id] += number
    ids = set(last) if matter_ids is None else matter_ids
    held = dict(LedgerAccount.objects.filter(matter_id__in=ids, kind=AccountKind.CLIENT.value)
                .values("matter_id").annotate(total=Sum("balance_minor"))
                .values_list("matter_id", "total"))
    closed = dict(Matter.objects.filter(pk__in=ids).values_list("pk", "closed_on"))
    return {pk: (closed.get(pk), held.get(pk) or 0, last.get(pk), count.get(pk, 0))
            for pk in ids}


def _entry_matters(entry: JournalEntry) -> set[int]:
    return {pk for pk in (entry.matter_id, entry.counter_matter_id) if pk is not None}


def entry_keep_until(entry: JournalEntry | str) -> KeepUntil:
    """The last day one trust record (a journal entry, or its public id) must be kept."""
    row = entry if isinstance(entry, JournalEntry) else JournalEntry.objects.filter(
        public_id=(entry or "").strip()).first()
    if row is None:
        raise NotFound(f"entry: no entry {entry!r}", param="entry")
    pack = _pack()
    matters = _entry_matters(row)
    if not matters:
        return keep_until(pack.retention, RecordFacts(row.effective_date))
    facts = _matter_facts(matters)
    results = [keep_until(pack.retention, RecordFacts(row.effective_date, True, closed, held, last))
               for closed, held, last, _ in facts.values()]
    return _longest(results)


def _longest(results: list[KeepUntil]) -> KeepUntil:
    open_ended = [result for result in results if result.date is None]
    if open_ended:
        return open_ended[0]
    return max(results, key=lambda result: result.date or dt.date.min)


def matter_keep_until(matter: Matter | str) -> KeepUntil:
    """The last day every trust record of one matter must be kept."""
    row = matter if isinstance(matter, Matter) else Matter.objects.filter(
        Q(number=matter) | Q(public_id=matter)).first()
    if row is None:
        raise NotFound(f"matter: no matter {matter!r}", param="matter")
    closed, held, last, _ = _matter_facts({row.pk})[row.pk]
    # Every rule runs later for a later record: the matter's last record decides.
    return keep_matter_until(_pack().retention, [last] if last else [], closed_on=closed,
                             balance_minor=held)


def may_purge_entry(entry: JournalEntry | str, on: dt.date | None = None) -> bool:
    return entry_keep_until(entry).allows_purge_on(on or firm_today())


def may_purge_matter(matter: Matter | str, on: dt.date | None = None) -> bool:
    return matter_keep_until(matter).allows_purge_on(on or firm_today())


def _matter_rows(pack: Pack, visible: set[int] | None, today: dt.date) -> list[dict[str, Any]]:
    facts = _matter_facts(None)
    matters = {m.pk: m for m in Matter.objects.filter(pk__in=list(facts)).select_related("client")}
    rows = []
    for pk, (closed, held, last, count) in facts.items():
        result = keep_matter_until(pack.retention, [last] if last else [], closed_on=closed,
                                   balance_minor=held)
        hidden = visible is not None and pk not in visible
        matter = matters[pk]
        rows.append({"matter": WALLED if hidden else matter.number,
                     "client": "" if hidden else matter.client.name,
                     "status": matter.status, "closed_on": closed.isoformat() if closed else None,
                     "records": count, "last_entry": last.isoformat() if last else None,
                     "keep_until": result.date.isoformat() if result.date else None,
                     "purgeable_now": result.allows_purge_on(today), "reason": result.reason})
    return rows


def _firm_rows(pack: Pack, today: dt.date) -> list[dict[str, Any]]:
    """Entries of no matter (bank charges, interest, firm money), by account and year."""
    groups = (JournalEntry.objects.filter(matter__isnull=True, counter_matter__isnull=True)
              .annotate(year=ExtractYear("effective_date"))
              .values("bank_account__name", "year")
              .annotate(last=Max("effective_date"), n=Count("id"))
              .order_by("bank_account__name", "year"))
    rows = []
    for group in groups:
        result = keep_until(pack.retention, RecordFacts(group["last"]))
        rows.append({"account": group["bank_account__name"], "year": group["year"],
                     "records": group["n"],
                     "keep_until": result.date.isoformat() if result.date else None,
                     "purgeable_now": result.allows_purge_on(today), "reason": result.reason})
    return rows


def retention_report(principal: Principal, *, through: dt.date | None = None) -> dict[str, Any]:
    """What becomes purgeable and when (only what falls due by `through`, when given)."""
    require(principal, Action.VIEW_FIRM_REPORTS)
    today = firm_today()
    pack = _pack()
    with transaction.atomic():
        record(principal, JurisdictionEvent.RETENTION_VIEWED, object_type="report",
               object_id="retention", details={"through": through.isoformat() if through else ""})
        visible = None if principal.is_operator else set(
            visible_matters(principal).values_list("pk", flat=True))
        matters = _matter_rows(pack, visible, today)
        firm = _firm_rows(pack, today)

    def due(row: dict[str, Any]) -> bool:
        return through is None or (row["keep_until"] is not None
                                   and row["keep_until"] < through.isoformat())

    def order(row: dict[str, Any]) -> tuple[bool, str, str]:
        return (row["keep_until"] is None, row["keep_until"] or "",
                row.get("matter") or row.get("account") or "")

    return {"as_of": today.isoformat(), "jurisdiction": pack.code,
            "rule": {"years": pack.retention.years, "runs_from": pack.retention.runs_from.value,
                     "summary": pack.retention.describe(), "source": pack.retention.source},
            "through": through.isoformat() if through else None,
            "matters": sorted(filter(due, matters), key=order),
            "firm_records": sorted(filter(due, firm), key=order)}
