"""The master key (KEK): from LAWLEDGER_MASTER_KEY (base64) or LAWLEDGER_HOME/keys/master.key."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from lawledger.home import keys_dir

KEY_BYTES = 32


class MasterKeyError(RuntimeError):
    """The master key is missing, unreadable or malformed: lawledger must not start."""


def master_key_path() -> Path:
    return keys_dir() / "master.key"


def load_master_key() -> bytes:
    from_env = os.environ.get("LAWLEDGER_MASTER_KEY")
    if from_env:
        try:
            key = base64.b64decode(from_env.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise MasterKeyError("LAWLEDGER_MASTER_KEY is not valid base64") from None
        source = "LAWLEDGER_MASTER_KEY"
    else:
        path = master_key_path()
        try:
            key = base64.b64decode(path.read_bytes().strip(), validate=True)
        except FileNotFoundError:
            raise MasterKeyError(
                f"no master key: {path} does not exist and LAWLEDGER_MASTER_KEY is not set "
                "(run `lawledger init` to create a firm)") from None
        except (OSError, binascii.Error, ValueError) as exc:
            raise MasterKeyError(f"cannot read the master key at {path}: {exc}") from None
        source = str(path)
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"the master key from {source} must be {KEY_BYTES} bytes")
    return key


def create_master_key_file() -> Path:
    """Write a new random master key with 0600 permissions; never overwrite an existing one."""
    path = master_key_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    encoded = base64.b64encode(secrets.token_bytes(KEY_BYTES))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(encoded + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path


def ensure_secret_file(name: str, nbytes: int = 48) -> Path:
    path = keys_dir() / name
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(nbytes) + "\n")
    return path
