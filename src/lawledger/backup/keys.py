"""The keys of backups: who can read them (age recipients) and who made them (Ed25519 signer).

- The server holds only the PUBLIC age recipient(s), in LAWLEDGER_HOME/keys/backup.recipient (one
  `age1…` per line, `#` comments). The matching identity (`AGE-SECRET-KEY-1…`) is kept offline by
  the firm; `backup keygen --identity FILE` writes one to FILE for the operator to move away.
- The server signs each manifest with an Ed25519 key, keys/backup-signing.key (0600); its public
  half is keys/backup-signing.pub and is also written into the identity file as a comment line
  (`# lawledger-backup-signer: ed25519:…`), so a machine holding only the identity file can tell a
  backup this server made from one forged by anyone else who knows the public recipient.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyrage import x25519

from lawledger.backup.errors import BackupBadSignature, BackupKeyMissing
from lawledger.core import clock
from lawledger.core.errors import InvalidInput
from lawledger.home import keys_dir

IDENTITY_ENV = "LAWLEDGER_BACKUP_IDENTITY"
SIGNER_ENV = "LAWLEDGER_BACKUP_SIGNER"
SIGNER_LINE = "# lawledger-backup-signer:"
SIGNER_PREFIX = "ed25519:"


def recipient_path() -> Path:
    return keys_dir() / "backup.recipient"


def signing_key_path() -> Path:
    return keys_dir() / "backup-signing.key"


def signer_public_path() -> Path:
    return keys_dir() / "backup-signing.pub"


def local_identity_path() -> Path:
    """Where a firm that never ran `backup keygen` finds the identity its first backup made."""
    return keys_dir() / "backup.identity"


def _write_new(path: Path, text: str, mode: int) -> None:
    """Create `path` (never overwrite), fsync it and its directory."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    fsync_directory(path.parent)


