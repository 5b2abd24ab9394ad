"""Appending to the audit chain, always inside the caller's transaction (fail closed)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.db import connection, transaction

from lawledger.audit.chain import GENESIS_HASH, hashed_fields, record_hash
from lawledger.audit.checkpoints import checkpoint_mac, write_checkpoint
from lawledger.audit.context import current_source
from lawledger.audit.events import Event
from lawledger.audit.models import AuditHead, AuditRecord
from lawledger.core import clock
from lawledger.core.access import Principal
from lawledger.core.errors import AuditFailure
from lawledger.db.rows import insert_instance

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
    head_seq, head_hash = _lock_head()
    now = clock.now()
    fields = hashed_fields(
        seq=head_seq + 1, recorded_at=now, actor=_printable(actor.label, 254),
        actor_user_id=actor.user_id, event=str(event), outcome=outcome,
        object_type=object_type, object_id=object_id, client_ref=client_ref,
        matter_ref=matter_ref, source=current_source(), details=details or {},
        prev_hash=head_hash,
    )
    digest = record_hash(fields)
    row = AuditRecord(
        seq=fields["seq"], recorded_at=now, actor=fields["actor"],
        actor_user_id=actor.user_id, event=fields["event"], outcome=outcome,
        object_type=object_type, object_id=object_id, client_ref=client_ref,
        matter_ref=matter_ref, source=fields["source"], details=fields["details"],
        prev_hash=head_hash, hash=digest,
    )
    # Plain SQL for the three statements every change and every read pays (the head lock, the
    # record, the head update): the ORM's compilation of them cost more than the writes.
    insert_instance(row)
    mac = checkpoint_mac(row.seq, digest)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_head SET seq = %s, hash = %s, mac = %s WHERE id = 1",
                       [row.seq, digest, mac])
    write_checkpoint(row.seq, digest, mac)
    return row


def _lock_head() -> tuple[int, str]:
    """The chain head (seq, hash), locked until the transaction ends (FOR UPDATE on PostgreSQL)."""
    sql = ("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
           if connection.features.has_select_for_update
           else "SELECT seq, hash FROM audit_head WHERE id = 1")  # SQLite: BEGIN IMMEDIATE locks
    with connection.cursor() as cursor:
        cursor.execute(sql)
        found = cursor.fetchone()
    if found is None:
        head = AuditHead.objects.create(id=1, seq=0, hash=GENESIS_HASH)
        return head.seq, head.hash
    return int(found[0]), str(found[1])


def record_denial(actor: Principal, *, object_type: str, object_id: str, action: str) -> None:
    """A refused access is audited in its own transaction: the refusal itself changes nothing else."""
    with transaction.atomic():
        record(actor, Event.ACCESS_DENIED, object_type=object_type, object_id=object_id[:64],
               outcome="denied", details={"action": action})
