"""`lawledger audit verify`: recompute the chain and name the first record that does not fit."""

from __future__ import annotations

from dataclasses import dataclass

from lawledger.audit.chain import GENESIS_HASH, hashed_fields, record_hash
from lawledger.audit.models import AuditHead, AuditRecord


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""


def verify_chain(batch_size: int = 5000) -> VerifyResult:
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    last_seq = 0
    queryset = AuditRecord.objects.order_by("seq")
    for row in queryset.iterator(chunk_size=batch_size):
        if row.seq != expected_seq:
            kind = "missing" if row.seq > expected_seq else "out of order"
            return VerifyResult(False, count, last_seq, prev_hash, expected_seq,
                                f"record #{expected_seq} is {kind} (found #{row.seq} next)")
        if row.prev_hash != prev_hash:
            return VerifyResult(False, count, last_seq, prev_hash, row.seq,
                                f"record #{row.seq} does not follow #{row.seq - 1} "
                                "(previous hash differs: deleted, inserted or reordered)")
        fields = hashed_fields(
            seq=row.seq, recorded_at=row.recorded_at, actor=row.actor,
            actor_user_id=row.actor_user_id, event=row.event, outcome=row.outcome,
            object_type=row.object_type, object_id=row.object_id, client_ref=row.client_ref,
            matter_ref=row.matter_ref, source=row.source, details=row.details,
            prev_hash=row.prev_hash)
        if record_hash(fields) != row.hash:
            return VerifyResult(False, count, last_seq, prev_hash, row.seq,
                                f"record #{row.seq} was altered (its hash does not match its content)")
        prev_hash = row.hash
        last_seq = row.seq
        expected_seq += 1
        count += 1
    head = AuditHead.objects.filter(id=1).first()
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS_HASH
    if head_seq != last_seq or head_hash != prev_hash:
        return VerifyResult(False, count, last_seq, prev_hash, last_seq + 1,
                            f"the chain ends at #{last_seq} but its head says #{head_seq}: "
                            "records were removed from the end")
    return VerifyResult(True, count, last_seq, prev_hash)
