"""Backups end to end on the engine under test: create, verify, restore, and every refusal (E4, E5).

Each refusal asserts the reason and that the restore target is exactly as it was.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lawledger.audit.models import AuditRecord
from lawledger.backup import archive, inventory, keys
from lawledger.backup.checks import run_all
from lawledger.backup.databases import (
    as_default,
    parse_database_url,
    sqlite_settings,
    temporary_alias,
    with_name,
)
from lawledger.backup.errors import (
    BackupBadSignature,
    BackupCheckFailed,
    BackupDamaged,
    BackupNewerSchema,
    BackupTruncated,
    BackupWrongIdentity,
    RestoreTargetNotEmpty,
)
from lawledger.backup.services import backup_create, backup_restore, backup_verify
from lawledger.backup.verification import FIGURES
from lawledger.core.errors import ClientLedgerOverdraft
from lawledger.ledger import services as ledger_services
from lawledger.ledger.models import JournalEntry
from tests import factories
from tests.backup.conftest import (
    CANARIES,
    BackupKeys,
    build_books,
    database_figures,
    empty_target,
    repack,
    target_state,
)
from tests.factories import OPERATOR

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _alias_settings(url: str) -> dict[str, object]:
    target = parse_database_url(url)
    if target.path is not None:
        return sqlite_settings(target.path)
    assert target.settings is not None
    return with_name(target.settings, str(target.settings["NAME"]))


def _restore(keys_: BackupKeys, file: Path | str, url: str | None) -> dict[str, object]:
    return backup_restore(actor=OPERATOR, file=str(file), to=url, identity=str(keys_.identity))


def _events() -> list[tuple[str, str]]:
    return list(AuditRecord.objects.filter(event__startswith="backup.")
                .order_by("seq").values_list("event", "outcome"))


def test_a_backup_verifies_and_restores_to_the_same_books(backup_keys: BackupKeys,
                                                          tmp_path: Path) -> None:
    build_books()
    before = database_figures()
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    path = Path(made["file"])
    assert path.parent == backup_keys.backups.resolve()
    assert path.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert {key: made["manifest"][key] for key in FIGURES} == before
    assert made["manifest"]["master_key_included"] is False
    assert made["manifest"]["reconciled_periods"] == [
        {"account": "IOLTA", "through_date": "2026-01-31", "reference": "REC-2026-01"}]
    assert _events() == [("backup.created", "ok")]

    report = backup_verify(actor=OPERATOR, file=str(path), identity=str(backup_keys.identity))
    assert report["ok"] is True
    assert [c["check"] for c in report["checks"] if not c["ok"]] == []
    assert _events() == [("backup.created", "ok"), ("backup.verified", "ok")]

    with empty_target(tmp_path) as url:
        restored = _restore(backup_keys, path, url)
        assert restored["target"] == parse_database_url(url).describe()
        with temporary_alias(_alias_settings(url)) as alias:
            assert all(result.ok for result in run_all(alias)), run_all(alias)
            figures = inventory.take(alias)
            expected = {key: made["manifest"][key] for key in FIGURES}
            # The restore appended exactly one record of itself to the restored chain.
            expected["tables"]["audit_record"] += 1
            assert figures["tables"] == expected["tables"]
            assert figures["balances"] == expected["balances"]
            assert figures["reconciled_periods"] == expected["reconciled_periods"]
            assert figures["audit"]["head_seq"] == made["manifest"]["audit"]["head_seq"] + 1
            with as_default(alias):
                last = AuditRecord.objects.order_by("-seq").first()
                assert last is not None
                assert (last.event, last.prev_hash) == ("backup.restored",
                                                        made["manifest"]["audit"]["head_hash"])


def test_no_canary_plaintext_is_in_the_backup_file_or_inside_it(backup_keys: BackupKeys) -> None:
    build_books()
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    sealed = Path(made["file"]).read_bytes()
    assert sealed.startswith(b"age-encryption.org/v1\n")
    staging = backup_keys.home / "inspect"
    staging.mkdir()
    identities = keys.load_identities(str(backup_keys.identity)).identities
    archive.decrypt(Path(made["file"]), identities, staging / "plain.tar")
    plain = (staging / "plain.tar").read_bytes()
    assert b"database" in plain and b"manifest.json" in plain  # it did decrypt
    for canary in CANARIES:
        assert canary.encode() not in sealed
        assert canary.encode() not in plain  # encrypted fields stay sealed inside the backup


def test_a_backup_taken_while_eight_writers_post_is_one_point_in_time(backup_keys: BackupKeys,
                                                                     tmp_path: Path) -> None:
    from django.db import connections

    factories.firm(uncleared_funds="off")
    factories.trust_account()
    matters = [factories.matter(title=f"Matter {n}") for n in range(8)]
    for number in matters:
        factories.deposit(number, "500.00", date="2026-01-02")
    initial = JournalEntry.objects.count()
    stop = threading.Event()

    def writer(index: int) -> int:
        posted = 0
        try:
            while not stop.is_set() and posted < 400:
                factories.deposit(matters[index], "3.00", date="2026-01-05")
                with contextlib.suppress(ClientLedgerOverdraft):
                    ledger_services.trust_transfer_record(
                        actor=OPERATOR, from_matter=matters[index],
                        to_matter=matters[(index + 1) % 8], amount="2.00", date="2026-01-06")
                posted += 1
            return posted
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(writer, index) for index in range(8)]
        deadline = time.monotonic() + 60
        while JournalEntry.objects.count() < initial + 24 and time.monotonic() < deadline:
            time.sleep(0.05)
        made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
        time.sleep(0.5)  # the writers go on after the snapshot
        stop.set()
        assert all(future.result() > 0 for future in futures)
    snapshot_entries = made["manifest"]["tables"]["ledger_journal_entry"]
    assert initial + 24 <= snapshot_entries < JournalEntry.objects.count()

    with empty_target(tmp_path) as url:
        _restore(backup_keys, made["file"], url)
        with temporary_alias(_alias_settings(url)) as alias:
            assert [r for r in run_all(alias) if not r.ok] == []
            figures = inventory.take(alias)
            assert figures["tables"]["ledger_journal_entry"] == snapshot_entries
            assert figures["balances"] == made["manifest"]["balances"]
            with as_default(alias):
                entries = set(JournalEntry.objects.values_list("public_id", flat=True))
                audited = set(AuditRecord.objects.filter(event="trust.entry_posted")
                              .values_list("object_id", flat=True))
    assert entries == audited  # every entry with its audit record, none without: one instant


# refusals ---------------------------------------------------------------------------------------

def _flip_one_byte(path: Path, out: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    out.write_bytes(bytes(data))
    return out


def _truncate(path: Path, out: Path) -> Path:
    """Cut the file at a chunk boundary of age's STREAM (nonce, then 64 KiB + 16 byte chunks)."""
    data = path.read_bytes()
    payload = data.index(b"\n", data.index(b"\n--- ") + 1) + 1 + 16
    whole_chunks = (len(data) - payload - 1) // (65536 + 16)
    out.write_bytes(data[: payload + whole_chunks * (65536 + 16)])
    return out


