"""Confidential text is encrypted at rest and bound to its row (I11; SECURITY C7, F5, F6, F7).

Canary plaintexts planted in every confidential field must appear nowhere in the raw database
(SQLite: the bytes of the file and its WAL; PostgreSQL: the text of every row of every table),
while a plain marker in a searchable field is found there (so the scan itself is proved to work).
"""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client as WebClient

from lawledger.audit.models import AuditRecord
from lawledger.core.errors import DecryptionFailed
from lawledger.crypto.keyring import KEYRING, NONCE_BYTES
from lawledger.db import maintenance
from lawledger.firm.models import Client, Matter
from lawledger.firm.queries import client_detail
from lawledger.firm.services import client_add, matter_open
from lawledger.ledger.accounts import account_add
from lawledger.ledger.models import BankAccount, JournalEntry
from lawledger.ledger.queries import client_ledger_report
from tests import factories
from tests.cli import FreshFirm, fresh_firm
from tests.factories import OPERATOR
from tests.mfa import login as mfa_login


def _plant_canaries(canary: str, marker: str) -> dict[str, str]:
    """Every confidential field of every kind of row gets its own canary."""
    factories.firm(uncleared_funds="off")
    values = {field: f"{canary}-{field}" for field in (
        "email", "phone", "address", "notes", "description", "bank_name", "payor", "memo",
        "payee", "purpose")}
    values["account_number"] = "-".join(canary.split("-")[1][i:i + 8] for i in range(0, 32, 8))
    client = client_add(actor=OPERATOR, name=f"{marker} Client", email=values["email"],
                        phone=values["phone"], address=values["address"], notes=values["notes"])
    matter = matter_open(actor=OPERATOR, client=client.number, title=f"{marker} matter",
                         description=values["description"])
    account_add(actor=OPERATOR, name="IOLTA", kind="trust", currency="USD",
                bank_name=values["bank_name"], account_number=values["account_number"])
    factories.deposit(matter.number, "500.00", payor=values["payor"], memo=values["memo"])
    factories.disburse(matter.number, "100.00", payee=values["payee"], purpose=values["purpose"])
    return values


def _raw_database_bytes() -> bytes:
    """SQLite: the database file and its WAL as they are on disk. PostgreSQL: every row as text."""
    if connection.vendor == "sqlite":
        # Read in another process: closing a descriptor of the database, its WAL or its -shm in
        # this one drops every POSIX lock this process's live connections hold on it, and the
        # next connection then rebuilds the shared-memory index under them ("disk I/O error").
        name = Path(str(connection.settings_dict["NAME"]))
        files = sorted(str(path) for path in name.parent.glob(name.name + "*"))
        return subprocess.run(["cat", *files], capture_output=True, check=True).stdout
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [row[0] for row in cursor.fetchall()]
        chunks = []
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t')
            chunks += [row[0] for row in cursor.fetchall()]
    return "\n".join(chunks).encode()


@pytest.mark.django_db(transaction=True)
def test_no_confidential_plaintext_reaches_the_database() -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    marker = f"marker{uuid.uuid4().hex[:12]}"
    values = _plant_canaries(canary, marker)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
    raw = _raw_database_bytes()
    assert marker.encode() in raw  # the scan sees what is stored in clear
    leaked = sorted(field for field, value in values.items() if value.encode() in raw)
    assert leaked == []
    assert canary.encode() not in raw
    # Each sealed column holds a token with its key id; the last four digits stay searchable.
    entry = JournalEntry.objects.filter(kind="deposit").values_list("memo", flat=True).get()
    assert entry.token.startswith("enc1:k1:")
    assert BankAccount.objects.get().account_number_last4 == values["account_number"][-4:]
    # ...and each opens again for whoever may see it.
    shown = client_detail(OPERATOR, Client.objects.get().number)
    assert (shown.notes, shown.email) == (values["notes"], values["email"])
    report = client_ledger_report(OPERATOR, Matter.objects.get().number)
    assert [(e["payor"], e["memo"], e["payee"], e["purpose"]) for e in report["entries"]] == [
        (values["payor"], values["memo"], None, None),
        (None, None, values["payee"], values["purpose"])]


