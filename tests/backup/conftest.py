"""Fixtures of the backup tests: private keys per test, a firm's books, empty restore targets."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import factories
from tests.factories import OPERATOR

CANARIES = ("CANARY-memo-7Q4Z", "CANARY-notes-K2XW", "CANARY-payor-P9ML", "CANARY-acct-55190431")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "failover: PostgreSQL primary + streaming replica drill (PostgreSQL run only)")


@dataclass
class BackupKeys:
    home: Path
    identity: Path
    signer: str
    backups: Path


@pytest.fixture
def backup_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BackupKeys]:
    """A LAWLEDGER_HOME of this test's own (keys, staging), the shared master key, a key pair.

    xdist workers share the suite's LAWLEDGER_HOME; backup keys written there would collide.
    """
    from lawledger.backup import keys
    from lawledger.crypto.keyring import KEYRING
    from lawledger.crypto.master import load_master_key

    master = base64.b64encode(load_master_key()).decode()
    home = tmp_path / "home"
    (home / "keys").mkdir(parents=True, mode=0o700)
    monkeypatch.setenv("LAWLEDGER_HOME", str(home))
    monkeypatch.setenv("LAWLEDGER_MASTER_KEY", master)
    monkeypatch.delenv("LAWLEDGER_BACKUP_IDENTITY", raising=False)
    monkeypatch.delenv("LAWLEDGER_BACKUP_SIGNER", raising=False)
    KEYRING.reset()
    identity = tmp_path / "offline" / "backup-identity.txt"
    identity.parent.mkdir()
    recipient = keys.generate_identity(identity)
    keys.set_recipients([recipient], replace=False)
    signer = keys.signer_id(keys.ensure_signing_key().public_key())
    backups = tmp_path / "backups"
    backups.mkdir()
    yield BackupKeys(home, identity, signer, backups)
    KEYRING.reset()


def build_books() -> dict[str, Any]:
    """A small firm: two trust accounts' worth of entries, canaries in encrypted fields, a lock."""
    import datetime as dt

    from django.db import transaction

    from lawledger.core.ledger import EntryKind
    from lawledger.firm.services import client_add
    from lawledger.ledger import services
    from lawledger.ledger.accounts import get_bank_account

    factories.firm(uncleared_funds="off")
    factories.trust_account("IOLTA", account_number=CANARIES[3])
    factories.operating_account("Operating")
    client = client_add(actor=OPERATOR, name="Canary Holdings", notes=CANARIES[1]).number
    matters = [factories.matter(client, f"Matter {n}") for n in range(4)]
    for number in matters:
        factories.deposit(number, "1000.00", date="2026-01-05", payor=CANARIES[2])
    factories.disburse(matters[0], "125.50", date="2026-01-10", memo=CANARIES[0])
    services.trust_transfer_record(actor=OPERATOR, from_matter=matters[1], to_matter=matters[2],
                                   amount="200.00", date="2026-01-12")
    services.earned_fee_transfer_record(actor=OPERATOR, matter=matters[3], amount="300.00",
                                        account="IOLTA", date="2026-01-15")
    services.trust_firm_entry_record(actor=OPERATOR, kind=EntryKind.FIRM_DEPOSIT, account="IOLTA",
                                     amount="50.00", date="2026-01-16")
    with transaction.atomic():
        services.period_lock_record(actor=OPERATOR, account=get_bank_account("IOLTA"),
                                    through_date=dt.date(2026, 1, 31), reference="REC-2026-01")
    factories.deposit(matters[0], "10.00", date="2026-02-02")
    return {"matters": matters, "client": client}


def database_figures() -> dict[str, Any]:
    from lawledger.backup import inventory

    return inventory.take("default")


