"""Backup keys: the server keeps only the public recipient; manifests are signed (E5, F6)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from lawledger.audit.models import AuditRecord
from lawledger.backup import keys
from lawledger.backup.errors import BackupBadSignature, BackupKeyMissing
from lawledger.backup.services import backup_keygen
from lawledger.core.errors import InvalidInput
from tests.backup.conftest import BackupKeys
from tests.factories import OPERATOR


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.django_db
def test_keygen_writes_a_private_identity_and_leaves_only_the_public_key_on_the_server(
        backup_keys: BackupKeys, tmp_path: Path) -> None:
    keys.recipient_path().unlink()
    identity = tmp_path / "usb" / "identity.txt"
    identity.parent.mkdir()
    result = backup_keygen(actor=OPERATOR, identity_out=str(identity), recipients=[])
    text = identity.read_text()
    assert _mode(identity) == 0o600
    assert text.count("AGE-SECRET-KEY-1") == 1
    assert f"# lawledger-backup-signer: {result['signer']}" in text
    assert keys.recipient_path().read_text().splitlines()[1:] == result["recipients"]
    assert result["recipients"][0].startswith("age1")
    for path in keys.recipient_path().parent.iterdir():
        assert "AGE-SECRET-KEY" not in path.read_text(), path  # no identity on the server
    assert _mode(keys.signing_key_path()) == 0o600
    record = AuditRecord.objects.order_by("-seq").first()
    assert record is not None and record.event == "backup.recipient_set"
    assert record.details["recipients"] == result["recipients"]


@pytest.mark.django_db
def test_keygen_never_replaces_a_recipient_or_an_identity_without_being_told(
        backup_keys: BackupKeys, tmp_path: Path) -> None:
    before = keys.recipient_path().read_text()
    with pytest.raises(InvalidInput, match="--force"):
        backup_keygen(actor=OPERATOR, identity_out=None,
                      recipients=[str(keys.x25519.Identity.generate().to_public())])
    assert keys.recipient_path().read_text() == before
    with pytest.raises(InvalidInput, match="exists"):
        backup_keygen(actor=OPERATOR, identity_out=str(backup_keys.identity), recipients=[],
                      force=True)
    with pytest.raises(InvalidInput) as bad:
        backup_keygen(actor=OPERATOR, identity_out=None, recipients=["age1notakey"], force=True)
    assert bad.value.param == "recipient"
    assert keys.recipient_path().read_text() == before
    two = [str(keys.x25519.Identity.generate().to_public()) for _ in range(2)]
    assert backup_keygen(actor=OPERATOR, identity_out=None, recipients=two,
                         force=True)["recipients"] == two
    assert [str(r) for r in keys.load_recipients()] == two


def test_a_backup_cannot_be_made_without_a_recipient(backup_keys: BackupKeys) -> None:
    keys.recipient_path().unlink()
    with pytest.raises(BackupKeyMissing, match="backup keygen"):
        keys.load_recipients()
    assert BackupKeyMissing("x").exit_status == 2


def test_the_signature_binds_the_manifest_to_the_server_key(backup_keys: BackupKeys) -> None:
    manifest = b'{"tables": {"ledger_posting": 10}}'
    signer, signature = keys.sign(manifest)
    assert signer == backup_keys.signer
    trusted = keys.parse_signer(signer)
    keys.verify_signature(manifest, signature, signer, trusted, "test")
    with pytest.raises(BackupBadSignature, match="altered"):
        keys.verify_signature(manifest.replace(b"10", b"11"), signature, signer, trusted, "test")


def test_the_trusted_signer_comes_from_the_option_the_env_the_identity_file_or_the_server(
        backup_keys: BackupKeys, monkeypatch: pytest.MonkeyPatch) -> None:
    other = keys.signer_id(keys.Ed25519PrivateKey.generate().public_key())
    from_identity = keys.load_identities(str(backup_keys.identity)).signer
    assert from_identity == backup_keys.signer
    assert keys.trusted_signer(other, from_identity)[1] == "--signer"
    monkeypatch.setenv(keys.SIGNER_ENV, other)
    assert keys.trusted_signer(None, from_identity)[1] == keys.SIGNER_ENV
    monkeypatch.delenv(keys.SIGNER_ENV)
    assert keys.trusted_signer(None, from_identity)[1] == "the identity file"
    assert keys.trusted_signer(None, None)[1] == str(keys.signer_public_path())
    keys.signer_public_path().unlink()
    with pytest.raises(BackupKeyMissing, match="--signer"):
        keys.trusted_signer(None, None)


def test_an_identity_is_taken_from_a_file_or_the_environment(
        backup_keys: BackupKeys, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = next(line for line in backup_keys.identity.read_text().splitlines()
              if line.startswith("AGE-SECRET-KEY"))
    monkeypatch.setenv(keys.IDENTITY_ENV, secret)
    assert len(keys.load_identities(None).identities) == 1
    monkeypatch.delenv(keys.IDENTITY_ENV)
    with pytest.raises(BackupKeyMissing, match="--identity"):
        keys.load_identities(None)
    with pytest.raises(InvalidInput, match="cannot read"):
        keys.load_identities(str(backup_keys.home / "missing.txt"))
