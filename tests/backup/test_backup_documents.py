"""Backups carry the firm's document files: create, verify and restore them, and every refusal.

A firm restoring a backup must get back every settlement statement and receipt, byte for byte;
a backup whose files are missing or altered is refused naming the document; a restore never
merges into a documents directory that holds files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from lawledger.backup import archive, blobs, engines, keys
from lawledger.backup.databases import as_default, temporary_alias
from lawledger.backup.errors import BackupCheckFailed, DocumentFileMissing, RestoreTargetNotEmpty
from lawledger.backup.services import backup_create, backup_restore, backup_verify
from lawledger.core import clock
from lawledger.documents import storage
from lawledger.documents.models import Document
from lawledger.documents.queries import document_download
from lawledger.documents.services import document_upload
from tests import factories
from tests.backup.conftest import BackupKeys, empty_target, repack, target_state
from tests.backup.test_backup_restore import _alias_settings
from tests.documents.builders import CANARY, PDF_BYTES, PNG_BYTES, RECEIPT_TEXT, storage_files
from tests.factories import OPERATOR

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CHECK = "every document's file is in the backup, unaltered (sha256 of its sealed bytes)"


def _papers() -> dict[str, Any]:
    """A matter with a statement in two versions and a receipt; a client's authorization."""
    made = factories.trust_firm()
    matter = made["matter"]
    statement = document_upload(actor=OPERATOR, kind="matter", ref=matter,
                                file_name="settlement-NAMECANARY4.pdf", data=PDF_BYTES)
    document_upload(actor=OPERATOR, document=statement["id"], file_name="settlement-signed.png",
                    data=PNG_BYTES)
    receipt = document_upload(actor=OPERATOR, kind="matter", ref=matter, file_name="receipt.txt",
                              data=RECEIPT_TEXT)
    return {"matter": matter, "statement": statement["id"], "receipt": receipt["id"]}


def _check(report: dict[str, Any]) -> dict[str, Any]:
    (found,) = [check for check in report["checks"] if check["check"] == CHECK]
    return dict(found)


def _new_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The restoring machine's own LAWLEDGER_HOME (the identity file names the signer)."""
    home = tmp_path / "new-home"
    home.mkdir()
    monkeypatch.setenv("LAWLEDGER_HOME", str(home))
    return home


def _restore(keys_: BackupKeys, file: str | Path, url: str) -> dict[str, Any]:
    return backup_restore(actor=OPERATOR, file=str(file), to=url, identity=str(keys_.identity))


