"""Appending to the audit chain, always inside the caller's transaction (fail closed)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.db import transaction

from lawledger.audit.chain import GENESIS_HASH, hashed_fields, record_hash
from lawledger.audit.context import current_source
from lawledger.audit.events import Event
from lawledger.audit.models import AuditHead, AuditRecord
from lawledger.core import clock
from lawledger.core.access import Principal
from lawledger.core.errors import AuditFailure

# Tests set this to make the audit insert fail and prove that nothing is shown or changed (F2).
fault_hook: Callable[[], None] | None = None


def _printable(text: str, limit: int) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:limit]


def record(actor: Principal, event: StrEnum, *, object_type: str = "", object_id: str = "",
           client_ref: str = "", matter_ref: str = "", outcome: str = "ok",
           details: dict[str, Any] | None = None) -> AuditRecord:
    """Append one record. Must run inside the transaction of the change or read it describes."""
    if not transaction.get_connection().in_atomic_block:
        raise AuditFailure("audit records are written inside the transaction they describe")
    if fault_hook is not None:
        fault_hook()
    head = AuditHead.objects.select_for_update().filter(id=1).first()
    if head is None:
        head = AuditHead.objects.create(id=1, seq=0, hash=GENESIS_HASH)
    now = clock.now()
    fields = hashed_fields(
        seq=head.seq + 1, recorded_at=now, actor=_printable(actor.label, 254),
        actor_user_id=actor.user_id, event=str(event), outcome=outcome,
        object_type=object_type, object_id=object_id, client_ref=client_ref,
        matter_ref=matter_ref, source=current_source(), details=details or {},
        prev_hash=head.hash,
    )
    digest = record_hash(fields)
    row = AuditRecord(
        seq=fields["seq"], recorded_at=now, actor=fields["actor"],
        actor_user_id=actor.user_id, event=fields["event"], outcome=outcome,
        object_type=object_type, object_id=object_id, client_ref=client_ref,
        matter_ref=matter_ref, source=fields["source"], details=fields["details"],
        prev_hash=head.hash, hash=digest,
    )
    row.save(force_insert=True)
    AuditHead.objects.filter(id=1).update(seq=row.seq, hash=digest)
    return row


def record_denial(actor: Principal, *, object_type: str, object_id: str, action: str) -> None:
    """A refused access is audited in its own transaction: the refusal itself changes nothing else."""
    with transaction.atomic():
        record(actor, Event.ACCESS_DENIED, object_type=object_type, object_id=object_id[:64],
               outcome="denied", details={"action": action})