def _copy_column(table: str, column: str, from_id: int, to_id: int) -> None:
    with transaction.atomic(), maintenance.window("rekey"), connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET "{column}" = (SELECT "{column}" FROM "{table}" '
                       f"WHERE id = %s) WHERE id = %s", [from_id, to_id])


@pytest.mark.django_db
def test_a_ciphertext_copied_into_another_row_never_opens() -> None:
    setup = factories.trust_firm()
    other = factories.matter(title="Other client's matter")
    secret = f"settlement terms {uuid.uuid4().hex}"
    mine = factories.deposit(setup["matter"], "10.00", memo=secret).entry
    theirs = factories.deposit(other, "20.00", memo="their own memo").entry
    _copy_column("ledger_journal_entry", "memo", mine.pk, theirs.pk)
    with pytest.raises(DecryptionFailed):
        _ = JournalEntry.objects.get(pk=theirs.pk).memo
    with pytest.raises(DecryptionFailed):
        client_ledger_report(OPERATOR, other)
    assert JournalEntry.objects.get(pk=mine.pk).memo == secret  # the original is untouched
    # Client notes: the same, and the copied value is not shown to anyone.
    first = Client.objects.create(number="C-9001", name="First", notes=secret,
                                  created_at=mine.recorded_at)
    second = Client.objects.create(number="C-9002", name="Second", notes="theirs",
                                   created_at=mine.recorded_at)
    _copy_column("firm_client", "notes", first.pk, second.pk)
    with pytest.raises(DecryptionFailed):
        client_detail(OPERATOR, "C-9002")
    assert client_detail(OPERATOR, "C-9001").notes == secret


@pytest.mark.django_db
def test_a_moved_ciphertext_is_refused_on_the_web_and_the_failure_audited() -> None:
    setup = factories.trust_firm()
    other = factories.matter(title="Other client's matter")
    secret = f"privileged {uuid.uuid4().hex}"
    mine = factories.deposit(setup["matter"], "10.00", memo=secret).entry
    theirs = factories.deposit(other, "20.00", memo="their memo").entry
    _copy_column("ledger_journal_entry", "memo", mine.pk, theirs.pk)

    factories.user("bookkeeper", email="books@firm.example")
    web = WebClient(raise_request_exception=False)
    mfa_login(web, "books@firm.example")
    response = web.get(f"/matters/{other}/ledger/")
    assert response.status_code >= 400
    assert secret.encode() not in response.content
    assert b"enc1:" not in response.content
    assert AuditRecord.objects.filter(event="keys.decryption_failed",
                                      actor="books@firm.example").count() == 1


@pytest.mark.django_db
def test_the_same_plaintext_never_encrypts_the_same_way_twice() -> None:
    aad = b"ledger_journal_entry.memo:je_0000000000000000"
    tokens = [KEYRING.seal("the same words", aad) for _ in range(100_000)]
    assert len(set(tokens)) == len(tokens)
    nonces = {base64.urlsafe_b64decode(t.split(":")[2] + "==")[:NONCE_BYTES] for t in tokens}
    assert len(nonces) == len(tokens)
    assert {KEYRING.open(t, aad) for t in tokens[:100]} == {"the same words"}
    # Through the models too: equal notes on many rows are stored as different ciphertexts.
    for n in range(20):
        client_add(actor=OPERATOR, name=f"Client {n}", notes="identical notes")
    stored = list(Client.objects.values_list("notes", flat=True))
    assert len({sealed.token for sealed in stored}) == 20