def _cut_mid_chunk(path: Path, out: Path) -> Path:
    out.write_bytes(path.read_bytes()[:-40])
    return out


def _bad_signature(path: Path, out: Path, identity: Path) -> Path:
    def richer(manifest: dict[str, object]) -> None:
        balances = manifest["balances"]
        assert isinstance(balances, list)
        balances[0]["balance_minor"] += 100_000

    return repack(path, identity, out, mutate=richer)


def _other_signer(path: Path, out: Path, identity: Path) -> Path:
    return repack(path, identity, out, sign_with=Ed25519PrivateKey.generate())


def _newer_schema(path: Path, out: Path, identity: Path) -> Path:
    def future(manifest: dict[str, object]) -> None:
        schema = manifest["schema"]
        assert isinstance(schema, dict)
        schema["migrations"].append("ledger.9999_from_the_future")

    return repack(path, identity, out, mutate=future, sign_with=keys.ensure_signing_key())


CASES = {
    "flipped byte": (BackupDamaged, "altered or cut short"),
    "truncated": (BackupTruncated, "truncated"),
    "cut mid-chunk": (BackupDamaged, "altered or cut short"),
    "wrong identity": (BackupWrongIdentity, "no identity given opens this backup"),
    "altered manifest": (BackupBadSignature, "signature does not verify"),
    "foreign signer": (BackupBadSignature, "not by the trusted key"),
    "newer schema": (BackupNewerSchema, "ledger.9999_from_the_future"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_it_refuses_a_doubtful_backup_with_the_reason_and_leaves_the_target_untouched(
        case: str, backup_keys: BackupKeys, tmp_path: Path) -> None:
    factories.trust_firm()
    good = Path(backup_create(actor=OPERATOR, directory=str(backup_keys.backups))["file"])
    bad = tmp_path / "bad.age"
    identity = backup_keys.identity
    if case == "flipped byte":
        _flip_one_byte(good, bad)
    elif case == "truncated":
        _truncate(good, bad)
    elif case == "cut mid-chunk":
        _cut_mid_chunk(good, bad)
    elif case == "wrong identity":
        bad.write_bytes(good.read_bytes())
        identity = tmp_path / "stranger.txt"
        keys.generate_identity(identity)
    elif case == "altered manifest":
        _bad_signature(good, bad, identity)
    elif case == "foreign signer":
        _other_signer(good, bad, identity)
    else:
        _newer_schema(good, bad, identity)
    error_type, reason = CASES[case]
    with empty_target(tmp_path) as url:
        before = target_state(url)
        with pytest.raises(error_type) as refused:
            backup_restore(actor=OPERATOR, file=str(bad), to=url, identity=str(identity))
        assert reason in refused.value.message
        assert refused.value.exit_status == 1
        assert target_state(url) == before
        with pytest.raises(error_type):
            backup_verify(actor=OPERATOR, file=str(bad), identity=str(identity))
    assert good.read_bytes().startswith(archive.AGE_HEADER)  # the good one is untouched
    assert _events()[-1] == ("backup.verified", "failed")


def test_it_refuses_to_restore_over_a_database_that_exists(backup_keys: BackupKeys) -> None:
    factories.trust_firm()
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    before = database_figures()
    with pytest.raises(RestoreTargetNotEmpty) as refused:
        _restore(backup_keys, made["file"], None)  # the firm's own database: in use
    assert refused.value.code == "restore_target_not_empty"
    assert database_figures() == before


def test_it_refuses_a_restore_whose_data_keys_do_not_open_with_this_master_key(
        backup_keys: BackupKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_books()
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    monkeypatch.setenv("LAWLEDGER_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    with empty_target(tmp_path) as url:
        before = target_state(url)
        with pytest.raises(BackupCheckFailed, match="does not open with this master key"):
            _restore(backup_keys, made["file"], url)
        assert target_state(url) == before
