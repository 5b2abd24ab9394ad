"""The audit chain detects tampering, and every audited read fails closed (I8; SECURITY F1, F2).

To tamper, a test drops the append-only triggers inside its own transaction (vendor SQL from
`lawledger.db.triggers`), edits the table like an attacker with database access would, and runs
`lawledger audit verify`, which must exit 1 naming the first bad record. The transaction is rolled
back afterwards, triggers included.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client as WebClient
from typer.testing import CliRunner

from lawledger.audit import services as audit_services
from lawledger.audit.models import AuditHead, AuditRecord
from lawledger.audit.verify import verify_chain
from lawledger.core.errors import AuditFailure
from lawledger.db.triggers import drop_append_only_sql
from lawledger.firm.queries import matter_detail
from lawledger.interfaces.cli.app import app
from lawledger.ledger.queries import client_ledger_report
from tests import factories
from tests.cli import fresh_firm
from tests.factories import OPERATOR
from tests.mfa import login as mfa_login
from tests.services.ledger_invariants import django_query, state_snapshot


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, [*args, "--json"])


def _sql(*statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _unprotect() -> None:
    _sql(*drop_append_only_sql(connection.vendor, "audit_record"))


@pytest.fixture
def chain() -> int:
    """A firm with a few dozen audit records; returns the head's seq."""
    setup = factories.trust_firm()
    for n in range(5):
        factories.deposit(setup["matter"], f"{n + 1}0.00")
        client_ledger_report(OPERATOR, setup["matter"])
    head = AuditHead.objects.get().seq
    assert head == AuditRecord.objects.count() >= 15
    verified = _cli("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["ok"] is True
    return head


def _broken(first_bad: int, words: str) -> None:
    result = _cli("audit", "verify")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert document["first_bad_seq"] == first_bad
    assert words in document["problem"]
    assert f"#{first_bad}" in result.stderr and "audit_chain_broken" in result.stderr


@pytest.mark.django_db
def test_verify_names_a_record_whose_content_was_edited(chain: int) -> None:
    _unprotect()
    _sql("UPDATE audit_record SET actor = 'someone-else' WHERE seq = 7")
    _broken(7, "record #7 was altered")


@pytest.mark.django_db
def test_verify_names_an_edit_to_the_details_of_a_read(chain: int) -> None:
    _unprotect()
    seq = AuditRecord.objects.filter(event="trust.ledger_viewed").order_by("seq").first().seq
    _sql(f"UPDATE audit_record SET matter_ref = 'M-9999' WHERE seq = {seq}")
    _broken(seq, "was altered")


@pytest.mark.django_db
def test_verify_names_the_gap_where_a_record_was_deleted(chain: int) -> None:
    _unprotect()
    _sql("DELETE FROM audit_record WHERE seq = 9")
    _broken(9, "record #9 is missing")


@pytest.mark.django_db
def test_verify_names_the_first_of_two_records_swapped(chain: int) -> None:
    _unprotect()
    _sql("UPDATE audit_record SET seq = -1 WHERE seq = 5",
         "UPDATE audit_record SET seq = 5 WHERE seq = 6",
         "UPDATE audit_record SET seq = 6 WHERE seq = -1")
    _broken(5, "does not follow #4")


@pytest.mark.django_db
def test_verify_notices_records_cut_from_the_end(chain: int) -> None:
    _unprotect()
    _sql(f"DELETE FROM audit_record WHERE seq > {chain - 2}")
    _broken(chain - 1, f"records #{chain - 1} to #{chain} were removed from the end")


@pytest.mark.django_db
def test_verify_notices_a_chain_head_rolled_back_or_a_last_record_replaced(chain: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, hash FROM audit_record WHERE seq = %s", [chain - 3])
        seq, digest = cursor.fetchone()
        cursor.execute("UPDATE audit_head SET seq = %s, hash = %s", [seq, digest])
    _broken(chain - 2, f"records #{chain - 2} to #{chain} were found beyond the chain head")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_head SET seq = %s, hash = %s", [chain, "f" * 64])
    _broken(chain, f"record #{chain} is not the one the chain head recorded")


@pytest.mark.django_db
def test_verify_notices_a_record_whose_hash_was_recomputed_alone(chain: int) -> None:
    """Rewriting one record and its own hash still breaks the link from the next record."""
    from lawledger.audit.chain import hashed_fields, record_hash

    _unprotect()
    row = AuditRecord.objects.get(seq=4)
    fields = hashed_fields(seq=4, recorded_at=row.recorded_at, actor="mallory",
                           actor_user_id=row.actor_user_id, event=row.event,
                           outcome=row.outcome, object_type=row.object_type,
                           object_id=row.object_id, client_ref=row.client_ref,
                           matter_ref=row.matter_ref, source=row.source, details=row.details,
                           prev_hash=row.prev_hash)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_record SET actor = 'mallory', hash = %s WHERE seq = 4",
                       [record_hash(fields)])
    _broken(5, "record #5 does not follow #4")


@pytest.mark.django_db
def test_the_audit_table_refuses_edits_while_its_triggers_stand(chain: int) -> None:
    for statement in ("UPDATE audit_record SET actor = 'x' WHERE seq = 3",
                      "DELETE FROM audit_record WHERE seq = 3"):
        with pytest.raises(DatabaseError), transaction.atomic():
            _sql(statement)
    assert verify_chain().ok


@pytest.mark.slow
def test_the_audit_verify_command_exits_1_on_a_tampered_firm(tmp_path: Path) -> None:
    with fresh_firm(tmp_path) as firm:
        firm.ok("client", "add", "Acme")
        firm.ok("client", "add", "Globex")
        ok = firm.json("audit", "verify")
        assert ok["ok"] is True and ok["records"] >= 3
        url = firm.env.get("DATABASE_URL")
        statements = [*drop_append_only_sql("postgresql" if url else "sqlite", "audit_record"),
                      "UPDATE audit_record SET client_ref = 'C-0666' WHERE seq = 2"]
        if url:
            import psycopg

            with psycopg.connect(url) as raw:
                for statement in statements:
                    raw.execute(statement)
        else:
            import sqlite3

            raw_lite = sqlite3.connect(firm.home / "lawledger.sqlite3")
            with raw_lite:
                for statement in statements:
                    raw_lite.execute(statement)
            raw_lite.close()
        broken = firm.run("audit", "verify", "--json")
        assert broken.code == 1, broken.stderr
        assert broken.json["first_bad_seq"] == 2
        assert "record #2 was altered" in broken.stderr


# ---------------------------------------------------------------------------------------------
# F2: when the audit record cannot be written, nothing is shown and nothing is changed


def _failing_audit(error: Exception) -> None:
    def fail() -> None:
        raise error

    audit_services.fault_hook = fail  # reset by the autouse fixture in conftest


@pytest.fixture
def confidential() -> dict[str, str]:
    setup = factories.trust_firm()
    from lawledger.firm.services import matter_open

    secret = "sealed settlement figure 7734"
    matter = matter_open(actor=OPERATOR, client=factories.client("Hidden Co"), title="Quiet",
                         description=secret).number
    factories.deposit(matter, "900.00", memo=secret)
    return {**setup, "secret": secret, "quiet": matter}


@pytest.mark.django_db
@pytest.mark.parametrize("error", [AuditFailure("the audit store is unavailable"),
                                   DatabaseError("disk I/O error")])
def test_a_confidential_read_returns_nothing_when_its_audit_record_fails(
        confidential: dict[str, str], error: Exception) -> None:
    before = AuditRecord.objects.count()
    _failing_audit(error)
    with pytest.raises(type(error)):
        client_ledger_report(OPERATOR, confidential["quiet"])
    with pytest.raises(type(error)):
        matter_detail(OPERATOR, confidential["quiet"])
    audit_services.fault_hook = None
    assert AuditRecord.objects.count() == before
    # The same reads succeed, each with exactly one audit record, once the audit works again.
    report = client_ledger_report(OPERATOR, confidential["quiet"])
    assert report["entries"][0]["memo"] == confidential["secret"]
    assert list(AuditRecord.objects.filter(seq__gt=before).values_list("event", flat=True)) == [
        "trust.ledger_viewed"]


@pytest.mark.django_db
def test_a_posting_whose_audit_record_fails_is_not_committed(confidential: dict[str, str]) -> None:
    before = state_snapshot(django_query)
    _failing_audit(DatabaseError("disk I/O error"))
    with pytest.raises(DatabaseError):
        factories.deposit(confidential["matter"], "10.00")
    with pytest.raises(DatabaseError):
        factories.disburse(confidential["quiet"], "10.00")
    audit_services.fault_hook = None
    assert state_snapshot(django_query) == before
    assert factories.balance(confidential["quiet"]) == "900.00"


@pytest.mark.django_db
def test_the_command_line_shows_no_ledger_when_the_audit_fails(
        confidential: dict[str, str]) -> None:
    _failing_audit(AuditFailure("the audit store is unavailable"))
    result = _cli("trust", "ledger", confidential["quiet"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"error": {
        "code": "audit_failure", "message": "the audit store is unavailable", "param": None}}
    assert confidential["secret"] not in result.output and "900.00" not in result.output


@pytest.mark.django_db
def test_the_web_shows_no_matter_or_ledger_when_the_audit_fails(
        confidential: dict[str, str]) -> None:

    factories.user("bookkeeper", email="books@firm.example")
    web = WebClient(raise_request_exception=False)
    mfa_login(web, "books@firm.example")
    for error in (AuditFailure("the audit store is unavailable"), DatabaseError("disk I/O error")):
        _failing_audit(error)
        for page in (f"/matters/{confidential['quiet']}/", f"/matters/{confidential['quiet']}/ledger/"):
            response = web.get(page)
            assert response.status_code >= 400, page
            assert confidential["secret"].encode() not in response.content
            assert b"900.00" not in response.content
    audit_services.fault_hook = None
    shown = web.get(f"/matters/{confidential['quiet']}/ledger/")
    assert shown.status_code == 200 and b"900.00" in shown.content