@pytest.mark.django_db
def test_plaintext_cannot_be_written_or_searched_through_querysets() -> None:
    setup = factories.trust_firm()
    factories.deposit(setup["matter"], "10.00", memo="a memo")
    client_add(actor=OPERATOR, name="Acme", notes="the notes")
    before = list(JournalEntry.objects.values_list("memo", flat=True))
    # Each attempt in a savepoint of its own: Django marks a failed update's transaction.
    with pytest.raises(TypeError, match="encrypted"), transaction.atomic():
        JournalEntry.objects.update(memo="plain")
    with pytest.raises(TypeError, match="encrypted"), transaction.atomic():
        Client.objects.update(notes="plain")
    for lookup in ("memo", "memo__exact", "memo__iexact", "memo__icontains", "memo__startswith",
                   "memo__in", "memo__gt", "memo__regex"):
        value = ["a memo"] if lookup.endswith("__in") else "a memo"
        with pytest.raises(TypeError, match="encrypted"), transaction.atomic():
            list(JournalEntry.objects.filter(**{lookup: value}))
    with pytest.raises(TypeError, match="encrypted"), transaction.atomic():
        list(Client.objects.filter(notes__contains="notes"))
    assert list(JournalEntry.objects.values_list("memo", flat=True)) == before
    # What stays allowed: asking whether there is a value at all.
    assert JournalEntry.objects.filter(memo__isnull=False).count() == 1


# ---------------------------------------------------------------------------------------------
# the master key at start-up, through the command line (F7)


def _write_key(firm: FreshFirm, content: bytes) -> None:
    path = firm.home / "keys" / "master.key"
    path.write_bytes(content)
    path.chmod(0o600)


def _refused_at_start(firm: FreshFirm, secrets: list[str], **env: str) -> str:
    result = firm.run("trust", "ledger", "M-0001", "--json") if not env else FreshFirm(
        firm.home, {**firm.env, **env}).run("trust", "ledger", "M-0001", "--json")
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    shown = result.stdout + result.stderr
    assert "enc1:" not in shown
    assert not any(secret in shown for secret in secrets)
    assert result.json["error"]["code"] == "not_initialised"
    return result.json["error"]["message"]


@pytest.mark.slow
def test_a_missing_or_wrong_master_key_stops_the_command_line_at_start(tmp_path: Path) -> None:
    with fresh_firm(tmp_path) as firm:
        keys = firm.home / "keys"
        assert stat.S_IMODE((keys / "master.key").stat().st_mode) == 0o600
        assert stat.S_IMODE(keys.stat().st_mode) == 0o700
        secrets = [f"memo-{uuid.uuid4().hex}", f"payor-{uuid.uuid4().hex}"]
        firm.ok("client", "add", "Acme", "--notes", "notes canary")
        firm.ok("matter", "open", "C-0001", "Deal")
        firm.ok("account", "add", "IOLTA", "--kind", "trust")
        firm.ok("trust", "deposit", "M-0001", "10.00", "--account", "IOLTA", "--date",
                "2026-03-10", "--from", secrets[1], "--memo", secrets[0])
        good = (keys / "master.key").read_bytes()

        _write_key(firm, base64.b64encode(os.urandom(32)) + b"\n")
        assert "master key" in _refused_at_start(firm, secrets)
        assert firm.run("client", "list").code == 2  # not even the parts without secrets

        (keys / "master.key").unlink()
        assert "no master key" in _refused_at_start(firm, secrets)
        assert not (keys / "master.key").exists()  # never silently replaced by a new key

        _write_key(firm, b"not base64 at all\n")
        assert "master key" in _refused_at_start(firm, secrets)

        wrong = base64.b64encode(os.urandom(32)).decode()
        _write_key(firm, good)
        assert "master key" in _refused_at_start(firm, secrets, LAWLEDGER_MASTER_KEY=wrong)

        ledger = firm.json("trust", "ledger", "M-0001")  # the right key opens everything again
        assert [(e["payor"], e["memo"]) for e in ledger["entries"]] == [(secrets[1], secrets[0])]
