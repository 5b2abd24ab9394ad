"""Databases other than the firm's own, opened for a moment: snapshots, scratch copies, targets.

Each is a temporary Django connection alias, so that the checks (raw SQL through Django's cursor,
`audit.verify.verify_chain`, the key ring) run unchanged against it. `as_default` points the
current thread's default connection at such an alias for the length of a block: the audit chain's
own code then verifies, or appends to, the copy rather than the live database.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.db import connections

from lawledger.backup.errors import ToolMissing
from lawledger.core.errors import InvalidInput

PG_BINDIR_ENV = "LAWLEDGER_PG_BINDIR"


@dataclass(frozen=True)
class Target:
    """Where a restore goes: a SQLite file, or a PostgreSQL database (Django settings dict)."""

    engine: str  # "sqlite" | "postgresql"
    path: Path | None = None
    settings: dict[str, Any] | None = None

    def describe(self) -> str:
        if self.engine == "sqlite":
            return f"sqlite://{self.path}"
        assert self.settings is not None
        return (f"postgres://{self.settings.get('HOST') or 'localhost'}:"
                f"{self.settings.get('PORT') or 5432}/{self.settings['NAME']}")


def parse_database_url(url: str, *, param: str = "to") -> Target:
    """`sqlite:///absolute/path` or `postgres://user:pass@host:port/db` (as DATABASE_URL)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = "/" + unquote(parsed.path).lstrip("/")
        if parsed.netloc or path == "/":
            raise InvalidInput(f"{param}: write a SQLite target as sqlite:///absolute/path",
                               param=param)
        return Target("sqlite", path=Path(path))
    if parsed.scheme in ("postgres", "postgresql"):
        from lawledger.settings import _database_from_url  # the parser of DATABASE_URL itself

        return Target("postgresql", settings=dict(_database_from_url(url)))
    raise InvalidInput(f"{param}: use sqlite:///path or postgres://… (got {parsed.scheme!r})",
                       param=param)


def sqlite_settings(path: Path) -> dict[str, Any]:
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path),
            "OPTIONS": {"timeout": 30}}


def with_name(settings: dict[str, Any], name: str) -> dict[str, Any]:
    copied = {key: value for key, value in settings.items() if key != "TEST"}
    copied["NAME"] = name
    copied["OPTIONS"] = dict(settings.get("OPTIONS") or {})
    return copied


@contextmanager
def temporary_alias(settings: dict[str, Any]) -> Iterator[str]:
    """A connection alias for `settings` in this thread, closed and forgotten when the block ends.

    The wrapper is made directly rather than added to settings.DATABASES: nothing else (request
    handling, `close_all`, the test runner) ever sees it.
    """
    from django.db.utils import load_backend

    alias = "lawledger_backup_" + secrets.token_hex(4)
    configured = connections.configure_settings({"default": {}, alias: dict(settings)})[alias]
    connections[alias] = load_backend(configured["ENGINE"]).DatabaseWrapper(configured, alias)
    try:
        yield alias
    finally:
        try:
            connections[alias].close()
        finally:
            with suppress(AttributeError):
                del connections[alias]


@contextmanager
def as_default(alias: str) -> Iterator[None]:
    """Run the block with this thread's default connection replaced by `alias`'s.

    Why: `verify_chain`, `audit.services.record` and the key ring use the default connection;
    pointing it at the copy reuses them exactly (including any future change to the chain)
    instead of keeping a second implementation here.
    """
    from lawledger.crypto.keyring import KEYRING

    saved = connections["default"]
    connections["default"] = connections[alias]
    KEYRING.reset()
    try:
        yield
    finally:
        connections["default"] = saved
        KEYRING.reset()


# PostgreSQL client programs and connections ------------------------------------------------------

def pg_binary(name: str) -> str:
    """pg_dump/pg_restore/…: from LAWLEDGER_PG_BINDIR, the newest /usr/lib/postgresql, or PATH."""
    candidates = []
    if os.environ.get(PG_BINDIR_ENV):
        candidates.append(Path(os.environ[PG_BINDIR_ENV]) / name)
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                      key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    candidates += [Path(directory) / name for directory in reversed(versions)]
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise ToolMissing(f"{name} is not installed: install the PostgreSQL client programs "
                      f"(Debian: postgresql-client-15) or set {PG_BINDIR_ENV}")


def pg_command(settings: dict[str, Any], dbname: str | None = None, *,
               positional: bool = False) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for a PostgreSQL client program; the password goes in the env."""
    args = []
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    name = dbname or str(settings["NAME"])
    args += [name] if positional else ["--dbname", name]  # pg_amcheck takes it positionally
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def pg_connect(settings: dict[str, Any], dbname: str | None = None) -> Any:
    """A psycopg connection in autocommit (for CREATE/DROP DATABASE and emptiness checks)."""
    import psycopg

    return psycopg.connect(dbname=dbname or str(settings["NAME"]),
                           host=settings.get("HOST") or None, port=settings.get("PORT") or None,
                           user=settings.get("USER") or None,
                           password=settings.get("PASSWORD") or None, autocommit=True)
