"""Faults while backing up (E3): a full disk, a writer that dies; and who may take a backup."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from lawledger.audit.models import AuditRecord
from lawledger.backup import archive
from lawledger.backup.errors import BackupWriteFailed, DiskFull
from lawledger.backup.retention import Keep
from lawledger.backup.services import (
    backup_create,
    backup_prune,
    backup_restore,
    backup_schedule,
    backup_verify,
)
from lawledger.core.errors import PermissionDenied
from tests import factories
from tests.access_matrix import build_matrix
from tests.backup.conftest import BackupKeys, database_figures, fill_disk, tiny_tmpfs
from tests.factories import OPERATOR

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _untouched_but_for_one_failure_record(before: dict[str, Any], code: str) -> None:
    after = database_figures()
    assert after["balances"] == before["balances"]
    assert after["audit"]["head_seq"] == before["audit"]["head_seq"] + 1
    tables = dict(before["tables"])
    tables["audit_record"] += 1
    assert after["tables"] == tables
    last = AuditRecord.objects.order_by("-seq").first()
    assert last is not None
    assert (last.event, last.outcome, last.details["code"]) == ("backup.failed", "failed", code)


def test_a_backup_onto_a_full_disk_fails_naming_enospc_and_keeps_the_previous_one(
        backup_keys: BackupKeys, tmp_path: Path) -> None:
    factories.trust_firm()
    with tiny_tmpfs(tmp_path / "usb-stick", 3072) as stick:
        first = backup_create(actor=OPERATOR, directory=str(stick))
        first_bytes = Path(first["file"]).read_bytes()
        filler = fill_disk(stick, leave_kib=16)
        before = database_figures()
        with pytest.raises(DiskFull) as failed:
            backup_create(actor=OPERATOR, directory=str(stick))
        assert "ENOSPC" in failed.value.message
        assert failed.value.code == "disk_full"
        assert failed.value.exit_status == 1
        assert _listing(stick) == sorted([Path(first["file"]).name, archive.LOCK_NAME,
                                          filler.name])
        assert Path(first["file"]).read_bytes() == first_bytes
        _untouched_but_for_one_failure_record(before, "disk_full")
        filler.unlink()
        again = backup_create(actor=OPERATOR, directory=str(stick))
        assert Path(again["file"]).exists()


def test_an_enospc_midway_leaves_no_file_under_the_final_name(
        backup_keys: BackupKeys, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same fault without a tmpfs: the writer's os.write fails with ENOSPC after 64 KiB."""
    factories.trust_firm()
    first = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    real_write = os.write

    def full_after_64_kib(fd: int, data: Any) -> int:
        target = os.readlink(f"/proc/self/fd/{fd}")
        if target.endswith(archive.PARTIAL_SUFFIX) and os.fstat(fd).st_size >= 65536:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    before = database_figures()
    monkeypatch.setattr(archive.os, "write", full_after_64_kib)
    with pytest.raises(DiskFull, match="ENOSPC"):
        backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    monkeypatch.setattr(archive.os, "write", real_write)
    assert _listing(backup_keys.backups) == sorted([Path(first["file"]).name, archive.LOCK_NAME])
    _untouched_but_for_one_failure_record(before, "disk_full")


def test_a_writer_that_dies_midway_leaves_no_file_and_the_next_backup_sweeps_its_partial(
        backup_keys: BackupKeys, monkeypatch: pytest.MonkeyPatch) -> None:
    factories.trust_firm()

    def crash(written: int) -> None:
        raise KeyboardInterrupt  # as an operator's Ctrl-C between two chunks

    monkeypatch.setattr(archive, "chunk_hook", crash)
    with pytest.raises(KeyboardInterrupt):
        backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    assert _listing(backup_keys.backups) == [archive.LOCK_NAME]
    monkeypatch.setattr(archive, "chunk_hook", None)
    stale = backup_keys.backups / f"{archive.PARTIAL_PREFIX}killed{archive.PARTIAL_SUFFIX}"
    stale.write_bytes(b"age-encryption.org/v1\n half a backup")  # as SIGKILL would leave it
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    assert _listing(backup_keys.backups) == sorted([Path(made["file"]).name, archive.LOCK_NAME])


def test_two_backups_into_one_directory_at_once_are_refused_not_interleaved(
        backup_keys: BackupKeys) -> None:
    factories.trust_firm()
    with archive.directory_lock(backup_keys.backups):
        with pytest.raises(BackupWriteFailed, match="another backup is being written"):
            backup_create(actor=OPERATOR, directory=str(backup_keys.backups))


# who may --------------------------------------------------------------------------------------

def test_only_the_operator_and_admins_behind_no_wall_may_take_verify_or_prune_backups(
        backup_keys: BackupKeys) -> None:
    matrix = build_matrix()
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    allowed = {"admin"}
    for who, principal in matrix.principals.items():
        if principal is None:
            continue
        files = _listing(backup_keys.backups)
        if who in allowed:
            created = backup_create(actor=principal, directory=str(backup_keys.backups))
            assert Path(created["file"]).exists()
            planned = backup_prune(actor=principal, directory=str(backup_keys.backups),
                                   keep=Keep(30, 0, 0), dry_run=True)
            assert planned["kept"] == [Path(created["file"]).name]
            continue
        count = AuditRecord.objects.count()
        for attempt in (
                lambda p=principal: backup_create(actor=p, directory=str(backup_keys.backups)),
                lambda p=principal: backup_verify(actor=p, file=made["file"],
                                                  identity=str(backup_keys.identity)),
                lambda p=principal: backup_prune(actor=p, directory=str(backup_keys.backups),
                                                 keep=Keep(0, 0, 0)),
                lambda p=principal: backup_schedule(actor=p, directory=str(backup_keys.backups),
                                                    kind="cron", at="02:30", keep=(7, 5, 12)),
                lambda p=principal: backup_restore(actor=p, file=made["file"], to=None,
                                                   identity=str(backup_keys.identity))):
            with pytest.raises(PermissionDenied):
                attempt()
        assert _listing(backup_keys.backups) == files, who
        assert AuditRecord.objects.count() == count, who