def _replace(path: Path, text: str, mode: int) -> None:
    """Write `path` whole or not at all: temporary name, fsync, rename, fsync the directory."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    _write_new(temporary, text, mode)
    os.replace(temporary, path)
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# recipients -------------------------------------------------------------------------------------

def parse_recipient(text: str, *, param: str = "recipient") -> x25519.Recipient:
    try:
        return x25519.Recipient.from_str(text.strip())
    except pyrage.RecipientError:
        raise InvalidInput(f"{param}: not an age X25519 recipient (age1…): {text.strip()[:80]!r}",
                           param=param) from None


def load_recipients() -> list[x25519.Recipient]:
    path = recipient_path()
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        raise BackupKeyMissing(
            f"no backup recipient: {path} does not exist. Run `lawledger backup keygen "
            "--identity FILE` (then move FILE off this server) or `lawledger backup keygen "
            "--recipient age1…` with a public key made offline") from None
    recipients = [parse_recipient(line, param=f"{path.name} line {number}")
                  for number, line in enumerate(lines, start=1)
                  if line.strip() and not line.lstrip().startswith("#")]
    if not recipients:
        raise BackupKeyMissing(f"no backup recipient in {path}")
    return recipients


def recipients_for_backup() -> tuple[list[x25519.Recipient], str | None]:
    """The recipients a new backup is encrypted to, and a warning while the identity that opens
    them sits on this server.

    A firm that has not yet run `backup keygen` still gets an encrypted backup from its first
    `backup create` (the command-line contract promises it works on a fresh firm): an identity is
    made in the keys directory, and every backup warns until the firm moves it offline."""
    local = local_identity_path()
    if not recipient_path().exists() and not local.exists():
        set_recipients([generate_identity(local)], replace=False)
    warning = None
    if local.exists():
        warning = (f"backup_identity_on_server: the identity that opens these backups is {local}; "
                   "move it off this server (restore with --identity FILE or "
                   f"{IDENTITY_ENV}), or run `lawledger backup keygen --recipient age1…` with a "
                   "key made offline")
    return load_recipients(), warning


def set_recipients(recipients: list[str], *, replace: bool) -> list[str]:
    parsed = [str(parse_recipient(text)) for text in recipients]
    path = recipient_path()
    if path.exists() and not replace:
        raise InvalidInput(f"{path} already holds a backup recipient; pass --force to replace "
                           "it (backups made before stay readable only by the old identity)",
                           param="recipient")
    body = ("# lawledger backup recipients (public age keys); one per line\n"
            + "".join(f"{text}\n" for text in parsed))
    _replace(path, body, 0o600)
    return parsed


def generate_identity(identity_out: Path) -> str:
    """A new age identity written to `identity_out` (0600, never overwritten); its recipient."""
    identity = x25519.Identity.generate()
    recipient = str(identity.to_public())
    signer = signer_id(ensure_signing_key().public_key())
    text = (f"# lawledger backup identity, created {clock.now().isoformat(timespec='seconds')}\n"
            "# KEEP THIS FILE OFFLINE, away from the server: it opens every backup.\n"
            f"# public key: {recipient}\n"
            f"{SIGNER_LINE} {signer}\n"
            f"{identity}\n")
    try:
        _write_new(identity_out, text, 0o600)
    except FileExistsError:
        raise InvalidInput(f"identity: {identity_out} exists; choose a new file name",
                           param="identity") from None
    return recipient


# identities -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Identities:
    identities: list[x25519.Identity]
    signer: str | None  # the signer line of the identity file, if it had one
    source: str


def load_identities(spec: str | None) -> Identities:
    """From --identity (a file, or the key itself) or LAWLEDGER_BACKUP_IDENTITY."""
    spec = spec or os.environ.get(IDENTITY_ENV)
    if not spec and local_identity_path().exists():
        spec = str(local_identity_path())
    if not spec:
        raise BackupKeyMissing(f"no backup identity: pass --identity FILE or set {IDENTITY_ENV} "
                               "(the AGE-SECRET-KEY file kept offline)")
    if spec.strip().startswith("AGE-SECRET-KEY-"):
        lines, source = [spec.strip()], IDENTITY_ENV
    else:
        try:
            lines, source = Path(spec).read_text().splitlines(), spec
        except OSError as exc:
            raise InvalidInput(f"identity: cannot read {spec}: {exc.strerror}",
                               param="identity") from None
    identities, signer = [], None
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text.startswith(SIGNER_LINE):
            signer = text.removeprefix(SIGNER_LINE).strip()
        elif text and not text.startswith("#"):
            try:
                identities.append(x25519.Identity.from_str(text))
            except pyrage.IdentityError:
                raise InvalidInput(f"identity: line {number} of {source} is not an age identity",
                                   param="identity") from None
    if not identities:
        raise InvalidInput(f"identity: {source} holds no AGE-SECRET-KEY line", param="identity")
    return Identities(identities, signer, source)


# the manifest signer ----------------------------------------------------------------------------

def signer_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return SIGNER_PREFIX + base64.b64encode(raw).decode("ascii")


def parse_signer(text: str, *, param: str = "signer") -> Ed25519PublicKey:
    value = text.strip()
    if not value.startswith(SIGNER_PREFIX) and Path(value).is_file():
        value = Path(value).read_text().strip()
    try:
        raw = base64.b64decode(value.removeprefix(SIGNER_PREFIX), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{param}: not a lawledger signer key (ed25519:…)", param=param) from None


def ensure_signing_key() -> Ed25519PrivateKey:
    """The server's manifest signing key, created (0600) the first time it is needed."""
    path = signing_key_path()
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes_raw()
        try:
            _write_new(path, base64.b64encode(raw).decode("ascii") + "\n", 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            _replace(signer_public_path(), signer_id(key.public_key()) + "\n", 0o644)
    try:
        raw = base64.b64decode(path.read_text().strip(), validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (OSError, binascii.Error, ValueError) as exc:
        raise BackupKeyMissing(f"cannot read the backup signing key {path}: {exc}") from None


def trusted_signer(option: str | None, from_identity: str | None) -> tuple[Ed25519PublicKey, str]:
    """The signer key a manifest must verify against, and where it came from."""
    for value, source in ((option, "--signer"), (os.environ.get(SIGNER_ENV), SIGNER_ENV),
                          (from_identity, "the identity file")):
        if value:
            return parse_signer(value), source
    path = signer_public_path()
    if path.exists():
        return parse_signer(path.read_text()), str(path)
    raise BackupKeyMissing(
        "no trusted signer key to check the manifest with: pass --signer ed25519:… (printed by "
        f"`backup keygen`), set {SIGNER_ENV}, or use an identity file made by `backup keygen`")


def sign(manifest_bytes: bytes) -> tuple[str, str]:
    key = ensure_signing_key()
    signature = key.sign(manifest_bytes)
    return signer_id(key.public_key()), base64.b64encode(signature).decode("ascii")


def verify_signature(manifest_bytes: bytes, signature_b64: str, claimed_signer: str,
                     trusted: Ed25519PublicKey, trusted_source: str) -> None:
    expected = signer_id(trusted)
    if claimed_signer != expected:
        raise BackupBadSignature(
            f"the manifest is signed by {claimed_signer}, not by the trusted key {expected} "
            f"(from {trusted_source}): this backup was not made by this firm's server")
    try:
        trusted.verify(base64.b64decode(signature_b64, validate=True), manifest_bytes)
    except (InvalidSignature, binascii.Error, ValueError):
        raise BackupBadSignature("the manifest's signature does not verify: the manifest was "
                                 "altered after the backup was made") from None
