"""A chain recomputed by someone without the firm's key is caught by its keyed checkpoints (F1).

The attacker here has full database access: triggers dropped, records rewritten, every hash of
the chain recomputed and the head moved to the new end. Only the HMAC key (derived from the
master key, which never lives in the database) is out of reach.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from typer.testing import CliRunner

from lawledger.audit import checkpoints, verify
from lawledger.audit.chain import hashed_fields, record_hash
from lawledger.audit.models import AuditCheckpoint, AuditHead, AuditRecord
from lawledger.audit.verify import verify_chain
from lawledger.db.triggers import drop_append_only_sql
from lawledger.interfaces.cli.app import app
from lawledger.ledger.queries import client_ledger_report
from tests import factories
from tests.factories import OPERATOR

EVERY = 3


@pytest.fixture
def chain(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(checkpoints, "CHECKPOINT_EVERY", EVERY)
    monkeypatch.setattr(verify, "CHECKPOINT_EVERY", EVERY)
    setup = factories.trust_firm()
    for n in range(4):
        factories.deposit(setup["matter"], f"{n + 1}0.00")
        client_ledger_report(OPERATOR, setup["matter"])
    head = AuditHead.objects.get().seq
    assert head >= 12
    assert list(AuditCheckpoint.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(EVERY, head + 1, EVERY))
    assert verify_chain().ok
    return head


def _sql(*statements: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)


def _unprotect() -> None:
    _sql(*drop_append_only_sql(connection.vendor, "audit_record"),
         *drop_append_only_sql(connection.vendor, "audit_checkpoint"))


def _recompute_from(start: int, actor: str = "mallory") -> None:
    """Rewrite record `start`, then recompute every later hash and the head, as an attacker can."""
    _unprotect()
    prev_hash = AuditRecord.objects.get(seq=start - 1).hash
    for row in AuditRecord.objects.filter(seq__gte=start).order_by("seq"):
        fields = hashed_fields(
            seq=row.seq, recorded_at=row.recorded_at,
            actor=actor if row.seq == start else row.actor, actor_user_id=row.actor_user_id,
            event=row.event, outcome=row.outcome, object_type=row.object_type,
            object_id=row.object_id, client_ref=row.client_ref, matter_ref=row.matter_ref,
            source=row.source, details=row.details, prev_hash=prev_hash)
        digest = record_hash(fields)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_record SET actor = %s, prev_hash = %s, hash = %s "
                           "WHERE seq = %s", [fields["actor"], prev_hash, digest, row.seq])
        prev_hash = digest
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_head SET hash = %s WHERE id = 1", [prev_hash])


def _cli_broken(first_bad: int, words: str) -> None:
    result = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert (document["ok"], document["first_bad_seq"]) == (False, first_bad)
    assert words in document["problem"], document["problem"]
    assert "audit_chain_broken" in result.stderr


@pytest.mark.django_db
def test_a_chain_recomputed_from_a_rewritten_record_fails_at_the_next_checkpoint(chain: int) -> None:
    _recompute_from(4)
    _cli_broken(4, "checkpoint #6 does not match record #6: records #4 to #6 were rewritten")


@pytest.mark.django_db
def test_a_tail_recomputed_after_the_last_checkpoint_fails_at_the_keyed_head(chain: int) -> None:
    last_checkpoint = chain - chain % EVERY
    if last_checkpoint == chain:
        last_checkpoint -= EVERY
    _recompute_from(last_checkpoint + 1)
    _cli_broken(last_checkpoint + 1, "the chain head's keyed checkpoint does not match")


@pytest.mark.django_db
def test_a_checkpoint_forged_with_another_key_is_named(chain: int) -> None:
    _recompute_from(4)
    row = AuditRecord.objects.get(seq=6)
    forged = hmac.new(b"attacker" * 4, f"6:{row.hash}".encode(), hashlib.sha256).hexdigest()
    _sql("UPDATE audit_checkpoint SET hash = %s, mac = %s WHERE seq = 6", params=[row.hash, forged])
    _cli_broken(4, "checkpoint #6 does not carry the firm's key")


@pytest.mark.django_db
def test_a_deleted_checkpoint_is_named(chain: int) -> None:
    _unprotect()
    _sql("DELETE FROM audit_checkpoint WHERE seq = 9")
    _cli_broken(7, "checkpoint #9 is missing: records after #6 cannot be trusted")


@pytest.mark.django_db
def test_a_head_whose_keyed_checkpoint_was_blanked_is_named(chain: int) -> None:
    _sql("UPDATE audit_head SET mac = '' WHERE id = 1")
    assert verify_chain().ok is False
    assert "keyed checkpoint does not match" in verify_chain().problem


@pytest.mark.django_db
def test_checkpoints_refuse_edits_while_their_triggers_stand(chain: int) -> None:
    for statement in ("UPDATE audit_checkpoint SET mac = 'x' WHERE seq = 3",
                      "DELETE FROM audit_checkpoint WHERE seq = 3"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _sql(statement)
    assert AuditCheckpoint.objects.get(seq=3).mac == checkpoints.checkpoint_mac(
        3, AuditRecord.objects.get(seq=3).hash)