def test_a_backup_carries_every_document_file_and_a_restore_brings_them_back_byte_for_byte(
        backup_keys: BackupKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    papers = _papers()
    store = storage.storage_root()
    sealed = {path.name: path.read_bytes() for path in storage_files(store)}
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    section = made["manifest"]["documents"]
    assert {key: section[key] for key in ("documents", "versions", "files", "absent", "bytes")} \
        == {"documents": 2, "versions": 3, "files": 3, "absent": 0,
            "bytes": sum(len(data) for data in sealed.values())}
    assert made["document_files"] == 3

    report = backup_verify(actor=OPERATOR, file=made["file"], identity=str(backup_keys.identity))
    assert _check(report) == {"check": CHECK, "ok": True, "detail": "3 files, each opens"}
    assert report["manifest"]["documents"] == section

    home = _new_home(tmp_path, monkeypatch)
    with empty_target(tmp_path) as url:
        restored = _restore(backup_keys, made["file"], url)
        assert restored["document_files"] == {"files": 3, "directory": str(home / "documents")}
        placed = storage_files(home / "documents")
        assert {path.name: path.read_bytes() for path in placed} == sealed
        assert {path.relative_to(home / "documents").parts[0] for path in placed} \
            == {name[:2] for name in sealed}
        assert [p.name for p in home.iterdir() if p.name.startswith(".documents")] == []
        with temporary_alias(_alias_settings(url)) as alias, as_default(alias):
            assert document_download(OPERATOR, papers["statement"], 1).data == PDF_BYTES
            assert document_download(OPERATOR, papers["statement"]).data == PNG_BYTES
            assert document_download(OPERATOR, papers["receipt"]).data == RECEIPT_TEXT


def test_no_document_plaintext_is_in_the_backup_file_or_inside_it(
        backup_keys: BackupKeys) -> None:
    _papers()
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    staging = backup_keys.home / "inspect"
    staging.mkdir()
    identities = keys.load_identities(str(backup_keys.identity)).identities
    archive.decrypt(Path(made["file"]), identities, staging / "plain.tar")
    plain = (staging / "plain.tar").read_bytes()
    assert archive.INDEX_NAME.encode() in plain  # it did decrypt, with the documents
    assert CANARY not in Path(made["file"]).read_bytes()
    assert CANARY not in plain  # the files travel sealed, as stored
    assert b"NAMECANARY4" not in plain  # and so do their names (encrypted fields)


def _first_file(files: dict[str, bytes]) -> str:
    return sorted(files)[0]


def _remove_one(files: dict[str, bytes]) -> None:
    del files[_first_file(files)]


def _alter_one(files: dict[str, bytes]) -> None:
    data = bytearray(files[_first_file(files)])
    data[-1] ^= 0x01
    files[_first_file(files)] = bytes(data)


TAMPERING = {"removed": (_remove_one, "its file is missing from the backup"),
             "altered": (_alter_one, "its file was altered (sha256 differs from the manifest)")}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_it_refuses_a_backup_whose_document_file_is_missing_or_altered_naming_the_document(
        case: str, backup_keys: BackupKeys, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _papers()
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    first = sorted(storage_files(storage.storage_root()))[0].name
    document = Document.objects.get(versions__storage_id=first)
    number = document.versions.get(storage_id=first).version
    change, reason = TAMPERING[case]
    bad = repack(Path(made["file"]), backup_keys.identity, tmp_path / "bad.age", documents=change)
    with pytest.raises(BackupCheckFailed) as refused:
        backup_verify(actor=OPERATOR, file=str(bad), identity=str(backup_keys.identity))
    assert f"{document.public_id} v{number}: {reason}" in refused.value.message
    assert refused.value.exit_status == 1

    home = _new_home(tmp_path, monkeypatch)
    with empty_target(tmp_path) as url:
        before = target_state(url)
        with pytest.raises(BackupCheckFailed, match=document.public_id):
            _restore(backup_keys, bad, url)
        assert target_state(url) == before
    assert sorted(p.name for p in home.iterdir()) == ["tmp"]  # no documents, nothing staged


def test_it_refuses_to_restore_into_a_documents_directory_that_holds_files(
        backup_keys: BackupKeys, tmp_path: Path) -> None:
    _papers()
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    store = storage.storage_root()
    before = {path: path.read_bytes() for path in storage_files(store)}
    with empty_target(tmp_path) as url:
        state = target_state(url)
        with pytest.raises(RestoreTargetNotEmpty) as refused:
            _restore(backup_keys, made["file"], url)  # this home's store is the firm's, in use
        assert refused.value.param == "documents"
        assert str(store) in refused.value.message
        assert target_state(url) == state
    assert {path: path.read_bytes() for path in storage_files(store)} == before


def test_a_failed_database_placement_leaves_no_document_file_behind(
        backup_keys: BackupKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _papers()
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    home = _new_home(tmp_path, monkeypatch)
    real_restore = engines.pg_restore

    def failing(*args: Any) -> None:
        raise OSError("the disk went away")

    def failing_into_target(dump: Path, settings: dict[str, Any], dbname: str) -> None:
        if not dbname.startswith("lawledger_scratch_"):
            failing()
        real_restore(dump, settings, dbname)

    monkeypatch.setattr(engines, "sqlite_place", failing)
    monkeypatch.setattr(engines, "pg_restore", failing_into_target)
    with empty_target(tmp_path) as url:
        before = target_state(url)
        with pytest.raises(OSError, match="the disk went away"):
            _restore(backup_keys, made["file"], url)
        assert target_state(url) == before
    assert sorted(p.name for p in home.iterdir()) == ["tmp"]


def test_documents_uploaded_or_deleted_after_the_snapshot_do_not_fail_the_backup(
        backup_keys: BackupKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    papers = _papers()
    real_collect = blobs.collect
    late: dict[str, Any] = {}

    def writes_after_the_snapshot(refs: list[blobs.BlobRef], staging: Path) -> Any:
        late["new"] = document_upload(actor=OPERATOR, kind="matter", ref=papers["matter"],
                                      file_name="late.pdf", data=PDF_BYTES)["id"]
        document_upload(actor=OPERATOR, document=papers["statement"], file_name="v3.pdf",
                        data=PDF_BYTES)
        # A deletion removes the document's file once it commits (documents.services).
        receipt = Document.objects.get(public_id=papers["receipt"])
        for storage_id in receipt.versions.values_list("storage_id", flat=True):
            storage.remove(storage_id)
        Document.objects.filter(pk=receipt.pk).update(deleted_at=clock.now(), deleted_by="t")
        return real_collect(refs, staging)

    monkeypatch.setattr(blobs, "collect", writes_after_the_snapshot)
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    section = made["manifest"]["documents"]
    assert (section["versions"], section["files"], section["absent"]) == (3, 2, 1)
    report = backup_verify(actor=OPERATOR, file=made["file"], identity=str(backup_keys.identity))
    assert _check(report)["detail"] == "2 files, each opens, 1 deleted after the snapshot"

    _new_home(tmp_path, monkeypatch)
    with empty_target(tmp_path) as url:
        _restore(backup_keys, made["file"], url)
        with temporary_alias(_alias_settings(url)) as alias, as_default(alias):
            assert not Document.objects.filter(public_id=late["new"]).exists()
            assert document_download(OPERATOR, papers["statement"]).data == PNG_BYTES


def test_a_backup_is_refused_when_a_live_document_has_lost_its_file(
        backup_keys: BackupKeys) -> None:
    papers = _papers()
    lost = Document.objects.get(public_id=papers["receipt"]).versions.get()
    storage.remove(lost.storage_id)
    with pytest.raises(DocumentFileMissing) as refused:
        backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    assert refused.value.message.startswith(f"document {papers['receipt']} version 1: its file")
    assert refused.value.exit_status == 1
    assert list(backup_keys.backups.iterdir()) == []  # refused before anything was written


def _old_format(manifest: dict[str, Any]) -> None:
    del manifest["documents"]


def test_a_backup_made_before_documents_were_carried_still_verifies_and_restores(
        backup_keys: BackupKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _papers()
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    old = repack(Path(made["file"]), backup_keys.identity, tmp_path / "old.age",
                 mutate=_old_format, sign_with=keys.ensure_signing_key(),
                 documents=lambda files: files.clear(), with_index=False)
    report = backup_verify(actor=OPERATOR, file=str(old), identity=str(backup_keys.identity))
    note = ("this backup carries no documents (it was made before lawledger backed up "
            "document files)")
    assert _check(report) == {"check": CHECK, "ok": True, "detail": note}
    assert report["manifest"]["documents"] is None

    home = _new_home(tmp_path, monkeypatch)
    with empty_target(tmp_path) as url:
        restored = _restore(backup_keys, old, url)
    assert restored["document_files"] == {"files": 0, "note": note}
    assert not (home / "documents").exists()


def test_document_files_named_by_no_manifest_are_refused(
        backup_keys: BackupKeys, tmp_path: Path) -> None:
    _papers()
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))

    def smuggle(files: dict[str, bytes]) -> None:
        files["ab" * 16] = b"LLDOC1\n" + hashlib.sha256(b"x").digest()

    bad = repack(Path(made["file"]), backup_keys.identity, tmp_path / "bad.age", documents=smuggle)
    with pytest.raises(BackupCheckFailed, match=f"file {'ab' * 16}: in the backup but not in"):
        backup_verify(actor=OPERATOR, file=str(bad), identity=str(backup_keys.identity))
