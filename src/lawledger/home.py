"""LAWLEDGER_HOME: the directory that holds the SQLite database, the key files and backups."""

from __future__ import annotations

import os
from pathlib import Path


def home_dir() -> Path:
    configured = os.environ.get("LAWLEDGER_HOME")
    base = Path(configured) if configured else Path.home() / ".lawledger"
    return base.expanduser().resolve()


def ensure_home() -> Path:
    home = home_dir()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home


def sqlite_path() -> Path:
    return home_dir() / "lawledger.sqlite3"


def keys_dir() -> Path:
    return home_dir() / "keys"


def backups_dir() -> Path:
    return home_dir() / "backups"