@contextmanager
def empty_target(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty place to restore into, on the engine under test; dropped afterwards."""
    from django.db import connection

    if connection.vendor == "sqlite":
        folder = tmp_path / "restored"
        folder.mkdir(exist_ok=True)
        yield f"sqlite://{folder / ('firm-' + secrets.token_hex(3) + '.sqlite3')}"
        return
    from lawledger.backup.databases import pg_connect

    settings = dict(connection.settings_dict)
    name = "restore_" + secrets.token_hex(5)
    with pg_connect(settings) as link:
        link.execute(f'CREATE DATABASE "{name}"')
    host = settings.get("HOST") or "127.0.0.1"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    try:
        yield f"postgres://{settings['USER']}{password}@{host}:{settings['PORT']}/{name}"
    finally:
        with pg_connect(settings) as link:
            link.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def target_state(url: str) -> Any:
    """What a restore target holds, to prove a refused restore left it untouched."""
    from lawledger.backup.databases import parse_database_url, pg_connect

    target = parse_database_url(url)
    if target.engine == "sqlite":
        assert target.path is not None
        return sorted(p.name for p in target.path.parent.iterdir())
    assert target.settings is not None
    with pg_connect(target.settings) as link:
        return link.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n "
                            "ON n.oid = c.relnamespace WHERE n.nspname = 'public'").fetchone()[0]


def repack(source: Path, identity: Path, out: Path, *,
           mutate: Callable[[dict[str, Any]], None] | None = None,
           sign_with: Any = None,
           documents: Callable[[dict[str, bytes]], None] | None = None,
           with_index: bool = True) -> Path:
    """Open a backup, change its manifest, and seal it again to the same recipient.

    Without `sign_with` the original signature is kept (so it no longer matches); with an
    Ed25519 private key the manifest is signed anew by that key. The document files are carried
    over, after `documents` (given {storage id: sealed bytes}) changed them; `with_index=False`
    leaves the documents index out (a backup of the format before documents were carried).
    """
    import pyrage

    from lawledger.backup import archive, keys

    opened = keys.load_identities(str(identity))
    staging = out.parent / f".staging-{secrets.token_hex(3)}"
    staging.mkdir()
    archive.decrypt(source, opened.identities, staging / "plain.tar")
    unpacked = archive.unpack(staging / "plain.tar", staging)
    manifest = json.loads(unpacked.manifest_bytes)
    if mutate is not None:
        mutate(manifest)
    manifest_bytes = json.dumps(manifest, sort_keys=True, indent=1).encode()
    signature = json.loads(unpacked.signature_bytes)
    if sign_with is not None:
        signature = {"algorithm": "ed25519", "signer": keys.signer_id(sign_with.public_key()),
                     "signature": base64.b64encode(sign_with.sign(manifest_bytes)).decode()}
    members = [archive.Member(archive.MANIFEST_NAME, manifest_bytes),
               archive.Member(archive.SIGNATURE_NAME, json.dumps(signature).encode()),
               archive.Member(unpacked.payload_name, path=unpacked.payload_path)]
    if with_index and unpacked.documents_index is not None:
        members.append(archive.Member(archive.INDEX_NAME, unpacked.documents_index))
    files = {sid: path.read_bytes() for sid, path in unpacked.document_files.items()}
    if documents is not None:
        documents(files)
    members += [archive.Member(archive.BLOB_PREFIX + sid, data) for sid, data in files.items()]
    recipient = opened.identities[0].to_public()
    with open(out, "wb") as handle:
        pyrage.encrypt_io(archive.TarStream(members, 0), handle, [recipient])
    return out


@contextmanager
def tiny_tmpfs(path: Path, size_kib: int) -> Iterator[Path]:
    """A tmpfs of `size_kib` at `path` (skips the test where mounting is impossible)."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0700", "tmpfs",
                           str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): the ENOSPC simulation "
                    "tests cover this path")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def fill_disk(folder: Path, leave_kib: int = 0) -> Path:
    """Fill the file system of `folder`, leaving about `leave_kib` KiB free."""
    stats = os.statvfs(folder)
    free_kib = stats.f_bavail * stats.f_frsize // 1024
    filler = folder / "filler.bin"
    with open(filler, "wb") as handle:
        block = b"\0" * 1024
        for _ in range(max(free_kib - leave_kib, 0)):
            try:
                handle.write(block)
                handle.flush()
            except OSError:
                break
    return filler
