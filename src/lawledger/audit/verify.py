"""`lawledger audit verify`: recompute the chain and name the first record that does not fit.

Verification runs while the firm works: writers keep appending. The head is therefore read before
the records and again after them, each read in its own snapshot. The head read first vouches for
every record up to its seq (head and record are written in one transaction), so those must all be
there and end in its hash; records beyond it are new appends only if the head read last covers
them. A head that falls behind the records it had counted is tampering, never concurrency.
"""

from __future__ import annotations

from dataclasses import dataclass

from lawledger.audit.chain import GENESIS_HASH, hashed_fields, record_hash
from lawledger.audit.checkpoints import CHECKPOINT_EVERY, mac_matches
from lawledger.audit.models import AuditCheckpoint, AuditHead, AuditRecord


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""


def _head() -> tuple[int, str]:
    head = AuditHead.objects.filter(id=1).first()
    return (head.seq, head.hash) if head else (0, GENESIS_HASH)


def _head_with_mac() -> tuple[tuple[int, str], str]:
    """The head and its keyed MAC in one read: read apart, a writer committing in between
    pairs one head's MAC with another head and looks like tampering."""
    row = AuditHead.objects.filter(id=1).values_list("seq", "hash", "mac").first()
    if row is None:
        return (0, GENESIS_HASH), ""
    return (row[0], row[1]), row[2] or ""


def _checkpoint_problem(seq: int, digest: str, checkpoints: dict[int, tuple[str, str]],
                        last_good: int) -> str | None:
    """Does record `seq` (a checkpoint position) carry the hash its keyed checkpoint vouches for?"""
    found = checkpoints.get(seq)
    if found is None:
        return f"checkpoint #{seq} is missing: records after #{last_good} cannot be trusted"
    cp_hash, cp_mac = found
    if not mac_matches(seq, cp_hash, cp_mac):
        return f"checkpoint #{seq} does not carry the firm's key: it was forged or altered"
    if cp_hash != digest:
        return (f"checkpoint #{seq} does not match record #{seq}: records #{last_good + 1} to "
                f"#{seq} were rewritten and their chain recomputed without the firm's key")
    return None


def verify_chain(batch_size: int = 5000, *, keyed: bool = True) -> VerifyResult:
    """keyed=False skips the keyed checkpoints (a backup checked on a machine without the
    firm's master key): the hash chain itself is still verified in full."""
    head_before, head_mac = _head_with_mac()
    checkpoints = {seq: (digest, mac) for seq, digest, mac in
                   AuditCheckpoint.objects.values_list("seq", "hash", "mac")}
    last_checkpoint = 0
    expected_seq = 1
    prev_hash = GENESIS_HASH
    hash_at_head = GENESIS_HASH if head_before[0] == 0 else None
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
        if keyed and row.seq % CHECKPOINT_EVERY == 0 and row.seq <= head_before[0]:
            text = _checkpoint_problem(row.seq, row.hash, checkpoints, last_checkpoint)
            if text is not None:
                return VerifyResult(False, count, last_seq, prev_hash, last_checkpoint + 1, text)
            last_checkpoint = row.seq
        prev_hash = row.hash
        last_seq = row.seq
        if row.seq == head_before[0]:
            hash_at_head = row.hash
        expected_seq += 1
        count += 1
    problem = _end_problem(last_seq, prev_hash, head_before, hash_at_head, _head())
    if problem is not None:
        first_bad, text = problem
        return VerifyResult(False, count, last_seq, prev_hash, first_bad, text)
    if keyed and head_before[0] > 0 and not mac_matches(head_before[0], head_before[1], head_mac):
        return VerifyResult(False, count, last_seq, prev_hash, last_checkpoint + 1,
                            f"the chain head's keyed checkpoint does not match: records after "
                            f"#{last_checkpoint} were rewritten and the chain recomputed without "
                            "the firm's key")
    return VerifyResult(True, count, last_seq, prev_hash)


def _span(first: int, last: int) -> str:
    return f"record #{first} was" if first == last else f"records #{first} to #{last} were"


def _end_problem(last_seq: int, last_hash: str, head_before: tuple[int, str],
                 hash_at_head: str | None, head_after: tuple[int, str]) -> tuple[int, str] | None:
    """Does the end of the chain agree with its head (read before and after the records)?"""
    before_seq, before_hash = head_before
    if last_seq < before_seq:
        return last_seq + 1, (f"{_span(last_seq + 1, before_seq)} removed from the end: the "
                              f"chain ends at #{last_seq} but its head says #{before_seq}")
    if hash_at_head != before_hash:
        return before_seq, f"record #{before_seq} is not the one the chain head recorded"
    after_seq, after_hash = head_after
    if after_seq < last_seq:
        return after_seq + 1, (f"{_span(after_seq + 1, last_seq)} found beyond the chain head "
                               f"#{after_seq}: the head was rolled back or records were added")
    if after_seq == last_seq and after_hash != last_hash:
        return last_seq, f"record #{last_seq} is not the one the chain head recorded"
    return None  # after_seq > last_seq: writers appended after the records were read
