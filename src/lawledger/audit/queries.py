"""Searching the audit log: for the firm's auditors and administrators only, and itself audited.

Filters are exact (user, client number, matter number, event) or a time range; the result is a
queryset ordered newest first for the caller to paginate. Every search appends an
`audit.searched` record with its filters (ASVS 16.3.2: every read of sensitive data is logged).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import QuerySet

from lawledger.audit.events import Event
from lawledger.audit.models import AuditRecord
from lawledger.audit.services import record
from lawledger.core.access import Principal, Role
from lawledger.core.errors import InvalidInput, PermissionDenied


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    client: str = ""
    matter: str = ""
    event: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def cleaned(self) -> AuditFilters:
        for name in ("actor", "client", "matter", "event"):
            value = getattr(self, name)
            if len(value) > 254 or not value.isprintable():
                raise InvalidInput(f"{name}: at most 254 printable characters", param=name)
        if self.since and self.until and self.since > self.until:
            raise InvalidInput("since: must not be after until", param="since")
        return self


def may_search(principal: Principal) -> bool:
    return principal.is_operator or principal.role in (Role.ADMIN, Role.AUDITOR)


def search_audit(principal: Principal, filters: AuditFilters) -> QuerySet[AuditRecord]:
    if not may_search(principal):
        raise PermissionDenied("the audit log is for the firm's auditors and administrators",
                               param="audit")
    filters = filters.cleaned()
    records = AuditRecord.objects.order_by("-seq")
    if filters.actor:
        records = records.filter(actor=filters.actor)
    if filters.client:
        records = records.filter(client_ref=filters.client)
    if filters.matter:
        records = records.filter(matter_ref=filters.matter)
    if filters.event:
        records = records.filter(event=filters.event)
    if filters.since:
        records = records.filter(recorded_at__gte=filters.since)
    if filters.until:
        records = records.filter(recorded_at__lte=filters.until)
    shown = {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
             for k, v in asdict(filters).items() if v}
    with transaction.atomic():
        record(principal, Event.AUDIT_SEARCHED, object_type="audit",
               client_ref=filters.client[:32], matter_ref=filters.matter[:32],
               details={"filters": shown})
    return records


@dataclass(frozen=True)
class ChainEvent:
    """One successful audited event, as the webhook collector reads it (no actor, no source)."""

    seq: int
    event: str
    recorded_at: dt.datetime
    object_id: str
    matter_ref: str
    client_ref: str
    details: dict[str, object]


def events_after(seq: int, events: frozenset[str], limit: int = 500) -> list[ChainEvent]:
    """Successful records of `events` after `seq`, in chain order (for webhook delivery; the
    caller is the system itself, so this read is not audited)."""
    rows = (AuditRecord.objects.filter(seq__gt=seq, event__in=sorted(events), outcome="ok")
            .order_by("seq")[:limit])
    return [ChainEvent(row.seq, row.event, row.recorded_at, row.object_id, row.matter_ref,
                       row.client_ref, dict(row.details)) for row in rows]


def last_seq() -> int:
    """The newest record's seq (0 on an empty chain)."""
    row = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first()
    return int(row or 0)
